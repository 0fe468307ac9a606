"""FilterSet of /api/v1/action-items/.

A filter that names an object (a person, a unit, an element, a plan) offers only what the
requester may see: any other id is "not a choice" (400), never a hint that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from waymark.meetings.models import ActionItem
from waymark.meetings.selectors import action_items_visible_to, overdue_q
from waymark.org.models import Person, Unit
from waymark.org.selectors import people_visible_to, units_visible_to
from waymark.plans.selectors import elements_visible_to, plans_visible_to


def _visible(selector: Callable[[Any], QuerySet[Any]]) -> Callable[[Any], QuerySet[Any]]:
    """A filter's choices: only what the requester may see."""

    def queryset(request: Any) -> QuerySet[Any]:
        return selector(getattr(request, "user", None))

    return queryset


def _owners(person: Any) -> QuerySet[Person]:
    """People the requester sees, and the owners of the action items they see (an item of a
    cross-departmental meeting may be owned by someone of another unit)."""
    owners = action_items_visible_to(person).filter(owner__isnull=False).values("owner_id")
    return Person.objects.filter(
        Q(pk__in=people_visible_to(person).values("pk")) | Q(pk__in=owners)
    )


class ActionItemFilterSet(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(
        queryset=_visible(_owners), label=_("Owner (the person who is to do it)")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible(units_visible_to),
        method="filter_unit",
        label=_("Unit (and the units below it)"),
    )
    element = django_filters.ModelChoiceFilter(
        queryset=_visible(elements_visible_to), label=_("Element")
    )
    plan = django_filters.ModelChoiceFilter(
        queryset=_visible(plans_visible_to), field_name="element__plan", label=_("Plan")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ActionItem.Status.choices, label=_("Status")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Open and past its due date")
    )

    class Meta:
        model = ActionItem
        fields: list[str] = []

    def filter_unit(
        self, queryset: QuerySet[ActionItem], name: str, value: Unit | None
    ) -> QuerySet[ActionItem]:
        if value is None:
            return queryset
        return queryset.filter(unit__path__startswith=value.path)

    def filter_overdue(
        self, queryset: QuerySet[ActionItem], name: str, value: bool | None
    ) -> QuerySet[ActionItem]:
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())
