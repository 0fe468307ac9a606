"""The Indicator Performance Tracking Table (IPTT): a plan's indicators by period, each cell
with its target, actual (approved data only) and % of target met, plus baseline and the
life-of-plan figures (TolaData's IPTT, USAID's PITT).

Columns are periods of one frequency. An indicator reported more often than the columns
(monthly data in quarterly columns) is combined into each column by its aggregation rule; an
indicator reported less often (annual data in quarterly columns, a one-off survey) shows in the
column that holds its period's end. Every indicator period therefore belongs to the column
containing its end date, which is exactly "lies inside the column" for finer periods since all
periods are aligned to the same fiscal year.

A fixed number of queries whatever the number of indicators, periods or measurements: seven
(indicators, their elements, the two calculation links, periods, measurements, targets), one
more for the person's memberships when not yet read in the request, and one more for the
organisation's fiscal year when the columns' frequency has no periods yet.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q

from waymark.indicators import selectors
from waymark.indicators.aggregation import Aggregation, Value
from waymark.indicators.models import Indicator, Measurement, Period, Target
from waymark.indicators.periods import spans
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Element, Plan

# Coarsest first: ties for the default frequency go to the coarser one, which can hold every
# finer indicator's data combined.
FREQUENCY_ORDER = [
    Indicator.Frequency.ANNUAL,
    Indicator.Frequency.SEMIANNUAL,
    Indicator.Frequency.QUARTERLY,
    Indicator.Frequency.MONTHLY,
    Indicator.Frequency.ONE_OFF,
]


@dataclass
class IpttCell:
    """One indicator in one column: its target, actual and % of target met."""

    column: Period
    target: Decimal | None = None
    actual: Value | None = None
    percent_met: Decimal | None = None
    # The indicator's own periods combined into this cell (one unless they are finer).
    periods: list[Period] = field(default_factory=list)

    @property
    def actual_amount(self) -> Decimal | None:
        """The figure shown: the number, or a percentage's n / d in percent."""
        return self.actual.amount if self.actual else None


@dataclass
class IpttRow:
    indicator: Indicator
    code: str
    title: str
    element_codes: list[str]
    unit_of_measure: str
    baseline: Decimal | None
    baseline_not_available: bool
    cells: list[IpttCell]
    life_target: Decimal | None
    life_actual: Value | None
    life_percent_met: Decimal | None

    @property
    def life_actual_amount(self) -> Decimal | None:
        return self.life_actual.amount if self.life_actual else None

    @property
    def is_ratio(self) -> bool:
        """Baseline, targets and actuals are percentages."""
        return self.indicator.is_ratio

    @property
    def is_numeric(self) -> bool:
        return self.indicator.is_numeric


@dataclass
class Iptt:
    plan: Plan
    frequency: str
    columns: list[Period]
    rows: list[IpttRow]
    unit: Unit | None = None
    element: Element | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    # The frequencies the rows are reported at, coarsest first (for a column picker).
    frequencies: list[str] = field(default_factory=list)

    @property
    def frequency_label(self) -> str:
        return str(Indicator.Frequency(self.frequency).label)


