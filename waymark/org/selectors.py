"""Reads for the organisation: which units and people a person may see, and a unit's scorecard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf

from waymark.core.permissions import get_access
from waymark.org.models import Health, Membership, Person, Unit


def units_visible_to(person: Any) -> QuerySet[Unit]:
    """Units where the person holds a role (with everything below them), and their ancestors."""
    access = get_access(person)
    if not access.authenticated:
        return Unit.objects.none()
    if access.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(access.unit_q() | Q(pk__in=sorted(access.ancestor_unit_ids)))


def people_visible_to(person: Any) -> QuerySet[Person]:
    """The person, and everyone with a role in a unit of the person's subtrees."""
    access = get_access(person)
    if not access.authenticated:
        return Person.objects.none()
    if access.is_superuser:
        return Person.objects.all()
    members = Membership.objects.filter(access.unit_q("unit__")).values("person_id")
    return Person.objects.filter(Q(pk__in=members) | Q(pk=person.pk))


# -- unit scorecard ----------------------------------------------------------------------------
# Worst first: what needs attention leads the lists.
HEALTH_RANK = {
    Health.OFF_TRACK: 0,
    Health.AT_RISK: 1,
    Health.NOT_ASSESSED: 2,
    Health.ON_TRACK: 3,
}


@dataclass
class Figures:
    """A set of elements at a glance: counts per health (the override when there is one) and
    per state, average percent complete (cancelled elements left out), overdue, budget."""

    total: int = 0
    health: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Health.values, 0))
    states: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    percent_sum: int = 0
    percent_count: int = 0
    planned: Decimal | None = None
    spent: Decimal | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.total += row["n"]
        shown = row["health_override"] or row["health"]
        self.health[shown] = self.health.get(shown, 0) + row["n"]
        self.states[row["state"]] = self.states.get(row["state"], 0) + row["n"]
        self.overdue += row["overdue"]
        self.percent_sum += row["percent"] or 0
        self.percent_count += row["live"]
        if row["planned"] is not None:
            self.planned = (self.planned or Decimal(0)) + row["planned"]
        if row["spent"] is not None:
            self.spent = (self.spent or Decimal(0)) + row["spent"]

    @property
    def percent(self) -> int | None:
        """Average percent complete, None when there is nothing to average."""
        return round(self.percent_sum / self.percent_count) if self.percent_count else None

    @property
    def spent_share(self) -> int | None:
        """Spent as a percentage of planned, None without a planned amount."""
        if not self.planned:
            return None
        return round(100 * (self.spent or Decimal(0)) / self.planned)

    @property
    def health_counts(self) -> list[tuple[str, int]]:
        """(health, count) in the order health is listed everywhere, zeros left out."""
        return [(h, self.health[h]) for h in Health.values if self.health.get(h)]


def element_figures(elements: QuerySet[Any], *, by_unit: Unit | None = None) -> Any:
    """`Figures` of the elements, in one query. With `by_unit`, also the figures of each unit
    directly below it (and of `by_unit` itself, under its own id), from the same query:
    returns (figures, {unit id: figures})."""
    from waymark.plans.models import Element

    cancelled = Q(state=Element.State.CANCELLED)
    fields = ["state", "health_override", "health"]
    if by_unit is not None:
        fields.append("responsible_unit__path")
    rows = (
        elements.values(*fields)
        .annotate(
            n=Count("id"),
            live=Count("id", filter=~cancelled),
            percent=Sum("percent_complete", filter=~cancelled),
            overdue=Count("id", filter=Element.overdue_q()),
            planned=Sum("budget_planned"),
            spent=Sum("budget_spent"),
        )
        .order_by()
    )
    total = Figures()
    below: dict[int, Figures] = defaultdict(Figures)
    for row in rows:
        total.add(row)
        if by_unit is not None:
            rest = (row["responsible_unit__path"] or by_unit.path)[len(by_unit.path) :]
            below[int(rest.split("/")[0]) if rest else by_unit.pk].add(row)
    return (total, dict(below)) if by_unit is not None else total


