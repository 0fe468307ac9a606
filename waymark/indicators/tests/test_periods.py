"""Reporting periods: the spans each frequency cuts a plan into, fiscal-year labels, and a
period's status by date (upcoming, open, in grace, locked, unlocked)."""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from waymark.core.testing import Cast, make_plan
from waymark.indicators.models import Period
from waymark.indicators.periods import MONTHS_PER_PERIOD, Span, spans
from waymark.indicators.services import periods_ensure
from waymark.indicators.tests.builders import make_indicator, organisation
from waymark.plans.models import Plan

D = datetime.date
DAY = datetime.timedelta(days=1)


def cut(frequency: str, start: D, end: D, fiscal: int = 1) -> list[tuple[D, D, str]]:
    return [(s.start, s.end, s.label) for s in spans(frequency, start, end, fiscal)]


# -- spans by frequency ------------------------------------------------------------------------
def test_it_cuts_a_calendar_year_into_twelve_months_named_by_calendar_month() -> None:
    months = cut("monthly", D(2017, 1, 1), D(2017, 12, 31))
    assert len(months) == 12
    assert months[0] == (D(2017, 1, 1), D(2017, 1, 31), "2017-01")
    assert months[1] == (D(2017, 2, 1), D(2017, 2, 28), "2017-02")
    assert months[-1] == (D(2017, 12, 1), D(2017, 12, 31), "2017-12")


def test_it_ends_february_on_the_29th_in_a_leap_year() -> None:
    assert cut("monthly", D(2016, 2, 1), D(2016, 2, 29)) == [
        (D(2016, 2, 1), D(2016, 2, 29), "2016-02")
    ]


def test_it_cuts_a_calendar_year_into_quarters() -> None:
    assert cut("quarterly", D(2017, 1, 1), D(2017, 12, 31)) == [
        (D(2017, 1, 1), D(2017, 3, 31), "2017-Q1"),
        (D(2017, 4, 1), D(2017, 6, 30), "2017-Q2"),
        (D(2017, 7, 1), D(2017, 9, 30), "2017-Q3"),
        (D(2017, 10, 1), D(2017, 12, 31), "2017-Q4"),
    ]


def test_it_cuts_a_calendar_year_into_halves() -> None:
    assert cut("semiannual", D(2017, 1, 1), D(2017, 12, 31)) == [
        (D(2017, 1, 1), D(2017, 6, 30), "2017-H1"),
        (D(2017, 7, 1), D(2017, 12, 31), "2017-H2"),
    ]


def test_it_cuts_a_five_year_plan_into_years() -> None:
    assert cut("annual", D(2021, 1, 1), D(2025, 12, 31)) == [
        (D(year, 1, 1), D(year, 12, 31), str(year)) for year in range(2021, 2026)
    ]


def test_it_gives_a_one_off_indicator_one_period_the_whole_plan() -> None:
    assert cut("one_off", D(2017, 3, 15), D(2018, 6, 30)) == [
        (D(2017, 3, 15), D(2018, 6, 30), "2017-03\u20132018-06")
    ]


@pytest.mark.parametrize("frequency", ["monthly", "quarterly", "semiannual", "annual", "one_off"])
def test_it_makes_no_period_when_the_end_is_before_the_start(frequency: str) -> None:
    assert spans(frequency, D(2017, 6, 1), D(2017, 5, 31)) == []


# -- fiscal years ------------------------------------------------------------------------------
def test_it_names_a_fiscal_year_starting_in_july_by_the_year_it_starts_in() -> None:
    assert cut("quarterly", D(2017, 7, 1), D(2018, 6, 30), fiscal=7) == [
        (D(2017, 7, 1), D(2017, 9, 30), "2017-Q1"),
        (D(2017, 10, 1), D(2017, 12, 31), "2017-Q2"),
        (D(2018, 1, 1), D(2018, 3, 31), "2017-Q3"),
        (D(2018, 4, 1), D(2018, 6, 30), "2017-Q4"),
    ]
    assert cut("semiannual", D(2017, 7, 1), D(2018, 6, 30), fiscal=7) == [
        (D(2017, 7, 1), D(2017, 12, 31), "2017-H1"),
        (D(2018, 1, 1), D(2018, 6, 30), "2017-H2"),
    ]
    assert cut("annual", D(2017, 7, 1), D(2018, 6, 30), fiscal=7) == [
        (D(2017, 7, 1), D(2018, 6, 30), "2017")
    ]


def test_it_keeps_calendar_month_names_in_a_fiscal_year() -> None:
    months = cut("monthly", D(2017, 7, 1), D(2018, 6, 30), fiscal=7)
    assert [label for _, _, label in months][:2] == ["2017-07", "2017-08"]
    assert months[6][2] == "2018-01"


