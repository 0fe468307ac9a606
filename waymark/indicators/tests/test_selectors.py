"""Reads for indicators: who may enter, review and unlock; what a person owes; the figures per
period (only approved values, pooled percentages, flagged breakdowns, calculated indicators)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from waymark.core.testing import Cast
from waymark.indicators.aggregation import Value
from waymark.indicators.models import Dimension, Indicator, Period
from waymark.indicators.selectors import (
    awaiting_review_by,
    can_enter,
    can_review,
    can_unlock,
    data_owed_by,
    figures,
    indicators_visible_to,
    life_of_plan,
    percent_met,
)
from waymark.indicators.services import (
    dimension_save,
    indicator_delete,
    measurement_approve,
    measurement_return,
    measurement_save,
    measurement_submit,
    period_unlock,
    targets_set,
)
from waymark.indicators.tests.builders import (
    EVERYONE,
    approved,
    current_plan,
    grace_through_previous_quarter,
    make_indicator,
    next_period,
    open_period,
    organisation,
    previous_period,
)
from waymark.org.models import Person
from waymark.plans.models import Plan
from waymark.plans.services import plan_update

D = datetime.date


@pytest.fixture
def now_plan(cast: Cast) -> Plan:
    return current_plan(cast)


@pytest.fixture
def indicator(cast: Cast, now_plan: Plan) -> Indicator:
    return make_indicator(cast, now_plan, "1.a")


def draft(cast: Cast, indicator: Indicator, period: Period, value: Any = "3", **kw: Any) -> Any:
    unit = kw.pop("unit", cast.dept)
    by = kw.pop("by", cast.outsider if unit == cast.other else cast.contributor)
    return measurement_save(
        actor=by, indicator=indicator, period=period, unit=unit, data={"value": value, **kw}
    )


def owed(person: Person, **kw: Any) -> list[tuple[str, str, str, str]]:
    """(indicator code, period label, unit, period status) of what the person owes."""
    return [
        (d.indicator.code, d.period.label, d.unit.short_name, d.period_status)
        for d in data_owed_by(person, **kw)
    ]


# -- who may do what ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_contributors_of_the_reporting_unit_enter_and_not_viewers_or_outsiders(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    assert can_enter(cast.everyone[who], indicator, cast.dept) is (
        who in {"admin", "manager", "contributor"}
    )


def test_it_lets_a_data_owner_enter_whatever_their_role(cast: Cast, now_plan: Plan) -> None:
    indicator = make_indicator(cast, now_plan, data_owners=[cast.viewer, cast.outsider])
    assert can_enter(cast.viewer, indicator, cast.dept)
    assert can_enter(cast.outsider, indicator, cast.dept)


def test_it_lets_nobody_enter_for_a_unit_that_does_not_report(cast: Cast, now_plan: Plan) -> None:
    indicator = make_indicator(cast, now_plan, reporting_units=[cast.other])
    assert not can_enter(cast.admin, indicator, cast.dept)
    assert not can_enter(cast.contributor, indicator, cast.dept)
    assert can_enter(cast.outsider, indicator, cast.other)
    assert can_enter(cast.admin, indicator, cast.other)  # an admin of the root is above it


def test_it_lets_nobody_enter_a_calculated_indicator_or_anonymously(
    cast: Cast, now_plan: Plan, indicator: Indicator
) -> None:
    total = make_indicator(cast, now_plan, "1.s", calculation="sum", numerator_of=[indicator])
    assert not can_enter(cast.admin, total, cast.dept)
    assert not can_enter(AnonymousUser(), indicator, cast.dept)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_managers_review_a_submission(cast: Cast, indicator: Indicator, who: str) -> None:
    measurement = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "3"},
        submit=True,
    )
    assert can_review(cast.everyone[who], measurement) is (who in {"admin", "manager"})


def test_it_lets_no_manager_review_their_own_submission_unless_allowed(
    cast: Cast, indicator: Indicator
) -> None:
    own = measurement_save(
        actor=cast.manager,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "3"},
        submit=True,
    )
    assert not can_review(cast.manager, own)
    assert can_review(cast.admin, own)
    organisation(allow_self_approval=True)
    assert can_review(cast.manager, own)
    assert not can_review(cast.contributor, own)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_an_admin_of_the_plans_unit_unlock(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    assert can_unlock(cast.everyone[who], open_period(indicator)) is (who == "admin")


def test_it_queues_submissions_for_the_managers_who_may_review_them(
    cast: Cast, indicator: Indicator
) -> None:
    theirs = draft(cast, indicator, open_period(indicator))
    measurement_submit(actor=cast.contributor, measurement=theirs)
    second = make_indicator(cast, indicator.plan, "1.b")
    own = draft(cast, second, open_period(second), by=cast.manager)
    measurement_submit(actor=cast.manager, measurement=own)
    assert list(awaiting_review_by(cast.manager)) == [theirs]  # not their own
    assert list(awaiting_review_by(cast.admin)) == [theirs, own]
    assert list(awaiting_review_by(cast.contributor)) == []
    assert list(awaiting_review_by(cast.outsider)) == []


def test_it_shows_indicators_to_whoever_sees_their_plan(cast: Cast, indicator: Indicator) -> None:
    assert list(indicators_visible_to(cast.viewer)) == [indicator]
    assert list(indicators_visible_to(cast.outsider)) == []
    indicator_delete(actor=cast.admin, indicator=indicator)
    assert list(indicators_visible_to(cast.viewer)) == []


# -- what a person owes ------------------------------------------------------------------------
def test_it_lists_the_open_period_as_owed_by_a_contributor(
    cast: Cast, indicator: Indicator
) -> None:
    organisation(grace_days=0)
    assert owed(cast.contributor) == [("1.a", open_period(indicator).label, "GAD", "open")]
    [due] = data_owed_by(cast.contributor)
    assert (due.measurement, due.previous) == (None, None)
    assert due.key == f"{indicator.pk}-{open_period(indicator).pk}-{cast.dept.pk}"


def test_it_lists_periods_in_grace_as_owed_but_not_upcoming_ones(
    cast: Cast, indicator: Indicator
) -> None:
    grace_through_previous_quarter()
    assert owed(cast.contributor) == [
        ("1.a", previous_period(indicator).label, "GAD", "grace"),
        ("1.a", open_period(indicator).label, "GAD", "open"),
    ]
    assert next_period(indicator).label not in {d.period.label for d in data_owed_by(cast.admin)}


def test_it_dates_what_is_owed_by_the_day_given(cast: Cast, plan: Plan) -> None:
    make_indicator(cast, plan, "1.a")
    assert owed(cast.contributor, today=D(2017, 4, 5)) == [
        ("1.a", "2017-Q1", "GAD", "grace"),
        ("1.a", "2017-Q2", "GAD", "open"),
    ]
    assert owed(cast.contributor, today=D(2017, 4, 20)) == [("1.a", "2017-Q2", "GAD", "open")]
    assert owed(cast.contributor) == []  # 2017 is locked now


def test_it_lists_an_unlocked_period_as_owed_again(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(cast, plan, "1.a")
    q3 = Period.objects.get(plan=plan, frequency=indicator.frequency, label="2017-Q3")
    period_unlock(
        actor=cast.admin,
        period=q3,
        until=timezone.now() + datetime.timedelta(days=1),
        reason="Census correction",
    )
    assert owed(cast.contributor) == [("1.a", "2017-Q3", "GAD", "unlocked")]


def test_it_lists_a_draft_or_returned_value_as_owed_but_not_a_submitted_one(
    cast: Cast, now_plan: Plan
) -> None:
    organisation(grace_days=0)
    a, b, c = (make_indicator(cast, now_plan, code) for code in ("1.a", "1.b", "1.c"))
    period = open_period(a)
    kept = draft(cast, a, period)
    measurement_submit(actor=cast.contributor, measurement=draft(cast, b, period))
    sent_back = draft(cast, c, period)
    measurement_submit(actor=cast.contributor, measurement=sent_back)
    measurement_return(actor=cast.manager, measurement=sent_back, reason="Recount")
    dues = data_owed_by(cast.contributor)
    assert [(d.indicator.code, d.measurement) for d in dues] == [("1.a", kept), ("1.c", sent_back)]
    approved(cast, c, period, {"value": "4"})
    assert [d.indicator.code for d in data_owed_by(cast.contributor)] == ["1.a"]


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_it_lists_nothing_owed_by_viewers_and_outsiders(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    assert data_owed_by(cast.everyone[who]) == []
    assert data_owed_by(AnonymousUser()) == []


def test_it_lists_the_indicator_as_owed_by_its_data_owner_whatever_their_role(
    cast: Cast, now_plan: Plan
) -> None:
    organisation(grace_days=0)
    make_indicator(cast, now_plan, "1.a", data_owners=[cast.viewer])
    make_indicator(cast, now_plan, "1.b")
    assert [d.indicator.code for d in data_owed_by(cast.viewer)] == ["1.a"]


def test_it_lists_each_reporting_units_own_value_as_owed_by_its_contributors(
    cast: Cast, now_plan: Plan
) -> None:
    organisation(grace_days=0)
    make_indicator(cast, now_plan, "1.a", reporting_units=[cast.dept, cast.other])
    assert [d.unit for d in data_owed_by(cast.contributor)] == [cast.dept]
    assert [d.unit for d in data_owed_by(cast.outsider)] == [cast.other]
    assert [d.unit for d in data_owed_by(cast.admin)] == [cast.dept, cast.other]


def test_it_lists_no_calculated_indicator_and_no_archived_plan_as_owed(
    cast: Cast, now_plan: Plan, indicator: Indicator
) -> None:
    organisation(grace_days=0)
    make_indicator(cast, now_plan, "1.s", calculation="sum", numerator_of=[indicator])
    assert [d.indicator.code for d in data_owed_by(cast.contributor)] == ["1.a"]
    plan_update(actor=cast.admin, plan=now_plan, data={"state": Plan.State.ARCHIVED})
    assert data_owed_by(cast.contributor) == []


def test_it_lists_no_deleted_indicator_as_owed(cast: Cast, indicator: Indicator) -> None:
    indicator_delete(actor=cast.admin, indicator=indicator)
    assert data_owed_by(cast.contributor) == []


def test_it_attaches_the_previous_periods_value_to_what_is_owed(
    cast: Cast, indicator: Indicator
) -> None:
    grace_through_previous_quarter()
    before = approved(cast, indicator, previous_period(indicator), {"value": "17"})
    [due] = data_owed_by(cast.contributor)
    assert due.period == open_period(indicator)
    assert due.previous == before
    assert due.previous is not None and due.previous.value == Decimal(17)


def test_it_attaches_the_same_units_previous_value(cast: Cast, now_plan: Plan) -> None:
    grace_through_previous_quarter()
    indicator = make_indicator(cast, now_plan, "1.a", reporting_units=[cast.dept, cast.other])
    theirs = draft(cast, indicator, previous_period(indicator), unit=cast.other, value="9")
    ours = [d for d in data_owed_by(cast.admin) if d.period == open_period(indicator)]
    assert {d.unit: d.previous for d in ours} == {cast.dept: None, cast.other: theirs}


def owing_indicators(cast: Cast, plan: Plan, n: int, sex: Dimension) -> None:
    """n indicators the contributor owes, with units, owners, dimensions and last period's data."""
    for i in range(n):
        indicator = make_indicator(
            cast,
            plan,
            f"{i + 1}.a",
            reporting_units=[cast.dept, cast.other],
            data_owners=[cast.viewer],
            dimensions=[sex],
        )
        draft(cast, indicator, previous_period(indicator), value=str(i))
        draft(cast, indicator, open_period(indicator), value=str(i), unit=cast.other)


