"""How an element's health and percent complete follow from what lies beneath it.

Pure functions, no database: `waymark.plans.progress` feeds them each element's children and
indicators. The field's conventions, from DESIGN.md (Spider Impact, Cascade, Perdoo):

- Health rolls up by the plan's method: the average score, the weighted average score, or the
  worst health. Scores: on track 2, at risk 1, off track 0; an average of at least 1.5 is on
  track, of at least 0.75 at risk. "Not assessed" is left out, never counted as off track.
- Percent complete from the children: each capped at 100 (a child at 150% counts as 100) and
  floored at 0, then averaged (weighted or not); or from the milestones done.

Arithmetic is exact (fractions), so the bands and the half-up rounding hold at their edges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from waymark.indicators.health import (
    AT_RISK,
    NOT_ASSESSED,
    OFF_TRACK,
    ON_TRACK,
    Assessment,
)

HEALTH_SCORE = {ON_TRACK: 2, AT_RISK: 1, OFF_TRACK: 0}
AVERAGE, WEIGHTED, WORST = "average", "weighted", "worst"  # the values of Plan.RollUp
METHODS = (AVERAGE, WEIGHTED, WORST)
ON_TRACK_FROM = Fraction(3, 2)  # average score
AT_RISK_FROM = Fraction(3, 4)


def combine_health(items: Sequence[tuple[str, Decimal | int]], method: str) -> Assessment:
    """The health of an element from the (health, weight) of its children and indicators.

    "average": the mean score; "weighted": the weighted mean score (items of weight 0 are left
    out; no weight at all gives not assessed); "worst": the worst health. Items not assessed
    are left out; nothing assessed gives not assessed. The reason counts each health.
    """
    if method not in METHODS:
        raise ValueError(f"unknown roll-up method: {method!r}")
    for health, weight in items:
        if health not in HEALTH_SCORE and health != NOT_ASSESSED:
            raise ValueError(f"unknown health: {health!r}")
        if weight < 0:
            raise ValueError("a weight cannot be negative")
    unassessed = sum(1 for health, _w in items if health == NOT_ASSESSED)
    assessed = [(health, Fraction(weight)) for health, weight in items if health != NOT_ASSESSED]
    weightless = 0
    if method == WEIGHTED:
        weightless = sum(1 for _h, weight in assessed if weight == 0)
        assessed = [(health, weight) for health, weight in assessed if weight > 0]
    left_out = _left_out(unassessed, weightless)
    if not assessed:
        if weightless:
            return Assessment(
                NOT_ASSESSED, _("Nothing beneath with a weight above 0 is assessed") + left_out
            )
        return Assessment(NOT_ASSESSED, _("Nothing beneath is assessed yet") + left_out)

    counts = _counts(Counter(health for health, _w in assessed))
    values = {"count": len(assessed), "counts": counts}
    if method == WORST:
        health = min((h for h, _w in assessed), key=HEALTH_SCORE.__getitem__)
        return Assessment(health, _("Worst of %(count)s: %(counts)s") % values + left_out)
    if method == AVERAGE:
        total = sum((Fraction(HEALTH_SCORE[h]) for h, _w in assessed), Fraction(0))
        score = total / len(assessed)
        return Assessment(_band(score), _("Average of %(count)s: %(counts)s") % values + left_out)
    weights = sum((weight for _h, weight in assessed), Fraction(0))
    score = sum((HEALTH_SCORE[h] * weight for h, weight in assessed), Fraction(0)) / weights
    shown = f"{float(score):.2f}"
    return Assessment(
        _band(score),
        _("Weighted average of %(count)s, score %(score)s of 2: %(counts)s")
        % {**values, "score": shown}
        + left_out,
    )


def _band(score: Fraction) -> str:
    if score >= ON_TRACK_FROM:
        return ON_TRACK
    if score >= AT_RISK_FROM:
        return AT_RISK
    return OFF_TRACK


def _counts(counter: Counter[str]) -> str:
    parts = []
    if counter[ON_TRACK]:
        parts.append(_("%(count)s on track") % {"count": counter[ON_TRACK]})
    if counter[AT_RISK]:
        parts.append(_("%(count)s at risk") % {"count": counter[AT_RISK]})
    if counter[OFF_TRACK]:
        parts.append(_("%(count)s off track") % {"count": counter[OFF_TRACK]})
    return ", ".join(parts)


def _left_out(unassessed: int, weightless: int) -> str:
    parts = []
    if unassessed:
        parts.append(_("%(count)s not assessed") % {"count": unassessed})
    if weightless:
        parts.append(_("%(count)s of weight 0") % {"count": weightless})
    if not parts:
        return ""
    return " " + _("(left out: %(items)s)") % {"items": ", ".join(parts)}


def combine_progress(items: Sequence[tuple[int | Decimal, Decimal | int]], method: str) -> int:
    """Percent complete from the (percent complete, weight) of the children, each capped at 100
    and floored at 0: the weighted mean for "weighted", the plain mean otherwise; 0 when there
    is nothing (or no weight) to average. Rounded half up to a whole percent."""
    if not items:
        return 0
    capped = [
        (min(max(Fraction(percent), Fraction(0)), Fraction(100)), weight)
        for percent, weight in items
    ]
    if method == WEIGHTED:
        if any(weight < 0 for _p, weight in capped):
            raise ValueError("a weight cannot be negative")
        weights = sum((Fraction(weight) for _p, weight in capped), Fraction(0))
        if weights == 0:
            return 0
        mean = (
            sum((percent * Fraction(weight) for percent, weight in capped), Fraction(0)) / weights
        )
    else:
        mean = sum((percent for percent, _w in capped), Fraction(0)) / len(capped)
    return _round_half_up(mean)


def milestone_progress(done: int, total: int) -> int:
    """Percent complete from milestones done out of all, rounded half up; 0 without any."""
    if total < 0 or not 0 <= done <= total:
        raise ValueError("done must be between 0 and the total")
    if total == 0:
        return 0
    return _round_half_up(Fraction(done * 100, total))


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)
