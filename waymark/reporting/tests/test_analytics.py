"""Reason analytics: off-track reasons of reviews counted by code, unit, tier, period and year,
for what each person may see, in a fixed number of queries; and the page that shows them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from waymark.core.permissions import get_access
from waymark.core.testing import Cast, make_element, make_plan
from waymark.indicators.models import Period
from waymark.org.models import Unit
from waymark.org.services import unit_create
from waymark.plans.models import Element, Plan
from waymark.reporting.analytics import ReasonRow, reason_charts, reason_counts, stacked_chart
from waymark.reporting.models import Review, ReviewItem, ReviewReason
from waymark.reporting.selectors import reporting_periods

D = datetime.date
pytestmark = pytest.mark.urls("waymark.reporting.tests.test_reports")

Reasons = dict[Element, list[tuple[str, str]]]


def make_review(
    plan: Plan,
    period: Period,
    reasons: Reasons,
    *,
    held_on: datetime.date | None = None,
    kind: str = Review.Kind.QUARTERLY,
) -> Review:
    """A review with one item per element, each with its coded reasons (code, words)."""
    review = Review.objects.create(
        plan=plan, period=period, kind=kind, held_on=held_on or period.end
    )
    for element, given in reasons.items():
        item = ReviewItem.objects.create(
            review=review, element=element, on_track=ReviewItem.OnTrack.NO
        )
        for code, text in given:
            ReviewReason.objects.create(item=item, code=code, text=text)
    return review


def period(plan: Plan, label: str) -> Period:
    return next(p for p in reporting_periods(plan) if p.label == label)


@dataclass
class Scene:
    plan: Plan
    later: Plan
    finance: Plan
    division: Unit
    goal: Element
    action: Element
    second: Element


@pytest.fixture
def scene(cast: Cast, plan: Plan, tree: Any) -> Scene:
    """The department's 2017 plan: Q1 reasons on the action (a, e) and the goal (d), Q2 on the
    action (a) and on an action of the Training Division (b, e); its 2018 plan: an external
    change on a goal. The Finance Department's plan: (e), seen by its own people only.
    A deleted review's reason counts nowhere."""
    goal, objective, action = tree
    division = unit_create(
        actor=cast.admin, name="Training Division", short_name="TRD", parent=cast.dept
    )
    second = make_element(
        cast, plan, "Build the training centre", parent=objective, responsible_unit=division
    )
    later = make_plan(
        cast, "Development goals 2018", start_date=D(2018, 1, 1), end_date=D(2018, 12, 31)
    )
    open_government = make_element(cast, later, "Open government")
    finance = make_plan(cast, "Finance plan 2017", owner_unit=cast.other)
    audit = make_element(cast, finance, "Audit the soums", responsible_unit=cast.other)

    make_review(
        plan,
        period(plan, "2017-Q1"),
        {
            action: [("a", "The curriculum took longer than planned"), ("e", "")],
            goal: [("d", "The governor moved the money to roads")],
        },
        held_on=D(2017, 4, 12),
    )
    make_review(
        plan,
        period(plan, "2017-Q2"),
        {
            action: [("a", "Still behind: trainers were found late")],
            second: [("b", "The contractor lacked staff"), ("e", "Budget cut by half")],
        },
        held_on=D(2017, 7, 10),
    )
    make_review(
        later,
        period(later, "2018-Q1"),
        {open_government: [("external", "Election year")]},
        held_on=D(2018, 4, 5),
    )
    make_review(
        finance,
        period(finance, "2017-Q1"),
        {audit: [("e", "No money for travel to the soums")]},
    )
    gone = make_review(plan, period(plan, "2017-Q3"), {action: [("c", "Deleted review")]})
    gone.deleted_at = timezone.now()
    gone.save()
    return Scene(plan, later, finance, division, goal, action, second)


def by_label(rows: Any) -> dict[str, dict[str, int]]:
    return {row.label: dict(row.counts) for row in rows}