@pytest.mark.parametrize("n", [2, 10])
def test_it_finds_what_is_owed_in_the_same_queries_however_many_indicators(
    cast: Cast, now_plan: Plan, n: int, django_assert_num_queries: Any
) -> None:
    grace_through_previous_quarter()
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    owing_indicators(cast, now_plan, n, sex)
    person = Person.objects.get(pk=cast.contributor.pk)  # nothing cached on it
    # memberships, settings, indicators, their units, owners and dimensions, periods, values
    with django_assert_num_queries(8):
        dues = data_owed_by(person)
    assert len(dues) == 2 * n  # two periods, the dept's value; the other unit is the outsider's
    assert sum(d.previous is not None for d in dues) == n


# -- figures -----------------------------------------------------------------------------------
def cell(indicator: Indicator, period: Period) -> Any:
    return figures([indicator], [period])[indicator.pk][period.pk]


def test_it_pools_percentages_of_several_units_as_numerators_over_denominators(
    cast: Cast, now_plan: Plan
) -> None:
    share = make_indicator(
        cast, now_plan, "1.a", measure_type="percentage", reporting_units=[cast.dept, cast.other]
    )
    period = open_period(share)
    ours = approved(cast, share, period, {"value": "45", "denominator": "60"})
    theirs = approved(cast, share, period, {"value": "5", "denominator": "40"}, unit=cast.other)
    figures_ = cell(share, period)
    assert figures_.actual == Value(Decimal(50), Decimal(100))
    assert figures_.actual_amount == Decimal(50)  # not (75 + 12.5) / 2
    assert figures_.by_unit == {cast.dept.pk: ours, cast.other.pk: theirs}


