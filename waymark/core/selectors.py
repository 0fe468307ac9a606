"""Reads of the change log and the trash, filtered by what the person may see."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role


def history_for(obj: Any, limit: int = 50) -> list[Change]:
    """Changes to the object and to the things that belong to it (an element's milestones)."""
    ct = ContentType.objects.get_for_model(obj)
    return list(
        Change.objects.filter(
            Q(object_type=ct, object_id=obj.pk) | Q(related_type=ct, related_id=obj.pk)
        )
        .select_related("actor", "object_type")
        .order_by("-time", "-id")[:limit]
    )


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
