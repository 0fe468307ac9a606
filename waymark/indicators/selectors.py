"""Reads for indicators: who sees and does what, what a person owes, the figures per period.

Who may do what:
- see an indicator, its periods, targets and measurements: whoever sees its plan;
- define indicators, targets and baselines: a manager of the plan's owner unit;
- enter and submit data for a reporting unit: a data owner of the indicator, or a contributor
  of that unit (or above it);
- approve or return a submission: a manager of the reporting unit or of the plan's owner unit,
  never the person who submitted it unless the organisation allows self-approval;
- unlock a locked period: an admin of the plan's owner unit.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.indicators import aggregation
from waymark.indicators.aggregation import Aggregation, Observation, Value
from waymark.indicators.models import Indicator, Measurement, Period, Target, Transition
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Plan
from waymark.plans.selectors import can_manage_plan, can_view_plan, plans_visible_to


# -- access ----------------------------------------------------------------------------------
def _reporting_q(person: Any) -> Q:
    """Indicators the person reports: as a data owner, or through a role in a reporting unit."""
    return Q(data_owners=person) | get_access(person).unit_q("reporting_units__")


def indicators_visible_to(person: Any) -> QuerySet[Indicator]:
    """Indicators of the plans the person sees, and those the person reports (a soum that
    reports on the aimag's plan sees the indicator it reports, not the rest of the plan)."""
    access = get_access(person)
    if not access.authenticated:
        return Indicator.objects.none()
    live = Indicator.objects.filter(plan__deleted_at__isnull=True)
    if access.is_superuser:
        return live
    reported = Indicator.objects.filter(_reporting_q(person)).values("pk")
    return live.filter(Q(plan__in=plans_visible_to(person)) | Q(pk__in=reported))


def periods_visible_to(person: Any) -> QuerySet[Period]:
    plans = indicators_visible_to(person).values("plan_id")
    return Period.objects.filter(
        Q(plan__in=plans_visible_to(person)) | Q(plan__in=plans), plan__deleted_at__isnull=True
    )


def measurements_visible_to(person: Any) -> QuerySet[Measurement]:
    """Every value of the indicators of visible plans and of those the person owns the data
    of; of an indicator the person only reports, the values of the person's own units."""
    access = get_access(person)
    whole = Q(indicator__plan__in=plans_visible_to(person)) | Q(indicator__data_owners=person)
    own = Q(indicator__in=indicators_visible_to(person)) & access.unit_q("unit__")
    return Measurement.objects.filter(whole | own, indicator__deleted_at__isnull=True).distinct()


def targets_visible_to(person: Any) -> QuerySet[Target]:
    return Target.objects.filter(
        indicator__in=indicators_visible_to(person), indicator__deleted_at__isnull=True
    )


def can_view_indicator(person: Any, indicator: Indicator) -> bool:
    if can_view_plan(person, indicator.plan):
        return True
    return reports(person, indicator)


def reports(person: Any, indicator: Indicator) -> bool:
    """A data owner of the indicator, or someone with a role in one of its reporting units."""
    access = get_access(person)
    if not access.authenticated:
        return False
    if person.pk in _data_owner_ids(indicator):
        return True
    return any(access.has(unit, Role.VIEWER) for unit in indicator.reporting_units.all())


def sees_every_value(person: Any, indicator: Indicator) -> bool:
    """Whoever sees the plan, and the indicator's data owners, see every unit's values."""
    return can_view_plan(person, indicator.plan) or person.pk in _data_owner_ids(indicator)


def can_view_measurement(person: Any, measurement: Measurement) -> bool:
    indicator = measurement.indicator
    if sees_every_value(person, indicator):
        return True
    return reports(person, indicator) and get_access(person).has(measurement.unit, Role.VIEWER)


def can_manage_indicator(person: Any, indicator: Indicator) -> bool:
    return can_manage_plan(person, indicator.plan)


def reporting_units(indicator: Indicator) -> list[Unit]:
    """The units that report the indicator; the plan's owner unit when none is named.

    Uses the prefetched `reporting_units` when there is one."""
    units = list(indicator.reporting_units.all())
    return units or [indicator.plan.owner_unit]


def _data_owner_ids(indicator: Indicator) -> set[int]:
    return {p.pk for p in indicator.data_owners.all()}


def can_enter(person: Any, indicator: Indicator, unit: Unit) -> bool:
    """Enter, edit and submit the unit's data for the indicator (never for an archived plan)."""
    if indicator.is_calculated or unit.pk not in {u.pk for u in reporting_units(indicator)}:
        return False
    if indicator.plan.state == Plan.State.ARCHIVED:
        return False
    access = get_access(person)
    if not access.authenticated:
        return False
    return person.pk in _data_owner_ids(indicator) or access.has(unit, Role.CONTRIBUTOR)


def can_review(
    person: Any,
    measurement: Measurement,
    *,
    org: Organisation | None = None,
    approving: bool = True,
) -> bool:
    """Approve or return the measurement: a manager of its unit or of the plan's owner unit.
    Nobody approves their own submission unless the organisation allows it; returning one's
    own submission (to correct it) is allowed."""
    access = get_access(person)
    if not (
        access.has(measurement.unit, Role.MANAGER)
        or access.has(measurement.indicator.plan.owner_unit, Role.MANAGER)
    ):
        return False
    if not approving or measurement.submitted_by_id != person.pk:
        return True
    org = org or Organisation.get()
    return org.allow_self_approval


def can_unlock(person: Any, period: Period) -> bool:
    return can_unlock_plan(person, period.plan)


def can_unlock_plan(person: Any, plan: Plan) -> bool:
    """Unlock the plan's locked periods: an admin of its owner unit."""
    return get_access(person).has(plan.owner_unit, Role.ADMIN)


# -- periods -----------------------------------------------------------------------------------
def periods_of(indicator: Indicator) -> list[Period]:
    return list(Period.objects.filter(plan_id=indicator.plan_id, frequency=indicator.frequency))


def previous_periods(periods: list[Period]) -> dict[int, Period]:
    """Each period's predecessor of the same plan and frequency (periods sorted by start)."""
    result: dict[int, Period] = {}
    last: dict[tuple[int, str], Period] = {}
    for period in sorted(periods, key=lambda p: p.start):
        key = (period.plan_id, period.frequency)
        if key in last:
            result[period.pk] = last[key]
        last[key] = period
    return result


# -- what a person owes ------------------------------------------------------------------------
@dataclass
class Due:
    """One value a person owes: an indicator, a period, the reporting unit."""

    indicator: Indicator
    period: Period
    unit: Unit
    measurement: Measurement | None
    previous: Measurement | None
    period_status: str
    returned_reason: str = ""  # why it was sent back, when it was

    @property
    def key(self) -> str:
        return f"{self.indicator.pk}-{self.period.pk}-{self.unit.pk}"


def data_owed_by(person: Any, *, today: datetime.date | None = None) -> list[Due]:
    """Every indicator value the person may enter and has not yet submitted, for periods that
    have started and still accept data (open, in grace or unlocked). Eight queries."""
    access = get_access(person)
    if not access.authenticated:
        return []
    today = today or timezone.localdate()
    org = Organisation.get()
    mine = Q(data_owners=person)
    units_q = access.unit_q("reporting_units__", Role.CONTRIBUTOR)
    owner_q = Q(reporting_units__isnull=True) & access.unit_q(
        "plan__owner_unit__", Role.CONTRIBUTOR
    )
    indicators = list(
        # Not only indicators of plans the person sees: a contributor of a reporting unit (a
        # soum reporting on the aimag's plan) owes its value without seeing the owner's plans.
        Indicator.objects.filter(plan__deleted_at__isnull=True)
        .filter(mine | units_q | owner_q, calculation="")
        .exclude(plan__state=Plan.State.ARCHIVED)
        .exclude(measure_type="")
        .select_related("plan__owner_unit")
        .prefetch_related("reporting_units", "data_owners", "dimensions")
        .distinct()
        .order_by("plan__title", "code")
    )
    if not indicators:
        return []
    frequencies = {(i.plan_id, i.frequency) for i in indicators}
    freq_q = Q(pk__in=[])
    for plan_id, frequency in frequencies:
        freq_q |= Q(plan_id=plan_id, frequency=frequency)
    periods = list(Period.objects.filter(freq_q, start__lte=today).order_by("start"))
    previous = previous_periods(periods)
    due_periods = [p for p in periods if p.status(org.grace_days, today) in Period.ACCEPTING]
    wanted_ids = {p.pk for p in due_periods} | {
        previous[p.pk].pk for p in due_periods if p.pk in previous
    }
    measurements = Measurement.objects.filter(
        indicator__in=[i.pk for i in indicators], period_id__in=wanted_ids
    ).select_related("period")
    by_key = {(m.indicator_id, m.period_id, m.unit_id): m for m in measurements}
    reasons = returned_reasons(
        [m for m in by_key.values() if m.status == Measurement.Status.RETURNED]
    )
    periods_by_plan: dict[tuple[int, str], list[Period]] = defaultdict(list)
    for period in due_periods:
        periods_by_plan[(period.plan_id, period.frequency)].append(period)
    owed: list[Due] = []
    for indicator in indicators:
        units = [u for u in reporting_units(indicator) if can_enter(person, indicator, u)]
        for period in periods_by_plan[(indicator.plan_id, indicator.frequency)]:
            for unit in units:
                measurement = by_key.get((indicator.pk, period.pk, unit.pk))
                if measurement is not None and not measurement.editable_status:
                    continue
                before = previous.get(period.pk)
                owed.append(
                    Due(
                        indicator=indicator,
                        period=period,
                        unit=unit,
                        measurement=measurement,
                        previous=by_key.get((indicator.pk, before.pk, unit.pk)) if before else None,
                        period_status=period.status(org.grace_days, today),
                        returned_reason=reasons.get(measurement.pk, "") if measurement else "",
                    )
                )
    return owed


def returned_reasons(measurements: list[Measurement]) -> dict[int, str]:
    """Why each measurement was last returned (one query; none for an empty list)."""
    if not measurements:
        return {}
    steps = Transition.objects.filter(
        measurement__in=measurements, to_status=Measurement.Status.RETURNED
    ).order_by("time", "id")
    return {step.measurement_id: step.reason for step in steps}


def last_reason(measurement: Measurement) -> str:
    """Why the measurement was last returned (empty when it never was)."""
    return returned_reasons([measurement]).get(measurement.pk, "")


def awaiting_review_by(person: Any) -> QuerySet[Measurement]:
    """Submitted measurements the person may approve or return."""
    access = get_access(person)
    org = Organisation.get()
    qs = (
        measurements_visible_to(person)
        .filter(status=Measurement.Status.SUBMITTED)
        .filter(
            access.unit_q("unit__", Role.MANAGER)
            | access.unit_q("indicator__plan__owner_unit__", Role.MANAGER)
        )
    )
    if not org.allow_self_approval:
        qs = qs.exclude(submitted_by=person)
    return qs.select_related("indicator__plan__owner_unit", "period", "unit", "submitted_by")


# -- figures per period -------------------------------------------------------------------------
@dataclass
class PeriodFigures:
    period: Period
    target: Decimal | None = None
    actual: Value | None = None
    by_unit: dict[int, Measurement] = field(default_factory=dict)
    breakdown: dict[str, dict[str, Value]] = field(default_factory=dict)
    # Breakdowns that do not add up: (reporting unit id, dimension, reported minus total).
    flags: list[tuple[int, str, Decimal | None]] = field(default_factory=list)

    @property
    def actual_amount(self) -> Decimal | None:
        return self.actual.amount if self.actual else None


def percent_met(
    indicator: Indicator, actual: Decimal | None, target: Decimal | None
) -> Decimal | None:
    """How much of the target the actual meets, in percent: actual / target when the
    indicator should increase, target / actual when it should decrease, 100 or 0 for a band."""
    if actual is None:
        return None
    if indicator.direction == Indicator.Direction.MAINTAIN:
        low, high = indicator.band_low, indicator.band_high
        if low is None and high is None:
            return None
        inside = (low is None or actual >= low) and (high is None or actual <= high)
        return Decimal(100) if inside else Decimal(0)
    if target is None:
        return None
    if indicator.direction == Indicator.Direction.DECREASE:
        if actual == 0:
            return Decimal(100) if target >= 0 else None
        return target * 100 / actual
    if target == 0:
        return Decimal(100) if actual >= 0 else None
    return actual * 100 / target


def _period_actual(measure_type: str, values: list[Value]) -> Value | None:
    """The period's actual over its reporting units: sums add, ratios pool, levels average."""
    if not values:
        return None
    if measure_type == Indicator.MeasureType.ORDINAL:
        return Value(sum((v.numerator for v in values), Decimal(0)) / len(values))
    return aggregation.total(values)


def breakdown_values(raw: dict[str, Any]) -> dict[str, dict[str, Value]]:
    result: dict[str, dict[str, Value]] = {}
    for dimension, categories in (raw or {}).items():
        result[dimension] = {}
        for category, cell in (categories or {}).items():
            if cell.get("value") in (None, ""):
                continue
            denominator = cell.get("denominator")
            result[dimension][category] = Value(
                Decimal(str(cell["value"])),
                Decimal(str(denominator)) if denominator not in (None, "") else None,
            )
    return result


def figures(
    indicators: list[Indicator],
    periods: list[Period],
    *,
    measurements: list[Measurement] | None = None,
    targets: list[Target] | None = None,
) -> dict[int, dict[int, PeriodFigures]]:
    """For each indicator, for each of its periods: target, actual (approved measurements only,
    combined by the indicator's rules), each unit's measurement, the breakdown and its flags.

    Calculated indicators take their actuals from the indicators they are made of (which must
    be among `indicators` or are loaded here). Two queries when measurements and targets are
    not given."""
    ids = [i.pk for i in indicators]
    if measurements is None:
        measurements = list(
            Measurement.objects.filter(
                indicator_id__in=_with_components(indicators),
                period_id__in=[p.pk for p in periods],
                status=Measurement.Status.APPROVED,
            )
        )
    if targets is None:
        targets = list(
            Target.objects.filter(indicator_id__in=ids, period_id__in=[p.pk for p in periods])
        )
    by_indicator: dict[int, Indicator] = {i.pk: i for i in indicators}
    result: dict[int, dict[int, PeriodFigures]] = {}
    periods_by_key = defaultdict(list)
    for period in periods:
        periods_by_key[(period.plan_id, period.frequency)].append(period)
    for indicator in indicators:
        result[indicator.pk] = {
            p.pk: PeriodFigures(period=p)
            for p in periods_by_key[(indicator.plan_id, indicator.frequency)]
        }
    raw_actuals: dict[tuple[int, int], list[Value]] = defaultdict(list)
    for m in measurements:
        value = m.as_value()
        if value is not None and m.status == Measurement.Status.APPROVED:
            raw_actuals[(m.indicator_id, m.period_id)].append(value)
        cell = result.get(m.indicator_id, {}).get(m.period_id)
        if cell is None:
            continue
        cell.by_unit[m.unit_id] = m
        if m.status != Measurement.Status.APPROVED:
            continue
        parts = breakdown_values(m.breakdown)
        for dimension, categories in parts.items():
            into = cell.breakdown.setdefault(dimension, {})
            for category, part in categories.items():
                into[category] = into[category] + part if category in into else part
        if value is not None:
            for check in aggregation.check_breakdowns(value, parts):
                if not check.adds_up:
                    cell.flags.append((m.unit_id, check.dimension, check.difference))
    for t in targets:
        cell = result.get(t.indicator_id, {}).get(t.period_id)
        if cell is not None:
            cell.target = t.value
    actual_by_key: dict[tuple[int, int], Value | None] = {
        key: _period_actual(
            by_indicator[key[0]].measure_type if key[0] in by_indicator else "number", values
        )
        for key, values in raw_actuals.items()
    }
    for indicator in indicators:
        for period_id, cell in result[indicator.pk].items():
            if indicator.is_calculated:
                cell.actual = _calculated(indicator, period_id, actual_by_key)
            else:
                cell.actual = actual_by_key.get((indicator.pk, period_id))
    return result


def _with_components(indicators: list[Indicator]) -> list[int]:
    ids = {i.pk for i in indicators}
    calculated = [i.pk for i in indicators if i.is_calculated]
    if calculated:
        through_n = Indicator.numerator_of.through.objects.filter(from_indicator_id__in=calculated)
        through_d = Indicator.denominator_of.through.objects.filter(
            from_indicator_id__in=calculated
        )
        ids |= set(through_n.values_list("to_indicator_id", flat=True))
        ids |= set(through_d.values_list("to_indicator_id", flat=True))
    return sorted(ids)


def _calculated(
    indicator: Indicator, period_id: int, actuals: dict[tuple[int, int], Value | None]
) -> Value | None:
    """A calculated indicator's value: its numerator terms over its denominator terms (a
    percentage), or the sum of its terms. Missing terms make no value."""

    def amount(component_ids: list[int]) -> Decimal | None:
        total = Decimal(0)
        for cid in component_ids:
            value = actuals.get((cid, period_id))
            if value is None or value.amount is None:
                return None
            total += value.amount
        return total

    numerator = amount([c.pk for c in indicator.numerator_of.all()])
    if numerator is None:
        return None
    if indicator.calculation == Indicator.Calculation.SUM:
        return Value(numerator)
    denominator = amount([c.pk for c in indicator.denominator_of.all()])
    if denominator is None or denominator < 0:  # a negative total makes no ratio
        return None
    return Value(numerator, denominator)


def life_of_plan(indicator: Indicator, cells: dict[int, PeriodFigures]) -> Value | None:
    """The indicator's figure over all its periods so far, by its aggregation rule."""
    return over_periods(indicator, list(cells.values()))


def over_periods(indicator: Indicator, cells: list[PeriodFigures]) -> Value | None:
    """Several periods' approved data as one figure, by the indicator's aggregation rule.

    Each reporting unit's value is an observation, so a cumulative indicator takes the latest
    per unit; calculated and scale indicators use each period's figure, since their values are
    not per-unit amounts that add up."""
    per_period = indicator.is_calculated or indicator.measure_type == Indicator.MeasureType.ORDINAL
    observations = []
    for cell in cells:
        if per_period:
            if cell.actual is not None:
                observations.append(Observation("all", cell.period.end, cell.actual))
            continue
        for unit_id, m in cell.by_unit.items():
            value = m.as_value()
            if m.status == Measurement.Status.APPROVED and value is not None:
                observations.append(Observation(unit_id, cell.period.end, value))
    return aggregation.over_time(
        observations, rule_over_time(indicator), cumulative=indicator.cumulative
    )


def rule_over_time(indicator: Indicator) -> Aggregation:
    """The indicator's aggregation over time; levels of a scale never add up, so a scale
    indicator left on "sum" takes its latest level instead."""
    rule = Aggregation(indicator.aggregation)
    if indicator.measure_type == Indicator.MeasureType.ORDINAL and rule == Aggregation.SUM:
        return Aggregation.LATEST
    return rule


@dataclass
class RollUpRow:
    """A unit above several reporting units, with the total of what they reported per period."""

    unit: Unit
    totals: list[Value | None]


def unit_roll_up(indicator: Indicator, cells: list[PeriodFigures]) -> list[RollUpRow]:
    """Totals up the unit tree of the approved values, per period, for every unit that has
    two or more reporting units at or below it (a department over its divisions, an aimag over
    its soums). Sums add and percentages pool; scale, yes/no and text values are not totalled.
    One query (the units above the reporting ones)."""
    if indicator.measure_type in (
        Indicator.MeasureType.ORDINAL,
        Indicator.MeasureType.YES_NO,
        Indicator.MeasureType.QUALITATIVE,
    ):
        return []
    reported: dict[int, Unit] = {}
    per_period: list[dict[str, Value]] = []
    for cell in cells:
        values: dict[str, Value] = {}
        for m in cell.by_unit.values():
            value = m.as_value()
            if m.status == Measurement.Status.APPROVED and value is not None:
                values[m.unit.path] = value
                reported[m.unit_id] = m.unit
        per_period.append(aggregation.roll_up(values))
    below: dict[int, int] = defaultdict(int)  # unit id -> reporting units at or below it
    for unit in reported.values():
        for ancestor_id in unit.ancestor_ids:
            below[ancestor_id] += 1
    wanted = [uid for uid, n in below.items() if n >= 2]
    if not wanted:
        return []
    rows = []
    for unit in Unit.objects.filter(pk__in=wanted).order_by("path"):
        rows.append(RollUpRow(unit=unit, totals=[totals.get(unit.path) for totals in per_period]))
    return rows
