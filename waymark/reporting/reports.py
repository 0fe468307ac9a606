"""The monthly report and the review report, generated from what the period holds.

Both are read from the database in a fixed number of queries and carry everything their page
and their PDF show:

- the plan at a glance: percent complete, health now and as reported in the period;
- who reported (the completion board) and which elements did not;
- the period's progress updates (submitted and accepted), grouped by goal and objective,
  late ones marked;
- the indicators with their target, actual and percent met for the period;
- the support asked for and the challenges named in the updates;
- the period's reviews with their answers, reasons and decisions (who, by when), and the
  action items that came out of them, with their status.

A report's *span* is its period's dates. The plan's progress updates are those of its reporting
periods (its cadence) that overlap the span, the latest per element: a quarterly review of a
monthly plan reads the last update of each element in the quarter. Indicators use their own
period holding the end of the span (else the last one before it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from waymark.indicators.aggregation import Value
from waymark.indicators.models import Indicator, Period
from waymark.indicators.selectors import figures, percent_met
from waymark.meetings.models import ActionItem
from waymark.org.models import Health, Unit
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import plan_summary
from waymark.reporting.analytics import CodeCount, count_codes
from waymark.reporting.models import ProgressUpdate, Review, ReviewItem
from waymark.reporting.selectors import Board, completion_board


@dataclass
class Group:
    """The updates under one objective (or on the goal itself, objective None)."""

    objective: Element | None
    updates: list[ProgressUpdate] = field(default_factory=list)


@dataclass
class Section:
    """One goal of the plan with the period's updates beneath it."""

    goal: Element | None
    groups: list[Group] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.updates) for g in self.groups)


@dataclass
class IndicatorRow:
    indicator: Indicator
    period: Period | None
    target: Decimal | None
    actual: Value | None
    met: Decimal | None


@dataclass
class ReviewBlock:
    """A review of the period: its answers per element, its decisions and action items."""

    review: Review
    items: list[ReviewItem]
    action_items: list[ActionItem]
    reasons: list[CodeCount]

    @property
    def decisions(self) -> list[ReviewItem]:
        return [item for item in self.items if item.decision]

    @property
    def given(self) -> list[CodeCount]:
        """The codes given at least once."""
        return [c for c in self.reasons if c.count]

    @property
    def reason_total(self) -> int:
        return sum(c.count for c in self.reasons)

    @property
    def open_actions(self) -> int:
        return sum(1 for a in self.action_items if a.status == ActionItem.Status.OPEN)


@dataclass
class Report:
    plan: Plan
    period: Period  # the report's period (the review's period for a review report)
    start: datetime.date
    end: datetime.date
    summary: dict[str, Any]
    percent_complete: int | None
    health_reported: list[tuple[str, int]]
    updates: list[ProgressUpdate]
    sections: list[Section]
    not_reported: list[Element]
    board: Board | None
    indicators: list[IndicatorRow]
    support: list[ProgressUpdate]
    challenges: list[ProgressUpdate]
    reviews: list[ReviewBlock]
    generated_at: datetime.datetime
    review: Review | None = None
    unit: Unit | None = None  # a review of one unit's part of the plan

    @property
    def late(self) -> list[ProgressUpdate]:
        return [u for u in self.updates if u.late]

    @property
    def accepted(self) -> int:
        return sum(1 for u in self.updates if u.status == ProgressUpdate.Status.ACCEPTED)

    @property
    def decisions(self) -> list[ReviewItem]:
        return [item for block in self.reviews for item in block.decisions]

    @property
    def action_items(self) -> list[ActionItem]:
        return [a for block in self.reviews for a in block.action_items]


def monthly_report(plan: Plan, period: Period, *, today: datetime.date | None = None) -> Report:
    """The report of one of the plan's reporting periods (a month for a monthly plan), with the
    reviews of that period or held during it."""
    reviews = list(
        Review.objects.filter(plan=plan)
        .filter(Q(period=period) | Q(held_on__gte=period.start, held_on__lte=period.end))
        .select_related("period", "unit", "chair", "closed_by")
        .order_by("held_on", "id")
    )
    return _report(plan, period, reviews, today=today)


def quarterly_report(review: Review, *, today: datetime.date | None = None) -> Report:
    """The report of a review (a quarterly review or a mid-month evaluation): its answers and
    decisions, and the plan's updates, indicators and completion over the review's period.
    A review of one unit's part of the plan keeps to the elements of that unit and below."""
    return _report(review.plan, review.period, [review], review=review, today=today)


def _report(
    plan: Plan,
    period: Period,
    reviews: list[Review],
    *,
    review: Review | None = None,
    today: datetime.date | None = None,
) -> Report:
    today = today or timezone.localdate()
    start, end = period.start, period.end
    unit = review.unit if review is not None else None

    summary = plan_summary(plan)
    upper = {e.sort_key: e for e in Element.objects.filter(plan=plan, depth__lte=2)}
    for element in upper.values():
        element.plan = plan
    goals = [e for e in upper.values() if e.depth == 1]
    percent = _percent_complete(goals)

    cadence = [
        p
        for p in Period.objects.filter(plan=plan, frequency=plan.cadence).order_by("start")
        if p.start <= end and p.end >= start
    ]
    updates = _latest_updates(plan, cadence, unit)
    board = completion_board(plan, cadence[-1], today=today) if cadence else None
    not_reported: list[Element] = []
    if board is not None:
        # The board lists every element without a lead that reports; keep those that did not.
        reported = {u.element_id for u in updates if u.period_id == board.period.pk}
        not_reported = sorted(
            (
                e
                for e in [*board.total.missing_elements, *board.unassigned]
                if e.pk not in reported and _in_unit(e, plan, unit)
            ),
            key=lambda e: e.sort_key,
        )
        for element in not_reported:
            element.plan = plan

    blocks = _review_blocks(plan, reviews)
    return Report(
        plan=plan,
        period=period,
        start=start,
        end=end,
        summary=summary,
        percent_complete=percent,
        health_reported=_health_counts(updates),
        updates=updates,
        sections=_sections(updates, upper),
        not_reported=not_reported,
        board=board,
        indicators=_indicator_rows(plan, end),
        support=[u for u in updates if u.support_needed],
        challenges=[u for u in updates if u.challenges],
        reviews=blocks,
        generated_at=timezone.now(),
        review=review,
        unit=unit,
    )


