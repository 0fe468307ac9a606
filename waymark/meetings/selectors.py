"""Reads of meetings and action items."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from waymark.meetings.models import ActionItem


def action_items_owed_by(person: Any) -> QuerySet[ActionItem]:
    """Open action items the person owns, soonest due first."""
    return (
        ActionItem.objects.filter(owner=person, status=ActionItem.Status.OPEN)
        .select_related("element__plan", "unit")
        .order_by("due_date", "id")
    )
