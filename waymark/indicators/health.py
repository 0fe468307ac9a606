"""Indicator health: ordered rules over % of target met, and pace against the expected line.

Pure functions over Decimal, no database: the models and services (`waymark.indicators.progress`)
feed them. The field's conventions, from DESIGN.md:

- Ordered status rules, first match wins (ClearPoint). A rule set is a list of
  `Rule(health, at_least)` with falling thresholds; below the last one the health is off track.
  The organisation's default: on track from 100% of target met, at risk from 85%.
- "Decrease to" and "maintain within a band" need no rules of their own: `percent_met`
  (`waymark.indicators.selectors`) already mirrors a decrease (target / actual) and gives 100
  inside a band and 0 outside it, so higher is always better here.
- Pace (Cascade): the progress made since the baseline against the progress expected by a date,
  on a straight line from the baseline at the start to the target at the end, or in steps at the
  milestones; on track from 95%, at risk from 85%.

Every assessment says why, in words with the numbers ("96% of target met; at risk from 85%").
The words are in the active language when the assessment is made.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The values of waymark.org.models.Health, kept here as plain strings so this module needs no
# models.
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NOT_ASSESSED = "not_assessed"
RULE_HEALTHS = (ON_TRACK, AT_RISK, OFF_TRACK)  # what a rule may give
HEALTHS = (*RULE_HEALTHS, NOT_ASSESSED)


@dataclass(frozen=True)
class Rule:
    """Gives `health` when the figure is at least `at_least` (percent)."""

    health: str
    at_least: Decimal


@dataclass(frozen=True)
class Assessment:
    """A health with the reason for it in words; `rule` is the rule that matched, if any."""

    health: str
    reason: str
    rule: Rule | None = None


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(ON_TRACK, Decimal(100)),
    Rule(AT_RISK, Decimal(85)),
)
DEFAULT_PACE_BANDS: tuple[Decimal, Decimal] = (Decimal(95), Decimal(85))


# -- rules -------------------------------------------------------------------------------------


def parse_rules(raw: Any) -> list[Rule]:
    """Rules from their JSON form, `[{"health": "on_track", "at_least": "100"}, ...]`.

    Raises ValidationError({"health_rules": [...]}) listing every problem: not a list, empty,
    an unknown health, a threshold that is not a number, thresholds that do not fall.
    """
    if not isinstance(raw, list | tuple):
        raise ValidationError({"health_rules": [_("Give the health rules as a list.")]})
    if not raw:
        raise ValidationError({"health_rules": [_("Give at least one health rule.")]})
    errors: list[str] = []
    rules: list[Rule] = []
    previous: Decimal | None = None
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.append(
                _("Rule %(number)s: give a health and the threshold from which it applies.")
                % {"number": number}
            )
            continue
        health = item.get("health")
        if health not in RULE_HEALTHS:
            errors.append(
                _(
                    "Rule %(number)s: unknown health “%(health)s”; use on_track, at_risk or off_track."
                )
                % {"number": number, "health": health}
            )
        threshold = _to_decimal(item.get("at_least"))
        if threshold is None:
            errors.append(
                _("Rule %(number)s: the threshold “%(value)s” is not a number.")
                % {"number": number, "value": item.get("at_least", "")}
            )
            continue
        if previous is not None and threshold >= previous:
            errors.append(
                _(
                    "Rule %(number)s: its threshold (%(value)s%%) must be lower than the one "
                    "before it (%(previous)s%%), as the first rule that matches wins."
                )
                % {"number": number, "value": _plain(threshold), "previous": _plain(previous)}
            )
        previous = threshold
        if health in RULE_HEALTHS:
            rules.append(Rule(str(health), threshold))
    if errors:
        raise ValidationError({"health_rules": errors})
    return rules


def dump_rules(rules: Sequence[Rule]) -> list[dict[str, str]]:
    """The JSON form of rules, as `parse_rules` reads it."""
    return [{"health": rule.health, "at_least": _plain(rule.at_least)} for rule in rules]


def resolve_rules(*raws: Any) -> Sequence[Rule]:
    """The first non-empty rule set among `raws` (an indicator's, then the organisation's),
    parsed; DEFAULT_RULES when all are empty."""
    for raw in raws:
        if raw:
            return parse_rules(raw)
    return DEFAULT_RULES


def assess(rules: Sequence[Rule], percent_met: Decimal | None) -> Assessment:
    """Health of a figure (% of target met) by ordered rules: the first that matches wins,
    off track when none does; not assessed without a figure."""
    if percent_met is None:
        return Assessment(NOT_ASSESSED, _("No approved value yet"))
    places = _places(rule.at_least for rule in rules)
    shown = _plain(_floor(percent_met, places))
    for index, rule in enumerate(rules):
        if percent_met >= rule.at_least:
            above = rules[index - 1].at_least if index else None
            return Assessment(
                rule.health, _met_reason(rule.health, shown, rule.at_least, above), rule
            )
    lowest = rules[-1].at_least if rules else None
    if lowest is None:
        return Assessment(
            OFF_TRACK, _("%(percent)s%% of target met; no rule matched") % {"percent": shown}
        )
    return Assessment(OFF_TRACK, _met_reason(OFF_TRACK, shown, None, lowest))


def _met_reason(health: str, shown: str, at_least: Decimal | None, above: Decimal | None) -> str:
    """The reason for a health from % of target met. `above` is the threshold of the rule
    before the one that matched (the figure is below it)."""
    if health == OFF_TRACK and above is not None:
        return _("%(percent)s%% of target met; off track below %(threshold)s%%") % {
            "percent": shown,
            "threshold": _plain(above),
        }
    values = {"percent": shown, "threshold": _plain(at_least or Decimal(0))}
    if health == ON_TRACK:
        return _("%(percent)s%% of target met; on track from %(threshold)s%%") % values
    if health == AT_RISK:
        return _("%(percent)s%% of target met; at risk from %(threshold)s%%") % values
    return _("%(percent)s%% of target met; off track from %(threshold)s%%") % values


# -- pace --------------------------------------------------------------------------------------


def expected_by(
    baseline: Decimal,
    target: Decimal,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> Decimal:
    """The value expected on `today` on a straight line from `baseline` at `start` to `target`
    at `end`: the baseline before the start, the target after the end."""
    if end < start:
        raise ValueError("the end comes before the start")
    if today >= end:
        return target
    if today <= start:
        return baseline
    elapsed = Decimal((today - start).days)
    length = Decimal((end - start).days)
    return baseline + (target - baseline) * elapsed / length


def expected_by_steps(
    baseline: Decimal, steps: Sequence[tuple[datetime.date, Decimal]], today: datetime.date
) -> Decimal:
    """The value expected on `today` when it is due in steps (at milestones): the value of the
    last step dated on or before `today`, the baseline before the first step."""
    expected = baseline
    for date, value in sorted(steps, key=lambda step: step[0]):
        if date > today:
            break
        expected = value
    return expected


def pace(actual: Decimal, baseline: Decimal, expected: Decimal) -> Decimal | None:
    """Progress made since the baseline as a percentage of the progress expected by now;
    None when no progress is expected yet. A decrease needs nothing special: both differences
    are then negative."""
    if expected == baseline:
        return None
    return (actual - baseline) * 100 / (expected - baseline)


def assess_pace(
    pace_percent: Decimal | None,
    bands: tuple[Decimal | int, Decimal | int] = DEFAULT_PACE_BANDS,
    *,
    by: datetime.date | None = None,
) -> Assessment:
    """Health from pace: on track from bands[0] (95%), at risk from bands[1] (85%), otherwise
    off track; not assessed when no progress is expected yet (pace None). `by`, the date the
    expected progress is for, goes into the reason."""
    on_track, at_risk = Decimal(bands[0]), Decimal(bands[1])
    if at_risk > on_track:
        raise ValueError("the at-risk band must not be above the on-track band")
    when = {"date": by.isoformat()} if by else {}
    if pace_percent is None:
        if by:
            return Assessment(NOT_ASSESSED, _("No progress expected by %(date)s yet") % when)
        return Assessment(NOT_ASSESSED, _("No progress expected yet"))
    shown = _plain(_floor(pace_percent, _places([on_track, at_risk])))
    if pace_percent >= on_track:
        rule = Rule(ON_TRACK, on_track)
    elif pace_percent >= at_risk:
        rule = Rule(AT_RISK, at_risk)
    else:
        rule = None
    if by:
        lead = _("Pace %(pace)s%% of the progress expected by %(date)s") % {"pace": shown, **when}
    else:
        lead = _("Pace %(pace)s%% of the progress expected") % {"pace": shown}
    if rule is None:
        tail = _("off track below %(threshold)s%%") % {"threshold": _plain(at_risk)}
        return Assessment(OFF_TRACK, f"{lead}; {tail}")
    if rule.health == ON_TRACK:
        tail = _("on track from %(threshold)s%%") % {"threshold": _plain(on_track)}
    else:
        tail = _("at risk from %(threshold)s%%") % {"threshold": _plain(at_risk)}
    return Assessment(rule.health, f"{lead}; {tail}", rule)


# -- numbers -----------------------------------------------------------------------------------


def _to_decimal(value: Any) -> Decimal | None:
    """A finite number from JSON (a number or a numeric string), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _places(thresholds: Any) -> int:
    """Decimal places to show a figure with: one, or as many as the finest threshold has, so
    that the figure shown compares with each threshold as the figure itself does."""
    places = 1
    for threshold in thresholds:
        exponent = threshold.as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return places


def _floor(value: Decimal, places: int) -> Decimal:
    """Rounded down (never up across a threshold) to `places` decimals."""
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    except InvalidOperation:  # too many digits to show decimals: show it as it is
        return value


def _plain(value: Decimal) -> str:
    """A number in plain notation without trailing zeros: 100, 85.5, -3.25."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