def test_it_spans_two_fiscal_years_for_a_calendar_plan_under_a_july_fiscal_year() -> None:
    assert cut("annual", D(2017, 1, 1), D(2017, 12, 31), fiscal=7) == [
        (D(2016, 7, 1), D(2017, 6, 30), "2016"),
        (D(2017, 7, 1), D(2018, 6, 30), "2017"),
    ]
    quarters = cut("quarterly", D(2017, 1, 1), D(2017, 12, 31), fiscal=7)
    assert [label for _, _, label in quarters] == ["2016-Q3", "2016-Q4", "2017-Q1", "2017-Q2"]


def test_it_puts_january_in_the_fourth_quarter_of_an_april_fiscal_year() -> None:
    assert cut("quarterly", D(2018, 1, 10), D(2018, 1, 20), fiscal=4) == [
        (D(2018, 1, 1), D(2018, 3, 31), "2017-Q4")
    ]


# -- partial plans -----------------------------------------------------------------------------
def test_it_gives_a_plan_starting_and_ending_mid_quarter_the_whole_quarters_it_touches() -> None:
    assert cut("quarterly", D(2017, 2, 15), D(2017, 8, 10)) == [
        (D(2017, 1, 1), D(2017, 3, 31), "2017-Q1"),
        (D(2017, 4, 1), D(2017, 6, 30), "2017-Q2"),
        (D(2017, 7, 1), D(2017, 9, 30), "2017-Q3"),
    ]


def test_it_gives_a_plan_of_one_day_the_one_period_holding_it() -> None:
    assert cut("semiannual", D(2017, 9, 9), D(2017, 9, 9)) == [
        (D(2017, 7, 1), D(2017, 12, 31), "2017-H2")
    ]
    assert cut("monthly", D(2017, 9, 30), D(2017, 9, 30)) == [
        (D(2017, 9, 1), D(2017, 9, 30), "2017-09")
    ]


def test_it_adds_no_extra_period_to_a_plan_ending_on_a_boundary() -> None:
    assert cut("quarterly", D(2017, 4, 1), D(2017, 9, 30))[-1][2] == "2017-Q3"
    assert len(cut("quarterly", D(2017, 4, 1), D(2017, 9, 30))) == 2
    assert len(cut("quarterly", D(2017, 4, 1), D(2017, 10, 1))) == 3


# -- the property ------------------------------------------------------------------------------
dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31))


