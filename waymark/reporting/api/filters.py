"""FilterSets of /api/v1/progress-updates/ and /api/v1/reviews/.

A filter that names an object (a plan, an element, a period, a unit) offers only what the
requester may see: any other id is "not a choice" (400), never a hint that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from waymark.indicators.selectors import periods_visible_to
from waymark.org.models import Health
from waymark.org.selectors import units_visible_to
from waymark.plans.selectors import elements_visible_to, plans_visible_to
from waymark.reporting.models import ProgressUpdate, Review


def _visible(selector: Callable[[Any], QuerySet[Any]]) -> Callable[[Any], QuerySet[Any]]:
    """A filter's choices: only what the requester may see."""

    def queryset(request: Any) -> QuerySet[Any]:
        return selector(getattr(request, "user", None))

    return queryset


class ProgressUpdateFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        queryset=_visible(plans_visible_to), field_name="element__plan", label=_("Plan")
    )
    element = django_filters.ModelChoiceFilter(
        queryset=_visible(elements_visible_to), label=_("Element")
    )
    period = django_filters.ModelChoiceFilter(
        queryset=_visible(periods_visible_to), label=_("Period")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ProgressUpdate.Status.choices, label=_("Status")
    )
    late = django_filters.BooleanFilter(label=_("Submitted after the due date"))
    health = django_filters.MultipleChoiceFilter(choices=Health.choices, label=_("Health"))

    class Meta:
        model = ProgressUpdate
        fields: list[str] = []


class ReviewFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible(plans_visible_to), label=_("Plan"))
    period = django_filters.ModelChoiceFilter(
        queryset=_visible(periods_visible_to), label=_("Period")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible(units_visible_to), label=_("Unit whose part of the plan is reviewed")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Review.Kind.choices, label=_("Kind"))
    state = django_filters.MultipleChoiceFilter(choices=Review.State.choices, label=_("State"))

    class Meta:
        model = Review
        fields: list[str] = []