def test_it_adds_numbers_of_several_units_and_brings_the_target(cast: Cast, now_plan: Plan) -> None:
    count = make_indicator(cast, now_plan, "1.a", reporting_units=[cast.dept, cast.other])
    period = open_period(count)
    targets_set(actor=cast.admin, indicator=count, targets={period: "20"})
    approved(cast, count, period, {"value": "1,250"})
    approved(cast, count, period, {"value": "750"}, unit=cast.other)
    figures_ = cell(count, period)
    assert (figures_.actual_amount, figures_.target) == (Decimal(2000), Decimal(20))


def test_it_averages_ordinal_levels_of_several_units(cast: Cast, now_plan: Plan) -> None:
    scale = make_indicator(
        cast,
        now_plan,
        "1.a",
        measure_type="ordinal",
        scale_levels=["Poor", "Fair", "Good"],
        reporting_units=[cast.dept, cast.other],
    )
    period = open_period(scale)
    approved(cast, scale, period, {"value": "Good"})
    approved(cast, scale, period, {"value": "Fair"}, unit=cast.other)
    assert cell(scale, period).actual_amount == Decimal("2.5")


def test_it_flags_a_breakdown_that_does_not_add_up(cast: Cast, now_plan: Plan) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    trained = make_indicator(
        cast, now_plan, "1.a", dimensions=[sex], reporting_units=[cast.dept, cast.other]
    )
    period = open_period(trained)
    approved(
        cast, trained, period, {"value": "21", "breakdown": {"Sex": {"Female": 12, "Male": 7}}}
    )
    approved(
        cast,
        trained,
        period,
        {"value": "10", "breakdown": {"Sex": {"Female": 6, "Male": 4}}},
        unit=cast.other,
    )
    figures_ = cell(trained, period)
    assert figures_.flags == [(cast.dept.pk, "Sex", Decimal(-2))]
    assert figures_.breakdown == {"Sex": {"Female": Value(Decimal(18)), "Male": Value(Decimal(11))}}
    assert figures_.actual_amount == Decimal(31)  # the totals stand as reported


