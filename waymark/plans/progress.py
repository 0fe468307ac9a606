"""Each element's computed health and percent complete, kept up to date when data changes.

`refresh_plan` recomputes a whole plan bottom-up in memory from three queries (its elements,
their milestone counts, the health of their indicators) and writes only what changed. Services
call it in the same transaction as the write that changes an input: an element's state,
override, weight or place, a milestone, an indicator's health, the plan's methods. Pages then
read stored values and never walk the tree per request.

Computed values are derived state: they carry no version bump and no change-log entry of their
own; the change that caused them is logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils import translation

from waymark.org.models import Health
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.rollup import combine_health, combine_progress, milestone_progress


def refresh_plan(plan: Plan) -> int:
    """Recompute every element of the plan; returns how many rows changed.

    The plan's row is locked first, so two writers to one plan roll it up one after the other
    (PostgreSQL; SQLite writes one at a time anyway)."""
    if connection.in_atomic_block:  # a lock lives only as long as its transaction
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
    elements = list(
        Element.objects.filter(plan=plan).only(
            "id",
            "parent_id",
            "depth",
            "state",
            "health",
            "health_override",
            "health_reasons",
            "percent_complete",
            "weight",
        )
    )
    if not elements:
        return 0
    children: dict[int | None, list[Element]] = defaultdict(list)
    for element in elements:
        children[element.parent_id].append(element)
    milestones = {
        row["element_id"]: (row["done"], row["total"])
        for row in Milestone.objects.filter(element__plan=plan)
        .values("element_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done_date__isnull=False)))
        .order_by()
    }
    indicator_health: dict[int, list[str]] = defaultdict(list)
    through: Any = Element.indicators.through  # the indicators app's link table
    for element_id, health in (
        through.objects.filter(element__plan=plan, indicator__deleted_at__isnull=True)
        .values_list("element_id", "indicator__health")
        .order_by()
    ):
        indicator_health[element_id].append(health)

    changed: list[Element] = []
    for element in sorted(elements, key=lambda e: -e.depth):  # children before parents
        below = children.get(element.pk, [])
        live = [c for c in below if c.state != Element.State.CANCELLED]
        items = [(c.health_override or c.health, Decimal(c.weight)) for c in live]
        items += [(h, Decimal(1)) for h in indicator_health.get(element.pk, [])]
        health, reasons = in_every_language(partial(combine_health, items, plan.rollup_method))
        percent = _percent(plan, element, below, milestones.get(element.pk))
        new = (health, reasons, percent)
        if new != (element.health, element.health_reasons, element.percent_complete):
            element.health, element.health_reasons, element.percent_complete = new
            changed.append(element)
    if changed:
        Element.objects.bulk_update(
            changed, ["health", "health_reasons", "percent_complete"], batch_size=500
        )
    return len(changed)


def in_every_language(
    assess: Callable[[], Any], *, keep_unassessed: bool = False
) -> tuple[str, dict[str, str]]:
    """An assessment's health, and its reason written in every language of the interface
    ({} when not assessed, unless kept: the pages say why in general words)."""
    reasons: dict[str, str] = {}
    health = Health.NOT_ASSESSED
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            assessment = assess()
            health = assessment.health
            reasons[code] = str(assessment.reason)
    if health == Health.NOT_ASSESSED and not keep_unassessed:
        return health, {}
    return health, reasons


def _percent(
    plan: Plan, element: Element, below: list[Element], milestones: tuple[int, int] | None
) -> int:
    if element.state == Element.State.COMPLETED:
        return 100
    if plan.progress_method == Plan.Progress.MILESTONES and milestones and milestones[1]:
        return milestone_progress(*milestones)
    if plan.progress_method != Plan.Progress.MANUAL and below:
        live = [c for c in below if c.state != Element.State.CANCELLED]
        return combine_progress(
            [(c.percent_complete, Decimal(c.weight)) for c in live],
            "weighted" if plan.rollup_method == Plan.RollUp.WEIGHTED else "average",
        )
    return element.percent_complete


def computes_percent(plan: Plan, element: Element, *, has_children: bool) -> bool:
    """Whether the element's percent complete comes from data rather than a person."""
    if plan.progress_method == Plan.Progress.MANUAL:
        return False
    if plan.progress_method == Plan.Progress.MILESTONES and element.milestones.exists():
        return True
    return has_children
