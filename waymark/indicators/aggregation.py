"""How indicator values combine: across reporters, over time, up the unit tree.

Pure functions over small value objects, so the rules are tested on their own and the models
(issue 3) only feed them. The field's hard-won rules, from DESIGN.md:

- Percentages keep numerator and denominator and combine as sum(n) / sum(d), never as an
  average of percentages (Akvo RSR).
- Cumulative indicators (running totals) use the latest value per reporter, never a sum of
  running totals (Akvo RSR, TolaData).
- A breakdown (by sex, by soum, ...) that does not add up to its total is flagged, not refused.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Aggregation(StrEnum):
    """How an indicator's values over several periods make one figure."""

    SUM = "sum"
    LATEST = "latest"
    AVERAGE = "average"
    MAXIMUM = "maximum"


@dataclass(frozen=True)
class Value:
    """A reported amount; a percentage keeps its numerator and denominator."""

    numerator: Decimal
    denominator: Decimal | None = None

    def __post_init__(self) -> None:
        if self.denominator is not None and self.denominator < 0:
            raise ValueError("a denominator cannot be negative")

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def amount(self) -> Decimal | None:
        """The figure shown: the number itself, or n / d as a percentage (None when d is 0)."""
        if self.denominator is None:
            return self.numerator
        if self.denominator == 0:
            return None
        return self.numerator * 100 / self.denominator

    def __add__(self, other: Value) -> Value:
        if self.is_ratio != other.is_ratio:
            raise ValueError("cannot add a ratio to a plain number")
        if self.denominator is None or other.denominator is None:
            return Value(self.numerator + other.numerator)
        return Value(self.numerator + other.numerator, self.denominator + other.denominator)


def total(values: Iterable[Value]) -> Value | None:
    """Values of several reporters (or units) for the same period: sums add, ratios pool."""
    result: Value | None = None
    for value in values:
        result = value if result is None else result + value
    return result


@dataclass(frozen=True)
class Observation:
    """An approved value of one reporter for one period."""

    reporter: Hashable
    period_end: datetime.date
    value: Value


def per_period(observations: Iterable[Observation]) -> dict[datetime.date, Value]:
    """Each period's total over its reporters, in period order."""
    grouped: dict[datetime.date, list[Value]] = defaultdict(list)
    for obs in observations:
        grouped[obs.period_end].append(obs.value)
    return {end: total(values) for end, values in sorted(grouped.items())}  # type: ignore[misc]


def latest_per_reporter(observations: Iterable[Observation]) -> Value | None:
    """Each reporter's most recent value, then their total: the figure of a running total."""
    latest: dict[Hashable, Observation] = {}
    for obs in observations:
        seen = latest.get(obs.reporter)
        if seen is None or obs.period_end >= seen.period_end:
            latest[obs.reporter] = obs
    return total(obs.value for obs in latest.values())


def over_time(
    observations: Iterable[Observation], aggregation: Aggregation, *, cumulative: bool = False
) -> Value | None:
    """One figure for a span of periods (life of plan, a year, a quarter's months).

    A cumulative indicator always takes the latest value per reporter, whatever its rule.
    """
    observations = list(observations)
    if not observations:
        return None
    if cumulative or aggregation == Aggregation.LATEST:
        return latest_per_reporter(observations)
    if aggregation == Aggregation.SUM:
        return total(obs.value for obs in observations)
    periods = list(per_period(observations).values())
    if aggregation == Aggregation.AVERAGE:
        pooled = total(periods)
        assert pooled is not None
        if pooled.is_ratio:
            return pooled  # the pooled ratio: never the mean of the periods' percentages
        return Value(pooled.numerator / len(periods))
    if aggregation == Aggregation.MAXIMUM:
        candidates = [p for p in periods if p.amount is not None]
        return max(candidates, key=lambda p: p.amount) if candidates else periods[-1]  # type: ignore[arg-type, return-value]
    raise ValueError(f"unknown aggregation {aggregation!r}")


def roll_up(values_by_unit: Mapping[str, Value]) -> dict[str, Value]:
    """Totals up the unit tree. Keys are materialised paths ("/1/4/9/"); each unit's total is
    its own value plus everything reported below it. Units with nothing get no entry."""
    totals: dict[str, Value] = {}
    for path, value in values_by_unit.items():
        parts = [p for p in path.strip("/").split("/") if p]
        for depth in range(1, len(parts) + 1):
            ancestor = "/" + "/".join(parts[:depth]) + "/"
            totals[ancestor] = value if ancestor not in totals else totals[ancestor] + value
    return totals


@dataclass(frozen=True)
class BreakdownCheck:
    dimension: str
    expected: Value
    reported: Value | None

    @property
    def adds_up(self) -> bool:
        if self.reported is None:
            return False
        if self.expected.is_ratio:
            return (self.reported.numerator, self.reported.denominator) == (
                self.expected.numerator,
                self.expected.denominator,
            )
        return self.reported.numerator == self.expected.numerator

    @property
    def difference(self) -> Decimal | None:
        """Reported minus expected (numerators), or None when nothing was broken down."""
        if self.reported is None:
            return None
        return self.reported.numerator - self.expected.numerator


def check_breakdowns(
    value: Value, breakdowns: Mapping[str, Mapping[str, Value]]
) -> list[BreakdownCheck]:
    """For each dimension (sex, age group, soum), whether its categories add up to the value.
    A mismatch is reported for a person to look at; it never blocks the measurement."""
    return [
        BreakdownCheck(dimension, value, total(categories.values()))
        for dimension, categories in breakdowns.items()
    ]