def test_it_checks_a_percentages_breakdown_on_numerators_and_denominators(
    cast: Cast, now_plan: Plan
) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    share = make_indicator(cast, now_plan, "1.a", measure_type="percentage", dimensions=[sex])
    period = open_period(share)
    approved(
        cast,
        share,
        period,
        {
            "value": "10",
            "denominator": "20",
            "breakdown": {
                "Sex": {
                    "Female": {"value": "6", "denominator": "10"},
                    "Male": {"value": "4", "denominator": "9"},
                }
            },
        },
    )
    assert cell(share, period).flags == [(cast.dept.pk, "Sex", Decimal(0))]


def test_it_neither_shows_nor_flags_a_draft_breakdown(cast: Cast, now_plan: Plan) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    trained = make_indicator(cast, now_plan, "1.a", dimensions=[sex])
    period = open_period(trained)
    draft(cast, trained, period, value="21", breakdown={"Sex": {"Female": 1}})
    figures_ = cell(trained, period)
    assert (figures_.breakdown, figures_.flags, figures_.actual) == ({}, [], None)


@pytest.fixture
def trained_and_staff(cast: Cast, now_plan: Plan) -> tuple[Indicator, Indicator]:
    return make_indicator(cast, now_plan, "1.a"), make_indicator(cast, now_plan, "1.b")


