"""Action item services: create, edit, status changes and notes, each with its change entry and
its permission per member of the cast; and who sees which action items."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.testing import Cast
from waymark.meetings.models import ActionItem, ActionItemNote
from waymark.meetings.selectors import action_items_owed_by, action_items_visible_to
from waymark.meetings.services import (
    action_item_complete,
    action_item_create,
    action_item_note_add,
    action_item_set_status,
    action_item_update,
)
from waymark.plans.models import Element
from waymark.plans.services import element_delete

Tree = tuple[Element, Element, Element]


@pytest.fixture(autouse=True)
def april_3() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2017, 4, 3, 12), tick=False):
        yield


@pytest.fixture
def item(cast: Cast, tree: Tree) -> ActionItem:
    return action_item_create(
        actor=cast.manager,
        data={
            "title": "  Book   the training hall ",
            "element": tree[2],
            "owner": cast.contributor,
            "due_date": "2017-03-20",
        },
    )


def _changes(obj: Model, action: str) -> list[Change]:
    return list(
        Change.objects.filter(object_id=obj.pk, action=action)
        .filter(object_type__model=type(obj).__name__.lower())
        .order_by("id")
    )


# -- create --------------------------------------------------------------------------------------
def test_it_creates_an_item_in_the_elements_unit_with_its_change_entry(
    cast: Cast, tree: Tree, item: ActionItem
) -> None:
    assert item.title == "Book the training hall"
    assert item.unit == cast.dept  # the element's responsible unit
    assert item.status == ActionItem.Status.OPEN and item.is_overdue
    [created] = _changes(item, "create")
    assert created.actor == cast.manager and created.related_id == tree[2].pk


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("manager", True),
        ("contributor", False),
        ("viewer", False),
        ("outsider", False),
    ],
)
def test_it_lets_only_managers_create_items(
    cast: Cast, tree: Tree, who: str, allowed: bool
) -> None:
    def create() -> ActionItem:
        return action_item_create(
            actor=cast.everyone[who], data={"title": "Print the handbook", "unit": cast.dept}
        )

    if allowed:
        assert create().pk
    else:
        with pytest.raises(PermissionDenied):
            create()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "Print", "due_date": "next week"}, "due_date"),
        ({"title": "Print", "status": "done"}, "status"),
        ({"title": "Print", "unit": None}, "unit"),
    ],
)
def test_it_names_the_field_that_is_wrong_on_create(
    cast: Cast, data: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        action_item_create(actor=cast.admin, data={"unit": cast.dept, **data})
    assert field in exc.value.message_dict


# -- edits ---------------------------------------------------------------------------------------
def test_it_edits_an_item_and_logs_before_and_after(cast: Cast, item: ActionItem) -> None:
    action_item_update(
        actor=cast.manager,
        item=item,
        data={"title": "Book a bigger hall", "owner": cast.viewer, "due_date": "2017-04-30"},
        version=item.version,
    )
    item.refresh_from_db()
    assert (item.title, item.owner, item.due_date) == (
        "Book a bigger hall",
        cast.viewer,
        datetime.date(2017, 4, 30),
    )
    [change] = _changes(item, "update")
    assert (change.before or {})["title"] == "Book the training hall"
    assert (change.after or {})["title"] == "Book a bigger hall"


def test_it_refuses_edits_from_the_owner_and_fields_it_does_not_edit(
    cast: Cast, item: ActionItem
) -> None:
    with pytest.raises(PermissionDenied):
        action_item_update(actor=cast.contributor, item=item, data={"title": "Mine now"})
    with pytest.raises(ValidationError) as exc:
        action_item_update(actor=cast.manager, item=item, data={"status": "done"})
    assert "status" in exc.value.message_dict


def test_it_refuses_an_edit_made_on_a_stale_copy(cast: Cast, item: ActionItem) -> None:
    stale = item.version
    action_item_update(actor=cast.manager, item=item, data={"title": "First"}, version=stale)
    copy = ActionItem.objects.get(pk=item.pk)
    with pytest.raises(ConflictError):
        action_item_update(actor=cast.admin, item=copy, data={"title": "Second"}, version=stale)
    copy.refresh_from_db()
    assert copy.title == "First"


# -- status --------------------------------------------------------------------------------------
def test_it_marks_done_cancels_and_reopens_each_with_its_change_entry(
    cast: Cast, item: ActionItem
) -> None:
    action_item_set_status(actor=cast.contributor, item=item, status="done", note="Booked.")
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("done", "Booked.") and item.done_at is not None
    assert not item.is_overdue
    action_item_set_status(actor=cast.manager, item=item, status="open")
    item.refresh_from_db()
    assert item.status == "open" and item.done_at is None
    action_item_set_status(actor=cast.manager, item=item, status="cancelled", note="Online now.")
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("cancelled", "Online now.")
    statuses = [
        ((c.before or {})["status"], (c.after or {})["status"]) for c in _changes(item, "update")
    ]
    assert statuses == [("open", "done"), ("done", "open"), ("open", "cancelled")]


def test_it_asks_for_the_outcome_and_the_reason(cast: Cast, item: ActionItem) -> None:
    with pytest.raises(ValidationError) as done:
        action_item_complete(actor=cast.contributor, item=item, outcome="  ")
    assert "outcome" in done.value.message_dict
    with pytest.raises(ValidationError) as cancelled:
        action_item_set_status(actor=cast.contributor, item=item, status="cancelled")
    assert "note" in cancelled.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        action_item_set_status(actor=cast.contributor, item=item, status="lost")
    assert "status" in unknown.value.message_dict
    assert _changes(item, "update") == []


def test_it_refuses_a_status_the_item_has_already(cast: Cast, item: ActionItem) -> None:
    action_item_complete(actor=cast.contributor, item=item, outcome="Booked.")
    with pytest.raises(ValidationError) as exc:
        action_item_complete(actor=cast.manager, item=item, outcome="Booked again.")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        action_item_set_status(actor=cast.manager, item=item, status="done", note="Again.")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("manager", True),
        ("contributor", True),  # the owner
        ("viewer", False),
        ("outsider", False),
    ],
)
def test_it_lets_the_owner_and_managers_change_status_and_add_notes(
    cast: Cast, item: ActionItem, who: str, allowed: bool
) -> None:
    person = cast.everyone[who]
    if allowed:
        note = action_item_note_add(actor=person, item=item, text="Hall asked.")
        assert _changes(note, "create")[0].related_id == item.pk
        action_item_complete(actor=person, item=item, outcome="Booked.")
        assert ActionItem.objects.get(pk=item.pk).status == "done"
    else:
        with pytest.raises(PermissionDenied):
            action_item_note_add(actor=person, item=item, text="Hall asked.")
        with pytest.raises(PermissionDenied):
            action_item_complete(actor=person, item=item, outcome="Booked.")
        assert not ActionItemNote.objects.exists()


def test_it_keeps_notes_in_order_and_refuses_an_empty_one(cast: Cast, item: ActionItem) -> None:
    action_item_note_add(actor=cast.contributor, item=item, text="First.")
    action_item_note_add(actor=cast.manager, item=item, text="Second.")
    assert [n.text for n in item.notes.all()] == ["First.", "Second."]
    with pytest.raises(ValidationError) as exc:
        action_item_note_add(actor=cast.contributor, item=item, text=" ")
    assert "text" in exc.value.message_dict


# -- who sees what -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", {"dept", "finance"}),
        ("manager", {"dept"}),
        ("contributor", {"dept"}),
        ("viewer", {"dept"}),
        ("outsider", {"finance", "owned"}),
    ],
)
def test_it_shows_each_person_the_items_of_their_units_plans_and_their_own(
    cast: Cast, tree: Tree, item: ActionItem, who: str, sees: set[str]
) -> None:
    finance = action_item_create(
        actor=cast.admin, data={"title": "Release the budget", "unit": cast.other}
    )
    owned = action_item_create(
        actor=cast.manager,
        data={"title": "Send the figures", "unit": cast.dept, "owner": cast.outsider},
    )
    names = {item.pk: "dept", finance.pk: "finance", owned.pk: "dept"}
    if who == "outsider":
        names[owned.pk] = "owned"
    visible = {names[i.pk] for i in action_items_visible_to(cast.everyone[who])}
    assert visible == sees


def test_it_hides_items_of_deleted_elements_and_from_anonymous_people(
    cast: Cast, tree: Tree, item: ActionItem
) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not action_items_visible_to(AnonymousUser()).exists()
    assert list(action_items_owed_by(cast.contributor)) == [item]
    element_delete(actor=cast.admin, element=tree[2])
    assert not action_items_visible_to(cast.admin).exists()
    assert not action_items_owed_by(cast.contributor).exists()
