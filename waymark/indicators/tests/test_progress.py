"""Indicator health kept by the services (indicators.progress) on the real database, and rolled
up through the elements it serves: approvals that meet or miss a target, returned values,
deleted indicators, the organisation's and an indicator's own rules, pace, overrides; and a
property that every element's stored health is the roll-up of what lies beneath it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waymark.core.testing import Cast, make_element, make_tree
from waymark.indicators.models import Indicator, Measurement, Period
from waymark.indicators.services import (
    indicator_delete,
    indicator_restore,
    indicator_update,
    measurement_return,
    targets_set,
)
from waymark.indicators.tests.builders import (
    approved,
    current_plan,
    grace_through_previous_quarter,
    make_indicator,
    open_period,
    previous_period,
)
from waymark.org.models import Health, Organisation
from waymark.org.services import organisation_update
from waymark.plans.models import Element, Plan
from waymark.plans.rollup import combine_health
from waymark.plans.services import element_update, plan_update

D = Decimal
ON, RISK, OFF, NONE = Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, Health.NOT_ASSESSED
Tree = tuple[Element, Element, Element]


@pytest.fixture
def now_plan(cast: Cast) -> Plan:
    """A plan running now (its open period takes data), averaging health."""
    return current_plan(cast)


@pytest.fixture
def now_tree(cast: Cast, now_plan: Plan) -> Tree:
    return make_tree(cast, now_plan)


def measure(
    cast: Cast, element: Element | None, code: str = "1.a", target: Any = "100", **data: Any
) -> Indicator:
    """An indicator of the element's plan serving the element, with a target for the open
    period (none when `target` is None)."""
    plan = element.plan if element else data.pop("plan")
    indicator = make_indicator(cast, plan, code, elements=[element] if element else [], **data)
    if target is not None:
        targets_set(actor=cast.admin, indicator=indicator, targets={open_period(indicator): target})
    return indicator


def approve(cast: Cast, indicator: Indicator, value: Any, period: Period | None = None) -> Any:
    """Enter, submit and approve the dept's value for the open period (or the one given)."""
    return approved(cast, indicator, period or open_period(indicator), {"value": value})


def state(obj: Indicator | Element) -> tuple[str, str]:
    """(health, reason) as stored now."""
    fresh = type(obj).all_objects.get(pk=obj.pk)
    return fresh.health, fresh.health_reason


def health(obj: Indicator | Element) -> str:
    return state(obj)[0]


def override(cast: Cast, element: Element, value: str, reason: str) -> Element:
    fresh = Element.objects.get(pk=element.pk)
    return element_update(
        actor=cast.admin,
        element=fresh,
        data={"health_override": value, "health_override_reason": reason},
    )


# -- an action's health from its indicators ----------------------------------------------------
def test_it_puts_an_action_on_track_when_an_approved_value_meets_its_target(
    cast: Cast, now_tree: Tree
) -> None:
    goal, objective, action = now_tree
    indicator = measure(cast, action, unit_of_measure="officials")
    assert state(indicator) == (NONE, "No approved value yet.")
    assert [health(e) for e in now_tree] == [NONE, NONE, NONE]
    approve(cast, indicator, "110")
    label = open_period(indicator).label
    assert state(indicator) == (ON, f"{label}: 110% of target met; on track from 100%")
    assert Indicator.objects.get(pk=indicator.pk).percent_met == D("110.00")
    assert state(action) == (ON, "Average of 1: 1 on track")
    assert state(objective) == (ON, "Average of 1: 1 on track")
    assert state(goal) == (ON, "Average of 1: 1 on track")


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        ("100", ON, "100% of target met; on track from 100%"),
        ("99.99", RISK, "99.9% of target met; at risk from 85%"),  # shown rounded down
        ("85", RISK, "85% of target met; at risk from 85%"),
        ("84.99", OFF, "84.9% of target met; off track below 85%"),
        ("0", OFF, "0% of target met; off track below 85%"),
    ],
)
def test_it_judges_the_approved_value_against_the_periods_target_by_the_default_rules(
    cast: Cast, now_tree: Tree, value: str, expected: str, why: str
) -> None:
    _goal, objective, action = now_tree
    indicator = measure(cast, action, target="200")
    approve(cast, indicator, str(D(value) * 2))
    assert state(indicator) == (expected, f"{open_period(indicator).label}: {why}")
    assert health(action) == health(objective) == expected


