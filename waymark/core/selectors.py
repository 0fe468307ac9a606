"""Reads of the change log and the trash, filtered by what the person may see."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role

HIDDEN_CHANGE_FIELDS = {"version", "sort_key", "depth", "position", "path", "deletion_batch"}


def history_for(obj: Any, limit: int = 50, *, belongings: bool = True) -> list[Change]:
    """Changes to the object and (unless `belongings` is False) to the things that belong to
    it (an element's milestones), newest first, each update described in words (see
    `describe`)."""
    ct = ContentType.objects.get_for_model(obj)
    which = Q(object_type=ct, object_id=obj.pk)
    if belongings:
        which |= Q(related_type=ct, related_id=obj.pk)
    changes = list(
        Change.objects.filter(which)
        .select_related("actor", "object_type")
        .order_by("-time", "-id")[:limit]
    )
    return describe(changes)


def describe(changes: list[Change]) -> list[Change]:
    """Give each update `rows` of (field label, before, after) in words a reader knows: choice
    labels instead of codes, names instead of ids (one query per related model, whatever the
    number of changes)."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    plans: list[tuple[Change, list[tuple[str, Any, Any, Any]]]] = []
    for change in changes:
        model = change.object_type.model_class()
        fields = []
        for name, old, new in change.diff if change.action == Change.Action.UPDATE else []:
            if name in HIDDEN_CHANGE_FIELDS:
                continue
            field = _field(model, name)
            target = getattr(field, "related_model", None) if field is not None else None
            if target is not None:
                for value in (old, new):
                    wanted[target].update(value if isinstance(value, list) else [value])
            fields.append((name, field, old, new))
        plans.append((change, fields))
    names = {
        target: {pk: str(o) for pk, o in target._base_manager.in_bulk(ids - {None}).items()}
        for target, ids in wanted.items()
    }
    for change, fields in plans:
        rows = []
        for name, field, old, new in fields:
            label = str(getattr(field, "verbose_name", name))
            target = getattr(field, "related_model", None) if field is not None else None
            choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
            if target is not None:
                old, new = _named(old, names[target]), _named(new, names[target])
            elif choices:
                old, new = choices.get(old, old), choices.get(new, new)
            rows.append((label, _text(old), _text(new)))
        change.rows = rows  # type: ignore[attr-defined]
    return changes


def _field(model: type[Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _named(value: Any, names: dict[Any, str]) -> Any:
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    return names.get(value, value)


def _text(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes_visible_to(person: Any) -> QuerySet[Change]:
    """Admins read the change log: org admins all of it; other admins the changes of plans they
    see or own (with their elements and milestones, deleted ones too), of the units they
    administer, and of those units' people and memberships."""
    from waymark.org.models import Membership, Person, Unit
    from waymark.plans.models import Element, Milestone, Plan
    from waymark.plans.selectors import plans_visible_to

    access = get_access(person)
    if not access.is_any_admin:
        return Change.objects.none()
    if access.is_org_admin:
        return Change.objects.all()
    plans = Plan.all_objects.filter(
        Q(pk__in=plans_visible_to(person).values("pk")) | access.unit_q("owner_unit__")
    ).values("pk")
    elements = Element.all_objects.filter(plan__in=plans).values("pk")
    milestones = Milestone.all_objects.filter(element__plan__in=plans).values("pk")
    admin_units = Unit.objects.filter(access.unit_q(minimum=Role.ADMIN)).values("pk")
    people = (
        Membership.objects.filter(unit__in=admin_units).values("person_id").distinct().order_by()
    )
    ct = ContentType.objects.get_for_models(Plan, Element, Milestone, Unit, Person, Membership)
    return Change.objects.filter(
        Q(object_type=ct[Plan], object_id__in=plans)
        | Q(object_type=ct[Element], object_id__in=elements)
        | Q(object_type=ct[Milestone], object_id__in=milestones)
        | Q(object_type=ct[Unit], object_id__in=admin_units)
        | Q(object_type=ct[Person], object_id__in=people)
        | Q(object_type=ct[Membership], related_type=ct[Person], related_id__in=people)
    )


def trash_for(person: Any) -> dict[str, list[Any]]:
    """Deleted plans, elements and milestones the person may restore (one row per deletion)."""
    from waymark.plans.models import Element, Milestone, Plan

    access = get_access(person)
    managed = access.unit_q("owner_unit__", minimum=Role.MANAGER)
    plans = list(
        Plan.all_objects.filter(managed, deleted_at__isnull=False)
        .select_related("owner_unit", "deleted_by")
        .order_by("-deleted_at")
    )
    live_plans = Plan.objects.filter(managed)
    elements = [
        e
        for e in Element.all_objects.filter(plan__in=live_plans, deleted_at__isnull=False)
        .select_related("plan", "parent", "deleted_by")
        .order_by("-deleted_at", "sort_key")
        # the top of each deleted subtree; its children come back with it
        if e.parent is None or e.parent.deletion_batch != e.deletion_batch
    ]
    milestones = list(
        Milestone.all_objects.filter(
            element__plan__in=live_plans, element__deleted_at__isnull=True, deleted_at__isnull=False
        )
        .select_related("element", "element__plan", "deleted_by")
        .order_by("-deleted_at")
    )
    return {"plans": plans, "elements": elements, "milestones": milestones}
