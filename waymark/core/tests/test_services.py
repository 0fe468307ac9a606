"""The change log writer, snapshots, soft delete and restore, reverting and version checks."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waymark.core.context import reset_request_id, set_request_id
from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.services import (
    check_version,
    record_change,
    restore_batch,
    reverting,
    save_update,
    snapshot,
    soft_delete,
)
from waymark.core.testing import Cast
from waymark.core.tests.builders import changes_of, row
from waymark.org.models import Organisation
from waymark.plans.models import Element, Milestone, Plan


# -- snapshot ----------------------------------------------------------------------------------
def test_it_snapshots_foreign_keys_as_ids_under_the_field_name(cast: Cast, tree) -> None:
    _goal, objective, action = tree
    data = snapshot(action)
    assert data["parent"] == objective.pk
    assert data["responsible_unit"] == cast.dept.pk
    assert data["lead"] == cast.contributor.pk
    assert "parent_id" not in data


def test_it_snapshots_dates_and_decimals_as_json_strings(tree) -> None:
    action = tree[2]
    data = snapshot(action)
    assert data["start_date"] == "2017-02-01"
    assert data["target_date"] == "2017-06-30"
    assert data["budget_planned"] in ("1500000", "1500000.00")


def test_it_snapshots_many_to_many_as_sorted_ids(cast: Cast, tree) -> None:
    action = tree[2]
    action.contributors.set([cast.viewer, cast.manager])
    assert snapshot(action)["contributors"] == sorted([cast.viewer.pk, cast.manager.pk])


def test_it_leaves_secrets_and_timestamps_out_of_snapshots(cast: Cast, plan: Plan) -> None:
    person = snapshot(cast.admin)
    assert "password" not in person
    assert "last_login" not in person
    assert "created_at" not in snapshot(plan)
    assert "updated_at" not in snapshot(plan)


def test_it_snapshots_a_file_field_by_its_name(db: None) -> None:
    org = Organisation.get()
    assert snapshot(org)["logo"] == ""
    org.logo = SimpleUploadedFile("logo.png", b"\x89PNG")
    assert snapshot(org)["logo"] == "logo.png"


# -- record_change -----------------------------------------------------------------------------
def test_it_records_who_did_what_with_the_request_id(cast: Cast, plan: Plan) -> None:
    token = set_request_id("req-123")
    try:
        change = record_change(
            actor=cast.manager,
            obj=plan,
            action=Change.Action.UPDATE,
            before={"title": "a"},
            after={"title": "b"},
        )
    finally:
        reset_request_id(token)
    change.refresh_from_db()
    assert change.actor == cast.manager
    assert change.actor_name == "manager"
    assert change.request_id == "req-123"
    assert change.object_type.model_class() is Plan
    assert change.object_id == plan.pk
    assert change.object_repr == plan.title
    assert change.diff == [("title", "a", "b")]


def test_it_records_a_change_without_an_actor_as_the_system(plan: Plan) -> None:
    change = record_change(
        actor=None, obj=plan, action=Change.Action.UPDATE, before={}, after={"x": 1}
    )
    assert change.actor is None
    assert change.actor_name == "system"
    assert change.request_id  # a fresh id outside any request


def test_it_records_the_related_object_of_a_change(cast: Cast, plan: Plan, tree) -> None:
    change = record_change(
        actor=cast.admin,
        obj=tree[0],
        action=Change.Action.UPDATE,
        before={},
        after={},
        related=plan,
    )
    assert change.related_type is not None
    assert change.related_type.model_class() is Plan
    assert change.related_id == plan.pk


def test_a_change_lists_only_the_fields_that_differ(cast: Cast, plan: Plan) -> None:
    change = record_change(
        actor=cast.admin,
        obj=plan,
        action=Change.Action.UPDATE,
        before={"title": "a", "kind": "strategic", "gone": 1},
        after={"title": "b", "kind": "strategic", "new": 2},
    )
    assert change.changed_fields == ["gone", "new", "title"]
    assert ("kind", "strategic", "strategic") not in change.diff


# -- save_update -------------------------------------------------------------------------------
def test_it_saves_bumps_the_version_and_logs_before_and_after(cast: Cast, plan: Plan) -> None:
    before = snapshot(plan)
    plan.title = "Renamed"
    assert save_update(actor=cast.admin, obj=plan, before=before) is True
    assert plan.version == 2
    assert row(plan)["title"] == "Renamed"
    assert row(plan)["version"] == 2
    change = changes_of(plan, Change.Action.UPDATE)[-1]
    assert change.diff == [("title", "Development goals 2017", "Renamed"), ("version", 1, 2)]


def test_it_writes_nothing_when_nothing_changed(cast: Cast, plan: Plan) -> None:
    count = Change.objects.count()
    assert save_update(actor=cast.admin, obj=plan, before=snapshot(plan)) is False
    assert plan.version == 1
    assert row(plan)["version"] == 1
    assert Change.objects.count() == count


def test_it_sets_many_to_many_values_and_logs_them(cast: Cast, tree) -> None:
    action = tree[2]
    before = snapshot(action)
    save_update(actor=cast.admin, obj=action, before=before, m2m={"contributors": [cast.viewer]})
    assert list(action.contributors.all()) == [cast.viewer]
    change = changes_of(action, Change.Action.UPDATE)[-1]
    assert ("contributors", [], [cast.viewer.pk]) in change.diff


def test_it_does_not_write_back_fields_a_stale_copy_did_not_change(cast: Cast, plan: Plan) -> None:
    stale = Plan.objects.get(pk=plan.pk)
    before = snapshot(plan)
    plan.vision = "A prosperous aimag"
    save_update(actor=cast.admin, obj=plan, before=before)

    before = snapshot(stale)
    stale.title = "Renamed"
    save_update(actor=cast.admin, obj=stale, before=before)

    stored = row(plan)
    assert stored["vision"] == "A prosperous aimag"
    assert stored["title"] == "Renamed"


def test_it_bumps_the_version_from_the_stored_one_not_a_stale_copy(cast: Cast, plan: Plan) -> None:
    stale = Plan.objects.get(pk=plan.pk)
    for title in ("One", "Two"):
        before = snapshot(plan)
        plan.title = title
        save_update(actor=cast.admin, obj=plan, before=before)
    assert row(plan)["version"] == 3

    before = snapshot(stale)
    stale.vision = "Later"
    save_update(actor=cast.admin, obj=stale, before=before)
    assert stale.version == 4
    assert row(plan)["version"] == 4


# -- check_version -----------------------------------------------------------------------------
def test_it_accepts_the_stored_version_or_none(plan: Plan) -> None:
    check_version(plan, None)
    check_version(plan, 1)


def test_it_raises_a_conflict_with_what_the_other_writer_changed(cast: Cast, plan: Plan) -> None:
    before = snapshot(plan)
    plan.title = "Theirs"
    save_update(actor=cast.manager, obj=plan, before=before)
    with pytest.raises(ConflictError) as caught:
        check_version(plan, 1)
    assert caught.value.current_version == 2
    assert caught.value.changed["title"] == {
        "before": "Development goals 2017",
        "after": "Theirs",
    }


# -- soft delete and restore -------------------------------------------------------------------
def test_it_soft_deletes_objects_as_one_logged_batch(cast: Cast, plan: Plan, tree) -> None:
    goal, objective, _action = tree
    batch = soft_delete(actor=cast.manager, objs=[goal, objective], related=plan)
    assert list(Element.objects.filter(pk__in=[goal.pk, objective.pk])) == []
    for element in (goal, objective):
        stored = Element.all_objects.get(pk=element.pk)
        assert stored.is_deleted
        assert stored.deleted_by == cast.manager
        assert stored.deletion_batch == batch
        change = changes_of(element, Change.Action.DELETE)[-1]
        assert change.batch == batch
        assert change.after is None
        assert change.before is not None
        assert change.before["title"] == element.title
        assert change.related_id == plan.pk


def test_it_restores_exactly_one_batch(cast: Cast, plan: Plan, tree) -> None:
    goal, objective, action = tree
    first = soft_delete(actor=cast.admin, objs=[action])
    second = soft_delete(actor=cast.admin, objs=[goal, objective])
    restored = restore_batch(actor=cast.admin, model=Element, batch=second)
    assert {e.pk for e in restored} == {goal.pk, objective.pk}
    assert set(Element.objects.values_list("pk", flat=True)) == {goal.pk, objective.pk}
    stored = Element.all_objects.get(pk=action.pk)
    assert stored.deletion_batch == first
    for element in (goal, objective):
        change = changes_of(element, Change.Action.RESTORE)[-1]
        assert change.batch == second
        assert change.before is None
        assert change.after is not None
        assert change.after["deleted_at"] is None


def test_restoring_an_unknown_batch_restores_nothing(cast: Cast, tree) -> None:
    soft_delete(actor=cast.admin, objs=[tree[2]])
    count = Change.objects.count()
    assert restore_batch(actor=cast.admin, model=Element, batch=uuid.uuid4()) == []
    assert Change.objects.count() == count


def test_it_soft_deletes_without_an_actor(cast: Cast, tree) -> None:
    milestone = Milestone.objects.create(element=tree[2], title="Venue booked")
    soft_delete(actor=None, objs=[milestone])
    stored = Milestone.all_objects.get(pk=milestone.pk)
    assert stored.is_deleted
    assert stored.deleted_by is None


# -- reverting ---------------------------------------------------------------------------------
def test_reverting_reloads_the_object_when_the_block_fails(plan: Plan) -> None:
    with pytest.raises(ValueError), reverting(plan):
        plan.title = "Half-applied"
        plan.end_date = datetime.date(2030, 1, 1)
        raise ValueError("boom")
    assert plan.title == "Development goals 2017"
    assert plan.end_date == datetime.date(2017, 12, 31)


def test_reverting_keeps_the_object_when_the_block_succeeds(plan: Plan) -> None:
    with reverting(plan):
        plan.title = "Kept in memory"
    assert plan.title == "Kept in memory"


def test_reverting_leaves_an_unsaved_object_alone(cast: Cast) -> None:
    unsaved = Plan(title="New")
    with pytest.raises(ValueError), reverting(unsaved):
        raise ValueError("boom")
    assert unsaved.title == "New"