def test_it_counts_reasons_by_code_unit_tier_period_and_year(cast: Cast, scene: Scene) -> None:
    counts = reason_counts(cast.viewer)

    assert counts.total == 7
    assert {c.code: c.count for c in counts.by_code} == {
        "a": 2,
        "b": 1,
        "c": 0,
        "d": 1,
        "e": 2,
        "external": 1,
        "other": 0,
    }
    # The goal and the 2018 goal have no responsible unit: the plan's owner unit counts them.
    assert by_label(counts.by_unit) == {
        "Department of Administration": {"a": 2, "e": 1, "d": 1, "external": 1},
        "Training Division": {"b": 1, "e": 1},
    }
    assert [r.label for r in counts.by_unit] == [
        "Department of Administration",
        "Training Division",
    ]
    assert by_label(counts.by_tier) == {
        "Goal": {"d": 1, "external": 1},
        "Action": {"a": 2, "e": 2, "b": 1},
    }
    assert [r.label for r in counts.by_tier] == ["Goal", "Action"]
    assert [(r.label, r.total) for r in counts.by_period] == [
        ("2017-Q1", 3),
        ("2017-Q2", 3),
        ("2018-Q1", 1),
    ]
    assert [(r.label, r.total) for r in counts.by_year] == [("2017", 6), ("2018", 1)]
    assert counts.by_year[0].cells == [2, 1, 0, 1, 2, 0, 0]
    assert counts.years == [2017, 2018]
    assert counts.most_given is not None and counts.most_given.code == "a"


def test_it_keeps_the_latest_explanations_per_code_in_words(cast: Cast, scene: Scene) -> None:
    counts = reason_counts(cast.viewer)
    recent = {c.code: [(e.text, e.element.pk) for e in c.recent] for c in counts.by_code}

    assert recent["a"] == [
        ("Still behind: trainers were found late", scene.action.pk),
        ("The curriculum took longer than planned", scene.action.pk),
    ]
    # An (e) given without words is counted, but has nothing to quote.
    assert recent["e"] == [("Budget cut by half", scene.second.pk)]
    # The most given first.
    assert [c.code for c in counts.explained] == ["a", "e", "b", "d", "external"]
    said = next(c for c in counts.by_code if c.code == "d").recent[0]
    assert said.period.label == "2017-Q1"
    assert said.review.held_on == D(2017, 4, 12)


def test_it_filters_by_plan_and_year(cast: Cast, scene: Scene) -> None:
    one_plan = reason_counts(cast.viewer, plan=scene.plan)
    assert one_plan.total == 6
    assert one_plan.years == [2017]

    one_year = reason_counts(cast.viewer, year=2018)
    assert one_year.total == 1
    assert [r.label for r in one_year.by_period] == ["2018-Q1"]
    assert one_year.years == [2017, 2018]  # the filter still offers every year

    assert reason_counts(cast.viewer, plan=scene.later, year=2017).total == 0


def test_it_shows_an_outsider_none_of_another_units_reasons(cast: Cast, scene: Scene) -> None:
    outsider = reason_counts(cast.outsider)
    assert outsider.total == 1
    assert [r.label for r in outsider.by_unit] == ["Finance Department"]
    assert [e.text for c in outsider.by_code for e in c.recent] == [
        "No money for travel to the soums"
    ]

    department = reason_counts(cast.manager)
    assert "Finance Department" not in by_label(department.by_unit)

    admin = reason_counts(cast.admin)  # an admin of the root unit sees both departments
    assert admin.total == 8


def test_it_counts_in_the_same_number_of_queries_for_3_and_30_reasons(
    cast: Cast, plan: Plan, tree: Any, django_assert_num_queries: Any
) -> None:
    _goal, _objective, action = tree
    q1 = period(plan, "2017-Q1")
    make_review(plan, q1, {action: [("a", "one"), ("b", "two"), ("e", "three")]})
    get_access(cast.viewer)  # the person's memberships, read once per request anyway

    with django_assert_num_queries(4):
        assert reason_counts(cast.viewer).total == 3

    for n in range(9):  # nine more reviews of three reasons each
        make_review(plan, q1, {action: [("c", f"c{n}"), ("d", f"d{n}"), ("other", f"o{n}")]})
    with django_assert_num_queries(4):
        counts = reason_counts(cast.viewer)
    assert counts.total == 30
    assert sum(len(c.recent) for c in counts.by_code) == 3 + 3 * 5


def test_it_draws_every_chart_with_a_title_and_a_text_alternative(cast: Cast, scene: Scene) -> None:
    charts = reason_charts(reason_counts(cast.viewer))

    assert set(charts) == {"code", "unit", "tier", "period", "year"}
    for svg in charts.values():
        assert "<title>" in svg and "<desc>" in svg
        assert "<script" not in svg
    assert "(a) Challenges underestimated: 2" in charts["code"]
    assert "Training Division: 2" in charts["unit"]
    assert "2018: 1" in charts["year"]


def test_it_draws_at_most_twelve_bars_and_folds_the_rest_into_one() -> None:
    rows = [ReasonRow(key=i, label=f"Soum {i:02}", counts={"a": 20 - i}) for i in range(15)]

    svg = stacked_chart(rows, title="By soum")

    assert "Soum 10" in svg
    assert "Soum 11" not in svg  # in the twelfth bar, with the three after it
    assert "4 more: 30" in svg  # 9 + 8 + 7 + 6, told in the text alternative
    assert 'id="activate-serie' not in svg  # several charts on one page: no repeated ids


