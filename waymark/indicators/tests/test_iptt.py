"""The Indicator Performance Tracking Table: figures per period, roll-up of finer indicators
into coarser columns, filters, visibility and a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from waymark.core.permissions import get_access
from waymark.core.testing import Cast, make_person
from waymark.indicators.iptt import Iptt, IpttRow, iptt
from waymark.indicators.models import Indicator
from waymark.indicators.tests.scenarios import (
    D,
    Scenario,
    approved,
    last_year_plan,
    make_indicator,
    periods_of,
    set_targets,
)
from waymark.plans.models import Plan


@pytest.fixture
def scenario(cast: Cast) -> Scenario:
    return last_year_plan(cast)


def row(table: Iptt, code: str) -> IpttRow:
    (found,) = [r for r in table.rows if r.code == code]
    return found


def figures(table: Iptt, code: str) -> dict[str, tuple[Any, Any, Any]]:
    """{column label: (target, actual, % met)} of one row, rounded to two places."""

    def r(x: Decimal | None) -> Decimal | None:
        return None if x is None else round(x, 2)

    return {
        cell.column.label: (r(cell.target), r(cell.actual_amount), r(cell.percent_met))
        for cell in row(table, code).cells
    }


def test_it_shows_baseline_target_actual_and_percent_met_per_quarter(
    cast: Cast, scenario: Scenario
) -> None:
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="quarterly")
    y = scenario.year
    assert [c.label for c in table.columns] == [f"{y}-Q1", f"{y}-Q2", f"{y}-Q3", f"{y}-Q4"]
    assert [r.code for r in table.rows] == ["1.a", "1.b", "1.c", "2.a"]

    share = row(table, "1.b")
    assert share.title.startswith("Сургалтад")
    assert share.element_codes == ["1.1"]
    assert share.unit_of_measure == "%"
    assert share.baseline == Decimal(40)
    assert share.is_ratio
    # Q1 pools both units: (12 + 3) / (20 + 10) = 50% of a 75% target; never (60 + 30) / 2.
    assert figures(table, "1.b") == {
        f"{y}-Q1": (Decimal(75), Decimal(50), Decimal("66.67")),
        f"{y}-Q2": (Decimal(80), Decimal(90), Decimal("112.50")),
        f"{y}-Q3": (None, None, None),
        f"{y}-Q4": (None, None, None),
    }
    assert share.life_target == Decimal(80)
    assert round(share.life_actual_amount or 0, 2) == Decimal(66)  # 33 / 50
    assert round(share.life_percent_met or 0, 2) == Decimal("82.50")


def test_it_rolls_monthly_indicators_into_quarterly_columns(cast: Cast, scenario: Scenario) -> None:
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="quarterly")
    y = scenario.year
    # A sum adds the months' approved values and targets; May's submitted 50 does not count.
    assert figures(table, "1.a") == {
        f"{y}-Q1": (Decimal(30), Decimal(30), Decimal(100)),
        f"{y}-Q2": (Decimal(30), Decimal(6), Decimal(20)),
        f"{y}-Q3": (None, None, None),
        f"{y}-Q4": (None, None, None),
    }
    open_door = row(table, "1.a")
    assert [p.label for p in open_door.cells[0].periods] == [f"{y}-01", f"{y}-02", f"{y}-03"]
    assert (open_door.baseline, open_door.life_target) == (Decimal(5), Decimal(120))
    assert open_door.life_actual_amount == Decimal(36)
    assert open_door.life_percent_met == Decimal(30)
    assert open_door.element_codes == ["1.1.1"]
    # A running total takes its latest value and target, not their sum.
    assert figures(table, "1.c")[f"{y}-Q1"] == (Decimal(15), Decimal(14), Decimal("93.33"))
    assert row(table, "1.c").life_actual_amount == Decimal(14)
    # An annual indicator shows in the quarter holding its period's end.
    assert figures(table, "2.a") == {
        f"{y}-Q1": (None, None, None),
        f"{y}-Q2": (None, None, None),
        f"{y}-Q3": (None, None, None),
        f"{y}-Q4": (Decimal(3), Decimal(2), Decimal("66.67")),
    }


def test_it_defaults_to_the_most_common_frequency(cast: Cast, scenario: Scenario) -> None:
    table = iptt(person=cast.viewer, plan=scenario.plan)
    y = scenario.year
    assert table.frequency == "monthly"  # two monthly rows, one quarterly, one annual
    assert table.frequencies == ["annual", "quarterly", "monthly"]
    assert len(table.columns) == 12
    assert figures(table, "1.a")[f"{y}-01"] == (Decimal(10), Decimal(8), Decimal(80))
    # Coarser indicators show in the month holding their period's end.
    share = figures(table, "1.b")
    assert share[f"{y}-03"] == (Decimal(75), Decimal(50), Decimal("66.67"))
    assert share[f"{y}-01"] == share[f"{y}-02"] == (None, None, None)
    assert figures(table, "2.a")[f"{y}-12"] == (Decimal(3), Decimal(2), Decimal("66.67"))


def test_it_combines_a_year_into_one_column(cast: Cast, scenario: Scenario) -> None:
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="annual")
    y = scenario.year
    assert [c.label for c in table.columns] == [str(y)]
    assert figures(table, "1.a") == {str(y): (Decimal(60), Decimal(36), Decimal(60))}
    # The year's percentage pools every quarter and unit: 33 / 50; its targets average.
    assert figures(table, "1.b") == {str(y): (Decimal("77.50"), Decimal(66), Decimal("85.16"))}


def test_it_filters_by_unit_subtree(cast: Cast, scenario: Scenario) -> None:
    plan = scenario.plan
    # Finance reports 1.b (with the department) and 2.a.
    assert [r.code for r in iptt(person=cast.admin, plan=plan, unit=cast.other).rows] == [
        "1.b",
        "2.a",
    ]
    # The department: its elements (1.a), its reports (1.b) and the owner's own (1.c).
    assert [r.code for r in iptt(person=cast.admin, plan=plan, unit=cast.dept).rows] == [
        "1.a",
        "1.b",
        "1.c",
    ]
    assert len(iptt(person=cast.admin, plan=plan, unit=cast.root).rows) == 4


def test_it_filters_by_element_and_its_descendants(cast: Cast, scenario: Scenario) -> None:
    def codes(element: Any) -> list[str]:
        return [r.code for r in iptt(person=cast.viewer, plan=scenario.plan, element=element).rows]

    assert codes(scenario.goal) == ["1.a", "1.b", "1.c"]
    assert codes(scenario.objective) == ["1.a", "1.b"]
    assert codes(scenario.action) == ["1.a"]
    assert codes(scenario.finance_goal) == ["2.a"]


def test_it_limits_columns_to_the_period_range_but_not_the_life_of_plan(
    cast: Cast, scenario: Scenario
) -> None:
    y = scenario.year
    table = iptt(
        person=cast.viewer,
        plan=scenario.plan,
        frequency="quarterly",
        start=D(y, 5, 15),
        end=D(y, 9, 30),
    )
    assert [c.label for c in table.columns] == [f"{y}-Q2", f"{y}-Q3"]
    assert figures(table, "1.a") == {
        f"{y}-Q2": (Decimal(30), Decimal(6), Decimal(20)),
        f"{y}-Q3": (None, None, None),
    }
    assert row(table, "1.a").life_actual_amount == Decimal(36)


def test_it_shows_nothing_to_people_who_cannot_see_the_plan(cast: Cast, scenario: Scenario) -> None:
    stranger = make_person("stranger")
    table = iptt(person=stranger, plan=scenario.plan)
    assert table.rows == []
    assert table.frequency == "quarterly"  # the plan's cadence


def test_it_offers_columns_of_a_frequency_no_indicator_uses(cast: Cast, scenario: Scenario) -> None:
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="semiannual")
    y = scenario.year
    assert [c.label for c in table.columns] == [f"{y}-H1", f"{y}-H2"]
    assert figures(table, "1.a")[f"{y}-H1"] == (Decimal(60), Decimal(36), Decimal(60))


def build(cast: Cast, plan: Plan, count: int) -> None:
    """`count` indicators (one of them calculated) with targets and approved data."""
    made: list[Indicator] = []
    for n in range(1, count):
        frequency = "quarterly" if n % 2 else "monthly"
        indicator = make_indicator(cast, plan, f"Q{n}", frequency=frequency, target_value="100")
        first, second = periods_of(indicator)[:2]
        set_targets(cast, indicator, {first: "10", second: "20"})
        approved(cast, indicator, first, {"value": str(n)})
        approved(cast, indicator, second, {"value": "7"})
        made.append(indicator)
    quarterly = [i for i in made if i.frequency == "quarterly"]
    make_indicator(
        cast,
        plan,
        f"Q{count}",
        frequency="quarterly",
        calculation="sum",
        numerator_of=quarterly[:2],
    )


@pytest.mark.parametrize("count", [2, 10])
def test_it_runs_a_fixed_number_of_queries(
    cast: Cast, count: int, django_assert_num_queries: Any
) -> None:
    plan = last_year_plan(cast).plan
    build(cast, plan, count)
    get_access(cast.viewer)  # the person's memberships, read once per request
    with django_assert_num_queries(7):
        table = iptt(person=cast.viewer, plan=plan, frequency="quarterly")
    assert len(table.rows) == 4 + count
    with django_assert_num_queries(7):
        iptt(person=cast.viewer, plan=plan, unit=cast.dept, element=None, start=D(2000, 1, 1))


def test_it_computes_calculated_indicators(cast: Cast) -> None:
    scenario = last_year_plan(cast)
    y = scenario.year
    total = make_indicator(
        cast,
        scenario.plan,
        "3.a",
        frequency="monthly",
        calculation="sum",
        numerator_of=[scenario.open_door, scenario.trained_to_date],
    )
    table = iptt(person=cast.viewer, plan=scenario.plan, frequency="quarterly")
    assert row(table, total.code).cells[0].actual_amount == Decimal(30 + 5 + 9 + 14)
    assert figures(table, total.code)[f"{y}-Q2"][1] is None  # 1.c has no April value


def test_the_unit_filter_shows_what_the_unit_reported_not_the_whole_plan(cast: Cast) -> None:
    from waymark.indicators.services import measurement_approve, measurement_save
    from waymark.indicators.tests.builders import current_plan, make_indicator, open_period

    plan = current_plan(cast)
    indicator = make_indicator(cast, plan, "1.a", reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)
    for actor, unit, value in ((cast.contributor, cast.dept, 10), (cast.outsider, cast.other, 90)):
        saved = measurement_save(
            actor=actor,
            indicator=indicator,
            period=period,
            unit=unit,
            data={"value": value},
            submit=True,
        )
        measurement_approve(actor=cast.admin, measurement=saved)
    whole = iptt(person=cast.admin, plan=plan)
    dept = iptt(person=cast.admin, plan=plan, unit=cast.dept)
    assert whole.rows[0].life_actual.amount == 100  # type: ignore[union-attr]
    assert dept.rows[0].life_actual.amount == 10  # type: ignore[union-attr]
