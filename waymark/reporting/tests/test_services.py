"""Progress updates: writing, submitting, accepting and returning; the schedule; a whole period.

The cast's plan runs through 2017, quarterly; its action 1.1.1 (led by the contributor, tier 3
of 3) is due 5 days after a quarter ends, the objective 5 days later, the goal 5 days after
that, and each has 10 grace days (the organisation's). The clock is fixed with time-machine.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.testing import Cast
from waymark.indicators.models import Period
from waymark.indicators.services import BatchError
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_create
from waymark.org.models import Health, Organisation
from waymark.plans.models import Element, Plan
from waymark.plans.services import plan_update
from waymark.reporting.models import Notification, ProgressUpdate
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import (
    ActionEntry,
    UpdateEntry,
    period_save,
    schedule_save,
    update_accept,
    update_return,
    update_save,
    update_submit,
)

Tree = tuple[Element, Element, Element]
TEXT = {
    "health": Health.AT_RISK,
    "percent_complete": 40,
    "narrative": "Two of five trainings held.",
}


def at(day: datetime.date) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12), tick=False)


@pytest.fixture
def q1(plan: Plan) -> Period:
    return reporting_periods(plan)[0]


@pytest.fixture
def april_3() -> Iterator[None]:
    with at(datetime.date(2017, 4, 3)):
        yield


def test_it_writes_a_draft_then_submits_it_on_time(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    action = tree[2]
    update = update_save(actor=cast.contributor, element=action, period=q1, data=TEXT)
    assert update.status == ProgressUpdate.Status.DRAFT
    assert update.due_date == datetime.date(2017, 4, 5)
    update_submit(actor=cast.contributor, update=update, version=update.version)
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED
    assert update.late is False
    assert update.submitted_by == cast.contributor
    actions = list(
        Change.objects.filter(object_id=update.pk, object_type__model="progressupdate")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_it_marks_an_update_submitted_after_its_due_date_late(
    cast: Cast, tree: Tree, q1: Period
) -> None:
    with at(datetime.date(2017, 4, 12)):  # due 5 April, grace until 15 April
        update = update_save(
            actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True
        )
    assert update.late is True


def test_it_refuses_updates_past_the_grace_days_and_before_the_period(
    cast: Cast, tree: Tree, plan: Plan
) -> None:
    q1, q2 = reporting_periods(plan)[:2]
    with at(datetime.date(2017, 4, 16)), pytest.raises(ValidationError) as closed:
        update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT)
    assert "closed on 2017-04-15" in str(closed.value)
    with at(datetime.date(2017, 3, 1)), pytest.raises(ValidationError) as early:
        update_save(actor=cast.contributor, element=tree[2], period=q2, data=TEXT)
    assert "has not started" in str(early.value)
    assert not ProgressUpdate.objects.exists()


def test_it_gives_each_tier_above_a_later_due_date(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    goal, objective, action = tree
    dates = [
        update_save(actor=cast.admin, element=e, period=q1, data=TEXT).due_date
        for e in (action, objective, goal)
    ]
    assert dates == [
        datetime.date(2017, 4, 5),
        datetime.date(2017, 4, 10),
        datetime.date(2017, 4, 15),
    ]


def test_it_names_the_field_when_a_submission_is_incomplete(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    with pytest.raises(ValidationError) as no_text:
        update_save(
            actor=cast.contributor,
            element=tree[2],
            period=q1,
            data={"health": Health.ON_TRACK},
            submit=True,
        )
    assert "narrative" in no_text.value.error_dict
    with pytest.raises(ValidationError) as bad_percent:
        update_save(
            actor=cast.contributor,
            element=tree[2],
            period=q1,
            data={**TEXT, "percent_complete": 140},
        )
    assert "percent_complete" in bad_percent.value.error_dict
    assert not ProgressUpdate.objects.exists()


def test_it_lets_only_people_of_the_element_write_its_update(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    for person in (cast.viewer, cast.outsider):
        with pytest.raises(PermissionDenied):
            update_save(actor=person, element=tree[2], period=q1, data=TEXT)


def test_it_detects_a_concurrent_first_update(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT)
    with pytest.raises(ConflictError):  # the manager's page had shown no update yet
        update_save(actor=cast.manager, element=tree[2], period=q1, data=TEXT, version=0)


def test_it_accepts_an_update_and_carries_health_and_percent_to_the_element(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    action = tree[2]
    update = update_save(actor=cast.contributor, element=action, period=q1, data=TEXT, submit=True)
    with pytest.raises(PermissionDenied):
        update_accept(actor=cast.contributor, update=update)
    update_accept(actor=cast.manager, update=update, comment="Thanks")
    action.refresh_from_db()
    assert action.percent_complete == 40
    assert action.health_override == Health.AT_RISK  # it has no indicator to compute from
    assert "2017-Q1" in action.health_override_reason
    tree[0].refresh_from_db()
    assert tree[0].health == Health.AT_RISK  # rolled up to the goal


def test_it_refuses_self_acceptance_unless_the_organisation_allows_it(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    update = update_save(actor=cast.manager, element=tree[2], period=q1, data=TEXT, submit=True)
    with pytest.raises(PermissionDenied):
        update_accept(actor=cast.manager, update=update)
    Organisation.objects.update_or_create(pk=1, defaults={"allow_self_approval": True})
    update_accept(actor=cast.manager, update=update)
    assert update.status == ProgressUpdate.Status.ACCEPTED


def test_it_returns_an_update_with_a_comment_and_tells_its_author(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    update = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True)
    with pytest.raises(ValidationError) as empty:
        update_return(actor=cast.manager, update=update, comment="  ")
    assert "comment" in empty.value.error_dict
    update_return(actor=cast.manager, update=update, comment="Give the number trained.")
    assert update.status == ProgressUpdate.Status.RETURNED
    note = Notification.objects.get(person=cast.contributor)
    assert note.kind == Notification.Kind.RETURNED
    assert "Give the number trained." in note.text
    again = update_save(
        actor=cast.contributor,
        element=tree[2],
        period=q1,
        data={"narrative": "Two of five trainings held; 48 officials trained."},
        version=update.version,
        submit=True,
    )
    assert again.status == ProgressUpdate.Status.SUBMITTED


def test_it_does_not_let_an_older_update_overwrite_a_newer_one(
    cast: Cast, tree: Tree, plan: Plan
) -> None:
    q1, q2 = reporting_periods(plan)[:2]
    with at(datetime.date(2017, 7, 3)):
        newer = update_save(
            actor=cast.contributor,
            element=tree[2],
            period=q2,
            data={**TEXT, "percent_complete": 80},
            submit=True,
        )
        update_accept(actor=cast.manager, update=newer)
    Period.objects.filter(pk=q1.pk).update(
        unlocked_until=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    q1.refresh_from_db()
    with at(datetime.date(2017, 7, 4)):
        older = update_save(
            actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True
        )
        update_accept(actor=cast.manager, update=older)
    tree[2].refresh_from_db()
    assert tree[2].percent_complete == 80


def test_it_saves_a_whole_period_or_nothing(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    action = tree[2]
    item = action_item_create(
        actor=cast.manager,
        data={
            "title": "Book the training hall",
            "owner": cast.contributor,
            "unit": cast.dept,
            "element": action,
            "due_date": datetime.date(2017, 4, 10),
        },
    )
    entries = [UpdateEntry(key="u", element=action, period=q1, data=TEXT)]
    bad = [
        UpdateEntry(
            key="bad", element=tree[1], period=q1, data={"narrative": "x", "percent_complete": "x"}
        )
    ]
    with pytest.raises(BatchError) as refused:
        period_save(
            actor=cast.contributor,
            updates=entries + bad,
            measurements=[],
            actions=[ActionEntry(key="a", item=item, outcome="Booked")],
            submit=True,
        )
    assert set(refused.value.errors) == {"bad"}
    assert not ProgressUpdate.objects.exists()
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN
    counts = period_save(
        actor=cast.contributor,
        updates=entries,
        measurements=[],
        actions=[ActionEntry(key="a", item=item, outcome="Booked", version=item.version)],
        submit=True,
    )
    assert counts == {"updates": 1, "measurements": 0, "actions": 1}
    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE


def test_it_keeps_a_schedule_per_plan_for_managers(cast: Cast, plan: Plan, tree: Tree) -> None:
    with pytest.raises(PermissionDenied):
        schedule_save(actor=cast.contributor, plan=plan, data={"due_days": 3})
    with pytest.raises(ValidationError) as bad:
        schedule_save(
            actor=cast.manager, plan=plan, data={"due_days": "soon", "reporting_tiers": [7]}
        )
    assert set(bad.value.error_dict) == {"due_days", "reporting_tiers"}
    schedule = schedule_save(
        actor=cast.manager, plan=plan, data={"due_days": 3, "reporting_tiers": [3], "grace_days": 2}
    )
    q1 = reporting_periods(plan)[0]
    with at(datetime.date(2017, 4, 3)):
        due = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT).due_date
        with pytest.raises(ValidationError):  # the goal's tier no longer reports
            update_save(actor=cast.admin, element=tree[0], period=q1, data=TEXT)
    assert due == datetime.date(2017, 4, 3)
    loaded = schedule.version
    schedule_save(actor=cast.manager, plan=plan, data={"due_days": 4}, version=loaded)
    with pytest.raises(ConflictError):  # a second manager's page still shows the first version
        schedule_save(actor=cast.manager, plan=plan, data={"due_days": 6}, version=loaded)


def test_it_makes_reporting_periods_follow_the_plan_cadence(cast: Cast, plan: Plan) -> None:
    assert [p.label for p in reporting_periods(plan)] == [
        "2017-Q1",
        "2017-Q2",
        "2017-Q3",
        "2017-Q4",
    ]
    plan_update(actor=cast.admin, plan=plan, data={"cadence": Plan.Cadence.MONTHLY})
    plan.refresh_from_db()
    assert len(reporting_periods(plan)) == 12


def test_it_stops_a_lead_who_left_the_elements_units_from_writing_its_update(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    from waymark.org.models import Membership
    from waymark.reporting.selectors import updates_owed_by

    Membership.objects.filter(person=cast.contributor).update(unit=cast.other)
    cast.contributor.refresh_from_db()
    with pytest.raises(PermissionDenied):
        update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT)
    assert updates_owed_by(cast.contributor) == []


def test_it_leaves_a_computed_health_alone_when_accepting(
    cast: Cast, tree: Tree, q1: Period, april_3: None
) -> None:
    objective = tree[1]  # has an action beneath it: its health is rolled up, not reported
    update = update_save(
        actor=cast.admin,
        element=objective,
        period=q1,
        data={**TEXT, "health": Health.ON_TRACK},
        submit=True,
    )
    update_accept(actor=cast.manager, update=update)
    objective.refresh_from_db()
    assert objective.health_override == ""


def test_it_refuses_to_return_an_update_once_its_period_closed(
    cast: Cast, tree: Tree, q1: Period
) -> None:
    with at(datetime.date(2017, 4, 3)):
        update = update_save(
            actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True
        )
        update_accept(actor=cast.manager, update=update)
    with at(datetime.date(2017, 5, 1)), pytest.raises(ValidationError) as closed:
        update_return(actor=cast.manager, update=update, comment="Say more")
    assert "unlock the period" in str(closed.value)
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.ACCEPTED


def test_it_keeps_late_from_the_first_submission_and_the_due_date_current(
    cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    with at(datetime.date(2017, 4, 1)):
        draft = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT)
    schedule_save(actor=cast.manager, plan=plan, data={"due_days": 15})
    with at(datetime.date(2017, 4, 10)):
        update = update_submit(actor=cast.contributor, update=draft)
    assert (update.due_date, update.late) == (datetime.date(2017, 4, 15), False)
    with at(datetime.date(2017, 4, 20)):
        update_return(actor=cast.manager, update=update, comment="Add the numbers")
        again = update_save(
            actor=cast.contributor,
            element=tree[2],
            period=q1,
            data={"narrative": "48 trained"},
            submit=True,
        )
    assert again.late is False  # on time the first time; a correction does not make it late
