"""Writes for plans, elements and milestones: validation, the change log, permissions, conflicts."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.services import snapshot
from waymark.core.testing import Cast, make_element, make_plan
from waymark.core.tests.builders import changes_of, outline, row
from waymark.org.models import Health
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.services import (
    element_create,
    element_delete,
    element_move,
    element_restore,
    element_update,
    milestone_create,
    milestone_delete,
    milestone_restore,
    milestone_update,
    plan_copy,
    plan_create,
    plan_delete,
    plan_restore,
    plan_update,
)

Tree = tuple[Element, Element, Element]
D = datetime.date
STRUCTURE = {"admin", "manager"}  # change the plan and its tree
EDITORS = {"admin", "manager", "contributor"}  # update elements and milestones
EVERYONE = ["admin", "manager", "contributor", "viewer", "outsider"]


@contextmanager
def refused(obj: models.Model, field: str) -> Iterator[None]:
    """The block raises a ValidationError naming `field`, and nothing changes anywhere."""
    stored, count, in_memory = row(obj), Change.objects.count(), snapshot(obj)
    with pytest.raises(ValidationError) as caught:
        yield
    assert field in caught.value.message_dict, caught.value.message_dict
    assert caught.value.message_dict[field][0]
    assert row(obj) == stored
    assert Change.objects.count() == count
    assert snapshot(obj) == in_memory


@contextmanager
def denied(obj: models.Model) -> Iterator[None]:
    stored, count = row(obj), Change.objects.count()
    with pytest.raises(PermissionDenied):
        yield
    assert row(obj) == stored
    assert Change.objects.count() == count


def plan_data(cast: Cast, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "Action plan 2018",
        "start_date": D(2018, 1, 1),
        "end_date": D(2018, 12, 31),
        "owner_unit": cast.dept,
        **overrides,
    }


# -- plans: create -----------------------------------------------------------------------------
def test_a_manager_creates_a_plan_for_their_unit_and_it_is_logged(cast: Cast) -> None:
    plan = plan_create(actor=cast.manager, data=plan_data(cast, tiers=[" Goal ", "Action"]))
    assert plan.pk
    assert plan.tiers == ["Goal", "Action"]
    assert plan.state == Plan.State.DRAFT
    change = changes_of(plan, Change.Action.CREATE)[0]
    assert change.actor == cast.manager
    assert change.after is not None
    assert change.after["title"] == "Action plan 2018"


@pytest.mark.parametrize("who", EVERYONE)
def test_only_managers_of_the_owner_unit_create_plans(cast: Cast, who: str) -> None:
    count = Plan.objects.count()
    if who in STRUCTURE:
        plan_create(actor=cast.everyone[who], data=plan_data(cast))
        assert Plan.objects.count() == count + 1
    else:
        with pytest.raises(PermissionDenied):
            plan_create(actor=cast.everyone[who], data=plan_data(cast))
        assert Plan.objects.count() == count


def test_a_manager_cannot_create_a_plan_for_another_unit(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        plan_create(actor=cast.manager, data=plan_data(cast, owner_unit=cast.other))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"end_date": D(2017, 12, 31)}, "end_date"),
        ({"start_date": None}, "start_date"),
        ({"kind": "wishlist"}, "kind"),
        ({"cadence": "weekly"}, "cadence"),
        ({"state": "lost"}, "state"),
        ({"tiers": []}, "tiers"),
        ({"tiers": ["Goal", " "]}, "tiers"),
        ({"owner_unit": None}, "owner_unit"),
    ],
)
def test_it_refuses_a_bad_plan_and_creates_nothing(
    cast: Cast, overrides: dict[str, Any], field: str
) -> None:
    plans, changes = Plan.all_objects.count(), Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        plan_create(actor=cast.admin, data=plan_data(cast, **overrides))
    assert field in caught.value.message_dict
    assert (Plan.all_objects.count(), Change.objects.count()) == (plans, changes)


# -- plans: update -----------------------------------------------------------------------------
def test_it_updates_a_plan_bumps_its_version_and_logs_it(cast: Cast, plan: Plan) -> None:
    plan_update(
        actor=cast.manager,
        plan=plan,
        data={"title": "Goals 2017", "vision": "Prosperity"},
        version=1,
    )
    assert plan.version == 2
    stored = row(plan)
    assert (stored["title"], stored["vision"], stored["version"]) == ("Goals 2017", "Prosperity", 2)
    change = changes_of(plan, Change.Action.UPDATE)[-1]
    assert set(change.changed_fields) == {"title", "vision", "version"}


def test_it_refuses_a_plan_that_ends_before_it_starts(cast: Cast, plan: Plan) -> None:
    with refused(plan, "end_date"):
        plan_update(
            actor=cast.admin,
            plan=plan,
            data={"title": "Changed too", "end_date": D(2016, 12, 31)},
        )


def test_it_refuses_fewer_tiers_than_the_depth_in_use(cast: Cast, plan: Plan, tree: Tree) -> None:
    with refused(plan, "tiers"):
        plan_update(actor=cast.admin, plan=plan, data={"tiers": ["Goal", "Objective"]})


def test_it_allows_fewer_tiers_when_the_tree_is_shallower(cast: Cast, plan: Plan) -> None:
    make_element(cast, plan, "Good governance")
    plan_update(actor=cast.admin, plan=plan, data={"tiers": ["Goal"]})
    assert row(plan)["tiers"] == ["Goal"]


def test_it_refuses_a_plan_that_would_be_its_own_ancestor(cast: Cast, plan: Plan) -> None:
    child = make_plan(cast, "Department plan", parent=plan)
    with refused(plan, "parent"):
        plan_update(actor=cast.admin, plan=plan, data={"parent": child})
    with refused(plan, "parent"):
        plan_update(actor=cast.admin, plan=plan, data={"parent": plan})


def test_a_stale_plan_update_is_a_conflict_and_writes_nothing(cast: Cast, plan: Plan) -> None:
    plan_update(actor=cast.admin, plan=plan, data={"title": "First"}, version=1)
    count = Change.objects.count()
    with pytest.raises(ConflictError):
        plan_update(actor=cast.manager, plan=plan, data={"title": "Second"}, version=1)
    assert row(plan)["title"] == "First"
    assert plan.title == "First"
    assert Change.objects.count() == count


@pytest.mark.parametrize("who", EVERYONE)
def test_only_managers_update_a_plan(cast: Cast, plan: Plan, who: str) -> None:
    actor = cast.everyone[who]
    if who in STRUCTURE:
        plan_update(actor=actor, plan=plan, data={"title": "Renamed"})
        assert row(plan)["title"] == "Renamed"
    else:
        with denied(plan):
            plan_update(actor=actor, plan=plan, data={"title": "Renamed"})


def test_a_manager_cannot_hand_a_plan_to_a_unit_they_do_not_manage(cast: Cast, plan: Plan) -> None:
    with denied(plan):
        plan_update(actor=cast.manager, plan=plan, data={"owner_unit": cast.other})


# -- plans: copy -------------------------------------------------------------------------------
@pytest.fixture
def lived_in(cast: Cast, plan: Plan, tree: Tree) -> Tree:
    """The tree after a year of work: states, health, spending, milestones done."""
    goal, objective, action = tree
    element_update(
        actor=cast.admin,
        element=action,
        data={
            "state": Element.State.COMPLETED,
            "budget_spent": "1200000",
            "health_override": Health.AT_RISK,
            "health_override_reason": "Late start",
            "contributors": [cast.viewer],
            "tags": ["training"],
        },
    )
    Element.objects.filter(pk=action.pk).update(health=Health.OFF_TRACK)
    milestone_create(
        actor=cast.admin,
        element=action,
        data={
            "title": "Venue booked",
            "due_date": D(2017, 3, 1),
            "done_date": D(2017, 2, 20),
            "decision": "Use the training centre",
        },
    )
    deleted = milestone_create(actor=cast.admin, element=action, data={"title": "Dropped"})
    milestone_delete(actor=cast.admin, milestone=deleted)
    gone = make_element(cast, plan, "Abandoned", parent=goal)
    element_delete(actor=cast.admin, element=gone)
    return goal, objective, action


def test_copying_a_plan_copies_its_structure_into_a_draft(
    cast: Cast, plan: Plan, lived_in: Tree
) -> None:
    new = plan_copy(actor=cast.manager, plan=plan, title="Development goals 2018")
    assert new.pk != plan.pk
    assert new.state == Plan.State.DRAFT
    assert new.owner_unit == plan.owner_unit
    assert new.tiers == plan.tiers
    assert outline(new) == outline(plan)
    copy = Element.objects.get(plan=new, code="1.1.1")
    assert copy.parent == Element.objects.get(plan=new, code="1.1")
    assert copy.responsible_unit == cast.dept
    assert copy.lead == cast.contributor
    assert copy.budget_planned == Decimal("1500000")
    assert list(copy.contributors.all()) == [cast.viewer]
    assert copy.tags == ["training"]


def test_copying_a_plan_shifts_its_dates_a_year(cast: Cast, plan: Plan, lived_in: Tree) -> None:
    new = plan_copy(actor=cast.admin, plan=plan, title="Development goals 2018")
    assert (new.start_date, new.end_date) == (D(2018, 1, 1), D(2018, 12, 31))
    copy = Element.objects.get(plan=new, code="1.1.1")
    assert (copy.start_date, copy.target_date) == (D(2018, 2, 1), D(2018, 6, 30))
    assert Milestone.objects.get(element=copy).due_date == D(2018, 3, 1)


def test_copying_a_plan_leaves_its_history_behind(cast: Cast, plan: Plan, lived_in: Tree) -> None:
    new = plan_copy(actor=cast.admin, plan=plan, title="Development goals 2018")
    copy = Element.objects.get(plan=new, code="1.1.1")
    assert copy.state == Element.State.NOT_STARTED
    assert copy.health == Health.NOT_ASSESSED
    assert (copy.health_override, copy.health_override_reason) == ("", "")
    assert copy.percent_complete == 0
    assert copy.completed_date is None
    assert copy.budget_spent is None
    milestones = list(Milestone.all_objects.filter(element__plan=new))
    assert [m.title for m in milestones] == ["Venue booked"]  # not the deleted one
    assert milestones[0].done_date is None
    assert milestones[0].decision == ""
    assert not Element.all_objects.filter(plan=new, title="Abandoned").exists()


def test_the_copys_elements_and_milestones_have_change_entries(
    cast: Cast, plan: Plan, lived_in: Tree
) -> None:
    new = plan_copy(actor=cast.manager, plan=plan, title="Development goals 2018")
    assert changes_of(new, Change.Action.CREATE)[0].actor == cast.manager
    for element in Element.objects.filter(plan=new):
        [change] = changes_of(element)
        assert change.action == Change.Action.CREATE
        assert change.actor == cast.manager
        assert change.related_id == new.pk
        assert change.after is not None
        assert change.after["code"] == element.code
    milestone = Milestone.objects.get(element__plan=new)
    [change] = changes_of(milestone)
    assert change.related_id == milestone.element_id


def test_copying_a_plan_leaves_the_source_untouched(cast: Cast, plan: Plan, lived_in: Tree) -> None:
    elements = list(Element.all_objects.filter(plan=plan).order_by("pk").values())
    milestones = list(Milestone.all_objects.filter(element__plan=plan).order_by("pk").values())
    plan_row = row(plan)
    plan_copy(actor=cast.admin, plan=plan, title="Development goals 2018")
    assert list(Element.all_objects.filter(plan=plan).order_by("pk").values()) == elements
    assert (
        list(Milestone.all_objects.filter(element__plan=plan).order_by("pk").values()) == milestones
    )
    assert row(plan) == plan_row


def test_copying_moves_the_29th_of_february_to_the_28th(cast: Cast) -> None:
    leap = make_plan(cast, "Leap", start_date=D(2016, 2, 29), end_date=D(2016, 12, 31))
    assert plan_copy(actor=cast.admin, plan=leap, title="Next").start_date == D(2017, 2, 28)


def test_a_copy_needs_a_title(cast: Cast, plan: Plan) -> None:
    count = Plan.objects.count()
    with pytest.raises(ValidationError) as caught:
        plan_copy(actor=cast.admin, plan=plan, title=" ")
    assert "title" in caught.value.message_dict
    assert Plan.objects.count() == count


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider"])
def test_only_managers_copy_plans(cast: Cast, plan: Plan, who: str) -> None:
    count = Plan.objects.count()
    with pytest.raises(PermissionDenied):
        plan_copy(actor=cast.everyone[who], plan=plan, title="Mine")
    assert Plan.objects.count() == count


# -- plans: delete and restore -----------------------------------------------------------------
def test_it_deletes_and_restores_a_plan(cast: Cast, plan: Plan, tree: Tree) -> None:
    plan_delete(actor=cast.manager, plan=plan)
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert changes_of(plan, Change.Action.DELETE)[0].actor == cast.manager
    deleted = Plan.all_objects.get(pk=plan.pk)
    restored = plan_restore(actor=cast.manager, plan=deleted)
    assert not restored.is_deleted
    assert Plan.objects.filter(pk=plan.pk).exists()
    assert Element.objects.filter(plan=plan).count() == 3
    assert len(changes_of(plan, Change.Action.RESTORE)) == 1


def test_it_refuses_to_restore_a_plan_that_is_not_deleted(cast: Cast, plan: Plan) -> None:
    with refused(plan, "plan"):
        plan_restore(actor=cast.admin, plan=plan)


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider"])
def test_only_managers_delete_or_restore_plans(cast: Cast, plan: Plan, who: str) -> None:
    with denied(plan):
        plan_delete(actor=cast.everyone[who], plan=plan)
    plan_delete(actor=cast.admin, plan=plan)
    deleted = Plan.all_objects.get(pk=plan.pk)
    with denied(deleted):
        plan_restore(actor=cast.everyone[who], plan=deleted)


# -- elements: create --------------------------------------------------------------------------
def test_it_creates_elements_numbered_by_position(cast: Cast, plan: Plan, tree: Tree) -> None:
    goal, objective, action = tree
    assert [(e.code, e.depth, e.position) for e in (goal, objective, action)] == [
        ("1", 1, 1),
        ("1.1", 2, 1),
        ("1.1.1", 3, 1),
    ]
    assert goal.tier == "Goal"
    assert action.tier == "Action"
    change = changes_of(action, Change.Action.CREATE)[0]
    assert change.related_id == plan.pk
    assert change.after is not None
    assert change.after["code"] == "1.1.1"


def test_it_inserts_an_element_at_a_position(cast: Cast, plan: Plan, tree: Tree) -> None:
    second = make_element(cast, plan, "Second")
    first = element_create(actor=cast.manager, plan=plan, data={"title": "First"}, position=1)
    assert first.code == "1"
    assert outline(plan) == [
        ("1", "First"),
        ("2", "Good governance"),
        ("2.1", "Capable public servants"),
        ("2.1.1", "Train government officials"),
        ("3", "Second"),
    ]
    assert second.pk == Element.objects.get(code="3").pk


def test_it_creates_an_element_with_its_contributors(cast: Cast, plan: Plan) -> None:
    element = element_create(
        actor=cast.admin, plan=plan, data={"title": "Open data", "contributors": [cast.viewer]}
    )
    assert list(element.contributors.all()) == [cast.viewer]
    after = changes_of(element)[0].after
    assert after is not None
    assert after["contributors"] == [cast.viewer.pk]


def test_it_refuses_an_element_deeper_than_the_tiers(cast: Cast, plan: Plan, tree: Tree) -> None:
    count = Element.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_element(cast, plan, "Too deep", parent=tree[2])
    assert "3 tiers" in caught.value.message_dict["parent"][0]
    assert Element.objects.count() == count


def test_it_refuses_a_parent_from_another_plan_or_deleted(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    other = make_plan(cast, "Other plan")
    with pytest.raises(ValidationError) as caught:
        make_element(cast, other, "Stray", parent=tree[0])
    assert "parent" in caught.value.message_dict
    stale_objective = tree[1]
    element_delete(actor=cast.admin, element=Element.objects.get(pk=tree[0].pk))
    with pytest.raises(ValidationError) as caught:
        make_element(cast, plan, "Orphan", parent=stale_objective)
    assert "parent" in caught.value.message_dict
    assert not Element.all_objects.filter(title__in=["Stray", "Orphan"]).exists()


BAD_ELEMENT_DATA = [
    pytest.param({"title": " "}, "title", id="blank-title"),
    pytest.param(
        {"start_date": D(2017, 5, 1), "target_date": D(2017, 4, 30)},
        "target_date",
        id="target-before-start",
    ),
    pytest.param(
        {"start_date": D(2017, 5, 1), "completed_date": D(2017, 4, 30)},
        "completed_date",
        id="completed-before-start",
    ),
    pytest.param({"health_override": Health.OFF_TRACK}, "health_override_reason", id="no-reason"),
    pytest.param(
        {"health_override": Health.OFF_TRACK, "health_override_reason": "   "},
        "health_override_reason",
        id="blank-reason",
    ),
    pytest.param(
        {"health_override": "purple", "health_override_reason": "x"},
        "health_override",
        id="unknown-health",
    ),
    pytest.param({"budget_planned": "-5"}, "budget_planned", id="negative-budget"),
    pytest.param({"budget_spent": "-0.01"}, "budget_spent", id="negative-spent"),
    pytest.param({"budget_planned": "abc"}, "budget_planned", id="not-a-number"),
    pytest.param({"budget_planned": "NaN"}, "budget_planned", id="nan"),
    pytest.param({"budget_planned": "Infinity"}, "budget_planned", id="infinity"),
    pytest.param({"budget_planned": "1.005"}, "budget_planned", id="three-decimals"),
    pytest.param({"budget_planned": "1e20"}, "budget_planned", id="too-large"),
    pytest.param({"percent_complete": 101}, "percent_complete", id="percent-over"),
    pytest.param({"percent_complete": -1}, "percent_complete", id="percent-under"),
    pytest.param({"percent_complete": 50.5}, "percent_complete", id="percent-fraction"),
    pytest.param({"state": "done"}, "state", id="unknown-state"),
    pytest.param({"priority": "urgent"}, "priority", id="unknown-priority"),
    pytest.param({"tags": "a,b"}, "tags", id="tags-not-a-list"),
    pytest.param({"code": "9"}, "code", id="not-editable"),
]


@pytest.mark.parametrize(("data", "field"), BAD_ELEMENT_DATA)
def test_it_refuses_a_bad_new_element_naming_the_field(
    cast: Cast, plan: Plan, data: dict[str, Any], field: str
) -> None:
    count, changes = Element.all_objects.count(), Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_element(cast, plan, **{"title": "New", **data})
    assert field in caught.value.message_dict
    assert (Element.all_objects.count(), Change.objects.count()) == (count, changes)


def test_it_refuses_a_lead_from_outside_the_responsible_unit(cast: Cast, plan: Plan) -> None:
    with pytest.raises(ValidationError) as caught:
        make_element(cast, plan, "Audit", responsible_unit=cast.dept, lead=cast.outsider)
    assert "Outsider" in caught.value.message_dict["lead"][0]
    with pytest.raises(ValidationError) as caught:
        make_element(cast, plan, "Audit", lead=cast.contributor)
    assert "responsible_unit" in caught.value.message_dict
    assert not Element.objects.filter(title="Audit").exists()


def test_a_lead_may_come_from_a_unit_above_or_below_the_responsible_one(
    cast: Cast, plan: Plan
) -> None:
    from_above = make_element(cast, plan, "Audit", responsible_unit=cast.dept, lead=cast.admin)
    assert from_above.lead == cast.admin
    from_below = make_element(cast, plan, "Review", responsible_unit=cast.root, lead=cast.viewer)
    assert from_below.lead == cast.viewer


@pytest.mark.parametrize("who", EVERYONE)
def test_only_managers_create_elements(cast: Cast, plan: Plan, who: str) -> None:
    count = Element.objects.count()
    if who in STRUCTURE:
        element_create(actor=cast.everyone[who], plan=plan, data={"title": "New"})
        assert Element.objects.count() == count + 1
    else:
        with pytest.raises(PermissionDenied):
            element_create(actor=cast.everyone[who], plan=plan, data={"title": "New"})
        assert Element.objects.count() == count


# -- elements: update --------------------------------------------------------------------------
def test_it_updates_an_element_and_logs_it_against_the_plan(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    action = tree[2]
    element_update(
        actor=cast.contributor,
        element=action,
        data={"state": Element.State.IN_PROGRESS, "percent_complete": 40, "budget_spent": "1,000"},
        version=1,
    )
    stored = row(action)
    assert (stored["state"], stored["percent_complete"]) == ("in_progress", 40)
    assert stored["budget_spent"] == Decimal("1000")
    assert action.version == 2
    change = changes_of(action, Change.Action.UPDATE)[-1]
    assert change.actor == cast.contributor
    assert change.related_id == plan.pk
    assert set(change.changed_fields) == {"state", "percent_complete", "budget_spent", "version"}


def test_completing_an_element_dates_it_and_makes_it_whole(cast: Cast, tree: Tree) -> None:
    action = tree[2]
    element_update(actor=cast.admin, element=action, data={"state": Element.State.COMPLETED})
    assert action.completed_date is not None
    assert action.percent_complete == 100
    assert row(action)["percent_complete"] == 100


def test_an_update_that_changes_nothing_writes_nothing(cast: Cast, tree: Tree) -> None:
    action = Element.objects.get(pk=tree[2].pk)
    count = Change.objects.count()
    element_update(
        actor=cast.admin,
        element=action,
        data={"title": " Train government officials ", "budget_planned": "1500000"},
    )
    assert Change.objects.count() == count
    assert row(action)["version"] == 1


@pytest.mark.parametrize(("data", "field"), BAD_ELEMENT_DATA)
def test_it_refuses_a_bad_update_and_changes_nothing(
    cast: Cast, tree: Tree, data: dict[str, Any], field: str
) -> None:
    action = tree[2]
    with refused(action, field):
        element_update(
            actor=cast.admin,
            element=action,
            data={"notes": "changed as well", "start_date": D(2017, 2, 1), **data},
        )


def test_an_update_refuses_a_lead_from_outside_the_responsible_unit(cast: Cast, tree: Tree) -> None:
    action = tree[2]
    with refused(action, "lead"):
        element_update(actor=cast.admin, element=action, data={"lead": cast.outsider})
    with refused(action, "lead"):
        element_update(actor=cast.admin, element=action, data={"responsible_unit": cast.other})
    assert action.lead == cast.contributor
    assert action.responsible_unit == cast.dept


def test_it_refuses_a_target_date_before_the_start_date(cast: Cast, tree: Tree) -> None:
    action = tree[2]
    with refused(action, "target_date"):
        element_update(actor=cast.admin, element=action, data={"target_date": D(2017, 1, 31)})
    assert action.target_date == D(2017, 6, 30)


def test_a_stale_element_update_is_a_conflict_and_writes_nothing(cast: Cast, tree: Tree) -> None:
    action = tree[2]
    element_update(actor=cast.manager, element=action, data={"notes": "Mine"}, version=1)
    stale = Element.objects.get(pk=action.pk)
    stale.version = 1
    count = Change.objects.count()
    with pytest.raises(ConflictError) as caught:
        element_update(actor=cast.contributor, element=stale, data={"notes": "Theirs"}, version=1)
    assert caught.value.current_version == 2
    assert caught.value.changed["notes"] == {"before": "", "after": "Mine"}
    assert row(action)["notes"] == "Mine"
    assert stale.notes == "Mine"
    assert Change.objects.count() == count


def test_an_update_does_not_undo_a_renumbering_it_did_not_see(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    goal = tree[0]
    stale_goal = Element.objects.get(pk=goal.pk)
    element_create(actor=cast.admin, plan=plan, data={"title": "New first"}, position=1)
    element_update(actor=cast.admin, element=stale_goal, data={"notes": "Edited"})
    assert outline(plan)[:2] == [("1", "New first"), ("2", "Good governance")]
    assert row(goal)["notes"] == "Edited"


@pytest.mark.parametrize("who", EVERYONE)
def test_contributors_and_up_update_elements(cast: Cast, tree: Tree, who: str) -> None:
    action = tree[2]
    if who in EDITORS:
        element_update(actor=cast.everyone[who], element=action, data={"notes": who})
        assert row(action)["notes"] == who
    else:
        with denied(action):
            element_update(actor=cast.everyone[who], element=action, data={"notes": who})


def test_a_contributor_of_the_responsible_unit_updates_the_element(cast: Cast, plan: Plan) -> None:
    element = make_element(cast, plan, "Audit", responsible_unit=cast.other)
    element_update(actor=cast.outsider, element=element, data={"percent_complete": 10})
    assert row(element)["percent_complete"] == 10


# -- elements: move ----------------------------------------------------------------------------
@pytest.fixture
def wide(cast: Cast, plan: Plan, tree: Tree) -> dict[str, Element]:
    """1 Good governance > 1.1 Capable public servants > 1.1.1 Train; 2 Open economy > 2.1 Trade."""
    economy = make_element(cast, plan, "Open economy")
    trade = make_element(cast, plan, "Trade", parent=economy)
    goal, objective, action = tree
    return {
        "goal": goal,
        "objective": objective,
        "action": action,
        "economy": economy,
        "trade": trade,
    }


def test_it_moves_an_element_with_its_subtree(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    objective = wide["objective"]
    element_move(actor=cast.manager, element=objective, parent=wide["economy"], position=1)
    assert outline(plan) == [
        ("1", "Good governance"),
        ("2", "Open economy"),
        ("2.1", "Capable public servants"),
        ("2.1.1", "Train government officials"),
        ("2.2", "Trade"),
    ]
    assert objective.code == "2.1"
    assert objective.version == 2
    change = changes_of(objective, Change.Action.UPDATE)[-1]
    assert ("parent", wide["goal"].pk, wide["economy"].pk) in change.diff
    assert ("code", "1.1", "2.1") in change.diff


def test_it_reorders_siblings(cast: Cast, plan: Plan, wide: dict[str, Element]) -> None:
    element_move(actor=cast.admin, element=wide["economy"], parent=None, position=1)
    assert [c for c, _t in outline(plan)] == ["1", "1.1", "2", "2.1", "2.1.1"]
    assert Element.objects.get(code="1").pk == wide["economy"].pk


def test_a_move_to_the_same_place_logs_nothing(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    count = Change.objects.count()
    element_move(actor=cast.admin, element=wide["economy"], parent=None, position=2)
    assert Change.objects.count() == count


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_it_refuses_to_move_an_element_under_itself_or_its_own_child(
    cast: Cast, tree: Tree, target: str
) -> None:
    goal, objective, action = tree
    parent = {"itself": goal, "child": objective, "grandchild": action}[target]
    with refused(goal, "parent"):
        element_move(actor=cast.admin, element=goal, parent=parent)


def test_it_refuses_a_cycle_even_when_the_copies_are_stale(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    goal = tree[0]
    element_create(actor=cast.admin, plan=plan, data={"title": "New first"}, position=1)
    fresh_objective = Element.objects.get(pk=tree[1].pk)  # now 2.1; `goal` still thinks it is 1
    with pytest.raises(ValidationError) as caught:
        element_move(actor=cast.admin, element=goal, parent=fresh_objective)
    assert "parent" in caught.value.message_dict
    assert row(goal)["parent_id"] is None
    assert len(outline(plan)) == 4


def test_it_refuses_a_move_that_would_go_deeper_than_the_tiers(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    objective = wide["objective"]  # carries an action below it: two levels
    with refused(objective, "parent"):
        element_move(actor=cast.admin, element=objective, parent=wide["trade"])
    element_move(actor=cast.admin, element=wide["action"], parent=wide["trade"])
    assert Element.objects.get(pk=wide["action"].pk).code == "2.1.1"


def test_it_refuses_a_parent_from_another_plan(cast: Cast, tree: Tree) -> None:
    other = make_plan(cast, "Other plan")
    stranger = make_element(cast, other, "Stranger")
    with refused(tree[1], "parent"):
        element_move(actor=cast.admin, element=tree[1], parent=stranger)


def test_a_stale_move_is_a_conflict_and_writes_nothing(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    economy = wide["economy"]
    element_update(actor=cast.admin, element=economy, data={"notes": "x"})
    codes, count = outline(plan), Change.objects.count()
    with pytest.raises(ConflictError):
        element_move(actor=cast.admin, element=economy, parent=None, position=1, version=1)
    assert outline(plan) == codes
    assert Change.objects.count() == count


@pytest.mark.parametrize("who", EVERYONE)
def test_only_managers_move_elements(
    cast: Cast, plan: Plan, wide: dict[str, Element], who: str
) -> None:
    economy = wide["economy"]
    if who in STRUCTURE:
        element_move(actor=cast.everyone[who], element=economy, parent=None, position=1)
        assert row(economy)["code"] == "1"
    else:
        with denied(economy):
            element_move(actor=cast.everyone[who], element=economy, parent=None, position=1)


# -- elements: delete and restore --------------------------------------------------------------
def test_it_deletes_an_element_with_its_subtree_as_one_batch(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    element_delete(actor=cast.manager, element=wide["goal"])
    assert outline(plan) == [("1", "Open economy"), ("1.1", "Trade")]
    batches = {
        Element.all_objects.get(pk=wide[k].pk).deletion_batch
        for k in ("goal", "objective", "action")
    }
    assert len(batches) == 1
    assert None not in batches
    assert len(Change.objects.filter(action=Change.Action.DELETE, batch__in=batches)) == 3


def test_deleting_through_a_stale_copy_takes_the_right_subtree(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    stale_economy = wide["economy"]  # loaded as "2"
    element_move(
        actor=cast.admin, element=Element.objects.get(pk=stale_economy.pk), parent=None, position=1
    )
    element_delete(actor=cast.admin, element=stale_economy)
    assert outline(plan) == [
        ("1", "Good governance"),
        ("1.1", "Capable public servants"),
        ("1.1.1", "Train government officials"),
    ]


def test_it_refuses_to_delete_an_element_twice(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    stale_economy = Element.objects.get(pk=wide["economy"].pk)
    element_delete(actor=cast.admin, element=wide["economy"])
    codes = outline(plan)
    with pytest.raises(ValidationError):
        element_delete(actor=cast.admin, element=stale_economy)
    assert outline(plan) == codes


def test_it_restores_an_element_with_its_subtree_in_its_place(
    cast: Cast, plan: Plan, wide: dict[str, Element]
) -> None:
    before = outline(plan)
    goal = wide["goal"]
    element_delete(actor=cast.admin, element=goal)
    restored = element_restore(actor=cast.manager, element=Element.all_objects.get(pk=goal.pk))
    assert not restored.is_deleted
    assert outline(plan) == before
    assert len(changes_of(wide["action"], Change.Action.RESTORE)) == 1


def test_it_refuses_to_restore_under_a_deleted_parent(cast: Cast, tree: Tree) -> None:
    goal, _objective, action = tree
    element_delete(actor=cast.admin, element=action)
    element_delete(actor=cast.admin, element=goal)
    deleted_action = Element.all_objects.get(pk=action.pk)
    with refused(deleted_action, "parent"):
        element_restore(actor=cast.admin, element=deleted_action)


def test_it_refuses_to_restore_an_element_that_is_not_deleted(cast: Cast, tree: Tree) -> None:
    with refused(tree[2], "element"):
        element_restore(actor=cast.admin, element=tree[2])


def test_it_refuses_to_restore_a_subtree_deeper_than_the_tiers_now_are(
    cast: Cast, plan: Plan, tree: Tree
) -> None:
    objective = tree[1]
    element_delete(actor=cast.admin, element=objective)
    plan_update(actor=cast.admin, plan=plan, data={"tiers": ["Goal", "Objective"]})
    deleted = Element.all_objects.get(pk=objective.pk)
    with refused(deleted, "parent"):
        element_restore(actor=cast.admin, element=deleted)
    assert outline(plan) == [("1", "Good governance")]


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider"])
def test_only_managers_delete_or_restore_elements(cast: Cast, tree: Tree, who: str) -> None:
    action = tree[2]
    with denied(action):
        element_delete(actor=cast.everyone[who], element=action)
    element_delete(actor=cast.admin, element=action)
    deleted = Element.all_objects.get(pk=action.pk)
    with denied(deleted):
        element_restore(actor=cast.everyone[who], element=deleted)


# -- milestones --------------------------------------------------------------------------------
def test_it_creates_updates_deletes_and_restores_a_milestone(cast: Cast, tree: Tree) -> None:
    action = tree[2]
    milestone = milestone_create(
        actor=cast.contributor,
        element=action,
        data={"title": " Venue booked ", "due_date": D(2017, 3, 1)},
    )
    assert milestone.title == "Venue booked"
    milestone_update(
        actor=cast.contributor,
        milestone=milestone,
        data={"done_date": D(2017, 2, 27), "decision": "Training centre"},
        version=1,
    )
    assert milestone.version == 2
    milestone_delete(actor=cast.contributor, milestone=milestone)
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    restored = milestone_restore(
        actor=cast.contributor, milestone=Milestone.all_objects.get(pk=milestone.pk)
    )
    assert not restored.is_deleted
    assert [c.action for c in changes_of(milestone)] == ["create", "update", "delete", "restore"]
    assert {c.related_id for c in changes_of(milestone)} == {action.pk}


def test_it_refuses_a_milestone_without_a_title(cast: Cast, tree: Tree) -> None:
    with pytest.raises(ValidationError) as caught:
        milestone_create(actor=cast.admin, element=tree[2], data={"title": "  "})
    assert "title" in caught.value.message_dict
    milestone = milestone_create(actor=cast.admin, element=tree[2], data={"title": "Venue"})
    with refused(milestone, "title"):
        milestone_update(
            actor=cast.admin, milestone=milestone, data={"title": "", "decision": "changed"}
        )


def test_a_stale_milestone_update_is_a_conflict(cast: Cast, tree: Tree) -> None:
    milestone = milestone_create(actor=cast.admin, element=tree[2], data={"title": "Venue"})
    milestone_update(actor=cast.admin, milestone=milestone, data={"title": "Hall"}, version=1)
    count = Change.objects.count()
    with pytest.raises(ConflictError):
        milestone_update(actor=cast.admin, milestone=milestone, data={"title": "Room"}, version=1)
    assert row(milestone)["title"] == "Hall"
    assert Change.objects.count() == count


def test_it_refuses_to_restore_a_live_milestone_or_one_of_a_deleted_element(
    cast: Cast, tree: Tree
) -> None:
    action = tree[2]
    milestone = milestone_create(actor=cast.admin, element=action, data={"title": "Venue"})
    with refused(milestone, "milestone"):
        milestone_restore(actor=cast.admin, milestone=milestone)
    milestone_delete(actor=cast.admin, milestone=milestone)
    element_delete(actor=cast.admin, element=action)
    deleted = Milestone.all_objects.get(pk=milestone.pk)
    with refused(deleted, "element"):
        milestone_restore(actor=cast.admin, milestone=deleted)


@pytest.mark.parametrize("who", EVERYONE)
def test_contributors_and_up_manage_milestones(cast: Cast, tree: Tree, who: str) -> None:
    action, actor = tree[2], cast.everyone[who]
    existing = milestone_create(actor=cast.admin, element=action, data={"title": "Venue"})
    calls: list[Callable[[], object]] = [
        lambda: milestone_create(actor=actor, element=action, data={"title": "Mine"}),
        lambda: milestone_update(actor=actor, milestone=existing, data={"title": "Mine"}),
        lambda: milestone_delete(actor=actor, milestone=existing),
    ]
    for call in calls:
        if who in EDITORS:
            call()
        else:
            with denied(existing):
                call()
    if who in EDITORS:
        assert Milestone.all_objects.get(pk=existing.pk).is_deleted
    else:
        assert Milestone.all_objects.filter(element=action).count() == 1


def test_a_missing_override_reason_is_refused_not_a_crash(cast: Cast, tree: Any) -> None:
    action = tree[2]
    with pytest.raises(ValidationError) as caught:
        element_update(
            actor=cast.contributor,
            element=action,
            data={"health_override": "at_risk", "health_override_reason": None},
        )
    assert "health_override_reason" in caught.value.message_dict


def test_a_boolean_is_not_a_percentage(cast: Cast, tree: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        element_update(actor=cast.contributor, element=tree[2], data={"percent_complete": True})
    assert "percent_complete" in caught.value.message_dict


def test_no_milestone_is_added_to_an_element_in_the_trash(cast: Cast, tree: Any) -> None:
    action = tree[2]
    element_delete(actor=cast.manager, element=action)
    action = Element.all_objects.get(pk=action.pk)
    with pytest.raises(ValidationError) as caught:
        milestone_create(actor=cast.admin, element=action, data={"title": "Late"})
    assert "element" in caught.value.message_dict