def test_it_falls_back_on_the_life_of_plan_target(cast: Cast, now_tree: Tree) -> None:
    action = now_tree[2]
    indicator = measure(cast, action, target=None, target_value="400")
    approve(cast, indicator, "360")
    assert state(indicator) == (
        RISK,
        f"{open_period(indicator).label}: 90% of target met; at risk from 85%",
    )
    targets_set(
        actor=cast.admin,
        indicator=indicator,
        targets={open_period(indicator): "300"},
        reason="The period's own target, agreed late",
    )
    assert state(indicator) == (
        ON,
        f"{open_period(indicator).label}: 120% of target met; on track from 100%",
    )
    assert health(action) == ON


def test_it_mirrors_a_decrease(cast: Cast, now_tree: Tree) -> None:
    action = now_tree[2]
    indicator = measure(cast, action, target="20", direction=Indicator.Direction.DECREASE)
    approve(cast, indicator, "25")  # 20 / 25
    assert state(indicator) == (
        OFF,
        f"{open_period(indicator).label}: 80% of target met; off track below 85%",
    )
    assert health(action) == OFF


def test_it_judges_the_latest_period_with_a_value(cast: Cast, now_tree: Tree) -> None:
    grace_through_previous_quarter()
    action = now_tree[2]
    indicator = measure(cast, action)
    earlier = previous_period(indicator)
    targets_set(actor=cast.admin, indicator=indicator, targets={earlier: "100"})
    approve(cast, indicator, "40", earlier)
    assert state(indicator) == (OFF, f"{earlier.label}: 40% of target met; off track below 85%")
    approve(cast, indicator, "100")
    assert state(indicator) == (
        ON,
        f"{open_period(indicator).label}: 100% of target met; on track from 100%",
    )
    assert health(action) == ON


def test_it_leaves_a_qualitative_indicator_not_assessed(cast: Cast, now_tree: Tree) -> None:
    action = now_tree[2]
    indicator = measure(cast, action, target=None, measure_type=Indicator.MeasureType.QUALITATIVE)
    approved(cast, indicator, open_period(indicator), {"text": "Citizens were pleased"})
    assert state(indicator) == (NONE, "Qualitative: read the reports.")
    assert state(action) == (NONE, "")


# -- roll-up -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "action_health", "action_reason"),
    [
        (Plan.RollUp.AVERAGE, RISK, "Average of 2: 1 on track, 1 off track"),
        (
            Plan.RollUp.WEIGHTED,
            RISK,
            "Weighted average of 2, score 1.00 of 2: 1 on track, 1 off track",
        ),
        (Plan.RollUp.WORST, OFF, "Worst of 2: 1 on track, 1 off track"),
    ],
)
def test_it_rolls_an_actions_indicators_up_by_the_plans_method(
    cast: Cast, method: str, action_health: str, action_reason: str
) -> None:
    plan = current_plan(cast, rollup_method=method)
    _goal, _objective, action = make_tree(cast, plan)
    approve(cast, measure(cast, action, "1.a"), "100")
    approve(cast, measure(cast, action, "1.b"), "10")
    assert state(action) == (action_health, action_reason)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (Plan.RollUp.AVERAGE, RISK),  # (2 + 0) / 2 = 1
        (Plan.RollUp.WEIGHTED, ON),  # (2*3 + 0*1) / 4 = 1.5
        (Plan.RollUp.WORST, OFF),
    ],
)
def test_it_rolls_the_childrens_health_up_to_the_parent_by_the_plans_method(
    cast: Cast, method: str, expected: str
) -> None:
    plan = current_plan(cast, rollup_method=method)
    goal, objective, action = make_tree(cast, plan)
    element_update(actor=cast.admin, element=action, data={"weight": "3"})
    other = make_element(cast, plan, "Publish the training plan", parent=objective)
    approve(cast, measure(cast, action, "1.a"), "120")
    approve(cast, measure(cast, other, "1.b"), "50")
    assert (health(action), health(other)) == (ON, OFF)
    assert health(objective) == expected
    assert health(goal) == expected


