"""Each indicator's computed health, kept up to date when its data, targets or rules change.

The health compares the latest approved actual with its period's target (or the life-of-plan
target) by the indicator's rules, or the organisation's (first match wins); or, on a pace basis,
the progress made since the baseline with the progress expected by then on a straight line from
the baseline at the plan's start to the target at its end. The reason is kept in words with the
numbers. The elements the indicator serves are then recomputed (`plans.progress.refresh_plan`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.indicators.health import (
    Assessment,
    assess,
    assess_pace,
    expected_by,
    expected_by_steps,
    pace,
    resolve_rules,
)
from waymark.indicators.models import Indicator, Period
from waymark.indicators.selectors import PeriodFigures, figures, percent_met
from waymark.org.models import Health, Organisation
from waymark.plans.models import Milestone, Plan
from waymark.plans.progress import in_every_language, refresh_plan


def assess_indicator(
    indicator: Indicator,
    cells: list[PeriodFigures],
    *,
    org: Organisation,
    today: datetime.date | None = None,
) -> tuple[Assessment, Decimal | None]:
    """The indicator's health and reason from its periods' figures, and the % of target met."""
    today = today or timezone.localdate()
    if indicator.measure_type == Indicator.MeasureType.QUALITATIVE:
        return Assessment(Health.NOT_ASSESSED, _("Qualitative: read the reports.")), None
    reported = [c for c in cells if c.actual_amount is not None and c.period.start <= today]
    if not reported:
        return Assessment(Health.NOT_ASSESSED, _("No approved value yet.")), None
    latest = max(reported, key=lambda c: c.period.start)
    actual = latest.actual_amount
    assert actual is not None
    baseline, target = indicator.baseline_value, indicator.target_value
    pace_basis = indicator.health_basis in (
        Indicator.HealthBasis.PACE,
        Indicator.HealthBasis.PACE_MILESTONES,
    )
    if pace_basis and baseline is not None and target is not None:
        plan = indicator.plan
        if indicator.health_basis == Indicator.HealthBasis.PACE_MILESTONES:
            # Each milestone of the indicator's elements is an equal step towards the target.
            dates = sorted(
                Milestone.objects.filter(
                    element__in=indicator.elements.all(), due_date__isnull=False
                ).values_list("due_date", flat=True)
            )
            steps = [
                (day, baseline + (target - baseline) * (i + 1) / len(dates))
                for i, day in enumerate(dates)
            ]
            expected = expected_by_steps(baseline, steps, latest.period.end)
        else:
            expected = expected_by(
                baseline, target, plan.start_date, plan.end_date, latest.period.end
            )
        result = assess_pace(pace(actual, baseline, expected), by=latest.period.end)
        return _labelled(latest, result), None
    target_now = latest.target if latest.target is not None else target
    met = percent_met(indicator, actual, target_now)
    rules = resolve_rules(indicator.health_rules, org.health_rules)
    return _labelled(latest, assess(rules, met)), met


def _labelled(cell: PeriodFigures, assessment: Assessment) -> Assessment:
    return Assessment(assessment.health, f"{cell.period.label}: {assessment.reason}")


def refresh_indicator(indicator: Indicator, *, elements: bool = True) -> Indicator:
    """Recompute the indicator's health (and then its plan's elements)."""
    org = Organisation.get()
    periods = list(Period.objects.filter(plan_id=indicator.plan_id, frequency=indicator.frequency))
    cells = list(figures([indicator], periods)[indicator.pk].values())
    found: dict[str, Decimal | None] = {}

    def assess() -> Assessment:
        assessment, found["met"] = assess_indicator(indicator, cells, org=org)
        return assessment

    health, reasons = in_every_language(assess, keep_unassessed=True)
    met = found.get("met")
    values = {
        "health": health,
        "health_reasons": reasons,
        "percent_met": met.quantize(Decimal("0.01")) if met is not None else None,
    }
    if any(getattr(indicator, k) != v for k, v in values.items()):
        Indicator.all_objects.filter(pk=indicator.pk).update(**values)
        for key, value in values.items():
            setattr(indicator, key, value)
    # The indicators calculated from this one follow it.
    for calculated in {*indicator.numerator_in.all(), *indicator.denominator_in.all()}:
        if calculated.pk != indicator.pk:
            refresh_indicator(calculated, elements=False)
    if elements:
        refresh_plan(indicator.plan)
    return indicator


def refresh_plan_indicators(plan: Plan) -> None:
    """Every indicator of the plan, then its elements once (after rules or dates change)."""
    for indicator in Indicator.objects.filter(plan=plan):
        refresh_indicator(indicator, elements=False)
    refresh_plan(plan)


def refresh_milestone_paced(plan: Plan) -> None:
    """The plan's indicators paced in steps at milestones, then its elements."""
    for indicator in Indicator.objects.filter(
        plan=plan, health_basis=Indicator.HealthBasis.PACE_MILESTONES
    ):
        refresh_indicator(indicator, elements=False)
    refresh_plan(plan)


def refresh_all() -> None:
    """Every plan's indicators and elements (after the organisation's rules change)."""
    for plan in Plan.objects.all():
        refresh_plan_indicators(plan)