@dataclass
class Scorecard:
    unit: Unit
    figures: Figures  # the unit's and its sub-units' elements
    organisation: Figures  # every element the person sees
    sub_units: list[tuple[Unit, Figures]]  # the unit itself first, then each unit below it
    indicator_health: dict[str, int]
    organisation_indicator_health: dict[str, int]
    indicators: list[Any]  # the worst first, at most INDICATOR_ROWS
    elements: list[Any]  # the worst first, at most ELEMENT_ROWS

    @property
    def indicator_total(self) -> int:
        return sum(self.indicator_health.values())

    @property
    def organisation_indicator_total(self) -> int:
        return sum(self.organisation_indicator_health.values())


ELEMENT_ROWS = 50
INDICATOR_ROWS = 50


def unit_scorecard(person: Any, unit: Unit) -> Scorecard:
    """The elements and indicators of the unit and the units below it, across the active plans
    the person sees, beside the same figures for everything the person sees. Seven queries,
    whatever the number of elements and indicators."""
    from waymark.core.selectors import active_plans_visible_to
    from waymark.indicators.models import Indicator
    from waymark.indicators.selectors import indicators_visible_to
    from waymark.plans.models import CLOSED_STATES, Element, Plan
    from waymark.plans.selectors import plans_visible_to

    seen = Element.objects.filter(plan__in=active_plans_visible_to(person))
    mine = seen.filter(responsible_unit__path__startswith=unit.path)
    figures, below = element_figures(mine, by_unit=unit)
    organisation = element_figures(seen)

    children = list(unit.children.order_by("name"))
    sub_units = [(unit, below.get(unit.pk, Figures()))] + [
        (child, below.get(child.pk, Figures()))
        for child in children
        if child.pk in below or not child.is_archived
    ]

    reported: Any = Indicator.reporting_units.through
    served: Any = Indicator.elements.through
    # Indicators of plans the person sees whole: the health of one they only report pools
    # other units' values they may not see.
    seen_indicators = indicators_visible_to(person).filter(
        plan__state=Plan.State.ACTIVE, plan__in=plans_visible_to(person)
    )
    unit_indicators = seen_indicators.filter(
        Q(pk__in=reported.objects.filter(unit__path__startswith=unit.path).values("indicator_id"))
        | Q(
            pk__in=served.objects.filter(
                element__responsible_unit__path__startswith=unit.path,
                element__deleted_at__isnull=True,
            ).values("indicator_id")
        )
    )
    health_rank = Case(
        *(When(health=h, then=Value(rank)) for h, rank in HEALTH_RANK.items()), default=Value(9)
    )
    indicators = list(
        unit_indicators.select_related("plan")
        .annotate(rank=health_rank)
        .order_by("rank", "plan__title", "code")[:INDICATOR_ROWS]
    )

    shown = Coalesce(NullIf("health_override", Value("")), "health")
    elements = list(
        mine.annotate(shown_health=shown)
        .annotate(
            closed=Case(When(state__in=CLOSED_STATES, then=Value(1)), default=Value(0)),
            rank=Case(
                *(When(shown_health=h, then=Value(rank)) for h, rank in HEALTH_RANK.items()),
                default=Value(9),
            ),
            on_time=Case(When(Element.overdue_q(), then=Value(0)), default=Value(1)),
        )
        .select_related("plan", "responsible_unit", "lead")
        .order_by(
            "closed",
            "rank",
            "on_time",
            F("target_date").asc(nulls_last=True),
            "plan_id",
            "sort_key",
        )[:ELEMENT_ROWS]
    )
    return Scorecard(
        unit=unit,
        figures=figures,
        organisation=organisation,
        sub_units=sub_units,
        indicator_health=_health_of(unit_indicators),
        organisation_indicator_health=_health_of(seen_indicators),
        indicators=indicators,
        elements=elements,
    )


def _health_of(indicators: QuerySet[Any]) -> dict[str, int]:
    counts = dict.fromkeys(Health.values, 0)
    for health, n in indicators.values_list("health").annotate(n=Count("id")).order_by():
        counts[health] = counts.get(health, 0) + n
    return counts