def months_after(day: D, months: int) -> D:
    index = day.year * 12 + day.month - 1 + months
    return D(index // 12, index % 12 + 1, 1)


def label_start(frequency: str, label: str, fiscal: int) -> D:
    """The first day of the span a label names, read back from the label alone."""
    if frequency == "monthly":
        year, month = label.split("-")
        return D(int(year), int(month), 1)
    match = re.fullmatch(r"(\d{4})(?:-([QH])(\d))?", label)
    assert match, label
    fiscal_year_start = D(int(match[1]), fiscal, 1)
    if match[2] is None:
        return fiscal_year_start
    return months_after(fiscal_year_start, (int(match[3]) - 1) * (3 if match[2] == "Q" else 6))


@given(
    frequency=st.sampled_from(["monthly", "quarterly", "semiannual", "annual", "one_off"]),
    first=dates,
    length=st.integers(min_value=0, max_value=4000),
    fiscal=st.integers(min_value=1, max_value=12),
)
def test_it_tiles_the_plan_with_spans_without_gaps_or_overlaps_and_covers_it(
    frequency: str, first: D, length: int, fiscal: int
) -> None:
    last = first + datetime.timedelta(days=length)
    result: list[Span] = spans(frequency, first, last, fiscal)
    assert result
    assert result[0].start <= first and result[-1].end >= last  # covers [start, end]
    for before, after in itertools.pairwise(result):
        assert after.start == before.end + DAY  # no gap, no overlap
    for span in result:
        assert span.start <= span.end
        assert span.start <= last and span.end >= first  # every span touches the plan
    if frequency == "one_off":
        assert [(s.start, s.end) for s in result] == [(first, last)]
        return
    step = MONTHS_PER_PERIOD[frequency]
    labels = [span.label for span in result]
    assert len(set(labels)) == len(labels)
    for span in result:
        assert span.start.day == 1
        assert span.end + DAY == months_after(span.start, step)  # whole periods only
        if frequency != "monthly":
            assert (span.start.month - fiscal) % step == 0  # aligned to the fiscal year
        assert label_start(frequency, span.label, fiscal) == span.start


# -- status by date ----------------------------------------------------------------------------
Q1 = Period(start=D(2017, 1, 1), end=D(2017, 3, 31), label="2017-Q1")


@pytest.mark.parametrize(
    ("today", "grace_days", "status"),
    [
        (D(2016, 12, 31), 10, Period.Status.UPCOMING),
        (D(2017, 1, 1), 10, Period.Status.OPEN),
        (D(2017, 3, 31), 10, Period.Status.OPEN),
        (D(2017, 4, 1), 10, Period.Status.GRACE),
        (D(2017, 4, 10), 10, Period.Status.GRACE),
        (D(2017, 4, 11), 10, Period.Status.LOCKED),
        (D(2017, 4, 1), 0, Period.Status.LOCKED),
        (D(2017, 3, 31), 0, Period.Status.OPEN),
        (D(2017, 5, 30), 60, Period.Status.GRACE),
    ],
)
def test_it_is_open_until_its_end_then_in_grace_then_locked(
    today: D, grace_days: int, status: str
) -> None:
    assert Q1.status(grace_days, today=today) == status


def test_it_takes_data_in_an_unlocked_period_until_the_unlock_ends() -> None:
    now = timezone.now()
    period = Period(start=D(2017, 1, 1), end=D(2017, 3, 31), label="2017-Q1")
    period.unlocked_until = now + datetime.timedelta(hours=1)
    assert period.status(10, today=D(2017, 6, 1)) == Period.Status.UNLOCKED
    assert period.accepts_data(10)
    period.unlocked_until = now - datetime.timedelta(seconds=1)
    assert period.status(10, today=D(2017, 6, 1)) == Period.Status.LOCKED
    assert not period.accepts_data(10)


def test_it_ignores_an_unlock_while_a_period_is_open_or_in_grace() -> None:
    period = Period(start=D(2017, 1, 1), end=D(2017, 3, 31), label="2017-Q1")
    period.unlocked_until = timezone.now() + datetime.timedelta(days=1)
    assert period.status(10, today=D(2017, 2, 1)) == Period.Status.OPEN
    assert period.status(10, today=D(2017, 4, 5)) == Period.Status.GRACE


def test_it_measures_grace_from_the_last_day() -> None:
    assert Q1.grace_ends(10) == D(2017, 4, 10)
    assert Q1.grace_ends(0) == D(2017, 3, 31)


# -- periods of a plan -------------------------------------------------------------------------
def test_it_makes_the_plans_periods_of_a_new_indicators_frequency(cast: Cast, plan: Plan) -> None:
    make_indicator(cast, plan, frequency="quarterly")
    stored = Period.objects.filter(plan=plan).order_by("start")
    assert [(p.frequency, p.label, p.start, p.end) for p in stored] == [
        ("quarterly", "2017-Q1", D(2017, 1, 1), D(2017, 3, 31)),
        ("quarterly", "2017-Q2", D(2017, 4, 1), D(2017, 6, 30)),
        ("quarterly", "2017-Q3", D(2017, 7, 1), D(2017, 9, 30)),
        ("quarterly", "2017-Q4", D(2017, 10, 1), D(2017, 12, 31)),
    ]


def test_it_makes_each_period_once_whatever_the_number_of_indicators(
    cast: Cast, plan: Plan
) -> None:
    make_indicator(cast, plan, "1.a", frequency="monthly")
    make_indicator(cast, plan, "1.b", frequency="monthly")
    periods_ensure(plan=plan, frequency="monthly")
    assert Period.objects.filter(plan=plan, frequency="monthly").count() == 12
    assert Period.objects.filter(plan=plan).count() == 12


def test_it_makes_the_plans_periods_by_the_organisations_fiscal_year(cast: Cast) -> None:
    organisation(fiscal_year_start_month=7)
    plan = make_plan(cast, "Fiscal 2017", start_date=D(2017, 7, 1), end_date=D(2018, 6, 30))
    periods = periods_ensure(plan=plan, frequency="semiannual")
    assert [(p.label, p.start, p.end) for p in periods] == [
        ("2017-H1", D(2017, 7, 1), D(2017, 12, 31)),
        ("2017-H2", D(2018, 1, 1), D(2018, 6, 30)),
    ]


def test_it_makes_the_whole_plan_the_period_of_a_one_off_indicator(cast: Cast, plan: Plan) -> None:
    make_indicator(cast, plan, frequency="one_off")
    [period] = Period.objects.filter(plan=plan, frequency="one_off")
    assert (period.start, period.end) == (plan.start_date, plan.end_date)


def test_it_has_locked_the_cast_plans_periods_by_now(cast: Cast, plan: Plan) -> None:
    for period in periods_ensure(plan=plan, frequency="quarterly"):
        assert period.status(10) == Period.Status.LOCKED
        assert not period.accepts_data(10)