def test_it_draws_no_year_chart_for_a_single_year(cast: Cast, scene: Scene) -> None:
    charts = reason_charts(reason_counts(cast.viewer, plan=scene.plan))
    assert "year" not in charts
    assert reason_charts(reason_counts(cast.viewer, year=1999)) == {}


# -- the page --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 200),
        ("viewer", 200),
        ("outsider", 200),
        (None, 302),
    ],
)
def test_it_opens_the_page_for_everyone_signed_in(
    client_for: Any, scene: Scene, name: str | None, status: int
) -> None:
    response = client_for(name).get(reverse("reason-analytics"))
    assert response.status_code == status


def test_it_shows_the_reasons_a_person_may_see_as_charts_and_tables(
    client_for: Any, scene: Scene
) -> None:
    page = client_for("viewer").get(reverse("reason-analytics")).content.decode()

    assert "Why plans slip" in page
    assert page.count("<svg") == 5
    assert "The governor moved the money to roads" in page
    assert "Training Division" in page
    assert "No money for travel" not in page
    q2 = Review.objects.get(plan=scene.plan, held_on=D(2017, 7, 10))
    assert reverse("review-report", args=[q2.pk]) in page  # "what people said" links its review

    outsider = client_for("outsider").get(reverse("reason-analytics")).content.decode()
    assert "No money for travel to the soums" in outsider
    assert "The governor moved the money to roads" not in outsider


def test_it_filters_the_page_and_ignores_a_plan_the_person_cannot_see(
    client_for: Any, scene: Scene
) -> None:
    client = client_for("viewer")
    only_2018 = client.get(reverse("reason-analytics"), {"year": "2018"}).content.decode()
    assert "Election year" in only_2018
    assert "The governor moved the money to roads" not in only_2018

    hidden = client.get(reverse("reason-analytics"), {"plan": scene.finance.pk})
    assert hidden.status_code == 200
    assert hidden.context["plan"] is None
    assert hidden.context["counts"].total == 7

    nothing = client.get(reverse("reason-analytics"), {"plan": scene.later.pk, "year": "2017"})
    assert "No off-track reasons for this choice" in nothing.content.decode()


def test_it_explains_where_reasons_come_from_when_there_are_none(
    client_for: Any, plan: Plan
) -> None:
    page = client_for("manager").get(reverse("reason-analytics")).content.decode()
    assert "No off-track reasons yet" in page
    assert "<svg" not in page


def test_it_renders_the_page_in_the_same_number_of_queries_for_3_and_30_reasons(
    cast: Cast, plan: Plan, tree: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    _goal, _objective, action = tree
    q1 = period(plan, "2017-Q1")
    make_review(plan, q1, {action: [("a", "one"), ("b", "two"), ("e", "three")]})
    client = client_for("viewer")
    url = reverse("reason-analytics")
    client.get(url)

    with django_assert_num_queries(PAGE_QUERIES):
        client.get(url)
    for n in range(9):
        make_review(plan, q1, {action: [("c", f"c{n}"), ("d", f"d{n}"), ("other", f"o{n}")]})
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url)
    assert response.context["counts"].total == 30


# session, person, organisation, memberships, plans for the filter, years, counts, tiers,
# explanations
PAGE_QUERIES = 9


def test_it_shows_the_demos_reasons(db: None, client: Any) -> None:
    """The demo's reviews, loaded as `waymark demo` loads them: every reason on the page, with
    the latest explanation of each code in its own words."""
    from waymark.core.demo import ADMIN_USERNAME, load_demo
    from waymark.org.models import Person

    load_demo()
    admin = Person.objects.get(username=ADMIN_USERNAME)
    client.force_login(admin)

    response = client.get(reverse("reason-analytics"))

    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts.total == ReviewReason.objects.count() > 0
    page = response.content.decode()
    for code in counts.by_code:
        if code.count:
            assert code.label in page
            latest = (
                ReviewReason.objects.filter(code=code.code)
                .exclude(text="")
                .order_by("-item__review__held_on", "-id")
                .first()
            )
            assert latest is not None and escape(latest.text) in page
    assert page.count("<svg") >= 4


@pytest.mark.parametrize("year", ["0", "-5", "10000", "soon"])
def test_it_reads_a_year_that_is_no_year_as_every_year(
    cast: Any, client_for: Any, year: str
) -> None:
    response = client_for("viewer").get(f"/reasons/?year={year}")
    assert response.status_code == 200
    assert response.context["year"] is None