def test_it_divides_the_approved_actuals_of_a_calculated_ratios_components(
    cast: Cast, now_plan: Plan, trained_and_staff: tuple[Indicator, Indicator]
) -> None:
    trained, staff = trained_and_staff
    share = make_indicator(
        cast, now_plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[staff]
    )
    period = open_period(share)
    approved(cast, trained, period, {"value": "30"})
    pending = draft(cast, staff, period, value="120")
    measurement_submit(actor=cast.contributor, measurement=pending)
    assert cell(share, period).actual is None  # the denominator is not approved yet
    measurement_approve(actor=cast.manager, measurement=pending)
    figures_ = cell(share, period)  # the components are loaded even when not asked for
    assert figures_.actual == Value(Decimal(30), Decimal(120))
    assert figures_.actual_amount == Decimal(25)


def test_it_gives_no_value_to_a_calculated_ratio_over_a_negative_denominator(
    cast: Cast, now_plan: Plan, trained_and_staff: tuple[Indicator, Indicator]
) -> None:
    trained, change = trained_and_staff  # numbers may be negative (a net change)
    ratio = make_indicator(
        cast, now_plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[change]
    )
    period = open_period(ratio)
    approved(cast, trained, period, {"value": "30"})
    approved(cast, change, period, {"value": "-5"})
    assert cell(ratio, period).actual is None
    assert cell(change, period).actual_amount == Decimal(-5)


def test_it_adds_a_calculated_sums_terms_and_needs_them_all(
    cast: Cast, now_plan: Plan, trained_and_staff: tuple[Indicator, Indicator]
) -> None:
    a, b = trained_and_staff
    total = make_indicator(cast, now_plan, "1.c", calculation="sum", numerator_of=[a, b])
    period = open_period(total)
    approved(cast, a, period, {"value": "3"})
    assert cell(total, period).actual is None
    approved(cast, b, period, {"value": "4"})
    assert cell(total, period).actual == Value(Decimal(7))
    together = figures([a, b, total], [period])
    assert [together[i.pk][period.pk].actual_amount for i in (a, b, total)] == [
        Decimal(3),
        Decimal(4),
        Decimal(7),
    ]


def test_it_gives_figures_for_each_indicators_own_periods(cast: Cast, now_plan: Plan) -> None:
    quarterly = make_indicator(cast, now_plan, "1.a")
    monthly = make_indicator(cast, now_plan, "1.b", frequency="monthly")
    periods = list(Period.objects.filter(plan=now_plan))
    result = figures([quarterly, monthly], periods)
    assert set(result[quarterly.pk]) == {
        p.pk for p in periods if p.frequency == Indicator.Frequency.QUARTERLY
    }
    assert len(result[monthly.pk]) == 36


