"""The indicator health rules and pace (hypothesis): ordered rules, first match wins; pace
against a straight line or steps. No database: the functions are pure."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from random import Random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from waymark.indicators.health import (
    AT_RISK,
    DEFAULT_RULES,
    HEALTHS,
    NOT_ASSESSED,
    OFF_TRACK,
    ON_TRACK,
    RULE_HEALTHS,
    Assessment,
    Rule,
    assess,
    assess_pace,
    dump_rules,
    expected_by,
    expected_by_steps,
    pace,
    parse_rules,
    resolve_rules,
)
from waymark.indicators.models import Indicator
from waymark.indicators.selectors import percent_met
from waymark.org.models import Health

D = Decimal
RANK = {OFF_TRACK: 0, AT_RISK: 1, ON_TRACK: 2}

# Figures near the default thresholds are where mistakes hide: draw many there.
near_thresholds = st.builds(
    lambda base, delta: base + delta,
    st.sampled_from([D(0), D(85), D(100)]),
    st.decimals(min_value=-1, max_value=1, places=3),
)
percents = st.one_of(
    near_thresholds,
    st.decimals(min_value=-500, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    """Any valid rule set: 1-4 rules, any healths, strictly falling thresholds."""
    thresholds = draw(
        st.lists(
            st.decimals(min_value=-100, max_value=300, places=2),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    thresholds.sort(reverse=True)
    healths = draw(
        st.lists(st.sampled_from(RULE_HEALTHS), min_size=len(thresholds), max_size=len(thresholds))
    )
    return [Rule(h, t) for h, t in zip(healths, thresholds, strict=True)]


def shown_figure(reason: str) -> Decimal:
    """The first number of a reason: the figure shown."""
    match = re.search(r"-?\d+(?:\.\d+)?", reason)
    assert match, reason
    return D(match.group())


def indicator(direction: str, **fields: object) -> Indicator:
    return Indicator(direction=direction, **fields)  # never saved


# -- rules: examples ---------------------------------------------------------------------------


def test_it_keeps_the_health_values_of_the_models() -> None:
    assert set(HEALTHS) == set(Health.values)


def test_it_is_on_track_exactly_at_100_percent() -> None:
    result = assess(DEFAULT_RULES, D(100))
    assert result == Assessment(
        ON_TRACK, "100% of target met; on track from 100%", DEFAULT_RULES[0]
    )


def test_it_is_at_risk_just_below_100_and_exactly_at_85() -> None:
    assert assess(DEFAULT_RULES, D("99.99")).health == AT_RISK
    result = assess(DEFAULT_RULES, D(85))
    assert result.health == AT_RISK
    assert result.reason == "85% of target met; at risk from 85%"
    assert result.rule == Rule(AT_RISK, D(85))


def test_it_is_off_track_just_below_85_and_says_below_what() -> None:
    result = assess(DEFAULT_RULES, D("84.99"))
    assert result.health == OFF_TRACK
    assert result.rule is None
    assert result.reason == "84.9% of target met; off track below 85%"


def test_it_never_rounds_a_figure_up_across_a_threshold() -> None:
    # 99.96 is at risk: it must not read "100% of target met; at risk".
    assert assess(DEFAULT_RULES, D("99.96")).reason == "99.9% of target met; at risk from 85%"


def test_it_gives_the_example_reason_of_the_brief() -> None:
    assert assess(DEFAULT_RULES, D(96)).reason == "96% of target met; at risk from 85%"


def test_it_is_not_assessed_without_an_approved_value() -> None:
    assert assess(DEFAULT_RULES, None) == Assessment(NOT_ASSESSED, "No approved value yet")


def test_it_mirrors_a_decrease_through_percent_met() -> None:
    # Maternal deaths: target down to 20. 25 reported meets 80% of it, 18 meets 111%.
    decrease = indicator(Indicator.Direction.DECREASE)
    assert assess(DEFAULT_RULES, percent_met(decrease, D(25), D(20))).health == OFF_TRACK
    assert assess(DEFAULT_RULES, percent_met(decrease, D(18), D(20))).health == ON_TRACK
    assert assess(DEFAULT_RULES, percent_met(decrease, D(20), D(20))).health == ON_TRACK
    # 23 meets 86.9%: at risk, like an increase that reached 87% of its target.
    assert assess(DEFAULT_RULES, percent_met(decrease, D(23), D(20))).health == AT_RISK


def test_it_is_on_track_inside_a_band_and_off_track_outside() -> None:
    band = indicator(Indicator.Direction.MAINTAIN, band_low=D(90), band_high=D(110))
    assert assess(DEFAULT_RULES, percent_met(band, D(90), None)).health == ON_TRACK
    assert assess(DEFAULT_RULES, percent_met(band, D(110), None)).health == ON_TRACK
    assert assess(DEFAULT_RULES, percent_met(band, D("89.9"), None)).health == OFF_TRACK
    assert assess(DEFAULT_RULES, percent_met(band, D(111), None)).health == OFF_TRACK


def test_it_lets_the_first_matching_rule_win() -> None:
    # Over-delivery is a risk here (budget spent): from 150% at risk, from 100% on track.
    rules = [Rule(AT_RISK, D(150)), Rule(ON_TRACK, D(100)), Rule(AT_RISK, D(85))]
    assert assess(rules, D(160)).health == AT_RISK
    assert assess(rules, D(160)).reason == "160% of target met; at risk from 150%"
    assert assess(rules, D(120)).health == ON_TRACK
    assert assess(rules, D(90)).rule == rules[2]
    assert assess(rules, D(50)).health == OFF_TRACK


def test_it_names_an_explicit_off_track_rule_by_the_threshold_above_it() -> None:
    rules = [Rule(ON_TRACK, D(100)), Rule(AT_RISK, D(85)), Rule(OFF_TRACK, D(50))]
    result = assess(rules, D(60))
    assert (result.health, result.rule) == (OFF_TRACK, rules[2])
    assert result.reason == "60% of target met; off track below 85%"
    assert assess(rules, D(10)).reason == "10% of target met; off track below 50%"


def test_it_shows_as_many_decimals_as_the_finest_threshold() -> None:
    rules = [Rule(ON_TRACK, D("97.25"))]
    assert assess(rules, D("97.249")).reason == "97.24% of target met; off track below 97.25%"


def test_it_parses_rules_from_json() -> None:
    raw = [{"health": "on_track", "at_least": "100"}, {"health": "at_risk", "at_least": 85.5}]
    assert parse_rules(raw) == [Rule(ON_TRACK, D(100)), Rule(AT_RISK, D("85.5"))]
    assert parse_rules([{"health": "off_track", "at_least": -10}]) == [Rule(OFF_TRACK, D(-10))]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([], "at least one"),
        ({"health": "on_track"}, "as a list"),
        (["on_track"], "Rule 1: give a health"),
        ([{"health": "green", "at_least": "100"}], "Rule 1: unknown health “green”"),
        ([{"health": "not_assessed", "at_least": "100"}], "unknown health “not_assessed”"),
        (
            [{"health": "on_track", "at_least": "lots"}],
            "Rule 1: the threshold “lots” is not a number",
        ),
        ([{"health": "on_track"}], "is not a number"),
        ([{"health": "on_track", "at_least": "NaN"}], "is not a number"),
        ([{"health": "on_track", "at_least": True}], "is not a number"),
        (
            [{"health": "at_risk", "at_least": "85"}, {"health": "on_track", "at_least": "100"}],
            "Rule 2: its threshold (100%) must be lower than the one before it (85%)",
        ),
        (
            [{"health": "on_track", "at_least": "85"}, {"health": "at_risk", "at_least": "85.0"}],
            "Rule 2: its threshold (85%)",
        ),
    ],
)
def test_it_refuses_bad_rules_naming_the_field(raw: object, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rules(raw)
    assert list(caught.value.message_dict) == ["health_rules"]
    assert any(words in message for message in caught.value.message_dict["health_rules"])


def test_it_lists_every_problem_at_once() -> None:
    raw = [{"health": "green", "at_least": "100"}, {"health": "at_risk", "at_least": "x"}]
    with pytest.raises(ValidationError) as caught:
        parse_rules(raw)
    assert len(caught.value.message_dict["health_rules"]) == 2


def test_it_uses_the_first_rule_set_given_else_the_default() -> None:
    own = [{"health": "on_track", "at_least": "90"}]
    org = [{"health": "on_track", "at_least": "110"}]
    assert resolve_rules(own, org) == [Rule(ON_TRACK, D(90))]
    assert resolve_rules([], org) == [Rule(ON_TRACK, D(110))]
    assert resolve_rules([], None) == DEFAULT_RULES


# -- rules: properties -------------------------------------------------------------------------


@given(percents)
def test_default_rules_follow_the_thresholds(value: Decimal) -> None:
    health = assess(DEFAULT_RULES, value).health
    expected = ON_TRACK if value >= 100 else AT_RISK if value >= 85 else OFF_TRACK
    assert health == expected


@given(rule_sets(), percents)
def test_the_first_rule_that_matches_wins(rules: list[Rule], value: Decimal) -> None:
    result = assess(rules, value)
    matching = [rule for rule in rules if value >= rule.at_least]
    if matching:
        assert result.rule == matching[0]
        assert result.health == matching[0].health
    else:
        assert result.rule is None
        assert result.health == OFF_TRACK
    assert result.health in HEALTHS


@given(percents, percents)
def test_a_better_figure_never_gives_a_worse_health(a: Decimal, b: Decimal) -> None:
    low, high = sorted([a, b])
    assert RANK[assess(DEFAULT_RULES, low).health] <= RANK[assess(DEFAULT_RULES, high).health]


@st.composite
def rules_and_a_figure_near_them(draw: st.DrawFn) -> tuple[list[Rule], Decimal]:
    rules = draw(rule_sets())
    near = draw(st.sampled_from(rules)).at_least
    delta = draw(st.decimals(min_value=D("-0.02"), max_value=D("0.02"), places=4))
    return rules, near + delta


@given(st.one_of(st.tuples(rule_sets(), percents), rules_and_a_figure_near_them()))
def test_the_figure_shown_compares_with_the_thresholds_as_the_figure_does(
    case: tuple[list[Rule], Decimal],
) -> None:
    rules, value = case
    shown = shown_figure(assess(rules, value).reason)
    for rule in rules:
        assert (shown >= rule.at_least) == (value >= rule.at_least)


@given(rule_sets())
def test_rules_survive_their_json_form(rules: list[Rule]) -> None:
    assert parse_rules(dump_rules(rules)) == rules


@given(rule_sets())
def test_rules_out_of_order_are_refused(rules: list[Rule]) -> None:
    assume(len(rules) >= 2)
    with pytest.raises(ValidationError) as caught:
        parse_rules(dump_rules(list(reversed(rules))))
    assert "health_rules" in caught.value.message_dict


# -- pace: examples ----------------------------------------------------------------------------

START, END = datetime.date(2017, 1, 1), datetime.date(2017, 12, 31)
MID = datetime.date(2017, 7, 2)  # 182 of 364 days


def test_it_expects_a_straight_line_from_baseline_to_target() -> None:
    assert expected_by(D(40), D(80), START, END, MID) == D(60)
    assert expected_by(D(40), D(80), START, END, START) == D(40)
    assert expected_by(D(40), D(80), START, END, END) == D(80)


def test_it_clamps_the_line_before_the_start_and_after_the_end() -> None:
    assert expected_by(D(40), D(80), START, END, datetime.date(2016, 6, 1)) == D(40)
    assert expected_by(D(40), D(80), START, END, datetime.date(2018, 6, 1)) == D(80)


def test_it_expects_the_target_on_a_one_day_plan_from_that_day() -> None:
    assert expected_by(D(0), D(10), START, START, START) == D(10)
    assert expected_by(D(0), D(10), START, START, START - datetime.timedelta(days=1)) == D(0)


def test_it_refuses_a_line_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError):
        expected_by(D(0), D(10), END, START, MID)


def test_it_is_on_track_when_the_actual_is_on_the_line() -> None:
    expected = expected_by(D(40), D(80), START, END, MID)
    result = assess_pace(pace(D(60), D(40), expected), by=MID)
    assert result.health == ON_TRACK
    assert result.reason == "Pace 100% of the progress expected by 2017-07-02; on track from 95%"


def test_it_reads_pace_for_a_decrease_without_special_cases() -> None:
    # Stunting from 30% down to 20%: halfway through the year 25% is expected; 26% is reported.
    expected = expected_by(D(30), D(20), START, END, MID)
    assert expected == D(25)
    assert pace(D(25), D(30), expected) == D(100)
    assert pace(D(26), D(30), expected) == D(80)
    assert pace(D(31), D(30), expected) == D(-20)  # went the wrong way


def test_it_gives_the_example_pace_reason_of_the_brief() -> None:
    result = assess_pace(D(91), by=datetime.date(2017, 9, 30))
    assert result == Assessment(
        AT_RISK,
        "Pace 91% of the progress expected by 2017-09-30; at risk from 85%",
        Rule(AT_RISK, D(85)),
    )


def test_it_puts_pace_in_bands_at_95_and_85() -> None:
    assert assess_pace(D(95)).health == ON_TRACK
    assert assess_pace(D("94.99")).health == AT_RISK
    assert assess_pace(D(85)).health == AT_RISK
    assert assess_pace(D("84.99")).health == OFF_TRACK
    assert (
        assess_pace(D("84.99")).reason == "Pace 84.9% of the progress expected; off track below 85%"
    )
    assert assess_pace(D(80), (90, 70)).health == AT_RISK


def test_it_does_not_assess_pace_before_any_progress_is_expected() -> None:
    expected = expected_by(D(40), D(80), START, END, START)
    assert pace(D(45), D(40), expected) is None
    assert assess_pace(None, by=START) == Assessment(
        NOT_ASSESSED, "No progress expected by 2017-01-01 yet"
    )
    assert assess_pace(None).health == NOT_ASSESSED


def test_it_expects_steps_at_the_milestones() -> None:
    steps = [(datetime.date(2017, 3, 31), D(10)), (datetime.date(2017, 9, 30), D(50))]
    assert expected_by_steps(D(0), steps, datetime.date(2017, 3, 30)) == D(0)
    assert expected_by_steps(D(0), steps, datetime.date(2017, 3, 31)) == D(10)
    assert expected_by_steps(D(0), steps, datetime.date(2017, 9, 29)) == D(10)
    assert expected_by_steps(D(0), steps, datetime.date(2017, 9, 30)) == D(50)
    assert expected_by_steps(D(0), steps, datetime.date(2018, 1, 1)) == D(50)
    assert expected_by_steps(D(0), [], datetime.date(2018, 1, 1)) == D(0)


# -- pace: properties --------------------------------------------------------------------------

amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2)
days = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2030, 12, 31))


@given(amounts, amounts, days, days, days)
def test_the_line_stays_between_baseline_and_target(
    baseline: Decimal, target: Decimal, a: datetime.date, b: datetime.date, today: datetime.date
) -> None:
    start, end = sorted([a, b])
    expected = expected_by(baseline, target, start, end, today)
    assert min(baseline, target) <= expected <= max(baseline, target)
    if today < start:
        assert expected == baseline
    if today >= end:
        assert expected == target


@given(amounts, amounts, days, days, days, days)
def test_the_line_never_turns_back(
    baseline: Decimal,
    target: Decimal,
    a: datetime.date,
    b: datetime.date,
    c: datetime.date,
    d: datetime.date,
) -> None:
    start, end = sorted([a, b])
    early, late = sorted([c, d])
    first = expected_by(baseline, target, start, end, early)
    second = expected_by(baseline, target, start, end, late)
    assert (first <= second) if target >= baseline else (first >= second)


@given(amounts, amounts, days, days, days)
def test_an_actual_on_the_line_is_on_pace(
    baseline: Decimal, target: Decimal, a: datetime.date, b: datetime.date, today: datetime.date
) -> None:
    start, end = sorted([a, b])
    expected = expected_by(baseline, target, start, end, today)
    assume(expected != baseline)
    assert pace(expected, baseline, expected) == 100
    assert assess_pace(pace(expected, baseline, expected)).health == ON_TRACK
    assert pace(baseline, baseline, expected) == 0


@given(amounts, amounts, amounts, st.decimals(min_value=1, max_value=1000, places=2))
def test_pace_does_not_depend_on_the_unit_or_the_direction(
    actual: Decimal, baseline: Decimal, expected: Decimal, scale: Decimal
) -> None:
    assume(expected != baseline)
    result = pace(actual, baseline, expected)
    assert result is not None
    # the same figures in another unit, or mirrored (a decrease), give the same pace
    scaled = pace(actual * scale, baseline * scale, expected * scale)
    mirrored = pace(-actual, -baseline, -expected)
    assert scaled is not None and mirrored is not None
    assert scaled == result
    assert mirrored == result


paces = st.one_of(
    st.builds(
        lambda base, delta: base + delta,
        st.sampled_from([D(85), D(95)]),
        st.decimals(min_value=-1, max_value=1, places=3),
    ),
    percents,
)


@given(paces)
def test_pace_bands_follow_the_thresholds(value: Decimal) -> None:
    result = assess_pace(value)
    expected = ON_TRACK if value >= 95 else AT_RISK if value >= 85 else OFF_TRACK
    assert result.health == expected
    assert (shown_figure(result.reason) >= 85) == (value >= 85)
    assert (shown_figure(result.reason) >= 95) == (value >= 95)


@given(amounts, st.lists(st.tuples(days, amounts), max_size=6), days, st.randoms())
def test_steps_give_the_last_step_reached_in_any_order(
    baseline: Decimal,
    steps: list[tuple[datetime.date, Decimal]],
    today: datetime.date,
    random: Random,
) -> None:
    steps = sorted(steps, key=lambda step: step[0])
    reached = [value for date, value in steps if date <= today]
    result = expected_by_steps(baseline, steps, today)
    assert result == (reached[-1] if reached else baseline)
    shuffled = list(steps)
    random.shuffle(shuffled)
    # steps on different dates may come in any order
    if len({date for date, _v in steps}) == len(steps):
        assert expected_by_steps(baseline, shuffled, today) == result
