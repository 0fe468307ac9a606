"""Reads for the plan dashboard: goal and objective cards, the heat map of tiers x units, the
health distribution, budget per goal and the timeline of actions. A fixed number of queries
whatever the plan's size; the timeline shows at most TIMELINE_ROWS actions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from waymark.org.models import Health, Organisation
from waymark.plans.charts import TimelineRow, budget_chart, health_chart, timeline
from waymark.plans.models import Element, Plan

TIMELINE_ROWS = 150
KEY_WIDTH = 5  # the digits of one level of a sort key ("00001.00002")
# A shape goes with each health's colour, so the heat map never relies on colour alone.
HEALTH_SHAPES = {
    Health.ON_TRACK: "●",
    Health.AT_RISK: "▲",
    Health.OFF_TRACK: "■",
    Health.NOT_ASSESSED: "○",
}


@dataclass
class GoalCard:
    goal: Element
    objectives: list[Element] = field(default_factory=list)


@dataclass
class HeatRow:
    unit: Any
    cells: list[list[tuple[str, int]]]  # per tier: [(health, count), ...] in health order


def goal_cards(plan: Plan) -> list[GoalCard]:
    """The plan's top two levels, goals with their objectives (one query)."""
    cards: dict[int, GoalCard] = {}
    for element in Element.objects.filter(plan=plan, depth__lte=2).select_related(
        "responsible_unit", "lead"
    ):
        if element.depth == 1:
            cards[element.pk] = GoalCard(goal=element)
        elif element.parent_id in cards:
            cards[element.parent_id].objectives.append(element)
    return list(cards.values())


def heat_map(plan: Plan) -> tuple[list[str], list[HeatRow]]:
    """Rows: responsible units; columns: the plan's tiers; each cell: elements per health shown
    (the override when there is one). One query."""
    tiers = list(plan.tiers)
    counts: dict[tuple[int | None, int], dict[str, int]] = defaultdict(dict)
    units: dict[int | None, Any] = {}
    rows = (
        Element.objects.filter(plan=plan)
        .values(
            "responsible_unit",
            "responsible_unit__name",
            "responsible_unit__short_name",
            "responsible_unit__path",
            "depth",
            "health_override",
            "health",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        unit_id = row["responsible_unit"]
        units[unit_id] = (
            row["responsible_unit__path"] or "~",
            row["responsible_unit__short_name"] or row["responsible_unit__name"],
        )
        shown = row["health_override"] or row["health"]
        cell = counts[(unit_id, row["depth"])]
        cell[shown] = cell.get(shown, 0) + row["n"]
    result = []
    for unit_id, (_path, label) in sorted(units.items(), key=lambda kv: kv[1][0]):
        cells = []
        for depth in range(1, len(tiers) + 1):
            by = counts.get((unit_id, depth), {})
            cells.append([(h, by[h]) for h in Health.values if by.get(h)])
        result.append(HeatRow(unit=label, cells=cells))
    return tiers, result


def budget_by_goal(plan: Plan) -> list[tuple[Element, Decimal | None, Decimal | None]]:
    """Planned and spent per goal, summed over the goal's lowest elements (those with nothing
    beneath, so a parent's own figure is never counted twice). Two queries."""
    goals = list(Element.objects.filter(plan=plan, depth=1))
    has_children = Element.objects.filter(parent=OuterRef("pk"))
    sums = {
        row["goal_key"]: (row["planned"], row["spent"])
        for row in Element.objects.filter(plan=plan)
        .annotate(parent_of=Exists(has_children), goal_key=Substr("sort_key", 1, KEY_WIDTH))
        .filter(parent_of=False)
        .values("goal_key")
        .annotate(planned=Sum("budget_planned"), spent=Sum("budget_spent"))
        .order_by()
    }
    return [(goal, *sums.get(goal.sort_key[:KEY_WIDTH], (None, None))) for goal in goals]


def timeline_rows(plan: Plan, org: Organisation) -> tuple[list[TimelineRow], int]:
    """The plan's lowest tier with dates, earliest first, at most TIMELINE_ROWS, with their
    milestones; and how many there are in all. Three queries."""
    lowest = len(plan.tiers)
    actions = Element.objects.filter(plan=plan, depth=lowest).filter(
        Q(start_date__isnull=False) | Q(target_date__isnull=False)
    )
    total = actions.count()
    rows = []
    for element in actions.order_by("start_date", "target_date", "sort_key").prefetch_related(
        "milestones"
    )[:TIMELINE_ROWS]:
        style = org.health_style(element.effective_health)
        rows.append(
            TimelineRow(
                code=element.code,
                title=element.title,
                start=element.start_date,
                end=element.completed_date or element.target_date,
                state=str(element.get_state_display()),
                health_label=style["label"],
                colour=style["colour"],
                overdue=element.is_overdue,
                milestones=[
                    (m.due_date or m.done_date, m.title, m.done_date is not None)
                    for m in element.milestones.all()
                    if m.due_date or m.done_date
                ],
            )
        )
    return rows, total


def plan_dashboard(
    plan: Plan, org: Organisation, *, counts: list[tuple[str, int]]
) -> dict[str, Any]:
    """Everything the plan dashboard draws, charts as SVG strings; `counts` are the plan's
    elements per health shown (from `plan_summary`)."""
    styles = {h: org.health_style(h) for h in Health.values}
    budget = budget_by_goal(plan)
    rows, total = timeline_rows(plan, org)
    tiers, heat = heat_map(plan)
    today = timezone.localdate()
    return {
        "goal_cards": goal_cards(plan),
        "tiers": tiers,
        "heat": heat,
        "health_shapes": HEALTH_SHAPES,
        "health_svg": health_chart(
            [(h, styles[h]["label"], styles[h]["colour"], n) for h, n in counts]
        ),
        "budget_svg": budget_chart(
            [(f"{g.code} {g.title}"[:60], planned, spent) for g, planned, spent in budget],
            currency=org.default_currency,
        )
        if any(planned or spent for _g, planned, spent in budget)
        else "",
        "timeline_svg": timeline(rows, start=plan.start_date, end=plan.end_date, today=today)
        if rows
        else "",
        "timeline_total": total,
        "timeline_shown": len(rows),
    }
