"""Element roll-ups (hypothesis): health by average, weighted average or worst child, with
"not assessed" left out; percent complete with each child capped at 100. No database."""

from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from waymark.indicators.health import (
    AT_RISK,
    HEALTHS,
    NOT_ASSESSED,
    OFF_TRACK,
    ON_TRACK,
    Assessment,
)
from waymark.plans.models import Plan
from waymark.plans.rollup import (
    HEALTH_SCORE,
    METHODS,
    combine_health,
    combine_progress,
    milestone_progress,
)

D = Decimal
healths = st.sampled_from(HEALTHS)
assessed_healths = st.sampled_from([ON_TRACK, AT_RISK, OFF_TRACK])
weights = st.decimals(min_value=0, max_value=1000, places=2)
positive_weights = st.decimals(min_value=D("0.01"), max_value=1000, places=2)
methods = st.sampled_from(METHODS)
items = st.lists(st.tuples(healths, weights), max_size=12)
percents = st.one_of(
    st.integers(min_value=-50, max_value=250),
    st.decimals(min_value=-50, max_value=250, places=2),
)
progress_items = st.lists(st.tuples(percents, weights), max_size=12)


def one(health: str, weight: int | str = 1) -> tuple[str, Decimal]:
    return (health, D(weight))


# -- health: examples --------------------------------------------------------------------------


def test_it_knows_the_plans_methods() -> None:
    assert set(METHODS) == set(Plan.RollUp.values)


def test_it_averages_the_scores_and_counts_each_health() -> None:
    children = [one(ON_TRACK), one(ON_TRACK), one(AT_RISK), one(OFF_TRACK)]  # 5 / 4 = 1.25
    assert combine_health(children, "average") == Assessment(
        AT_RISK, "Average of 4: 2 on track, 1 at risk, 1 off track"
    )


def test_it_is_on_track_at_an_average_of_exactly_1_5_and_at_risk_at_0_75() -> None:
    assert combine_health([one(ON_TRACK), one(AT_RISK)], "average").health == ON_TRACK
    quarter = [one(AT_RISK), one(AT_RISK), one(AT_RISK), one(OFF_TRACK)]  # 3 / 4
    assert combine_health(quarter, "average").health == AT_RISK
    below = [one(AT_RISK), one(AT_RISK), one(OFF_TRACK), one(OFF_TRACK), one(ON_TRACK)]
    assert combine_health(below, "average").health == AT_RISK  # 4 / 5 = 0.8
    assert combine_health([one(AT_RISK), one(OFF_TRACK)], "average").health == OFF_TRACK  # 0.5


def test_it_leaves_not_assessed_out_and_says_so() -> None:
    children = [one(ON_TRACK), one(NOT_ASSESSED), one(NOT_ASSESSED)]
    result = combine_health(children, "average")
    assert result == Assessment(ON_TRACK, "Average of 1: 1 on track (left out: 2 not assessed)")
    assert combine_health([one(OFF_TRACK), one(NOT_ASSESSED)], "worst").health == OFF_TRACK


def test_it_is_not_assessed_with_nothing_assessed_beneath() -> None:
    for method in METHODS:
        assert combine_health([], method) == Assessment(
            NOT_ASSESSED, "Nothing beneath is assessed yet"
        )
        assert combine_health([one(NOT_ASSESSED)], method).health == NOT_ASSESSED


def test_it_takes_the_worst_child() -> None:
    children = [one(ON_TRACK), one(ON_TRACK), one(ON_TRACK), one(AT_RISK)]
    assert combine_health(children, "worst") == Assessment(
        AT_RISK, "Worst of 4: 3 on track, 1 at risk"
    )
    assert combine_health([*children, one(OFF_TRACK)], "worst").health == OFF_TRACK


def test_it_weighs_children() -> None:
    # a heavy child off track outweighs three light ones on track: (0 * 3 + 2 * 3) / 6 = 1
    children = [one(OFF_TRACK, 3), one(ON_TRACK), one(ON_TRACK), one(ON_TRACK)]
    assert combine_health(children, "average").health == ON_TRACK  # 6 / 4 = 1.5
    assert combine_health(children, "weighted") == Assessment(
        AT_RISK, "Weighted average of 4, score 1.00 of 2: 3 on track, 1 off track"
    )


