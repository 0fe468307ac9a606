"""Property tests of the aggregation rules (hypothesis): the figures any indicator page,
roll-up or report shows are built on these."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waymark.indicators.aggregation import (
    Aggregation,
    Observation,
    Value,
    check_breakdowns,
    over_time,
    per_period,
    roll_up,
    total,
)

amounts = st.integers(min_value=0, max_value=10**9).map(Decimal)
numbers = amounts.map(Value)


@st.composite
def ratios(draw: st.DrawFn) -> Value:
    denominator = draw(st.integers(min_value=1, max_value=10**6))
    numerator = draw(st.integers(min_value=0, max_value=denominator))
    return Value(Decimal(numerator), Decimal(denominator))


MONTH_ENDS = [datetime.date(2017, m, 28) for m in range(1, 13)]
reporters = st.sampled_from(["Choibalsan", "Khalkhgol", "Matad", "Dashbalbar"])


def observations(values: st.SearchStrategy[Value]) -> st.SearchStrategy[list[Observation]]:
    return st.lists(
        st.builds(
            Observation, reporter=reporters, period_end=st.sampled_from(MONTH_ENDS), value=values
        ),
        min_size=1,
        max_size=30,
    )


@given(st.lists(numbers, min_size=1, max_size=20))
def test_numbers_from_several_reporters_add_up(values: list[Value]) -> None:
    assert total(values) == Value(sum((v.numerator for v in values), Decimal(0)))


@given(st.lists(ratios(), min_size=1, max_size=20))
def test_percentages_pool_numerators_over_denominators(values: list[Value]) -> None:
    pooled = total(values)
    assert pooled is not None and pooled.denominator is not None
    assert pooled.numerator == sum(v.numerator for v in values)
    assert pooled.denominator == sum(v.denominator for v in values if v.denominator)
    # the pooled percentage lies between the smallest and largest of the parts ...
    amounts_ = [v.amount for v in values if v.amount is not None]
    assert pooled.amount is not None
    assert min(amounts_) <= pooled.amount <= max(amounts_)


def test_percentages_are_never_an_average_of_percentages() -> None:
    # Choibalsan trained 90 of 100 officials, Matad 1 of 10: 91 of 110, not (90% + 10%) / 2.
    pooled = total([Value(Decimal(90), Decimal(100)), Value(Decimal(1), Decimal(10))])
    assert pooled == Value(Decimal(91), Decimal(110))
    assert pooled.amount is not None and round(pooled.amount, 2) == Decimal("82.73")


def test_a_ratio_and_a_plain_number_do_not_mix() -> None:
    with pytest.raises(ValueError):
        total([Value(Decimal(1)), Value(Decimal(1), Decimal(2))])


@given(observations(numbers))
def test_sum_over_time_is_the_sum_of_the_periods(obs: list[Observation]) -> None:
    by_period = per_period(obs)
    assert over_time(obs, Aggregation.SUM) == total(by_period.values())


@st.composite
def running_totals(draw: st.DrawFn) -> list[Observation]:
    """Each reporter reports a non-decreasing running total, month after month."""
    result = []
    for reporter in draw(st.sets(reporters, min_size=1)):
        months = sorted(draw(st.sets(st.sampled_from(MONTH_ENDS), min_size=1, max_size=12)))
        running = Decimal(0)
        for month in months:
            running += draw(amounts)
            result.append(Observation(reporter, month, Value(running)))
    return result


@given(running_totals(), st.randoms(use_true_random=False))
def test_cumulative_indicators_take_the_latest_value_per_reporter(
    obs: list[Observation], random: Any
) -> None:
    random.shuffle(obs)  # data arrives in any order
    figure = over_time(obs, Aggregation.SUM, cumulative=True)
    last_of_each = {}
    for o in sorted(obs, key=lambda o: o.period_end):
        last_of_each[o.reporter] = o.value.numerator
    assert figure == Value(sum(last_of_each.values(), Decimal(0)))
    # summing running totals would count early months again and again
    assert figure is not None and figure.numerator <= sum(o.value.numerator for o in obs)


@given(
    st.dictionaries(
        st.tuples(reporters, st.sampled_from(MONTH_ENDS)), numbers, min_size=1, max_size=30
    ),
    st.randoms(use_true_random=False),
)
def test_latest_takes_each_reporters_most_recent_period(
    reported: dict[tuple[str, datetime.date], Value], random: Any
) -> None:
    obs = [Observation(r, end, v) for (r, end), v in reported.items()]
    random.shuffle(obs)
    newest = {r: max(end for (r2, end) in reported if r2 == r) for r, _ in reported}
    expected = sum((reported[(r, end)].numerator for r, end in newest.items()), Decimal(0))
    assert over_time(obs, Aggregation.LATEST) == Value(expected)


@given(observations(numbers))
def test_average_and_maximum_of_numbers_use_period_totals(obs: list[Observation]) -> None:
    periods = list(per_period(obs).values())
    average = over_time(obs, Aggregation.AVERAGE)
    assert average == Value(sum((p.numerator for p in periods), Decimal(0)) / len(periods))
    assert over_time(obs, Aggregation.MAXIMUM) == max(periods, key=lambda p: p.numerator)


@given(observations(ratios()))
def test_the_average_of_a_percentage_over_time_is_the_pooled_ratio(obs: list[Observation]) -> None:
    assert over_time(obs, Aggregation.AVERAGE) == total(o.value for o in obs)


def test_no_data_gives_no_figure() -> None:
    for aggregation in Aggregation:
        assert over_time([], aggregation) is None


unit_paths = st.lists(
    st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4).map(
        lambda ids: "/" + "/".join(str(i) for i in ids) + "/"
    ),
    min_size=1,
    max_size=15,
    unique=True,
)


@given(unit_paths, st.data())
@settings(max_examples=60)
def test_roll_up_gives_each_unit_its_own_value_plus_everything_below(
    paths: list[str], data: st.DataObject
) -> None:
    reported = {path: data.draw(ratios()) for path in paths}
    totals = roll_up(reported)
    for unit, figure in totals.items():
        below = [v for path, v in reported.items() if path.startswith(unit)]
        assert figure == total(below)
    roots = {"/" + p.strip("/").split("/")[0] + "/" for p in paths}
    assert total(totals[r] for r in roots) == total(reported.values())


@given(st.lists(numbers, min_size=1, max_size=6), st.integers(min_value=-5, max_value=5))
def test_a_breakdown_that_does_not_add_up_is_flagged_with_its_difference(
    parts: list[Value], offset: int
) -> None:
    reported_total = total(parts)
    assert reported_total is not None
    claimed = Value(reported_total.numerator + offset)
    (check,) = check_breakdowns(claimed, {"sex": {str(i): p for i, p in enumerate(parts)}})
    assert check.adds_up == (offset == 0)
    assert check.difference == -offset


def test_a_breakdown_of_a_percentage_adds_numerators_and_denominators() -> None:
    trained = Value(Decimal(30), Decimal(40))
    checks = check_breakdowns(
        trained,
        {
            "sex": {
                "women": Value(Decimal(18), Decimal(22)),
                "men": Value(Decimal(12), Decimal(18)),
            },
            "soum": {"Matad": Value(Decimal(10), Decimal(20))},
        },
    )
    assert [(c.dimension, c.adds_up) for c in checks] == [("sex", True), ("soum", False)]