# -- percent met -------------------------------------------------------------------------------
def kind(direction: str, low: str | None = None, high: str | None = None) -> Indicator:
    return Indicator(
        direction=direction,
        band_low=None if low is None else Decimal(low),
        band_high=None if high is None else Decimal(high),
    )


@pytest.mark.parametrize(
    ("indicator", "actual", "target", "met"),
    [
        (kind("increase"), "30", "40", "75"),
        (kind("increase"), "50", "40", "125"),
        (kind("increase"), "0", "40", "0"),
        (kind("increase"), "5", "0", "100"),
        (kind("increase"), None, "40", None),
        (kind("increase"), "5", None, None),
        (kind("decrease"), "20", "10", "50"),  # twice the target level: half met
        (kind("decrease"), "8", "10", "125"),
        (kind("decrease"), "0", "10", "100"),
        (kind("maintain", "90", "100"), "95", None, "100"),
        (kind("maintain", "90", "100"), "90", "1", "100"),
        (kind("maintain", "90", "100"), "100", None, "100"),
        (kind("maintain", "90", "100"), "89", None, "0"),
        (kind("maintain", "90", "100"), "101", None, "0"),
        (kind("maintain", None, "5"), "-3", None, "100"),
        (kind("maintain", "90"), "1000", None, "100"),
        (kind("maintain"), "95", None, None),
    ],
)
def test_it_says_how_much_of_the_target_is_met_by_direction(
    indicator: Indicator, actual: str | None, target: str | None, met: str | None
) -> None:
    as_decimal = lambda text: None if text is None else Decimal(text)  # noqa: E731
    assert percent_met(indicator, as_decimal(actual), as_decimal(target)) == as_decimal(met)


# -- life of plan ------------------------------------------------------------------------------
def test_it_sums_the_life_of_plan_or_takes_the_latest_running_total(
    cast: Cast, now_plan: Plan
) -> None:
    grace_through_previous_quarter()
    summed = make_indicator(cast, now_plan, "1.a", reporting_units=[cast.dept, cast.other])
    running = make_indicator(
        cast, now_plan, "1.b", cumulative=True, reporting_units=[cast.dept, cast.other]
    )
    before, now = previous_period(summed), open_period(summed)
    for indicator in (summed, running):
        approved(cast, indicator, before, {"value": "10"})
        approved(cast, indicator, before, {"value": "4"}, unit=cast.other)
        approved(cast, indicator, now, {"value": "15"})
    draft(cast, summed, now, value="100", unit=cast.other)  # not approved: not counted
    result = figures([summed, running], [before, now])
    assert life_of_plan(summed, result[summed.pk]) == Value(Decimal(29))
    # the latest running total of each unit: the dept's 15 now, the other's 4 last period
    assert life_of_plan(running, result[running.pk]) == Value(Decimal(19))


def test_it_builds_a_calculated_indicators_life_of_plan_from_its_period_actuals(
    cast: Cast, now_plan: Plan, trained_and_staff: tuple[Indicator, Indicator]
) -> None:
    grace_through_previous_quarter()
    trained, staff = trained_and_staff
    share = make_indicator(
        cast, now_plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[staff]
    )
    before, now = previous_period(share), open_period(share)
    for period, (n, d) in ((before, ("10", "40")), (now, ("20", "60"))):
        approved(cast, trained, period, {"value": n})
        approved(cast, staff, period, {"value": d})
    result = figures([share], [before, now])
    assert life_of_plan(share, result[share.pk]) == Value(Decimal(30), Decimal(100))
    assert life_of_plan(staff, figures([staff], [before, now])[staff.pk]) == Value(Decimal(100))


def test_it_has_no_life_of_plan_figure_without_approved_data(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(cast, plan)
    periods = list(Period.objects.filter(plan=plan))
    assert life_of_plan(indicator, figures([indicator], periods)[indicator.pk]) is None
