"""One FilterSet for elements, used by the tracking grid page and by /api/v1/elements/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Case, F, IntegerField, OrderBy, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from waymark.org.models import Health, Person, Unit
from waymark.plans.models import Element, Plan

SORTABLE = {
    "code": "sort_key",
    "title": "title",
    "state": "state",
    "health": "health",
    "priority": "priority",
    "start_date": "start_date",
    "target_date": "target_date",
    "completed_date": "completed_date",
    "unit": "responsible_unit__name",
    "lead": "lead__first_name",
    "budget_planned": "budget_planned",
    "budget_spent": "budget_spent",
    "percent_complete": "percent_complete",
}
# Choice columns sort by meaning (ascending = lowest first), not by the alphabet of their codes.
SORT_ORDER: dict[str, list[str]] = {
    "state": list(Element.State.values),  # in lifecycle order
    "priority": [Element.Priority.LOW, Element.Priority.MEDIUM, Element.Priority.HIGH],
    "health": [Health.NOT_ASSESSED, Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK],
}


def sort_order(value: str) -> list[OrderBy]:
    """The ordering for a `sort` value such as "target_date" or "-priority" ([] if unknown).

    Empty values sort last either way, on every database.
    """
    key = value.lstrip("-")
    if key not in SORTABLE:
        return []
    field = SORTABLE[key]
    expression: Any = F(field)
    if key in SORT_ORDER:
        ranks = list(enumerate(SORT_ORDER[key]))
        whens = [When(**{field: choice}, then=Value(rank)) for rank, choice in ranks]
        if key == "health":  # the health shown: the override when there is one
            whens = [When(health_override=c, then=Value(r)) for r, c in ranks] + whens
        expression = Case(*whens, output_field=IntegerField())
    if value.startswith("-"):
        return [expression.desc(nulls_last=True)]
    return [expression.asc(nulls_last=True)]


def _visible_plans(request: Any) -> QuerySet[Plan]:
    from waymark.plans.selectors import plans_visible_to

    return plans_visible_to(getattr(request, "user", None))


def _visible_units(request: Any) -> QuerySet[Unit]:
    from waymark.org.selectors import units_visible_to

    return units_visible_to(getattr(request, "user", None))


def _visible_people(request: Any) -> QuerySet[Person]:
    from waymark.org.selectors import people_visible_to

    return people_visible_to(getattr(request, "user", None))


class ElementFilterSet(django_filters.FilterSet):
    # Choices are scoped to what the requester may see: an id they may not see is answered
    # exactly like an id that does not exist.
    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, label=_("Plan"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible_units, method="filter_unit", label=_("Unit")
    )
    lead = django_filters.ModelChoiceFilter(
        queryset=_visible_people, method="filter_person", label=_("Person")
    )
    state = django_filters.MultipleChoiceFilter(choices=Element.State.choices, label=_("State"))
    health = django_filters.MultipleChoiceFilter(
        choices=Health.choices, method="filter_health", label=_("Health")
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Element.Priority.choices, label=_("Priority")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("My items"))
    quick_win = django_filters.BooleanFilter(label=_("Quick win"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent"))
    code = django_filters.CharFilter(
        field_name="code", label=pgettext_lazy("element number", "Number")
    )
    depth = django_filters.NumberFilter(label=_("Depth"))
    sort = django_filters.CharFilter(method="filter_sort", label=_("Sort"))

    class Meta:
        model = Element
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Element], name: str, value: str) -> QuerySet[Element]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value) | Q(code__startswith=value) | Q(policy_area__icontains=value)
        )

    def filter_unit(
        self, qs: QuerySet[Element], name: str, value: Unit | None
    ) -> QuerySet[Element]:
        return qs.filter(responsible_unit__path__startswith=value.path) if value else qs

    def filter_person(
        self, qs: QuerySet[Element], name: str, value: Person | None
    ) -> QuerySet[Element]:
        if not value:
            return qs
        return qs.filter(Q(lead=value) | Q(contributors=value)).distinct()

    def filter_health(
        self, qs: QuerySet[Element], name: str, value: list[str]
    ) -> QuerySet[Element]:
        if not value:
            return qs
        return qs.filter(
            Q(health_override__in=value) | (Q(health_override="") & Q(health__in=value))
        )

    def filter_overdue(
        self, qs: QuerySet[Element], name: str, value: bool | None
    ) -> QuerySet[Element]:
        if value is None:
            return qs
        overdue = Element.overdue_q()
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_mine(
        self, qs: QuerySet[Element], name: str, value: bool | None
    ) -> QuerySet[Element]:
        user: Any = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return qs
        return qs.filter(Q(lead=user) | Q(contributors=user)).distinct()

    def filter_sort(self, qs: QuerySet[Element], name: str, value: str) -> QuerySet[Element]:
        order = sort_order(value)
        return qs.order_by(*order, "plan_id", "sort_key") if order else qs
