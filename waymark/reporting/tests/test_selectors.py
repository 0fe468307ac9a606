"""What is owed when: due dates, windows, who reports, and the element's open update.

The cast's plan runs through 2017, quarterly; the action 1.1.1 is led by the contributor, starts
on 1 February and is due on 5 April for 2017-Q1 (grace until 15 April)."""

from __future__ import annotations

import datetime

import pytest

from waymark.core.testing import Cast, make_element
from waymark.indicators.models import Period
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_update
from waymark.reporting.selectors import (
    OWED_FROM_DAYS,
    Window,
    element_updates,
    reporting_periods,
    updates_owed,
    updates_owed_by,
    window,
)
from waymark.reporting.services import update_save

Tree = tuple[Element, Element, Element]
D = datetime.date


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2016, 12, 31), Window.UPCOMING),
        (D(2017, 1, 1), Window.OPEN),
        (D(2017, 4, 4), Window.OPEN),
        (D(2017, 4, 5), Window.DUE),
        (D(2017, 4, 6), Window.LATE),
        (D(2017, 4, 15), Window.LATE),
        (D(2017, 4, 16), Window.CLOSED),
    ],
)
def test_it_places_a_day_in_the_update_window(today: D, expected: str, plan: Plan) -> None:
    q1 = reporting_periods(plan)[0]
    assert window(q1, D(2017, 4, 5), 10, today) == expected


def test_it_asks_for_an_update_from_two_weeks_before_it_is_due(cast: Cast, tree: Tree) -> None:
    due = D(2017, 4, 5)
    first_day = due - datetime.timedelta(days=OWED_FROM_DAYS)
    assert updates_owed_by(cast.contributor, today=first_day - datetime.timedelta(days=1)) == []
    owed = updates_owed_by(cast.contributor, today=first_day)
    assert [(d.element.code, d.period.label, d.due_date) for d in owed] == [
        ("1.1.1", "2017-Q1", due)
    ]
    assert [d.window for d in updates_owed_by(cast.contributor, today=D(2017, 4, 10))] == [
        Window.LATE
    ]
    assert updates_owed_by(cast.contributor, today=D(2017, 4, 16)) == []


def test_it_stops_asking_once_submitted_and_asks_again_when_returned(
    cast: Cast, tree: Tree, plan: Plan
) -> None:
    import time_machine

    from waymark.reporting.services import update_return

    q1 = reporting_periods(plan)[0]
    with time_machine.travel(datetime.datetime(2017, 4, 3, 12), tick=False):
        update = update_save(
            actor=cast.contributor,
            element=tree[2],
            period=q1,
            data={"health": "on_track", "narrative": "Done"},
            submit=True,
        )
        assert updates_owed_by(cast.contributor) == []
        update_return(actor=cast.manager, update=update, comment="Say how many")
        (again,) = updates_owed_by(cast.contributor)
    assert again.update is not None and again.update.pk == update.pk


def test_it_leaves_out_elements_not_started_cancelled_or_finished_before_the_period(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    late_start = make_element(
        cast,
        plan,
        "Starts in May",
        parent=tree[1],
        lead=cast.contributor,
        responsible_unit=cast.dept,
        start_date=D(2017, 5, 1),
    )
    cancelled = make_element(
        cast, plan, "Dropped", parent=tree[1], lead=cast.contributor, responsible_unit=cast.dept
    )
    element_update(actor=cast.admin, element=cancelled, data={"state": "cancelled"})
    on_day = D(2017, 4, 1)
    codes = {d.element.pk for d in updates_owed_by(cast.contributor, today=on_day)}
    assert codes == {tree[2].pk}
    assert late_start.pk in {d.element.pk for d in updates_owed(today=D(2017, 7, 1))}


def test_it_offers_the_earliest_open_update_on_the_element_page(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    q1, q2 = reporting_periods(plan)[:2]
    assert element_updates(tree[2], today=D(2017, 4, 10)).writable == q1  # late, still open
    assert element_updates(tree[2], today=D(2017, 4, 20)).writable == q2
    nothing = element_updates(tree[2], today=D(2016, 12, 1))
    assert nothing.writable is None and nothing.recent == []
    assert isinstance(q1, Period)


def test_it_keeps_a_missing_update_owed_for_escalation_past_short_grace_days(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    from waymark.reporting.services import schedule_save

    schedule_save(actor=cast.manager, plan=plan, data={"grace_days": 2})
    on_escalation_day = D(2017, 4, 12)  # due 5 April; the organisation escalates after 7 days
    assert updates_owed_by(cast.contributor, today=on_escalation_day) == []  # no longer taken
    (missing,) = updates_owed(today=on_escalation_day)
    assert (missing.element, missing.window) == (tree[2], Window.CLOSED)
    assert updates_owed(today=D(2017, 4, 13)) == []