def test_it_leaves_what_is_not_assessed_out_of_the_roll_up(cast: Cast, now_tree: Tree) -> None:
    goal, objective, action = now_tree
    other = make_element(cast, action.plan, "Publish the training plan", parent=objective)
    approve(cast, measure(cast, action, "1.a"), "100")
    measure(cast, action, "1.b")  # no value yet
    measure(cast, other, "1.c")  # no value yet
    assert state(action) == (ON, "Average of 1: 1 on track (left out: 1 not assessed)")
    assert state(other) == (NONE, "")
    assert state(objective) == (ON, "Average of 1: 1 on track (left out: 1 not assessed)")
    assert state(goal) == (ON, "Average of 1: 1 on track")


def test_it_counts_an_override_in_the_parent_while_the_child_keeps_both(
    cast: Cast, now_tree: Tree, client_for: Callable[..., Any]
) -> None:
    _goal, objective, action = now_tree
    other = make_element(cast, action.plan, "Publish the training plan", parent=objective)
    indicator = measure(cast, action)
    approve(cast, indicator, "50")
    approve(cast, measure(cast, other, "1.b"), "100")
    assert (health(action), health(objective)) == (OFF, RISK)
    override(cast, action, ON, "The trainers start next week; the numbers will follow")
    assert state(objective) == (ON, "Average of 2: 2 on track")
    action = Element.objects.get(pk=action.pk)
    assert (action.health, action.health_override, action.effective_health) == (OFF, ON, ON)
    assert action.health_reason == "Average of 1: 1 off track"
    page = client_for("viewer").get(f"/elements/{action.pk}/").content.decode()
    assert 'class="health health-on_track"' in page  # shown: the override, marked manual
    assert "(manual)" in page
    assert "Computed: Off track" in page  # and the computed health beside it
    assert "The trainers start next week; the numbers will follow" in page
    assert "Average of 1: 1 off track" in page
    # New data moves the computed health; the override stands until a person clears it.
    measurement = Measurement.objects.get(indicator=indicator)
    measurement_return(actor=cast.admin, measurement=measurement, reason="Wrong count")
    approve(cast, indicator, "90")
    action = Element.objects.get(pk=action.pk)
    assert (action.health, action.effective_health) == (RISK, ON)
    override(cast, action, "", "")
    assert state(objective) == (ON, "Average of 2: 1 on track, 1 at risk")


def test_it_assesses_again_when_an_approved_value_is_returned(cast: Cast, now_tree: Tree) -> None:
    goal, _objective, action = now_tree
    indicator = measure(cast, action)
    measurement = approve(cast, indicator, "120")
    assert health(goal) == ON
    measurement_return(
        actor=cast.admin, measurement=measurement, reason="The count includes 2016 trainees"
    )
    assert state(indicator) == (NONE, "No approved value yet.")
    assert Indicator.objects.get(pk=indicator.pk).percent_met is None
    assert [state(e) for e in now_tree] == [(NONE, ""), (NONE, ""), (NONE, "")]
    approve(cast, indicator, "70")  # corrected and approved again
    assert state(indicator)[0] == OFF
    assert health(goal) == OFF


def test_it_rolls_up_again_when_an_indicator_is_deleted_or_restored(
    cast: Cast, now_tree: Tree
) -> None:
    goal, _objective, action = now_tree
    approve(cast, measure(cast, action, "1.a"), "100")
    missed = measure(cast, action, "1.b")
    approve(cast, missed, "10")
    assert (health(action), health(goal)) == (RISK, RISK)
    indicator_delete(actor=cast.admin, indicator=missed)
    assert state(action) == (ON, "Average of 1: 1 on track")
    assert health(goal) == ON
    indicator_restore(actor=cast.admin, indicator=Indicator.all_objects.get(pk=missed.pk))
    assert (health(action), health(goal)) == (RISK, RISK)


