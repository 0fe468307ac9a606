"""ElementFilterSet: the one filter behind the tracking grid page and /api/v1/elements/."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.test import RequestFactory
from django.utils import timezone

from waymark.core.testing import Cast, make_element, make_plan
from waymark.org.models import Health, Person, Unit
from waymark.org.services import unit_create
from waymark.plans.filters import SORTABLE, ElementFilterSet
from waymark.plans.models import Element, Plan

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def titles(
    data: dict[str, Any], user: Any = None, queryset: QuerySet[Element] | None = None
) -> list[str]:
    request = RequestFactory().get("/")
    # The filters' choices are scoped to the requester; by default the cast's org admin asks.
    request.user = user or Person.objects.get(username="admin")
    filterset = ElementFilterSet(
        data=data, queryset=Element.objects.all() if queryset is None else queryset, request=request
    )
    assert filterset.is_valid(), filterset.errors
    return [e.title for e in filterset.qs]


@pytest.fixture
def division(cast: Cast) -> Unit:
    return unit_create(actor=cast.admin, name="Archives", parent=cast.dept)


# -- filters -----------------------------------------------------------------------------------
def test_the_unit_filter_includes_sub_units(cast: Cast, plan: Plan, division: Unit) -> None:
    make_element(cast, plan, "Department's", responsible_unit=cast.dept)
    make_element(cast, plan, "Division's", responsible_unit=division)
    make_element(cast, plan, "Finance's", responsible_unit=cast.other)
    make_element(cast, plan, "Nobody's")
    assert titles({"unit": cast.dept.pk}) == ["Department's", "Division's"]
    assert titles({"unit": division.pk}) == ["Division's"]
    assert len(titles({"unit": cast.root.pk})) == 3


def test_the_health_filter_uses_the_override_when_there_is_one(cast: Cast, plan: Plan) -> None:
    on_track = make_element(cast, plan, "Computed on track")
    overridden = make_element(
        cast,
        plan,
        "Overridden off track",
        health_override=Health.OFF_TRACK,
        health_override_reason="Contractor left",
    )
    off_track = make_element(cast, plan, "Computed off track")
    Element.objects.filter(pk__in=[on_track.pk, overridden.pk]).update(health=Health.ON_TRACK)
    Element.objects.filter(pk=off_track.pk).update(health=Health.OFF_TRACK)
    assert titles({"health": [Health.OFF_TRACK]}) == ["Overridden off track", "Computed off track"]
    assert titles({"health": [Health.ON_TRACK]}) == ["Computed on track"]
    assert titles({"health": [Health.ON_TRACK, Health.OFF_TRACK]}) == [
        "Computed on track",
        "Overridden off track",
        "Computed off track",
    ]


def test_the_overdue_filter_takes_open_elements_past_their_target(cast: Cast, plan: Plan) -> None:
    make_element(cast, plan, "Late", target_date=TODAY - DAY)
    make_element(
        cast, plan, "Late but done", target_date=TODAY - DAY, state=Element.State.COMPLETED
    )
    make_element(
        cast, plan, "Late but cancelled", target_date=TODAY - DAY, state=Element.State.CANCELLED
    )
    make_element(cast, plan, "Due today", target_date=TODAY)
    make_element(cast, plan, "Undated")
    assert titles({"overdue": "true"}) == ["Late"]
    assert titles({"overdue": "false"}) == [
        "Late but done",
        "Late but cancelled",
        "Due today",
        "Undated",
    ]
    assert len(titles({})) == 5


def test_mine_means_led_by_me_or_contributed_to_by_me(cast: Cast, plan: Plan) -> None:
    make_element(cast, plan, "Led", responsible_unit=cast.dept, lead=cast.viewer)
    make_element(cast, plan, "Helped", contributors=[cast.viewer, cast.manager])
    make_element(
        cast, plan, "Both", responsible_unit=cast.dept, lead=cast.viewer, contributors=[cast.viewer]
    )
    make_element(cast, plan, "Someone else's", contributors=[cast.manager])
    assert titles({"mine": "true"}, user=cast.viewer) == ["Led", "Helped", "Both"]
    assert len(titles({"mine": "true"}, user=AnonymousUser())) == 4  # nobody signed in: no filter
    assert titles({"lead": cast.viewer.pk}) == ["Led", "Helped", "Both"]


def test_the_search_looks_at_titles_numbers_and_policy_areas(
    cast: Cast, plan: Plan, tree: Any
) -> None:
    make_element(cast, plan, "Roads", policy_area="Infrastructure")
    assert titles({"q": "TRAIN"}) == ["Train government officials"]
    assert titles({"q": "1.1"}) == ["Capable public servants", "Train government officials"]
    assert titles({"q": "infra"}) == ["Roads"]
    assert len(titles({"q": "   "})) == 4


def test_it_filters_by_plan_state_priority_quick_win_parent_and_depth(
    cast: Cast, plan: Plan, tree: Any
) -> None:
    other = make_plan(cast, "Other plan")
    make_element(
        cast, other, "Elsewhere", state=Element.State.IN_PROGRESS, priority="high", quick_win=True
    )
    assert titles({"plan": other.pk}) == ["Elsewhere"]
    assert titles({"state": ["in_progress"]}) == ["Elsewhere"]
    assert titles({"priority": ["high"]}) == ["Elsewhere"]
    assert titles({"quick_win": "true"}) == ["Elsewhere"]
    assert titles({"parent": tree[0].pk}) == ["Capable public servants"]
    assert titles({"depth": 3}) == ["Train government officials"]
    assert titles({"code": "1.1"}, queryset=Element.objects.filter(plan=plan)) == [
        "Capable public servants"
    ]


# -- sorting -----------------------------------------------------------------------------------
@pytest.fixture
def sortable(cast: Cast, plan: Plan, division: Unit) -> list[Element]:
    """Three elements that differ in every sortable column, and one with empty columns."""
    made = [
        make_element(
            cast,
            plan,
            "Bravo",
            state=Element.State.IN_PROGRESS,
            priority="high",
            responsible_unit=cast.dept,
            lead=cast.manager,
            start_date=TODAY - 9 * DAY,
            target_date=TODAY + 2 * DAY,
            budget_planned="200",
            budget_spent="20",
            percent_complete=50,
        ),
        make_element(
            cast,
            plan,
            "Alpha",
            state=Element.State.COMPLETED,
            priority="low",
            responsible_unit=division,
            lead=cast.admin,
            start_date=TODAY - 8 * DAY,
            target_date=TODAY + 3 * DAY,
            completed_date=TODAY - DAY,
            budget_planned="300",
            budget_spent="30",
            percent_complete=100,
        ),
        make_element(
            cast,
            plan,
            "Charlie",
            state=Element.State.NOT_STARTED,
            priority="medium",
            responsible_unit=cast.other,
            lead=cast.outsider,
            start_date=TODAY - 7 * DAY,
            target_date=TODAY + DAY,
            completed_date=TODAY - 2 * DAY,
            budget_planned="100",
            budget_spent="10",
            percent_complete=10,
        ),
        make_element(cast, plan, "Empty", state=Element.State.CANCELLED),
    ]
    Element.objects.filter(title="Bravo").update(health=Health.AT_RISK)
    Element.objects.filter(title="Alpha").update(health=Health.ON_TRACK)
    Element.objects.filter(title="Charlie").update(  # computed on track, shown off track
        health=Health.ON_TRACK,
        health_override=Health.OFF_TRACK,
        health_override_reason="x",
    )
    Element.objects.filter(title="Empty").update(health=Health.NOT_ASSESSED, percent_complete=0)
    Element.objects.filter(title="Empty").update(completed_date=None)
    return made


# Expected orders, both ways. Empty values come last either way; ties keep tree order.
ORDERS = {
    "code": (["Bravo", "Alpha", "Charlie", "Empty"], ["Empty", "Charlie", "Alpha", "Bravo"]),
    "title": (["Alpha", "Bravo", "Charlie", "Empty"], ["Empty", "Charlie", "Bravo", "Alpha"]),
    # not started, in progress, completed, cancelled
    "state": (["Charlie", "Bravo", "Alpha", "Empty"], ["Empty", "Alpha", "Bravo", "Charlie"]),
    # not assessed, on track, at risk, off track (Charlie's override)
    "health": (["Empty", "Alpha", "Bravo", "Charlie"], ["Charlie", "Bravo", "Alpha", "Empty"]),
    # low, medium (Charlie and Empty, the default), high
    "priority": (["Alpha", "Charlie", "Empty", "Bravo"], ["Bravo", "Charlie", "Empty", "Alpha"]),
    "start_date": (["Bravo", "Alpha", "Charlie", "Empty"], ["Charlie", "Alpha", "Bravo", "Empty"]),
    "target_date": (["Charlie", "Bravo", "Alpha", "Empty"], ["Alpha", "Bravo", "Charlie", "Empty"]),
    "completed_date": (
        ["Charlie", "Alpha", "Bravo", "Empty"],
        ["Alpha", "Charlie", "Bravo", "Empty"],
    ),
    # Archives, Department of Administration, Finance Department, none
    "unit": (["Alpha", "Bravo", "Charlie", "Empty"], ["Charlie", "Bravo", "Alpha", "Empty"]),
    # Admin, Manager, Outsider, none
    "lead": (["Alpha", "Bravo", "Charlie", "Empty"], ["Charlie", "Bravo", "Alpha", "Empty"]),
    "budget_planned": (
        ["Charlie", "Bravo", "Alpha", "Empty"],
        ["Alpha", "Bravo", "Charlie", "Empty"],
    ),
    "budget_spent": (
        ["Charlie", "Bravo", "Alpha", "Empty"],
        ["Alpha", "Bravo", "Charlie", "Empty"],
    ),
    "percent_complete": (
        ["Empty", "Charlie", "Bravo", "Alpha"],
        ["Alpha", "Bravo", "Charlie", "Empty"],
    ),
}


def test_every_sortable_column_has_an_expected_order() -> None:
    assert set(ORDERS) == set(SORTABLE)


@pytest.mark.parametrize("key", sorted(SORTABLE))
def test_it_sorts_by_every_column_both_ways_with_empty_values_last(
    sortable: list[Element], key: str
) -> None:
    ascending, descending = ORDERS[key]
    assert titles({"sort": key}) == ascending
    assert titles({"sort": f"-{key}"}) == descending


def test_sorting_by_priority_follows_its_meaning_not_the_alphabet(sortable: list[Element]) -> None:
    assert titles({"sort": "-priority"})[0] == "Bravo"  # high first
    assert titles({"sort": "priority"})[0] == "Alpha"  # low first


def test_an_unknown_sort_keeps_tree_order(sortable: list[Element]) -> None:
    assert titles({"sort": "password"}) == ["Bravo", "Alpha", "Charlie", "Empty"]


def test_sorting_my_items_lists_each_once(cast: Cast, plan: Plan) -> None:
    make_element(
        cast,
        plan,
        "Both",
        responsible_unit=cast.dept,
        lead=cast.viewer,
        contributors=[cast.viewer, cast.manager],
    )
    make_element(cast, plan, "Helped", contributors=[cast.viewer])
    assert titles({"mine": "true", "sort": "-health"}, user=cast.viewer) == ["Both", "Helped"]
    assert titles({"lead": cast.viewer.pk, "sort": "lead"}) == ["Both", "Helped"]


def test_amounts_sort_as_numbers(cast: Cast, plan: Plan) -> None:
    for amount in ("900", "10000", "85.50"):
        make_element(cast, plan, amount, budget_planned=amount)
    assert titles({"sort": "budget_planned"}) == ["85.50", "900", "10000"]
    assert Element.objects.get(title="85.50").budget_planned == Decimal("85.50")