def iptt(
    *,
    person: Any,
    plan: Plan,
    frequency: str | None = None,
    unit: Unit | None = None,
    element: Element | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Iptt:
    """The plan's IPTT as the person may see it.

    Rows: the plan's indicators visible to the person, those reported by (or serving elements
    of) `unit`'s subtree when given, those of `element` and its descendants when given.
    Columns: the plan's periods of `frequency` (by default the most common frequency among the
    rows; an unknown frequency counts as none) overlapping [start, end].
    Life-of-plan figures always cover every period of the plan, whatever the range. With a
    unit, the actuals are what the unit and the units below it reported."""
    indicators = _indicators(person, plan, unit=unit, element=element)
    counts = Counter(i.frequency for i in indicators)
    frequencies = [f.value for f in FREQUENCY_ORDER if f in counts]
    if frequency not in Indicator.Frequency.values:
        frequency = _default_frequency(plan, counts)
    assert frequency is not None
    periods = list(Period.objects.filter(plan=plan).order_by("start", "pk"))
    all_columns = [p for p in periods if p.frequency == frequency] or _unsaved_periods(
        plan, frequency
    )
    shown = [
        index
        for index, column in enumerate(all_columns)
        if (start is None or column.end >= start) and (end is None or column.start <= end)
    ]
    columns = [all_columns[index] for index in shown]
    table = Iptt(
        plan=plan,
        frequency=frequency,
        columns=columns,
        rows=[],
        unit=unit,
        element=element,
        start=start,
        end=end,
        frequencies=frequencies,
    )
    if not indicators:
        return table

    component_ids = {c.pk for i in indicators for c in i.numerator_of.all()} | {
        c.pk for i in indicators for c in i.denominator_of.all()
    }
    approved = Measurement.objects.filter(
        indicator_id__in=sorted({i.pk for i in indicators} | component_ids),
        period__plan=plan,
        status=Measurement.Status.APPROVED,
    )
    if unit is not None:  # the unit's figures: what its subtree reported, rolled up
        approved = approved.filter(unit__path__startswith=unit.path)
    measurements = list(
        approved.defer(
            "text", "comment", "evidence_file", "evidence_link"
        ).order_by()  # the default ordering would join periods and units for nothing
    )
    targets = list(
        Target.objects.filter(
            indicator_id__in=[i.pk for i in indicators], period__plan=plan
        ).order_by()
    )
    cells_by_indicator = selectors.figures(
        indicators, periods, measurements=measurements, targets=targets
    )

    # Each indicator period's column: the one containing its end.
    placement: dict[int, int] = {}
    for period in periods:
        index = _column_of(all_columns, period)
        if index is not None:
            placement[period.pk] = index

    for indicator in indicators:
        own = cells_by_indicator[indicator.pk]
        grouped: dict[int, list[selectors.PeriodFigures]] = defaultdict(list)
        for figures in own.values():
            index = placement.get(figures.period.pk)
            if index is not None:
                grouped[index].append(figures)
        cells = [
            _cell(indicator, all_columns[index], sorted(grouped[index], key=_by_end))
            for index in shown
        ]
        life_actual = selectors.life_of_plan(indicator, own)
        table.rows.append(
            IpttRow(
                indicator=indicator,
                code=indicator.code,
                title=indicator.title,
                element_codes=[e.code for e in indicator.elements.all()],
                unit_of_measure=indicator.shown_unit,
                baseline=indicator.baseline_value,
                baseline_not_available=indicator.baseline_not_available,
                cells=cells,
                life_target=indicator.target_value,
                life_actual=life_actual,
                life_percent_met=selectors.percent_met(
                    indicator, life_actual.amount if life_actual else None, indicator.target_value
                ),
            )
        )
    return table


def _indicators(
    person: Any, plan: Plan, *, unit: Unit | None, element: Element | None
) -> list[Indicator]:
    qs = selectors.indicators_visible_to(person).filter(plan=plan)
    if unit is not None:
        # Reported by the subtree, serving an element the subtree is responsible for, or
        # reported by the plan's owner unit (no reporting unit named) within the subtree.
        qs = qs.filter(
            Q(reporting_units__path__startswith=unit.path)
            | Q(
                elements__responsible_unit__path__startswith=unit.path,
                elements__deleted_at__isnull=True,
            )
            | Q(reporting_units__isnull=True, plan__owner_unit__path__startswith=unit.path)
        )
    if element is not None:
        qs = qs.filter(
            Q(elements__sort_key=element.sort_key)
            | Q(elements__sort_key__startswith=f"{element.sort_key}."),
            elements__plan_id=element.plan_id,
            elements__deleted_at__isnull=True,
        )
    if unit is not None or element is not None:
        # One row per indicator, whatever the joins matched.
        qs = selectors.indicators_visible_to(person).filter(plan=plan, pk__in=qs.values("pk"))
    indicators = list(
        qs.prefetch_related(
            Prefetch("elements", queryset=Element.objects.order_by("sort_key")),
            Prefetch("numerator_of", queryset=Indicator.objects.only("id")),
            Prefetch("denominator_of", queryset=Indicator.objects.only("id")),
        )
    )
    return sorted(indicators, key=lambda i: (_natural(i.code), i.pk))


def _natural(code: str) -> list[tuple[int, int, str]]:
    """1.2 before 1.10; letters after numbers."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"[.\-_\s/]+", code)
        if part
    ]


def _default_frequency(plan: Plan, counts: Counter[str]) -> str:
    """The most common frequency among the rows, one-off only when nothing else is reported;
    the plan's cadence when there are no rows."""
    regular = {f: n for f, n in counts.items() if f != Indicator.Frequency.ONE_OFF}
    if regular:
        most = max(regular.values())
        return next(f.value for f in FREQUENCY_ORDER if regular.get(f) == most)
    if counts:
        return Indicator.Frequency.ONE_OFF.value
    return (
        Indicator.Frequency.MONTHLY.value
        if plan.cadence == Plan.Cadence.MONTHLY
        else Indicator.Frequency.QUARTERLY.value
    )


def _unsaved_periods(plan: Plan, frequency: str) -> list[Period]:
    """Columns for a frequency no indicator of the plan uses yet (nothing is written)."""
    org = Organisation.get()
    return [
        Period(plan=plan, frequency=frequency, start=s.start, end=s.end, label=s.label)
        for s in spans(frequency, plan.start_date, plan.end_date, org.fiscal_year_start_month)
    ]


def _column_of(columns: list[Period], period: Period) -> int | None:
    """The column containing the period's end; the last column for a period that runs past the
    plan's last column (an annual period of a plan ending mid-year)."""
    for index, column in enumerate(columns):
        if column.start <= period.end <= column.end:
            return index
    if columns and period.end > columns[-1].end and period.start <= columns[-1].end:
        return len(columns) - 1
    return None


def _by_end(figures: selectors.PeriodFigures) -> datetime.date:
    return figures.period.end


def _cell(indicator: Indicator, column: Period, parts: list[selectors.PeriodFigures]) -> IpttCell:
    cell = IpttCell(column=column, periods=[p.period for p in parts])
    if len(parts) == 1:
        cell.target, cell.actual = parts[0].target, parts[0].actual
    elif parts:
        cell.target = _combined_target(indicator, [p.target for p in parts])
        cell.actual = selectors.over_periods(indicator, parts)
    cell.percent_met = selectors.percent_met(indicator, cell.actual_amount, cell.target)
    return cell


def _combined_target(indicator: Indicator, targets: list[Decimal | None]) -> Decimal | None:
    """Several periods' targets (in period order) as one: summed for a sum, the last one for a
    running total or the latest value, the highest for a maximum, otherwise their average.
    Percentages never add up: their targets average unless the latest counts."""
    given = [t for t in targets if t is not None]
    if not given:
        return None
    rule = indicator.aggregation
    if indicator.cumulative or rule == Aggregation.LATEST:
        return given[-1]
    if rule == Aggregation.MAXIMUM:
        return max(given)
    if rule == Aggregation.SUM and not indicator.is_ratio:
        return sum(given, Decimal(0))
    return sum(given, Decimal(0)) / len(given)