def test_it_follows_an_indicator_to_the_elements_it_serves(cast: Cast, now_tree: Tree) -> None:
    goal, objective, action = now_tree
    indicator = measure(cast, action)
    approve(cast, indicator, "50")
    other = make_element(cast, action.plan, "Open government", parent=goal)
    assert (health(action), health(other)) == (OFF, NONE)
    indicator_update(
        actor=cast.admin,
        indicator=Indicator.objects.get(pk=indicator.pk),
        data={"elements": [other]},
    )
    assert (health(action), health(objective), health(other), health(goal)) == (
        NONE,
        NONE,
        OFF,
        OFF,
    )


def test_it_assesses_a_calculated_indicator_when_its_components_change(
    cast: Cast, now_tree: Tree
) -> None:
    action = now_tree[2]
    plan = action.plan
    trained = measure(cast, None, "1.a", target=None, plan=plan)
    also = measure(cast, None, "1.b", target=None, plan=plan)
    total = measure(
        cast, action, "1.c", target="100", calculation="sum", numerator_of=[trained, also]
    )
    approve(cast, trained, "60")
    approve(cast, also, "50")
    assert state(total) == (
        ON,
        f"{open_period(total).label}: 110% of target met; on track from 100%",
    )
    assert health(action) == ON


# -- rules: the indicator's, the organisation's, the defaults ----------------------------------
STRICT = [{"health": "on_track", "at_least": "120"}, {"health": "at_risk", "at_least": "100"}]


def test_it_assesses_every_indicator_again_when_the_organisations_rules_change(
    cast: Cast, now_tree: Tree
) -> None:
    goal, _objective, action = now_tree
    indicator = measure(cast, action)
    approve(cast, indicator, "110")
    label = open_period(indicator).label
    assert (health(indicator), health(goal)) == (ON, ON)
    organisation_update(actor=cast.admin, data={"health_rules": STRICT})
    assert Organisation.get().health_rules == STRICT
    assert state(indicator) == (RISK, f"{label}: 110% of target met; at risk from 100%")
    assert (health(action), health(goal)) == (RISK, RISK)
    organisation_update(actor=cast.admin, data={"health_rules": []})  # back to the defaults
    assert state(indicator) == (ON, f"{label}: 110% of target met; on track from 100%")
    assert health(goal) == ON


def test_it_puts_an_indicators_own_rules_before_the_organisations(
    cast: Cast, now_tree: Tree
) -> None:
    action = now_tree[2]
    own = [{"health": "on_track", "at_least": "105"}, {"health": "at_risk", "at_least": "50"}]
    indicator = measure(cast, action, health_rules=own)
    other = measure(cast, action, "1.b")
    approve(cast, indicator, "110")
    approve(cast, other, "110")
    organisation_update(actor=cast.admin, data={"health_rules": STRICT})
    assert (health(indicator), health(other)) == (ON, RISK)
    assert health(action) == ON  # average score 1.5
    indicator_update(
        actor=cast.admin,
        indicator=Indicator.objects.get(pk=indicator.pk),
        data={"health_rules": []},
    )
    assert (health(indicator), health(action)) == (RISK, RISK)  # now on the organisation's


# -- pace --------------------------------------------------------------------------------------
def on_the_line(plan: Plan, period: Period, baseline: Decimal, target: Decimal) -> Decimal:
    """The value due at the period's end, on a straight line over the plan's dates."""
    elapsed = D((period.end - plan.start_date).days)
    length = D((plan.end_date - plan.start_date).days)
    return baseline + (target - baseline) * elapsed / length


def up(value: Decimal) -> Decimal:
    return value.quantize(D("0.0001"), rounding=ROUND_CEILING)


