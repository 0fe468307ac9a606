"""Reads of meetings and action items."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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
