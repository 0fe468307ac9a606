"""Reviews and baselines (waymark/reporting/reviews.py) and the action item services they use
(waymark/meetings/services.py): opening a review, answering the five questions, closing it with
every decision applied and logged, baselines kept, comparisons, who may do what, and the
number of queries the agenda and the comparison take."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.core.testing import Cast, make_element, make_person, make_plan, make_tree
from waymark.core.tests.builders import changes_of, row
from waymark.indicators.models import Period
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_complete, action_item_create
from waymark.org.models import Health, Membership
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_delete, element_update
from waymark.reporting.models import (
    Baseline,
    Notification,
    ProgressUpdate,
    ReportingSchedule,
    Review,
    ReviewItem,
    ReviewReason,
)
from waymark.reporting.reviews import (
    baseline_comparison,
    baseline_take,
    can_run_review,
    close_summary,
    latest_updates,
    review_agenda,
    review_close,
    review_create,
    review_item_save,
    reviews_of,
    reviews_visible_to,
)
from waymark.reporting.selectors import reporting_periods

D = datetime.date
EVERYONE = ("admin", "manager", "contributor", "viewer", "outsider")
HELD_ON = D(2017, 7, 10)


# -- the scene ---------------------------------------------------------------------------------
@dataclass
class Scene:
    """The cast's 2017 plan (quarterly) with three actions under 1.1, the first off track,
    and its second quarter."""

    cast: Cast
    plan: Plan
    goal: Element
    objective: Element
    train: Element  # 1.1.1, off track, led by the contributor
    open_days: Element  # 1.1.2, at risk
    booklet: Element  # 1.1.3, on track
    q2: Period


def off_track(cast: Cast, element: Element, health: str = Health.OFF_TRACK) -> Element:
    return element_update(
        actor=cast.admin,
        element=element,
        data={"health_override": health, "health_override_reason": "Said at the meeting"},
    )


def make_scene(cast: Cast, plan: Plan | None = None) -> Scene:
    plan = plan or make_plan(cast)
    goal, objective, train = make_tree(cast, plan)
    open_days = make_element(
        cast,
        plan,
        "Hold open door days",
        parent=objective,
        responsible_unit=cast.dept,
        lead=cast.contributor,
        start_date=D(2017, 3, 1),
        target_date=D(2017, 9, 30),
    )
    booklet = make_element(
        cast,
        plan,
        "Publish the booklet of extractive industries",
        parent=objective,
        responsible_unit=cast.dept,
        start_date=D(2017, 1, 15),
        target_date=D(2017, 5, 31),
    )
    off_track(cast, train)
    off_track(cast, open_days, Health.AT_RISK)
    off_track(cast, booklet, Health.ON_TRACK)
    q2 = reporting_periods(plan)[1]
    return Scene(cast, plan, goal, objective, train, open_days, booklet, q2)


@pytest.fixture
def scene(cast: Cast) -> Scene:
    return make_scene(cast)


def open_review(scene: Scene, actor: Any = None, **extra: Any) -> Review:
    return review_create(
        actor=actor or scene.cast.manager,
        plan=scene.plan,
        period=scene.q2,
        kind=Review.Kind.QUARTERLY,
        held_on=HELD_ON,
        **extra,
    )


def item_of(review: Review, element: Element) -> ReviewItem:
    return ReviewItem.objects.select_related("review__plan", "element").get(
        review=review, element=element
    )


def answer(
    scene: Scene,
    review: Review,
    element: Element,
    reasons: dict[str, str] | None = None,
    actor: Any = None,
    **data: Any,
) -> ReviewItem:
    return review_item_save(
        actor=actor or scene.cast.manager,
        item=item_of(review, element),
        data=data,
        reasons=reasons,
    )


def before(change: Change) -> dict[str, Any]:
    assert change.before is not None
    return change.before


def after(change: Change) -> dict[str, Any]:
    assert change.after is not None
    return change.after


def counts() -> dict[str, int]:
    """Rows of every table a review touches."""
    return {
        "reviews": Review.all_objects.count(),
        "items": ReviewItem.objects.count(),
        "reasons": ReviewReason.objects.count(),
        "baselines": Baseline.objects.count(),
        "action_items": ActionItem.all_objects.count(),
        "notifications": Notification.objects.count(),
        "changes": Change.objects.count(),
    }


@contextmanager
def refused(field: str, *objs: Any) -> Iterator[dict[str, list[str]]]:
    """The block raises a ValidationError naming `field`, and nothing is written anywhere."""
    before = counts()
    stored = [row(obj) for obj in objs]
    errors: dict[str, list[str]] = {}
    with pytest.raises(ValidationError) as caught:
        yield errors
    errors.update(caught.value.message_dict)
    assert field in errors, errors
    assert errors[field][0]
    assert counts() == before
    assert [row(obj) for obj in objs] == stored


# -- opening a review --------------------------------------------------------------------------
def test_it_opens_a_review_with_every_reporting_element_and_its_health_then(scene: Scene) -> None:
    before = Change.objects.count()
    review = open_review(scene)

    assert (review.state, review.chair, review.held_on) == ("open", scene.cast.manager, HELD_ON)
    agenda = review_agenda(review)
    # Off track first, then at risk (the goal and objective roll up to it), then on track.
    assert [(i.element.code, i.health_then) for i in agenda] == [
        ("1.1.1", Health.OFF_TRACK),
        ("1", Health.AT_RISK),
        ("1.1", Health.AT_RISK),
        ("1.1.2", Health.AT_RISK),
        ("1.1.3", Health.ON_TRACK),
    ]
    # One change entry for the review and one per item, each tied to what it belongs to.
    assert Change.objects.count() == before + 6
    assert changes_of(review)[0].related_id == scene.plan.pk
    assert all(changes_of(i)[0].related_id == review.pk for i in agenda)


def test_it_leaves_out_cancelled_elements_and_the_tiers_that_do_not_report(scene: Scene) -> None:
    ReportingSchedule.objects.create(plan=scene.plan, reporting_tiers=[3])
    element_update(
        actor=scene.cast.admin, element=scene.booklet, data={"state": Element.State.CANCELLED}
    )
    review = open_review(scene)
    assert [i.element.code for i in review_agenda(review)] == ["1.1.1", "1.1.2"]


def test_it_opens_a_units_review_with_the_elements_of_that_unit_and_below(scene: Scene) -> None:
    cast = scene.cast
    fin_manager = make_person("finmanager", cast.other, Role.MANAGER)
    make_element(
        cast,
        scene.plan,
        "Audit the soum budgets",
        parent=scene.objective,
        responsible_unit=cast.other,
    )
    review = open_review(scene, actor=fin_manager, unit=cast.other)
    assert [i.element.title for i in review_agenda(review)] == ["Audit the soum budgets"]
    assert can_run_review(fin_manager, review)
    # ... but not the whole plan, nor another unit's part.
    with pytest.raises(PermissionDenied):
        open_review(scene, actor=fin_manager)
    with pytest.raises(PermissionDenied):
        open_review(scene, actor=fin_manager, unit=cast.dept)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_managers_of_the_plan_open_a_review(scene: Scene, who: str) -> None:
    person = scene.cast.everyone[who]
    if who in ("admin", "manager"):
        assert open_review(scene, actor=person).items.count() == 5
    else:
        with pytest.raises(PermissionDenied):
            open_review(scene, actor=person)


def test_it_refuses_a_period_of_another_cadence_a_bad_kind_and_a_second_open_review(
    scene: Scene,
) -> None:
    monthly = Period.objects.create(
        plan=scene.plan, frequency="monthly", start=D(2017, 4, 1), end=D(2017, 4, 30), label="x"
    )
    with refused("period"):
        review_create(
            actor=scene.cast.manager, plan=scene.plan, period=monthly, kind=Review.Kind.QUARTERLY
        )
    with refused("kind"):
        review_create(actor=scene.cast.manager, plan=scene.plan, period=scene.q2, kind="yearly")
    open_review(scene)
    with refused("period") as errors:
        open_review(scene)
    assert "close it first" in errors["period"][0]
    # A mid-month evaluation of the same quarter is another review.
    review_create(
        actor=scene.cast.manager, plan=scene.plan, period=scene.q2, kind=Review.Kind.MID_MONTH
    )


def test_it_refuses_a_units_review_when_the_unit_is_responsible_for_nothing(
    scene: Scene,
) -> None:
    with refused("unit"):
        open_review(scene, actor=scene.cast.admin, unit=scene.cast.other)


# -- answering ---------------------------------------------------------------------------------
def test_it_records_the_five_answers_and_the_coded_reasons_with_a_change_entry(
    scene: Scene,
) -> None:
    review = open_review(scene)
    item = answer(
        scene,
        review,
        scene.train,
        reasons={"a": "More soums than planned", "e": "The budget came in June"},
        on_track="no",
        changes="A new governor took office",
        timeline_realistic="no",
        proposed_start="2017-03-01",
        proposed_target=D(2017, 9, 30),
        staff_sufficient=True,
        budget_sufficient=False,
        resources_note="Travel money is short",
        decision="replan",
        decision_note="Train the eastern soums in the third quarter",
        decision_owner=scene.cast.manager.pk,
        decision_due="2017-08-01",
    )
    stored = ReviewItem.objects.get(pk=item.pk)
    assert (stored.on_track, stored.timeline_realistic, stored.budget_sufficient) == (
        "no",
        False,
        False,
    )
    assert (stored.proposed_start, stored.proposed_target) == (D(2017, 3, 1), D(2017, 9, 30))
    assert (stored.decision_owner, stored.decision_due) == (scene.cast.manager, D(2017, 8, 1))
    assert stored.version == 2
    assert dict(stored.reasons.values_list("code", "text")) == {
        "a": "More soums than planned",
        "e": "The budget came in June",
    }
    change = changes_of(item, Change.Action.UPDATE)[-1]
    assert change.related_id == review.pk
    assert before(change)["off_track_reasons"] == []
    assert after(change)["off_track_reasons"] == [
        "a: More soums than planned",
        "e: The budget came in June",
    ]

    # The reasons given replace the set; leaving them out keeps them.
    answer(scene, review, scene.train, reasons={"external": "Flooding in the east"})
    answer(scene, review, scene.train, changes="Flooding too")
    assert dict(stored.reasons.values_list("code", "text")) == {"external": "Flooding in the east"}


def test_it_writes_nothing_when_nothing_changed(scene: Scene) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", reasons={"a": ""})
    before = counts()
    item = answer(scene, review, scene.train, on_track="no", reasons={"a": ""})
    assert counts() == before
    assert item.version == 2


@pytest.mark.parametrize(
    ("data", "reasons", "field"),
    [
        pytest.param({"on_track": "yes"}, {"a": ""}, "reasons", id="reasons-when-on-track"),
        pytest.param({}, {"b": ""}, "reasons", id="reasons-without-an-answer"),
        pytest.param({"on_track": "no"}, {"other": " "}, "reasons", id="other-without-text"),
        pytest.param({"on_track": "no"}, {"external": ""}, "reasons", id="external-no-text"),
        pytest.param({"on_track": "no"}, {"z": "?"}, "reasons", id="unknown-reason"),
        pytest.param({"on_track": "sometimes"}, None, "on_track", id="bad-answer"),
        pytest.param({"staff_sufficient": "maybe"}, None, "staff_sufficient", id="bad-flag"),
        pytest.param({"decision": "pray"}, None, "decision", id="bad-decision"),
        pytest.param({"decision": "replan"}, None, "proposed_target", id="replan-no-date"),
        pytest.param(
            {"decision": "replan", "proposed_target": "2017-01-15"},
            None,
            "proposed_target",
            id="replan-before-start",
        ),
        pytest.param(
            {"proposed_start": "2017-05-01", "proposed_target": "2017-04-01"},
            None,
            "proposed_target",
            id="target-before-start",
        ),
        pytest.param(
            {"decision": "replan", "proposed_target": "2017-06-30"},
            None,
            "proposed_target",
            id="replan-to-the-same-dates",
        ),
        pytest.param({"decision": "reassign"}, None, "new_lead", id="reassign-no-lead"),
        pytest.param({"decision": "add_resources"}, None, "decision_owner", id="no-owner"),
        pytest.param({"decision": "add_resources"}, None, "decision_due", id="no-due-date"),
        pytest.param({"decision_due": "2017-07-01"}, None, "decision_due", id="due-before-review"),
        pytest.param({"decision_due": "1 July"}, None, "decision_due", id="not-a-date"),
        pytest.param({"decision_owner": 999999}, None, "decision_owner", id="nobody"),
        pytest.param({"applied_at": "2017-07-01"}, None, "applied_at", id="not-editable"),
    ],
)
def test_it_refuses_answers_that_break_a_rule_naming_the_field(
    scene: Scene, data: dict[str, Any], reasons: dict[str, str] | None, field: str
) -> None:
    review = open_review(scene)
    item = item_of(review, scene.train)
    with refused(field, item):
        review_item_save(actor=scene.cast.manager, item=item, data=data, reasons=reasons)
    assert item.version == 1


def test_it_refuses_a_new_lead_from_outside_the_elements_unit(scene: Scene) -> None:
    review = open_review(scene)
    item = item_of(review, scene.train)
    with refused("new_lead") as errors:
        review_item_save(
            actor=scene.cast.manager,
            item=item,
            data={"decision": "reassign", "new_lead": scene.cast.outsider},
        )
    assert "not a member of Department of Administration" in errors["new_lead"][0]
    with refused("new_lead"):
        review_item_save(
            actor=scene.cast.manager,
            item=item,
            data={"decision": "reassign", "new_lead": scene.cast.contributor},
        )


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_those_who_run_the_review_answer(scene: Scene, who: str) -> None:
    review = open_review(scene)
    item = item_of(review, scene.booklet)
    person = scene.cast.everyone[who]
    if who in ("admin", "manager"):
        review_item_save(actor=person, item=item, data={"on_track": "yes"})
        assert row(item)["on_track"] == "yes"
    else:
        with pytest.raises(PermissionDenied):
            review_item_save(actor=person, item=item, data={"on_track": "yes"})


def test_it_refuses_a_stale_answer(scene: Scene) -> None:
    review = open_review(scene)
    item = item_of(review, scene.train)
    answer(scene, review, scene.train, on_track="partly")
    with pytest.raises(ConflictError):
        review_item_save(actor=scene.cast.admin, item=item, data={"on_track": "no"}, version=1)
    assert row(item)["on_track"] == "partly"


# -- closing -----------------------------------------------------------------------------------
def test_it_refuses_to_close_while_an_element_off_track_has_no_decision_naming_it(
    scene: Scene,
) -> None:
    review = open_review(scene)
    answer(scene, review, scene.booklet, on_track="partly")
    with refused("items", review) as errors:
        review_close(actor=scene.cast.manager, review=review)
    assert "1.1.1, 1.1.3" in errors["items"][0]
    assert review.state == Review.State.OPEN


def test_it_applies_every_decision_with_its_change_entries_on_closing(scene: Scene) -> None:
    cast = scene.cast
    deputy = make_person("deputy", cast.dept, Role.CONTRIBUTOR)
    review = open_review(scene)
    answer(
        scene,
        review,
        scene.train,
        reasons={"e": "The training budget arrived in June"},
        on_track="no",
        timeline_realistic=False,
        proposed_target="2017-09-30",
        decision="replan",
        decision_owner=cast.manager,
        decision_due="2017-08-15",
        decision_note="Book the trainers for September",
    )
    answer(scene, review, scene.open_days, on_track="partly", decision="reassign", new_lead=deputy)
    answer(
        scene,
        review,
        scene.booklet,
        on_track="partly",
        budget_sufficient=False,
        resources_note="Printing costs doubled",
        decision="add_resources",
        decision_owner=cast.admin,
        decision_due="2017-08-01",
    )
    answer(scene, review, scene.goal, on_track="yes", decision="continue")
    summary = close_summary(review_agenda(review))
    assert [len(x) for x in (summary.replanned, summary.reassigned, summary.action_items)] == [
        1,
        1,
        2,
    ]

    review.refresh_from_db()  # every answer moved its version
    closed = review_close(actor=cast.manager, review=review, version=review.version)

    # The review is closed, by whom and when, and each decided item says when it was applied.
    assert (closed.state, closed.closed_by) == ("closed", cast.manager)
    assert after(changes_of(review, Change.Action.UPDATE)[-1])["state"] == "closed"
    decided = ReviewItem.objects.filter(review=review).exclude(decision="")
    assert decided.count() == 4
    assert all(i.applied_at == closed.closed_at for i in decided)
    assert ReviewItem.objects.get(review=review, element=scene.objective).applied_at is None

    # Re-plan: the new target date, logged on the element.
    train = Element.objects.get(pk=scene.train.pk)
    assert (train.start_date, train.target_date) == (D(2017, 2, 1), D(2017, 9, 30))
    change = changes_of(train, Change.Action.UPDATE)[-1]
    assert (before(change)["target_date"], after(change)["target_date"]) == (
        "2017-06-30",
        "2017-09-30",
    )
    assert change.actor == cast.manager
    # Reassign: the new lead, logged, and told.
    open_days = Element.objects.get(pk=scene.open_days.pk)
    assert open_days.lead == deputy
    assert after(changes_of(open_days, Change.Action.UPDATE)[-1])["lead"] == deputy.pk
    assert "You now lead 1.1.2" in Notification.objects.get(person=deputy).messages["en"]
    # Add resources, and the re-plan's who and by when: action items, logged, their owners told.
    items = {a.element_id: a for a in ActionItem.objects.all()}
    assert set(items) == {scene.train.pk, scene.booklet.pk}
    booklet_item = items[scene.booklet.pk]
    assert booklet_item.title.startswith("Add resources to 1.1.3")
    assert (booklet_item.owner, booklet_item.due_date) == (cast.admin, D(2017, 8, 1))
    assert (booklet_item.unit, booklet_item.details) == (cast.dept, "Printing costs doubled")
    assert booklet_item.review_item == ReviewItem.objects.get(review=review, element=scene.booklet)
    assert items[scene.train.pk].details == "Book the trainers for September"
    assert all(changes_of(a, Change.Action.CREATE) for a in items.values())
    assert Notification.objects.filter(person=cast.admin, kind="assigned").count() == 1
    manager_note = Notification.objects.get(person=cast.manager)
    assert "gave you an action item" in manager_note.messages["en"]
    assert set(manager_note.messages) == {"en", "mn"}
    # The plan was baselined before and after: v1 keeps the original dates, v2 the new ones.
    v1, v2 = Baseline.objects.filter(plan=scene.plan).order_by("number")
    assert v1.entries[str(train.pk)]["target_date"] == "2017-06-30"
    assert v2.entries[str(train.pk)]["target_date"] == "2017-09-30"
    assert v2.reason == "Quarterly review 2017-Q2: re-planned 1 element"
    assert (v1.review, v2.review, v2.taken_by) == (review, review, cast.manager)
    assert changes_of(v2, Change.Action.CREATE)


def test_it_cancels_a_dropped_element(scene: Scene) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="drop")
    review_close(actor=scene.cast.manager, review=review)
    assert Element.objects.get(pk=scene.train.pk).state == Element.State.CANCELLED
    assert after(changes_of(scene.train, Change.Action.UPDATE)[-1])["state"] == "cancelled"
    assert not Baseline.objects.exists()
    assert not ActionItem.objects.exists()


def test_a_rebaseline_keeps_the_original_v1(scene: Scene) -> None:
    v1 = baseline_take(actor=scene.cast.manager, plan=scene.plan, reason="")
    original = dict(v1.entries)
    review = open_review(scene)
    answer(
        scene, review, scene.train, on_track="no", decision="replan", proposed_target="2017-10-31"
    )
    answer(
        scene,
        review,
        scene.open_days,
        on_track="no",
        decision="replan",
        proposed_start="2017-04-01",
        proposed_target="2017-12-15",
    )
    review_close(actor=scene.cast.manager, review=review)

    assert list(Baseline.objects.values_list("number", flat=True)) == [1, 2]
    assert Baseline.objects.get(number=1).entries == original
    v2 = Baseline.objects.get(number=2)
    assert v2.reason == "Quarterly review 2017-Q2: re-planned 2 elements"
    comparison = baseline_comparison(scene.plan, v1)
    assert [(r.code, r.slip_days) for r in comparison.rows[:2]] == [("1.1.1", 123), ("1.1.2", 76)]
    assert comparison.rows[1].start_moved_days == 31


def test_a_closed_review_cannot_be_changed_nor_closed_again(scene: Scene) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    review_close(actor=scene.cast.manager, review=review)
    item = item_of(review, scene.train)
    with refused("review", item):
        review_item_save(actor=scene.cast.manager, item=item, data={"decision": "drop"})
    with refused("review"):
        review_close(actor=scene.cast.admin, review=Review.objects.get(pk=review.pk))


def test_closing_applies_all_the_decisions_or_none(scene: Scene) -> None:
    cast = scene.cast
    deputy = make_person("deputy", cast.dept, Role.CONTRIBUTOR)
    review = open_review(scene)
    answer(
        scene, review, scene.train, on_track="no", decision="replan", proposed_target="2017-10-31"
    )
    answer(scene, review, scene.open_days, on_track="no", decision="reassign", new_lead=deputy)
    Membership.objects.filter(person=deputy).delete()  # left the department since

    with refused("items", scene.train, scene.open_days, review) as errors:
        review_close(actor=cast.manager, review=review)
    assert errors["items"][0].startswith("1.1.2: ")


def test_it_skips_the_elements_deleted_since_the_review_opened(scene: Scene) -> None:
    review = open_review(scene)
    answer(scene, review, scene.booklet, on_track="no", decision="drop")
    element_delete(actor=scene.cast.admin, element=scene.train)
    review_close(actor=scene.cast.manager, review=review)  # 1.1.1 has no decision: gone
    assert item_of(review, scene.train).applied_at is None
    assert Element.objects.get(pk=scene.booklet.pk).state == Element.State.CANCELLED


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_those_who_run_the_review_close_it(scene: Scene, who: str) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    person = scene.cast.everyone[who]
    if who in ("admin", "manager"):
        assert review_close(actor=person, review=review).state == "closed"
    else:
        with pytest.raises(PermissionDenied):
            review_close(actor=person, review=review)


def test_a_units_manager_closes_the_units_review_keeping_v1_without_a_new_baseline(
    scene: Scene,
) -> None:
    cast = scene.cast
    fin_manager = make_person("finmanager", cast.other, Role.MANAGER)
    audit = make_element(
        cast,
        scene.plan,
        "Audit the soum budgets",
        parent=scene.objective,
        responsible_unit=cast.other,
        target_date=D(2017, 6, 30),
    )
    review = open_review(scene, actor=fin_manager, unit=cast.other)
    answer(
        scene,
        review,
        audit,
        actor=fin_manager,
        on_track="no",
        decision="replan",
        proposed_target="2017-08-31",
        decision_owner=fin_manager,
        decision_due="2017-07-31",
    )
    review_close(actor=fin_manager, review=review)
    assert Element.objects.get(pk=audit.pk).target_date == D(2017, 8, 31)
    # v1 keeps the original dates; a new version is the plan managers' act.
    assert list(Baseline.objects.values_list("number", flat=True)) == [1]
    assert ActionItem.objects.get().unit == cast.other
    with pytest.raises(PermissionDenied):  # a baseline by hand is for the plan's managers
        baseline_take(actor=fin_manager, plan=scene.plan, reason="Mine")


# -- baselines ---------------------------------------------------------------------------------
def test_it_takes_v1_without_a_reason_and_later_ones_only_with_one(scene: Scene) -> None:
    v1 = baseline_take(actor=scene.cast.manager, plan=scene.plan)
    assert (v1.number, v1.reason, v1.taken_by) == (1, "", scene.cast.manager)
    assert v1.entries[str(scene.train.pk)] == {
        "code": "1.1.1",
        "title": "Train government officials",
        "start_date": "2017-02-01",
        "target_date": "2017-06-30",
        "budget_planned": "1500000.00",
    }
    assert len(v1.entries) == 5
    assert changes_of(v1)[0].related_id == scene.plan.pk
    with refused("reason"):
        baseline_take(actor=scene.cast.manager, plan=scene.plan, reason="  ")
    v2 = baseline_take(actor=scene.cast.manager, plan=scene.plan, reason="Budget revision")
    assert (v2.number, v2.reason) == (2, "Budget revision")


def test_it_refuses_to_baseline_an_empty_plan(cast: Cast) -> None:
    plan = make_plan(cast)
    with refused("plan"):
        baseline_take(actor=cast.manager, plan=plan)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_managers_of_the_plan_take_a_baseline(scene: Scene, who: str) -> None:
    person = scene.cast.everyone[who]
    if who in ("admin", "manager"):
        assert baseline_take(actor=person, plan=scene.plan).number == 1
    else:
        with pytest.raises(PermissionDenied):
            baseline_take(actor=person, plan=scene.plan)


def test_the_comparison_shows_what_slipped_first_and_what_came_and_went(scene: Scene) -> None:
    cast = scene.cast
    v1 = baseline_take(actor=cast.manager, plan=scene.plan)
    element_update(actor=cast.admin, element=scene.train, data={"target_date": D(2017, 8, 29)})
    element_update(actor=cast.admin, element=scene.open_days, data={"target_date": D(2017, 12, 31)})
    element_update(actor=cast.admin, element=scene.booklet, data={"target_date": D(2017, 5, 1)})
    new = make_element(
        cast, scene.plan, "Survey the citizens", parent=scene.objective, target_date=D(2017, 11, 1)
    )
    dropped = make_element(cast, scene.plan, "Later", parent=scene.goal)
    element_update(actor=cast.admin, element=scene.objective, data={"state": "cancelled"})

    comparison = baseline_comparison(scene.plan, v1)

    by_code = {r.code: r for r in comparison.rows}
    assert [(r.code, r.slip_days, r.status) for r in comparison.rows[:3]] == [
        ("1.1.2", 92, "slipped"),
        ("1.1.1", 60, "slipped"),
        ("1.1.3", -30, "earlier"),
    ]
    assert by_code["1.1.4"].status == "new" and by_code["1.1.4"].element == new
    assert by_code["1.1"].status == "cancelled"
    assert by_code["1"].status == "undated"
    assert dropped.code not in {r.code for r in comparison.rows if r.status != "new"}
    assert (comparison.compared, comparison.slipped, comparison.earlier) == (3, 2, 1)
    assert (comparison.average_slip, comparison.largest) == (76, comparison.rows[0])
    assert (comparison.new, comparison.removed) == (2, 1)


def test_the_comparison_keeps_an_element_deleted_since(scene: Scene) -> None:
    v1 = baseline_take(actor=scene.cast.manager, plan=scene.plan)
    element_delete(actor=scene.cast.admin, element=scene.booklet)
    rows = {r.code: r for r in baseline_comparison(scene.plan, v1).rows}
    assert (rows["1.1.3"].status, rows["1.1.3"].element, rows["1.1.3"].slip_days) == (
        "deleted",
        None,
        None,
    )


# -- reading -----------------------------------------------------------------------------------
def test_it_shows_each_element_its_update_for_the_period_else_the_latest_before(
    scene: Scene,
) -> None:
    q1, q2 = reporting_periods(scene.plan)[:2]

    def update(element: Element, period: Period, status: str, text: str) -> None:
        ProgressUpdate.objects.create(
            element=element, period=period, status=status, narrative=text, due_date=period.end
        )

    update(scene.train, q1, "accepted", "Q1 training")
    update(scene.train, q2, "submitted", "Q2 training")
    update(scene.open_days, q1, "accepted", "Q1 open days")
    update(scene.open_days, q2, "draft", "Half written")
    update(scene.booklet, reporting_periods(scene.plan)[2], "submitted", "Q3, after the review")
    review = open_review(scene)
    latest = latest_updates(review)
    assert {k: u.narrative for k, u in latest.items()} == {
        scene.train.pk: "Q2 training",
        scene.open_days.pk: "Q1 open days",
    }


def test_it_counts_elements_off_track_and_decisions_per_review(scene: Scene) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    listed = vars(reviews_of(scene.plan).get())
    counted = ("element_count", "off_track_count", "decision_count")
    assert [listed[name] for name in counted] == [5, 1, 1]


@pytest.mark.parametrize("who", EVERYONE)
def test_everyone_who_sees_the_plan_sees_its_reviews(scene: Scene, who: str) -> None:
    review = open_review(scene)
    visible = list(reviews_visible_to(scene.cast.everyone[who]))
    assert visible == ([] if who == "outsider" else [review])


def _with_actions(cast: Cast, n: int) -> tuple[Review, Baseline]:
    plan = make_plan(cast, f"Plan of {n}")
    goal = make_element(cast, plan, "Goal")
    objective = make_element(cast, plan, "Objective", parent=goal)
    for i in range(n - 2):
        make_element(
            cast,
            plan,
            f"Action {i}",
            parent=objective,
            responsible_unit=cast.dept,
            lead=cast.contributor,
            start_date=D(2017, 2, 1),
            target_date=D(2017, 6, 1 + i % 28),
        )
    baseline = baseline_take(actor=cast.manager, plan=plan)
    Element.objects.filter(plan=plan, depth=3).update(target_date=D(2017, 8, 1))
    review = review_create(
        actor=cast.manager,
        plan=plan,
        period=reporting_periods(plan)[1],
        kind=Review.Kind.QUARTERLY,
    )
    for item in ReviewItem.objects.filter(review=review)[:3]:
        ReviewReason.objects.create(item=item, code="a", text="Hard")
        action_item_create(actor=cast.manager, data={"title": "Do", "element": item.element_id})
    return review, baseline


def test_the_agenda_and_the_comparison_take_the_same_queries_for_5_and_50_elements(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    for n in (5, 50):
        review, baseline = _with_actions(cast, n)
        review = Review.objects.select_related("plan", "period").get(pk=review.pk)
        with django_assert_num_queries(3):
            agenda = review_agenda(review)
            for item in agenda:
                _ = (
                    list(item.reasons.all()),
                    list(item.action_items.all()),
                    item.element.lead,
                    item.element.responsible_unit,
                    item.element.plan,
                    item.decision_owner,
                )
        assert len(agenda) == n
        with django_assert_num_queries(1):
            comparison = baseline_comparison(review.plan, baseline)
        assert comparison.slipped == n - 2
        with django_assert_num_queries(1):
            latest_updates(review)


def test_review_create_takes_the_same_queries_for_5_and_50_elements(cast: Cast) -> None:
    seen = []
    for n in (2, 5, 50):  # the first warms the content-type cache
        plan = make_plan(cast, f"Plan of {n}")
        parent = make_element(cast, plan, "Goal")
        for i in range(n - 1):
            make_element(cast, plan, f"Objective {i}", parent=parent)
        period = reporting_periods(plan)[1]
        with CaptureQueriesContext(connection) as queries:
            review_create(actor=cast.manager, plan=plan, period=period, kind="quarterly")
        seen.append(len(queries))
    # Not one query per element: at most one more insert batch (SQLite caps the parameters of
    # one statement, so 50 items go in two inserts there).
    assert seen[1] <= seen[2] <= seen[1] + 1


# -- action items ------------------------------------------------------------------------------
def test_it_creates_an_action_item_in_the_elements_unit_with_its_change_entry(
    scene: Scene,
) -> None:
    item = action_item_create(
        actor=scene.cast.manager,
        data={
            "title": "  Book   the trainers ",
            "owner": scene.cast.contributor.pk,
            "element": scene.train.pk,
            "due_date": "2017-08-01",
        },
    )
    assert (item.title, item.unit, item.owner, item.due_date) == (
        "Book the trainers",
        scene.cast.dept,
        scene.cast.contributor,
        D(2017, 8, 1),
    )
    assert changes_of(item)[0].related_id == scene.train.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"title": " "}, "title", id="no-title"),
        pytest.param({"title": "Do", "unit": None, "element": None}, "unit", id="no-unit"),
        pytest.param({"title": "Do", "due_date": "soon"}, "due_date", id="bad-date"),
        pytest.param({"title": "Do", "status": "done"}, "status", id="not-settable"),
    ],
)
def test_it_refuses_an_action_item_that_breaks_a_rule(
    scene: Scene, data: dict[str, Any], field: str
) -> None:
    data = {"unit": scene.cast.dept, **data}
    with refused(field):
        action_item_create(actor=scene.cast.manager, data=data)


def test_it_lets_managers_only_create_action_items(scene: Scene) -> None:
    for who in ("contributor", "viewer", "outsider"):
        with pytest.raises(PermissionDenied):
            action_item_create(
                actor=scene.cast.everyone[who], data={"title": "Do", "unit": scene.cast.dept}
            )


@pytest.mark.parametrize("who", [*EVERYONE, "owner"])
def test_the_owner_or_a_manager_completes_an_action_item(scene: Scene, who: str) -> None:
    owner = make_person("owner", scene.cast.other, Role.VIEWER)
    item = action_item_create(
        actor=scene.cast.manager, data={"title": "Do", "unit": scene.cast.dept, "owner": owner}
    )
    person = owner if who == "owner" else scene.cast.everyone[who]
    if who in ("admin", "manager", "owner"):
        done = action_item_complete(actor=person, item=item, outcome="Done in July", version=1)
        assert (done.status, done.outcome, done.version) == ("done", "Done in July", 2)
        assert done.done_at is not None
        assert after(changes_of(item, Change.Action.UPDATE)[0])["status"] == "done"
    else:
        with pytest.raises(PermissionDenied):
            action_item_complete(actor=person, item=item, outcome="Done")


def test_it_needs_an_outcome_and_an_open_item_to_complete(scene: Scene) -> None:
    item = action_item_create(
        actor=scene.cast.manager, data={"title": "Do", "unit": scene.cast.dept}
    )
    with refused("outcome", item):
        action_item_complete(actor=scene.cast.manager, item=item, outcome=" ")
    action_item_complete(actor=scene.cast.manager, item=item, outcome="Done")
    with refused("status"):
        action_item_complete(actor=scene.cast.manager, item=item, outcome="Again")


def test_closing_refuses_a_version_loaded_before_someone_changed_an_answer(scene: Scene) -> None:
    review = open_review(scene)
    loaded = review.version  # the close form was opened here
    answer(scene, review, scene.train, actor=scene.cast.admin, on_track="no", decision="drop")
    with pytest.raises(ConflictError):
        review_close(actor=scene.cast.manager, review=review, version=loaded)
    assert Element.objects.get(pk=scene.train.pk).state != Element.State.CANCELLED