@pytest.mark.parametrize(
    ("share", "expected", "why"),
    [
        (D("1.5"), ON, "Pace 150% of the progress expected by {end}; on track from 95%"),
        (D(1), ON, "Pace 100% of the progress expected by {end}; on track from 95%"),
        (D("0.95"), ON, "Pace 95% of the progress expected by {end}; on track from 95%"),
        (D("0.9"), RISK, "Pace 90% of the progress expected by {end}; at risk from 85%"),
        (D("0.5"), OFF, "Pace 50% of the progress expected by {end}; off track below 85%"),
    ],
)
def test_it_judges_pace_against_the_straight_line_over_the_plans_dates(
    cast: Cast, now_tree: Tree, share: Decimal, expected: str, why: str
) -> None:
    action = now_tree[2]
    indicator = measure(
        cast,
        action,
        target=None,
        health_basis=Indicator.HealthBasis.PACE,
        baseline_value="200",
        target_value="1200",
    )
    period = open_period(indicator)
    due = on_the_line(action.plan, period, D(200), D(1200))
    approve(cast, indicator, up(D(200) + (due - 200) * share))
    reason = f"{period.label}: " + why.format(end=period.end.isoformat())
    assert state(indicator) == (expected, reason)
    assert Indicator.objects.get(pk=indicator.pk).percent_met is None
    assert health(action) == expected


def test_it_judges_pace_of_a_decrease_to_zero(cast: Cast, now_tree: Tree) -> None:
    """Fewer cases each period, down to none by the plan's end: on the line is on track."""
    action = now_tree[2]
    indicator = measure(
        cast,
        action,
        target=None,
        direction=Indicator.Direction.DECREASE,
        health_basis=Indicator.HealthBasis.PACE,
        baseline_value="40",
        target_value="0",
    )
    period = open_period(indicator)
    due = on_the_line(action.plan, period, D(40), D(0))
    approve(cast, indicator, due.quantize(D("0.0001"), rounding=ROUND_FLOOR))
    health_now, reason = state(indicator)
    assert reason.startswith(f"{period.label}: Pace 100% of the progress expected by ")
    assert health_now == ON


def test_it_assesses_pace_again_when_the_plans_dates_change(cast: Cast, now_tree: Tree) -> None:
    action = now_tree[2]
    plan = action.plan
    indicator = measure(
        cast,
        action,
        target=None,
        health_basis=Indicator.HealthBasis.PACE,
        baseline_value="0",
        target_value="1000",
    )
    period = open_period(indicator)
    approve(cast, indicator, up(on_the_line(plan, period, D(0), D(1000))))
    assert health(indicator) == ON
    # The plan now ends where the open period does: the whole target was due by then.
    plan_update(actor=cast.admin, plan=Plan.objects.get(pk=plan.pk), data={"end_date": period.end})
    assert health(indicator) == OFF


# -- the property ------------------------------------------------------------------------------
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, 3), st.integers(0, 150)),
        st.tuples(st.just("return"), st.integers(0, 3)),
        st.tuples(st.just("override"), st.integers(0, 6), st.sampled_from(["", ON, RISK, OFF])),
    ),
    min_size=1,
    max_size=8,
)


