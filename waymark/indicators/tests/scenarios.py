"""Plans with indicator data for the IPTT and spreadsheet tests, built with the services.

`last_year_plan` covers the whole of last year, so its periods are locked today: `approved`
unlocks a period (as the admin) before entering late data into it. `running_plan` covers last
year to next year, so the period holding today is open.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from waymark.core.testing import Cast, make_element, make_plan
from waymark.indicators.models import Indicator, Measurement, Period
from waymark.indicators.services import (
    indicator_create,
    measurement_approve,
    measurement_save,
    period_unlock,
    targets_set,
)
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Element, Plan

D = datetime.date
CYRILLIC_PLAN = "Дорнод аймгийн үйл ажиллагааны төлөвлөгөө"
CYRILLIC_TITLE = "Сургалтад хамрагдсан сумын албан хаагчдын эзлэх хувь"


def make_indicator(cast: Cast, plan: Plan, code: str, **data: Any) -> Indicator:
    data.setdefault("title", f"Indicator {code}")
    return indicator_create(actor=cast.admin, plan=plan, data={"code": code, **data})


def periods_of(indicator: Indicator) -> list[Period]:
    return list(
        Period.objects.filter(plan=indicator.plan, frequency=indicator.frequency).order_by("start")
    )


def period_on(indicator: Indicator, day: datetime.date) -> Period:
    return Period.objects.get(
        plan=indicator.plan, frequency=indicator.frequency, start__lte=day, end__gte=day
    )


def open_for_data(cast: Cast, period: Period) -> Period:
    """Unlock the period for a day (as the admin) unless it accepts data already."""
    if not period.accepts_data(Organisation.get().grace_days):
        period_unlock(
            actor=cast.admin,
            period=period,
            until=timezone.now() + datetime.timedelta(days=1),
            reason="Late data from the soums",
        )
    return period


def entered(
    cast: Cast,
    indicator: Indicator,
    period: Period,
    data: dict[str, Any],
    *,
    unit: Unit | None = None,
    submit: bool = False,
) -> Measurement:
    """A value entered by the unit's contributor (the outsider for the Finance Department)."""
    unit = unit or cast.dept
    by = cast.outsider if unit.pk == cast.other.pk else cast.contributor
    return measurement_save(
        actor=by,
        indicator=indicator,
        period=open_for_data(cast, period),
        unit=unit,
        data=data,
        submit=submit,
    )


def approved(
    cast: Cast, indicator: Indicator, period: Period, data: dict[str, Any], **kw: Any
) -> Measurement:
    measurement = entered(cast, indicator, period, data, submit=True, **kw)
    return measurement_approve(actor=cast.admin, measurement=measurement)


def set_targets(cast: Cast, indicator: Indicator, targets: dict[Period, Any]) -> None:
    targets_set(actor=cast.admin, indicator=indicator, targets=targets, reason="Plan revised")


@dataclass
class Scenario:
    year: int
    plan: Plan
    goal: Element
    objective: Element
    action: Element
    finance_goal: Element
    open_door: Indicator  # 1.a monthly sum
    trained_share: Indicator  # 1.b quarterly percentage, two reporting units
    trained_to_date: Indicator  # 1.c monthly running total
    audits: Indicator  # 2.a annual, reported by the Finance Department


def last_year_plan(cast: Cast) -> Scenario:
    """Last year's plan of the Department of Administration, with four indicators and data.

    Quarterly figures (targets / approved actuals):
    - 1.a open-door days, monthly, sum: targets 10 a month Jan-Jun; actuals Jan 8, Feb 12,
      Mar 10, Apr 6 (May 50 only submitted). Q1 30/30, Q2 30/6. Baseline 5, life 120 / 36.
    - 1.b share of officials trained, quarterly %, dept and Finance: Q1 target 75, actuals
      12/20 and 3/10 (pooled 50%); Q2 target 80, 18/20 (90%). Baseline 40, life 80 / 66%.
    - 1.c officials trained to date, monthly running total: targets 5, 10, 15; actuals 5, 9,
      14. Q1 15 / 14.
    - 2.a budget audits published, annual, by Finance: target 3, actual 2.
    """
    year = timezone.localdate().year - 1
    plan = make_plan(cast, CYRILLIC_PLAN, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
    goal = make_element(cast, plan, "Good governance")
    objective = make_element(cast, plan, "Capable public servants", parent=goal)
    action = make_element(
        cast, plan, "Hold open-door days", parent=objective, responsible_unit=cast.dept
    )
    finance_goal = make_element(cast, plan, "Open budgets", responsible_unit=cast.other)

    open_door = make_indicator(
        cast,
        plan,
        "1.a",
        title="Open-door days held",
        unit_of_measure="days",
        frequency=Indicator.Frequency.MONTHLY,
        baseline_value="5",
        target_value="120",
        elements=[action],
    )
    months = periods_of(open_door)
    set_targets(cast, open_door, {month: "10" for month in months[:6]})
    for month, value in zip(months[:4], ["8", "12", "10", "6"], strict=True):
        approved(cast, open_door, month, {"value": value})
    entered(cast, open_door, months[4], {"value": "50"}, submit=True)  # not approved

    trained_share = make_indicator(
        cast,
        plan,
        "1.b",
        title=CYRILLIC_TITLE,
        measure_type=Indicator.MeasureType.PERCENTAGE,
        frequency=Indicator.Frequency.QUARTERLY,
        baseline_value="40",
        target_value="80",
        elements=[objective],
        reporting_units=[cast.dept, cast.other],
    )
    quarters = periods_of(trained_share)
    set_targets(cast, trained_share, {quarters[0]: "75", quarters[1]: "80"})
    approved(cast, trained_share, quarters[0], {"value": "12", "denominator": "20"})
    approved(cast, trained_share, quarters[0], {"value": "3", "denominator": "10"}, unit=cast.other)
    approved(cast, trained_share, quarters[1], {"value": "18", "denominator": "20"})

    trained_to_date = make_indicator(
        cast,
        plan,
        "1.c",
        title="Officials trained to date",
        frequency=Indicator.Frequency.MONTHLY,
        cumulative=True,
        elements=[goal],
    )
    months = periods_of(trained_to_date)
    set_targets(cast, trained_to_date, dict(zip(months[:3], ["5", "10", "15"], strict=True)))
    for month, value in zip(months[:3], ["5", "9", "14"], strict=True):
        approved(cast, trained_to_date, month, {"value": value})

    audits = make_indicator(
        cast,
        plan,
        "2.a",
        title="Budget audits published",
        frequency=Indicator.Frequency.ANNUAL,
        elements=[finance_goal],
        reporting_units=[cast.other],
        target_value="3",
    )
    (whole_year,) = periods_of(audits)
    set_targets(cast, audits, {whole_year: "3"})
    approved(cast, audits, whole_year, {"value": "2"}, unit=cast.other)
    return Scenario(
        year=year,
        plan=plan,
        goal=goal,
        objective=objective,
        action=action,
        finance_goal=finance_goal,
        open_door=open_door,
        trained_share=trained_share,
        trained_to_date=trained_to_date,
        audits=audits,
    )


def running_plan(cast: Cast, title: str = "Action plan, running now") -> Plan:
    today = timezone.localdate()
    return make_plan(
        cast, title, start_date=D(today.year - 1, 1, 1), end_date=D(today.year + 1, 12, 31)
    )