def test_it_ignores_a_child_of_weight_zero() -> None:
    children = [one(ON_TRACK, 2), one(AT_RISK)]
    with_zero = [*children, one(OFF_TRACK, 0)]
    assert combine_health(with_zero, "weighted").health == ON_TRACK
    assert combine_health(with_zero, "weighted").reason == (
        "Weighted average of 2, score 1.67 of 2: 1 on track, 1 at risk (left out: 1 of weight 0)"
    )


def test_it_is_not_assessed_when_nothing_has_weight() -> None:
    result = combine_health([one(ON_TRACK, 0), one(NOT_ASSESSED, 3)], "weighted")
    assert result == Assessment(
        NOT_ASSESSED,
        "Nothing beneath with a weight above 0 is assessed "
        "(left out: 1 not assessed, 1 of weight 0)",
    )


@pytest.mark.parametrize(
    "bad",
    [
        ([one(ON_TRACK)], "median"),
        ([one("green")], "average"),
        ([one(ON_TRACK, -1)], "weighted"),
    ],
)
def test_it_refuses_what_it_cannot_combine(bad: tuple[list[tuple[str, Decimal]], str]) -> None:
    with pytest.raises(ValueError):
        combine_health(*bad)


# -- health: properties ------------------------------------------------------------------------


@given(items, methods)
def test_the_health_is_always_one_of_the_four(
    children: list[tuple[str, Decimal]], method: str
) -> None:
    result = combine_health(children, method)
    assert result.health in HEALTHS
    assert result.reason
    counted = [h for h, w in children if h != NOT_ASSESSED and (method != "weighted" or w > 0)]
    assert (result.health == NOT_ASSESSED) == (not counted)


@given(items, methods, st.integers(min_value=1, max_value=5), weights, st.randoms())
def test_not_assessed_changes_nothing(
    children: list[tuple[str, Decimal]], method: str, extra: int, weight: Decimal, random: Random
) -> None:
    more = [*children, *[(NOT_ASSESSED, weight)] * extra]
    random.shuffle(more)
    assert combine_health(more, method).health == combine_health(children, method).health


@given(items, methods, st.randoms())
def test_the_order_of_children_changes_nothing(
    children: list[tuple[str, Decimal]], method: str, random: Random
) -> None:
    shuffled = list(children)
    random.shuffle(shuffled)
    assert combine_health(shuffled, method) == combine_health(children, method)


@given(st.lists(st.tuples(assessed_healths, weights), min_size=1, max_size=12))
def test_the_worst_child_decides_worst(children: list[tuple[str, Decimal]]) -> None:
    worst = min((h for h, _w in children), key=HEALTH_SCORE.__getitem__)
    assert combine_health(children, "worst").health == worst


@given(st.lists(st.tuples(assessed_healths, positive_weights), min_size=1, max_size=12))
def test_no_average_is_worse_than_the_worst_child_or_better_than_the_best(
    children: list[tuple[str, Decimal]],
) -> None:
    scores = [HEALTH_SCORE[h] for h, _w in children]
    for method in ("average", "weighted"):
        score = HEALTH_SCORE[combine_health(children, method).health]
        assert min(scores) <= score <= max(scores)
    assert HEALTH_SCORE[combine_health(children, "worst").health] == min(scores)


@given(st.lists(assessed_healths, min_size=1, max_size=12))
def test_the_average_follows_the_bands(children: list[str]) -> None:
    on, risk = children.count(ON_TRACK), children.count(AT_RISK)
    total = 2 * on + risk  # the average is total / n; on track from 1.5, at risk from 0.75
    n = len(children)
    expected = ON_TRACK if 2 * total >= 3 * n else AT_RISK if 4 * total >= 3 * n else OFF_TRACK
    assert combine_health([one(h) for h in children], "average").health == expected


@given(st.lists(assessed_healths, min_size=1, max_size=12), positive_weights)
def test_equal_weights_give_the_plain_average(children: list[str], weight: Decimal) -> None:
    weighted = combine_health([(h, weight) for h in children], "weighted")
    assert weighted.health == combine_health([one(h) for h in children], "average").health


@given(
    st.lists(st.tuples(assessed_healths, positive_weights), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=3),
)
def test_a_child_counted_twice_weighs_as_double_weight(
    children: list[tuple[str, Decimal]], copies: int
) -> None:
    health, weight = children[0]
    repeated = children + [(health, weight)] * copies
    heavier = [(health, weight * (copies + 1)), *children[1:]]
    assert combine_health(repeated, "weighted").health == combine_health(heavier, "weighted").health