def expected_health(value: int) -> str:
    return ON if value >= 100 else RISK if value >= 85 else OFF


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(Plan.RollUp.values),
    weights=st.lists(st.sampled_from(["0", "1", "2.5"]), min_size=7, max_size=7),
    links=st.lists(st.integers(0, 6), min_size=4, max_size=4),
    steps=STEPS,
)
def test_it_keeps_every_elements_health_the_roll_up_of_what_lies_beneath(
    cast: Cast, method: str, weights: list[str], links: list[int], steps: list[tuple[Any, ...]]
) -> None:
    plan = current_plan(cast, "Property", rollup_method=method)
    # 1 > (1.1 > 1.1.1, 1.1.2) and (1.2 > 1.2.1, 1.2.2): seven elements, four indicators.
    goal = make_element(cast, plan, "Goal", weight=weights[0])
    elements = [goal]
    for o in range(2):
        objective = make_element(cast, plan, f"Objective {o}", parent=goal, weight=weights[1 + o])
        elements.append(objective)
        for a in range(2):
            elements.append(
                make_element(
                    cast, plan, f"Action {o}.{a}", parent=objective, weight=weights[3 + 2 * o + a]
                )
            )
    indicators = [
        make_indicator(cast, plan, f"i{n}", target_value="100", elements=[elements[link]])
        for n, link in enumerate(links)
    ]
    values: dict[int, int] = {}
    approvals: dict[int, Measurement] = {}
    for step in steps:
        if step[0] == "approve":
            _kind, n, value = step
            if n in approvals:
                measurement_return(actor=cast.admin, measurement=approvals.pop(n), reason="Redo")
            approvals[n] = approve(cast, indicators[n], str(value))
            values[n] = value
        elif step[0] == "return" and step[1] in approvals:
            measurement_return(actor=cast.admin, measurement=approvals.pop(step[1]), reason="No")
            values.pop(step[1])
        elif step[0] == "override":
            _kind, e, value = step
            override(cast, elements[e], value, "Judged at the review" if value else "")

    stored = {i.pk: i for i in Indicator.objects.filter(plan=plan)}
    for n, indicator in enumerate(indicators):
        assert stored[indicator.pk].health == (expected_health(values[n]) if n in values else NONE)
    live = {e.pk: e for e in Element.objects.filter(plan=plan)}
    for element in live.values():
        items: list[tuple[str, Decimal]] = [
            (child.effective_health, child.weight)
            for child in live.values()
            if child.parent_id == element.pk
        ]
        items += [
            (stored[i.pk].health, D(1))
            for i in indicators
            if i.elements.filter(pk=element.pk).exists()
        ]
        assessment = combine_health(items, method)
        assert element.health == assessment.health, (element.title, items)
        assert element.health_reason == ("" if assessment.health == NONE else assessment.reason), (
            element.title
        )


def test_it_judges_pace_in_steps_at_the_milestones_of_its_elements(
    cast: Cast, now_tree: Tree
) -> None:
    from waymark.plans.services import milestone_create

    action = now_tree[2]
    indicator = measure(
        cast,
        action,
        target=None,
        health_basis=Indicator.HealthBasis.PACE_MILESTONES,
        baseline_value="0",
        target_value="100",
    )
    period = open_period(indicator)
    # Two milestones passed before the period ends, two to come: 50 is expected by then.
    for days in (-400, -30, 400, 500):
        milestone_create(
            actor=cast.admin,
            element=action,
            data={"title": f"Step {days}", "due_date": period.end + datetime.timedelta(days=days)},
        )
    approve(cast, indicator, "45")  # 90% of the expected 50
    assert health(indicator) == "at_risk"
    assert "Pace 90%" in state(indicator)[1]


def test_moving_a_milestone_re_assesses_an_indicator_paced_by_milestones(
    cast: Cast, now_tree: Tree
) -> None:
    from waymark.plans.services import milestone_create, milestone_update

    action = now_tree[2]
    indicator = measure(
        cast,
        action,
        target=None,
        health_basis=Indicator.HealthBasis.PACE_MILESTONES,
        baseline_value="0",
        target_value="100",
    )
    period = open_period(indicator)
    for days in (-400, -30, 400):
        milestone_create(
            actor=cast.admin,
            element=action,
            data={"title": f"Step {days}", "due_date": period.end + datetime.timedelta(days=days)},
        )
    last = milestone_create(
        actor=cast.admin,
        element=action,
        data={"title": "Step 500", "due_date": period.end + datetime.timedelta(days=500)},
    )
    approve(cast, indicator, "45")  # 90% of the 50 expected by the period's end
    assert health(indicator) == "at_risk"
    milestone_update(
        actor=cast.admin,
        milestone=last,
        data={"due_date": period.end - datetime.timedelta(days=10)},
    )  # now 75 is expected: 45 is 60% of it
    assert health(indicator) == "off_track"


def test_a_cancelled_child_counts_in_neither_health_nor_progress(
    cast: Cast, now_tree: Tree
) -> None:
    goal, objective, action = now_tree
    other = make_element(cast, goal.plan, "Second action", parent=objective)
    override(cast, action, "on_track", "Going well")
    override(cast, other, "off_track", "Stopped")
    element_update(
        actor=cast.admin,
        element=Element.objects.get(pk=other.pk),
        data={"state": Element.State.CANCELLED},
    )
    assert health(objective) == ON
