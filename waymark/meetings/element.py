"""The action items an element's page lists (the lead's element page calls this)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, When

from waymark.meetings.models import ActionItem
from waymark.plans.models import Element


def action_items_of(element: Element) -> list[ActionItem]:
    """The element's action items, open first (soonest due first), then done and cancelled ones
    (latest due first); with their owners, in one query."""
    open_first = Case(
        When(status=ActionItem.Status.OPEN, then=0), default=1, output_field=IntegerField()
    )
    items = list(
        ActionItem.objects.filter(element=element)
        .select_related("owner")
        .order_by(open_first, "due_date", "id")
    )
    return [i for i in items if i.status == ActionItem.Status.OPEN] + [
        i for i in reversed(items) if i.status != ActionItem.Status.OPEN
    ]
