"""Writes of meetings and the action item tracker: permission, validation, write and change
entry in one transaction. Errors are ValidationError keyed by the field that is wrong.

Action items come from a review's decisions (see `waymark.reporting.reviews.review_close`) or
from a meeting; their owner, or a manager, marks them done with what came of them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.core.services import check_version, record_create, reverting, save_update, snapshot
from waymark.meetings.models import ActionItem, ActionItemNote
from waymark.org.models import Person, Unit
from waymark.plans.models import Element

ACTION_ITEM_FIELDS = (
    "title",
    "details",
    "owner",
    "unit",
    "element",
    "review_item",
    "due_date",
    "expected_outcome",
)
EDITABLE_FIELDS = ("title", "details", "owner", "due_date", "expected_outcome")


# -- permissions -------------------------------------------------------------------------------
def can_manage_action_items(person: Any, unit: Unit | None, element: Element | None = None) -> bool:
    """A manager of the item's unit, or of the plan that owns the item's element."""
    access = get_access(person)
    if access.has(unit, Role.MANAGER):
        return True
    return element is not None and access.has(element.plan.owner_unit, Role.MANAGER)


def can_complete_action_item(person: Any, item: ActionItem) -> bool:
    """The item's owner, or someone who may manage it."""
    access = get_access(person)
    if not access.authenticated:
        return False
    if item.owner_id is not None and item.owner_id == person.pk:
        return True
    return can_manage_action_items(person, item.unit, item.element)


# -- input helpers (the review services use them too) ----------------------------------------
def person_or_none(value: Any, field: str) -> Person | None:
    """A person given as an object or an id; only active people take on work."""
    if value in (None, ""):
        return None
    person = value if isinstance(value, Person) else Person.objects.filter(pk=value).first()
    if person is None or not person.is_active:
        raise ValidationError({field: _("Choose an active person.")})
    return person


def date_or_none(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def _unit(value: Any) -> Unit | None:
    if value in (None, ""):
        return None
    unit = value if isinstance(value, Unit) else Unit.objects.filter(pk=value).first()
    if unit is None or unit.is_archived:
        raise ValidationError({"unit": _("Choose a unit that is not archived.")})
    return unit


def _element(value: Any) -> Element | None:
    if value in (None, ""):
        return None
    element = (
        value
        if isinstance(value, Element)
        else Element.objects.select_related("plan__owner_unit").filter(pk=value).first()
    )
    if element is None or element.is_deleted:
        raise ValidationError({"element": _("Choose an element that is not deleted.")})
    return element


# -- action items ------------------------------------------------------------------------------
def action_item_create(*, actor: Any, data: dict[str, Any]) -> ActionItem:
    """Record something a person agreed to do by a date.

    `data` holds `title` (required), `details`, `owner`, `unit` (required unless an element is
    given: then its responsible unit, else its plan's unit), `element`, `review_item` and
    `due_date`; people, units and elements as objects or ids."""
    unknown = set(data) - set(ACTION_ITEM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be set here.")})
    element = _element(data.get("element"))
    unit = _unit(data.get("unit"))
    if unit is None and element is not None:
        unit = element.responsible_unit or element.plan.owner_unit
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit the action item belongs to.")})
    get_access(actor).require(can_manage_action_items(actor, unit, element))
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if len(title) > 500:
        raise ValidationError({"title": _("Keep the title under 500 characters.")})
    item = ActionItem(
        title=title,
        details=str(data.get("details") or "").strip(),
        owner=person_or_none(data.get("owner"), "owner"),
        unit=unit,
        element=element,
        review_item=data.get("review_item"),
        due_date=date_or_none(data.get("due_date"), "due_date"),
        expected_outcome=str(data.get("expected_outcome") or "").strip(),
    )
    with transaction.atomic():
        item.save()
        record_create(actor=actor, obj=item, related=element or unit)
    return item


def action_item_complete(
    *, actor: Any, item: ActionItem, outcome: str, version: int | None = None
) -> ActionItem:
    """Mark an open action item done, saying what came of it (its owner or a manager)."""
    get_access(actor).require(can_complete_action_item(actor, item))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what was done.")})
    with reverting(item), transaction.atomic():
        check_version(item, version)
        item.refresh_from_db(fields=["status"])
        if item.status != ActionItem.Status.OPEN:
            raise ValidationError(
                {
                    "status": _("This action item is %(status)s already.")
                    % {"status": item.get_status_display().lower()}
                }
            )
        before = snapshot(item)
        item.status = ActionItem.Status.DONE
        item.done_at = timezone.now()
        item.outcome = outcome
        save_update(actor=actor, obj=item, before=before, related=item.element or item.unit)
    return item


def action_item_update(
    *, actor: Any, item: ActionItem, data: dict[str, Any], version: int | None = None
) -> ActionItem:
    """Change what an action item asks, of whom and by when (a manager of its unit or plan)."""
    get_access(actor).require(can_manage_action_items(actor, item.unit, item.element))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    with reverting(item), transaction.atomic():
        check_version(item, version)
        before = snapshot(item)
        if "title" in data:
            title = " ".join(str(data["title"] or "").split())
            if not title:
                raise ValidationError({"title": _("Say what is to be done.")})
            item.title = title[:500]
        if "details" in data:
            item.details = str(data["details"] or "").strip()
        if "expected_outcome" in data:
            item.expected_outcome = str(data["expected_outcome"] or "").strip()
        if "owner" in data:
            item.owner = person_or_none(data["owner"], "owner")
        if "due_date" in data:
            item.due_date = date_or_none(data["due_date"], "due_date")
        save_update(actor=actor, obj=item, before=before, related=item.element or item.unit)
    return item


def action_item_set_status(
    *,
    actor: Any,
    item: ActionItem,
    status: str,
    note: str = "",
    version: int | None = None,
) -> ActionItem:
    """Mark an action item done (the note says what came of it), cancelled (the note says why)
    or open again; its owner or a manager."""
    if status == ActionItem.Status.DONE:
        return action_item_complete(actor=actor, item=item, outcome=note, version=version)
    get_access(actor).require(can_complete_action_item(actor, item))
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    note = (note or "").strip()
    if status == ActionItem.Status.CANCELLED and not note:
        raise ValidationError({"note": _("Say why it is no longer to be done.")})
    with reverting(item), transaction.atomic():
        check_version(item, version)
        item.refresh_from_db(fields=["status"])
        if item.status == status:
            raise ValidationError(
                {
                    "status": _("This action item is %(status)s already.")
                    % {"status": item.get_status_display().lower()}
                }
            )
        before = snapshot(item)
        item.status = status
        item.done_at = None
        if status == ActionItem.Status.CANCELLED:
            item.outcome = note
        save_update(actor=actor, obj=item, before=before, related=item.element or item.unit)
    return item


def action_item_note_add(*, actor: Any, item: ActionItem, text: str) -> ActionItemNote:
    """Add a progress note to an action item (its owner or a manager)."""
    get_access(actor).require(can_complete_action_item(actor, item))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    with transaction.atomic():
        note = ActionItemNote.objects.create(item=item, author=actor, text=text)
        record_create(actor=actor, obj=note, related=item)
    return note
