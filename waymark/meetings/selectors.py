"""Reads of meetings and action items."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from waymark.core.permissions import get_access
from waymark.meetings.models import ActionItem


def action_items_owed_by(person: Any) -> QuerySet[ActionItem]:
    """Open action items the person owns, soonest due first."""
    return (
        ActionItem.objects.filter(owner=person, status=ActionItem.Status.OPEN)
        .exclude(element__deleted_at__isnull=False)  # gone with a deleted element or plan
        .exclude(element__plan__deleted_at__isnull=False)
        .select_related("element__plan", "unit")
        .order_by("due_date", "id")
    )


def action_items_visible_to(person: Any) -> QuerySet[ActionItem]:
    """Action items of the units the person sees (and below), of the plans they see, and their
    own; not those of deleted elements or plans."""
    from waymark.plans.selectors import plans_visible_to

    access = get_access(person)
    if not access.authenticated:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.filter(
            access.unit_q("unit__")
            | Q(element__plan__in=plans_visible_to(person))
            | Q(owner=person)
        )
        .exclude(element__deleted_at__isnull=False)
        .exclude(element__plan__deleted_at__isnull=False)
        .distinct()
    )


def overdue_q() -> Q:
    """Open and past its due date."""
    return Q(status=ActionItem.Status.OPEN, due_date__lt=timezone.localdate())
