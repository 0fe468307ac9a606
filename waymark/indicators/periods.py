"""Reporting periods: the spans a frequency cuts a plan's dates into.

Quarters, halves and years follow the organisation's fiscal year; a fiscal year is named by the
calendar year it starts in ("2017-Q1" is the first quarter of the fiscal year starting in 2017).
Months are calendar months ("2017-03"). A one-off indicator has one period, the whole plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


@dataclass(frozen=True)
class Span:
    start: datetime.date
    end: datetime.date
    label: str


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_start(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def _label(frequency: str, start: datetime.date, fiscal_start_month: int) -> str:
    if frequency == "monthly":
        return f"{start:%Y-%m}"
    # The fiscal year this span belongs to, named by the calendar year it starts in.
    months_into_year = (start.month - fiscal_start_month) % 12
    fiscal_year = start.year if start.month >= fiscal_start_month else start.year - 1
    if frequency == "quarterly":
        return f"{fiscal_year}-Q{months_into_year // 3 + 1}"
    if frequency == "semiannual":
        return f"{fiscal_year}-H{months_into_year // 6 + 1}"
    return f"{fiscal_year}"


def spans(
    frequency: str, start: datetime.date, end: datetime.date, fiscal_start_month: int = 1
) -> list[Span]:
    """Every period of `frequency` that overlaps [start, end], in order."""
    if end < start:
        return []
    if frequency == "one_off":
        return [Span(start, end, f"{start:%Y-%m}\u2013{end:%Y-%m}")]
    step = MONTHS_PER_PERIOD[frequency]
    # The first period boundary on or before `start`: periods are aligned to the fiscal year.
    offset = (start.month - fiscal_start_month) % step
    year, month = _add_months(start.year, start.month, -offset)
    result: list[Span] = []
    while True:
        first = _month_start(year, month)
        if first > end:
            break
        next_year, next_month = _add_months(year, month, step)
        last = _month_start(next_year, next_month) - datetime.timedelta(days=1)
        result.append(Span(first, last, _label(frequency, first, fiscal_start_month)))
        year, month = next_year, next_month
    return result
