"""One FilterSet for action items, used by the tracker page and (later) by /api/v1/action-items/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from waymark.meetings.models import ActionItem
from waymark.meetings.selectors import overdue_q
from waymark.org.models import Person, Unit
from waymark.plans.models import Element, Plan


def _visible_plans(request: Any) -> QuerySet[Plan]:
    from waymark.plans.selectors import plans_visible_to

    return plans_visible_to(getattr(request, "user", None)).order_by("title", "pk")


def _visible_units(request: Any) -> QuerySet[Unit]:
    from waymark.org.selectors import units_visible_to

    return units_visible_to(getattr(request, "user", None))


def _visible_people(request: Any) -> QuerySet[Person]:
    from waymark.org.selectors import people_visible_to

    return people_visible_to(getattr(request, "user", None))


def _visible_elements(request: Any) -> QuerySet[Element]:
    return Element.objects.filter(plan__in=_visible_plans(request))


class ActionItemFilterSet(django_filters.FilterSet):
    # Choices are scoped to what the requester may see: an id they may not see is answered
    # exactly like an id that does not exist.
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=_visible_people, label=_("Owner"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible_units, method="filter_unit", label=_("Unit")
    )
    plan = django_filters.ModelChoiceFilter(
        queryset=_visible_plans, field_name="element__plan", label=_("Plan")
    )
    element = django_filters.ModelChoiceFilter(
        queryset=_visible_elements, method="filter_element", label=_("Element")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ActionItem.Status.choices, label=_("Status")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"))

    class Meta:
        model = ActionItem
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[ActionItem], name: str, value: str) -> QuerySet[ActionItem]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(details__icontains=value))

    def filter_unit(
        self, qs: QuerySet[ActionItem], name: str, value: Unit | None
    ) -> QuerySet[ActionItem]:
        """The unit and every unit below it."""
        return qs.filter(unit__path__startswith=value.path) if value else qs

    def filter_element(
        self, qs: QuerySet[ActionItem], name: str, value: Element | None
    ) -> QuerySet[ActionItem]:
        """The element and everything beneath it in its plan."""
        if not value:
            return qs
        return qs.filter(
            Q(element=value)
            | Q(element__plan_id=value.plan_id, element__sort_key__startswith=f"{value.sort_key}.")
        )

    def filter_overdue(
        self, qs: QuerySet[ActionItem], name: str, value: bool | None
    ) -> QuerySet[ActionItem]:
        if value is None:
            return qs
        return qs.filter(overdue_q()) if value else qs.exclude(overdue_q())