@given(items, assessed_healths, st.integers(min_value=1, max_value=3), st.randoms())
def test_a_child_of_weight_zero_changes_nothing(
    children: list[tuple[str, Decimal]], health: str, extra: int, random: Random
) -> None:
    more = [*children, *[(health, D(0))] * extra]
    random.shuffle(more)
    assert combine_health(more, "weighted").health == combine_health(children, "weighted").health


# -- progress: examples ------------------------------------------------------------------------


def test_it_caps_a_child_at_100() -> None:
    assert combine_progress([(150, D(1)), (50, D(1))], "average") == 75
    assert combine_progress([(D(150), D(1))], "weighted") == 100


def test_it_floors_a_child_at_0() -> None:
    assert combine_progress([(-40, D(1)), (60, D(1))], "average") == 30


def test_it_averages_progress_rounding_half_up() -> None:
    assert combine_progress([(0, D(1)), (1, D(1))], "average") == 1  # 0.5
    assert combine_progress([(0, D(1)), (0, D(1)), (1, D(1))], "average") == 0  # 0.33
    assert combine_progress([(100, D(1)), (0, D(1)), (0, D(1))], "average") == 33
    assert combine_progress([(100, D(1)), (100, D(1)), (0, D(1))], "average") == 67


def test_it_weighs_progress_only_when_weighted() -> None:
    children = [(100, D(3)), (0, D(1))]
    assert combine_progress(children, "weighted") == 75
    assert combine_progress(children, "average") == 50
    assert combine_progress(children, "worst") == 50


def test_it_gives_0_with_nothing_to_average() -> None:
    assert combine_progress([], "average") == 0
    assert combine_progress([], "weighted") == 0
    assert combine_progress([(80, D(0))], "weighted") == 0


def test_it_counts_milestones_done() -> None:
    assert milestone_progress(0, 0) == 0
    assert milestone_progress(1, 3) == 33
    assert milestone_progress(2, 3) == 67
    assert milestone_progress(1, 8) == 13  # 12.5
    assert milestone_progress(4, 4) == 100
    with pytest.raises(ValueError):
        milestone_progress(5, 4)


# -- progress: properties ----------------------------------------------------------------------


@given(progress_items, methods)
def test_progress_is_always_within_0_and_100(
    children: list[tuple[Decimal, Decimal]], method: str
) -> None:
    result = combine_progress(children, method)
    assert isinstance(result, int)
    assert 0 <= result <= 100


@given(progress_items, methods)
def test_a_child_past_100_counts_as_100(
    children: list[tuple[Decimal, Decimal]], method: str
) -> None:
    capped = [(D(100) if p > 100 else D(0) if p < 0 else D(p), w) for p, w in children]
    assert combine_progress(children, method) == combine_progress(capped, method)


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=12))
def test_the_plain_mean_of_capped_values_is_rounded_half_up(values: list[int]) -> None:
    result = combine_progress([(v, D(1)) for v in values], "average")
    exact = D(sum(values)) / len(values)
    assert abs(result - exact) <= D("0.5")
    assert result - exact != D("-0.5")  # halves go up
    assert min(values) <= result <= max(values)


@given(progress_items, percents, st.integers(min_value=1, max_value=3))
def test_a_child_of_weight_zero_changes_no_progress(
    children: list[tuple[Decimal, Decimal]], percent: Decimal, extra: int
) -> None:
    assume(any(w > 0 for _p, w in children))
    more = [*children, *[(percent, D(0))] * extra]
    assert combine_progress(more, "weighted") == combine_progress(children, "weighted")


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=12), positive_weights)
def test_equal_weights_give_the_plain_mean_of_progress(values: list[int], weight: Decimal) -> None:
    weighted = combine_progress([(v, weight) for v in values], "weighted")
    assert weighted == combine_progress([(v, D(1)) for v in values], "average")


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_milestone_progress_grows_with_each_milestone_done(a: int, b: int) -> None:
    done, total = sorted([a, b])
    result = milestone_progress(done, total)
    assert 0 <= result <= 100
    if total and done == total:
        assert result == 100
    if done == 0:
        assert result == 0
    if done < total:
        assert milestone_progress(done + 1, total) >= result
    assert abs(result * total - done * 100) * 2 <= total  # within half a percent
