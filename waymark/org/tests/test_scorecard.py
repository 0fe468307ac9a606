"""The unit scorecard: a unit's (and its sub-units') elements and indicators across the active
plans the person sees, beside the same figures for everything the person sees."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from waymark.core.testing import Cast, make_element, make_plan
from waymark.indicators.models import Indicator
from waymark.indicators.tests.builders import make_indicator
from waymark.org.models import Unit
from waymark.org.services import unit_create
from waymark.plans.models import Element, Plan

D = datetime.date


@pytest.fixture
def sub(cast: Cast) -> Unit:
    return unit_create(
        actor=cast.admin, name="Training Division", short_name="TRD", parent=cast.dept
    )


@pytest.fixture
def scene(cast: Cast, plan: Plan, tree: Any, sub: Unit) -> dict[str, Any]:
    """The dept's plan: the tree's action (dept, overdue, not assessed) and, under the same
    objective, one late and off track (dept), one at risk and one completed (the division).
    The finance department's own plan holds one action on track. Indicators: one the division
    reports, one measuring the late action, one the finance department reports."""
    _goal, objective, action = tree
    late = make_element(
        cast,
        plan,
        "Late and off track",
        parent=objective,
        responsible_unit=cast.dept,
        health_override="off_track",
        health_override_reason="No funds",
        percent_complete=20,
        target_date=D(2017, 3, 31),
        budget_planned="1000",
        budget_spent="800",
    )
    risky = make_element(
        cast,
        plan,
        "Risky in the division",
        parent=objective,
        responsible_unit=sub,
        health_override="at_risk",
        health_override_reason="Slow procurement",
        percent_complete=60,
    )
    done = make_element(
        cast,
        plan,
        "Done in the division",
        parent=objective,
        responsible_unit=sub,
        state="completed",
    )
    finance = make_plan(cast, "Finance plan", owner_unit=cast.other)
    theirs = make_element(
        cast,
        finance,
        "Finance's action",
        responsible_unit=cast.other,
        health_override="on_track",
        health_override_reason="Fine",
        percent_complete=90,
    )
    reported = make_indicator(cast, plan, "1.a", reporting_units=[sub])
    measuring = make_indicator(cast, plan, "1.b", elements=[late])
    finance_indicator = make_indicator(cast, finance, "1.c", reporting_units=[cast.other])
    Indicator.objects.filter(pk=measuring.pk).update(health="off_track", percent_met=Decimal(42))
    Indicator.objects.filter(pk=reported.pk).update(health="on_track", percent_met=Decimal(105))
    return {
        "action": action,
        "late": late,
        "risky": risky,
        "done": done,
        "theirs": theirs,
        "reported": reported,
        "measuring": measuring,
        "finance_indicator": finance_indicator,
    }


def scorecard(client: Any, unit: Unit) -> Any:
    return client.get(reverse("unit-scorecard", args=[unit.pk]))


def test_it_counts_the_units_and_its_sub_units_elements(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    card = scorecard(client_for("manager"), cast.dept).context["card"]

    f = card.figures
    assert f.total == 4  # the action and the late one (dept), the risky and done (division)
    assert f.health == {"on_track": 0, "at_risk": 1, "off_track": 1, "not_assessed": 2}
    assert f.states == {"not_started": 3, "completed": 1}
    assert f.percent == 45  # (0 + 20 + 60 + 100) / 4
    assert f.overdue == 2
    assert f.planned == Decimal("1501000") and f.spent == Decimal("800")
    assert f.spent_share == 0  # 800 of 1,501,000


def test_it_sets_the_organisation_beside_the_unit_as_far_as_the_person_sees(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    manager = scorecard(client_for("manager"), cast.dept).context["card"]
    admin = scorecard(client_for("admin"), cast.dept).context["card"]

    assert manager.organisation.total == 6  # the dept's plan: goal, objective and 4 actions
    assert admin.organisation.total == 7  # and the finance plan's action
    assert admin.organisation.health["on_track"] - manager.organisation.health["on_track"] == 1
    assert admin.figures.total == manager.figures.total == 4
    assert admin.organisation_indicator_health["off_track"] == 1
    assert sum(admin.organisation_indicator_health.values()) == 3
    assert sum(manager.organisation_indicator_health.values()) == 2


def test_it_breaks_the_figures_down_by_sub_unit(
    cast: Cast, scene: dict[str, Any], sub: Unit, client_for: Any
) -> None:
    response = scorecard(client_for("viewer"), cast.dept)

    rows = {unit.pk: figures for unit, figures in response.context["card"].sub_units}
    assert list(rows) == [cast.dept.pk, sub.pk]  # the unit itself first
    assert rows[cast.dept.pk].total == 2 and rows[cast.dept.pk].overdue == 2
    assert rows[sub.pk].total == 2 and rows[sub.pk].percent == 80
    assert reverse("unit-scorecard", args=[sub.pk]) in response.content.decode()


def test_it_lists_the_units_indicators_the_worst_first_with_health_and_percent_met(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    response = scorecard(client_for("viewer"), cast.dept)

    card = response.context["card"]
    assert card.indicators == [scene["measuring"], scene["reported"]]
    assert card.indicator_health == {
        "on_track": 1,
        "at_risk": 0,
        "off_track": 1,
        "not_assessed": 0,
    }
    page = response.content.decode()
    table = page[page.index('id="indicators-h"') :]
    table = table[: table.index("</section>")]
    assert "Indicator 1.b" in table and "Indicator 1.a" in table and "Indicator 1.c" not in table
    assert "42%" in table and "105%" in table and "Off track" in table


def test_it_lists_the_elements_open_ones_first_the_worst_first(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    response = scorecard(client_for("viewer"), cast.dept)

    elements = response.context["card"].elements
    assert elements == [scene["late"], scene["risky"], scene["action"], scene["done"]]
    page = response.content.decode()
    assert "No funds" in page  # the override's reason goes with its health
    assert "Finance&#x27;s action" not in page


def test_it_draws_both_health_charts_with_words(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    page = scorecard(client_for("admin"), cast.dept).content.decode()

    assert page.count("<svg") == 2
    assert "Health of GAD&#x27;s elements" in page or "Health of GAD's elements" in page
    assert "Off track: 1" in page and "On track: 1" in page  # the legends, in words


def test_the_outsider_finds_no_scorecard_of_the_dept(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    assert scorecard(client_for("outsider"), cast.dept).status_code == 404


def test_the_outsider_sees_nothing_of_the_dept_on_the_whole_organisations_scorecard(
    cast: Cast, scene: dict[str, Any], client_for: Any
) -> None:
    response = scorecard(client_for("outsider"), cast.root)

    assert response.status_code == 200
    card = response.context["card"]
    assert card.figures.total == card.organisation.total == 1  # the finance plan's action
    assert card.indicators == [scene["finance_indicator"]]
    page = response.content.decode()
    for title in ("Late and off track", "Risky in the division", "Train government officials"):
        assert title not in page
    assert "Indicator 1.a" not in page and "Indicator 1.b" not in page


def test_it_says_what_will_appear_for_a_unit_with_nothing_yet(cast: Cast, client_for: Any) -> None:
    page = scorecard(client_for("viewer"), cast.dept).content.decode()

    assert "No elements for this unit" in page
    assert "No indicators yet" in page
    assert "<svg" not in page


def test_the_unit_page_links_its_scorecard(cast: Cast, client_for: Any) -> None:
    page = client_for("viewer").get(reverse("unit-detail", args=[cast.dept.pk])).content.decode()

    assert f'href="{reverse("unit-scorecard", args=[cast.dept.pk])}"' in page


def grow(cast: Cast, plan: Plan, under: Element, units: list[Unit], n: int) -> None:
    """`n` actions under the element, their responsible units taken in turn, every third
    overdue, off track by hand and with a budget, every fifth completed."""
    start = Element.objects.filter(parent=under).count()
    for i in range(start, start + n):
        data: dict[str, Any] = {
            "responsible_unit": units[i % len(units)],
            "percent_complete": i % 100,
        }
        if i % 3 == 0:
            data.update(
                target_date=D(2017, 3, 31),
                health_override="off_track",
                health_override_reason="Behind",
                budget_planned="100",
                budget_spent="40",
            )
        if i % 5 == 0:
            data["state"] = "completed"
        make_element(cast, plan, f"Grown action {i}", parent=under, **data)


def test_the_scorecard_takes_the_same_number_of_queries_for_10_and_200_elements(
    cast: Cast,
    scene: dict[str, Any],
    sub: Unit,
    tree: Any,
    plan: Plan,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    client = client_for("manager")
    _goal, objective, _action = tree
    for code in ("1.d", "1.e", "1.f"):
        make_indicator(cast, plan, code, reporting_units=[sub])
    grow(cast, plan, objective, [cast.dept, sub, cast.other], 6)
    scorecard(client, cast.dept)
    with django_assert_num_queries(SCORECARD_QUERIES):
        small = scorecard(client, cast.dept)
    grow(cast, plan, objective, [cast.dept, sub, cast.other], 190)
    with django_assert_num_queries(SCORECARD_QUERIES):
        large = scorecard(client, cast.dept)
    assert small.context["card"].figures.total == 8
    assert large.context["card"].figures.total == 8 + 127
    assert len(large.context["card"].elements) == 50


SCORECARD_QUERIES = 14