def _percent_complete(goals: list[Element]) -> int | None:
    """The average percent complete of the plan's goals, cancelled ones left out (as the
    home page shows it)."""
    counted = [g.percent_complete for g in goals if g.state != Element.State.CANCELLED]
    return round(sum(counted) / len(counted)) if counted else None


def _in_unit(element: Element, plan: Plan, unit: Unit | None) -> bool:
    if unit is None:
        return True
    owner = element.responsible_unit or plan.owner_unit
    return bool(owner.path.startswith(unit.path))


def _latest_updates(plan: Plan, periods: list[Period], unit: Unit | None) -> list[ProgressUpdate]:
    """The submitted and accepted updates of these periods, the latest per element, in the
    plan's order (one query)."""
    if not periods:
        return []
    latest: dict[int, ProgressUpdate] = {}
    for update in (
        ProgressUpdate.objects.filter(
            element__plan=plan,
            element__deleted_at__isnull=True,
            period__in=periods,
            status__in=ProgressUpdate.DONE,
        )
        .select_related(
            "element__responsible_unit", "element__lead", "period", "submitted_by", "reviewed_by"
        )
        .order_by("element__sort_key", "period__start")
    ):
        update.element.plan = plan
        if _in_unit(update.element, plan, unit):
            latest[update.element_id] = update
    return sorted(latest.values(), key=lambda u: u.element.sort_key)


def _sections(updates: list[ProgressUpdate], upper: dict[str, Element]) -> list[Section]:
    """Updates grouped by their goal, then by their objective, in the plan's order."""
    sections: dict[str, Section] = {}
    for update in updates:
        parts = update.element.sort_key.split(".")
        goal_key, objective_key = parts[0], ".".join(parts[:2])
        section = sections.get(goal_key)
        if section is None:
            section = sections[goal_key] = Section(goal=upper.get(goal_key))
        objective = upper.get(objective_key) if len(parts) >= 2 else None
        if not section.groups or section.groups[-1].objective is not objective:
            section.groups.append(Group(objective=objective))
        section.groups[-1].updates.append(update)
    return list(sections.values())


def _health_counts(updates: Iterable[ProgressUpdate]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for update in updates:
        counts[update.health] = counts.get(update.health, 0) + 1
    return [(h, counts[h]) for h in Health.values if counts.get(h)]


def _indicator_rows(plan: Plan, end: datetime.date) -> list[IndicatorRow]:
    """Each indicator of the plan with its period holding `end` (else its last period before
    it): target, actual from approved data, and percent met. Six queries (two more when some
    indicator is calculated from others)."""
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .prefetch_related("elements", "numerator_of", "denominator_of")
        .order_by("code")
    )
    if not indicators:
        return []
    periods = list(Period.objects.filter(plan=plan).order_by("start"))
    chosen: dict[int, Period | None] = {}
    for indicator in indicators:
        own = [p for p in periods if p.frequency == indicator.frequency]
        holding = next((p for p in own if p.start <= end <= p.end), None)
        before = [p for p in own if p.end < end]
        chosen[indicator.pk] = holding or (before[-1] if before else None)
    wanted = list({p.pk: p for p in chosen.values() if p is not None}.values())
    table = figures(indicators, wanted) if wanted else {}
    rows = []
    for indicator in indicators:
        indicator.plan = plan
        period = chosen[indicator.pk]
        cell = table.get(indicator.pk, {}).get(period.pk) if period else None
        actual = cell.actual if cell else None
        target = cell.target if cell else None
        rows.append(
            IndicatorRow(
                indicator=indicator,
                period=period,
                target=target,
                actual=actual,
                met=percent_met(indicator, actual.amount if actual else None, target),
            )
        )
    return rows


def _review_blocks(plan: Plan, reviews: list[Review]) -> list[ReviewBlock]:
    """The reviews' items with their reasons, and their action items (three queries)."""
    if not reviews:
        return []
    items: dict[int, list[ReviewItem]] = {r.pk: [] for r in reviews}
    for item in (
        ReviewItem.objects.filter(review__in=reviews, element__deleted_at__isnull=True)
        .select_related("element__responsible_unit", "element__lead", "decision_owner", "new_lead")
        .prefetch_related("reasons")
        .order_by("review_id", "element__sort_key")
    ):
        item.element.plan = plan
        items[item.review_id].append(item)
    actions: dict[int, list[ActionItem]] = {r.pk: [] for r in reviews}
    for action in (
        ActionItem.objects.filter(review_item__review__in=reviews)
        .select_related("owner", "unit", "element", "review_item")
        .order_by("due_date", "id")
    ):
        assert action.review_item is not None
        actions[action.review_item.review_id].append(action)
    blocks = []
    for review in reviews:
        review.plan = plan
        its = items[review.pk]
        blocks.append(
            ReviewBlock(
                review=review,
                items=its,
                action_items=actions[review.pk],
                reasons=count_codes(r for item in its for r in item.reasons.all()),
            )
        )
    return blocks
