"""Reads for plans: who sees which plan and element, and the tracking grid's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.org.models import Health
from waymark.plans.models import Element, Milestone, Plan


def plans_visible_to(person: Any) -> QuerySet[Plan]:
    """Plans owned by the person's units, or with an element their units are responsible for."""
    access = get_access(person)
    if not access.authenticated:
        return Plan.objects.none()
    if access.is_superuser:
        return Plan.objects.all()
    through_elements = Element.objects.filter(access.unit_q("responsible_unit__")).values("plan_id")
    return Plan.objects.filter(access.unit_q("owner_unit__") | Q(pk__in=through_elements))


def can_view_plan(person: Any, plan: Plan) -> bool:
    access = get_access(person)
    if access.has(plan.owner_unit, Role.VIEWER):
        return True
    if not access.authenticated or not access.direct:
        return False
    return Element.objects.filter(plan=plan).filter(access.unit_q("responsible_unit__")).exists()


def can_manage_plan(person: Any, plan: Plan) -> bool:
    """Change the plan itself and its structure (add, move, delete elements)."""
    return get_access(person).has(plan.owner_unit, Role.MANAGER)


def can_edit_element(person: Any, element: Element) -> bool:
    """Update an element's fields and milestones."""
    access = get_access(person)
    return access.has(element.plan.owner_unit, Role.CONTRIBUTOR) or access.has(
        element.responsible_unit, Role.CONTRIBUTOR
    )


def elements_visible_to(person: Any) -> QuerySet[Element]:
    return Element.objects.filter(plan__in=plans_visible_to(person), plan__deleted_at__isnull=True)


def milestones_visible_to(person: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(
        element__in=elements_visible_to(person), element__deleted_at__isnull=True
    )


def grid_rows(queryset: QuerySet[Element]) -> QuerySet[Element]:
    """The tracking grid's rows: everything a row shows, in a fixed number of queries."""
    return queryset.select_related("responsible_unit", "lead", "plan").prefetch_related(
        "milestones"
    )


def grid_totals(queryset: QuerySet[Element]) -> dict[str, Any]:
    return queryset.aggregate(
        rows=Count("id"),
        budget_planned=Sum("budget_planned"),
        budget_spent=Sum("budget_spent"),
    )


def health_counts(plan_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """For each plan, how many elements show each health (the override when there is one),
    in the order health is listed everywhere; healths with no element are left out. One query."""
    rows: dict[int, list[tuple[str, str, int]]] = {pk: [] for pk in plan_ids}
    for plan_id, override, health, n in (
        Element.objects.filter(plan__in=plan_ids)
        .values_list("plan_id", "health_override", "health")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[plan_id].append((override, health, n))
    return {pk: _shown_health(by) for pk, by in rows.items()}


def _shown_health(rows: list[tuple[str, str, int]]) -> list[tuple[str, int]]:
    """(override, computed health, count) rows as counts per health shown (the override when
    there is one), in the order health is listed everywhere, healths with none left out."""
    shown: dict[str, int] = {}
    for override, health, n in rows:
        shown[override or health] = shown.get(override or health, 0) + n
    return [(h, shown[h]) for h in Health.values if shown.get(h)]


def plan_summary(plan: Plan) -> dict[str, Any]:
    """Counts per state and health, overdue, and budget totals, for the plan page (3 queries)."""
    return summary_of(Element.objects.filter(plan=plan))


def subtree(element: Element) -> QuerySet[Element]:
    """Everything beneath the element (its sort key's prefix; not the element itself)."""
    return Element.objects.filter(
        plan_id=element.plan_id, sort_key__startswith=element.sort_key + "."
    )


def summary_of(elements: QuerySet[Element]) -> dict[str, Any]:
    """Counts per state and per health shown, total, overdue and budget totals of a set of
    elements (a plan, a subtree). Three queries."""
    by_state = dict(elements.values_list("state").annotate(n=Count("id")).order_by())
    health = list(
        elements.values_list("health_override", "health").annotate(n=Count("id")).order_by()
    )
    totals = elements.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Element.overdue_q()),
        planned=Sum("budget_planned"),
        spent=Sum("budget_spent"),
    )
    return {"by_state": by_state, "health_counts": _shown_health(health), **totals}
