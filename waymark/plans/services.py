"""Writes for plans, elements and milestones: permission, validation, write and change entry
in one transaction. Errors are ValidationError keyed by the field that is wrong."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.core.services import (
    check_version,
    record_change,
    record_create,
    record_creates,
    restore_batch,
    reverting,
    save_update,
    snapshot,
    soft_delete,
)
from waymark.org.models import Health, Unit
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.numbering import renumber
from waymark.plans.progress import computes_percent, refresh_plan
from waymark.plans.selectors import can_edit_element, can_manage_plan

PLAN_FIELDS = (
    "title",
    "kind",
    "start_date",
    "end_date",
    "owner_unit",
    "vision",
    "mission",
    "values",
    "cadence",
    "tiers",
    "state",
    "parent",
    "progress_method",
    "rollup_method",
)
ELEMENT_FIELDS = (
    "title",
    "description",
    "state",
    "health_override",
    "health_override_reason",
    "percent_complete",
    "priority",
    "quick_win",
    "responsible_unit",
    "lead",
    "contributors",
    "start_date",
    "target_date",
    "completed_date",
    "decision_points",
    "resources_needed",
    "budget_planned",
    "budget_spent",
    "policy_area",
    "tags",
    "notes",
    "weight",
)
MILESTONE_FIELDS = ("title", "due_date", "done_date", "decision")
MAX_AMOUNT = Decimal(10) ** 14  # the budget columns hold 16 digits, 2 after the point


# -- plans -----------------------------------------------------------------
def _apply_plan(plan: Plan, data: dict[str, Any]) -> None:
    for key in PLAN_FIELDS:
        if key in data:
            setattr(plan, key, data[key])
    plan.title = (plan.title or "").strip()
    if not plan.title:
        raise ValidationError({"title": _("Give the plan a title.")})
    if not plan.start_date:
        raise ValidationError({"start_date": _("Enter the date the plan starts.")})
    if not plan.end_date:
        raise ValidationError({"end_date": _("Enter the date the plan ends.")})
    if plan.end_date < plan.start_date:
        raise ValidationError({"end_date": _("The plan must end after it starts.")})
    if plan.kind not in Plan.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of plan.")})
    if plan.cadence not in Plan.Cadence.values:
        raise ValidationError({"cadence": _("Choose monthly or quarterly reporting.")})
    if plan.state not in Plan.State.values:
        raise ValidationError({"state": _("Choose a state.")})
    if plan.progress_method not in Plan.Progress.values:
        raise ValidationError({"progress_method": _("Choose how percent complete is found.")})
    if plan.rollup_method not in Plan.RollUp.values:
        raise ValidationError({"rollup_method": _("Choose how health rolls up.")})
    tiers = [str(t).strip() for t in (plan.tiers or [])]
    if not tiers or any(not t for t in tiers):
        raise ValidationError({"tiers": _("Name every tier, e.g. Goal, Objective, Action.")})
    plan.tiers = tiers
    if plan.owner_unit_id is None:
        raise ValidationError({"owner_unit": _("Choose the unit that owns the plan.")})
    # Walk up the parents: a plan may not end up above itself (`seen` stops on old loops).
    ancestor, seen = (plan.parent if plan.parent_id else None), set[int]()
    while plan.pk and ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == plan.pk:
            raise ValidationError(
                {"parent": _("A plan cannot be its own parent, nor a parent of its parents.")}
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


def plan_create(*, actor: Any, data: dict[str, Any]) -> Plan:
    access = get_access(actor)
    owner = data.get("owner_unit")
    if owner is None:
        raise ValidationError({"owner_unit": _("Choose the unit that owns the plan.")})
    access.require(access.has(owner, Role.MANAGER))
    plan = Plan()
    _apply_plan(plan, data)
    with transaction.atomic():
        plan.save()
        record_create(actor=actor, obj=plan)
    return plan


def plan_update(
    *, actor: Any, plan: Plan, data: dict[str, Any], version: int | None = None
) -> Plan:
    access = get_access(actor)
    access.require(can_manage_plan(actor, plan))
    if "owner_unit" in data and data["owner_unit"] != plan.owner_unit:
        access.require(access.has(data["owner_unit"], Role.MANAGER))
    with reverting(plan), transaction.atomic():
        check_version(plan, version)
        before = snapshot(plan)
        _apply_plan(plan, data)
        deepest = (
            Element.objects.filter(plan=plan)
            .order_by("-depth")
            .values_list("depth", flat=True)
            .first()
        )
        if deepest and deepest > len(plan.tiers):
            raise ValidationError(
                {
                    "tiers": _("Elements go %(n)d levels deep; keep at least %(n)d tiers.")
                    % {"n": deepest}
                }
            )
        save_update(actor=actor, obj=plan, before=before)
        if (plan.start_date, plan.end_date) != (
            _date(before.get("start_date")),
            _date(before.get("end_date")),
        ):  # pace depends on the plan's dates: assess its indicators again
            from waymark.indicators.progress import refresh_plan_indicators

            refresh_plan_indicators(plan)
        else:
            refresh_plan(plan)
    return plan


def _refresh_after_milestones(plan: Plan) -> None:
    """Milestones came, went or moved: the indicators paced by them are assessed again, then
    the plan rolls up."""
    from waymark.indicators.progress import refresh_milestone_paced

    refresh_milestone_paced(plan)


def _date(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


OptionalDate = TypeVar("OptionalDate", datetime.date, None)


def _shift(date: OptionalDate, years: int) -> OptionalDate:
    if date is None or not years:
        return date
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def plan_copy(*, actor: Any, plan: Plan, title: str, shift_years: int = 1) -> Plan:
    """Next year's plan from this one: the structure and plans, none of the history."""
    access = get_access(actor)
    access.require(can_manage_plan(actor, plan))
    with transaction.atomic():
        new = Plan(
            title=(title or "").strip(),
            kind=plan.kind,
            owner_unit=plan.owner_unit,
            start_date=_shift(plan.start_date, shift_years),
            end_date=_shift(plan.end_date, shift_years),
            vision=plan.vision,
            mission=plan.mission,
            values=plan.values,
            cadence=plan.cadence,
            tiers=list(plan.tiers),
            progress_method=plan.progress_method,
            rollup_method=plan.rollup_method,
            state=Plan.State.DRAFT,
            parent=plan.parent,
        )
        _apply_plan(new, {})
        new.save()
        record_create(actor=actor, obj=new)
        source = list(
            Element.objects.filter(plan=plan)
            .order_by("depth", "sort_key")
            .prefetch_related("contributors", "milestones")
        )
        mapping: dict[int, Element] = {}
        created: list[tuple[models.Model, models.Model]] = []
        for old in source:
            copy = Element(
                plan=new,
                parent=mapping[old.parent_id] if old.parent_id else None,
                position=old.position,
                code=old.code,
                depth=old.depth,
                sort_key=old.sort_key,
                title=old.title,
                description=old.description,
                priority=old.priority,
                quick_win=old.quick_win,
                responsible_unit=old.responsible_unit,
                lead=old.lead,
                start_date=_shift(old.start_date, shift_years),
                target_date=_shift(old.target_date, shift_years),
                decision_points=old.decision_points,
                resources_needed=old.resources_needed,
                budget_planned=old.budget_planned,
                policy_area=old.policy_area,
                weight=old.weight,
                tags=list(old.tags or []),
                notes=old.notes,
            )
            copy.save()
            copy.contributors.set(old.contributors.all())
            mapping[old.pk] = copy
            created.append((copy, new))
            for m in old.milestones.all():
                milestone = Milestone.objects.create(
                    element=copy, title=m.title, due_date=_shift(m.due_date, shift_years)
                )
                created.append((milestone, copy))
        record_creates(actor=actor, created=created)
    return new


def plan_delete(*, actor: Any, plan: Plan) -> None:
    get_access(actor).require(can_manage_plan(actor, plan))
    soft_delete(actor=actor, objs=[plan])


def plan_restore(*, actor: Any, plan: Plan) -> Plan:
    get_access(actor).require(can_manage_plan(actor, plan))
    if not plan.is_deleted or plan.deletion_batch is None:
        raise ValidationError({"plan": _("This plan is not deleted.")})
    with transaction.atomic():
        restore_batch(actor=actor, model=Plan, batch=plan.deletion_batch)
    plan.refresh_from_db()
    return plan


# -- elements --------------------------------------------------------------
def _decimal(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace(" ", ""))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():  # "NaN" and "Infinity" parse but are no amount
        raise ValidationError({field: _("Enter an amount, e.g. 1500000 or 1,500,000.50.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount >= MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Use at most two decimal places.")})
    return amount.quantize(Decimal("0.01"))  # as stored, so an unchanged amount is no change


def _validate_element(element: Element) -> None:
    element.title = (element.title or "").strip()
    if not element.title:
        raise ValidationError({"title": _("Give the element a title.")})
    if element.state not in Element.State.values:
        raise ValidationError({"state": _("Choose a state.")})
    if element.priority not in Element.Priority.values:
        raise ValidationError({"priority": _("Choose high, medium or low.")})
    if element.health_override and element.health_override not in Health.values:
        raise ValidationError({"health_override": _("Choose a health.")})
    element.health_override = element.health_override or ""
    element.health_override_reason = (element.health_override_reason or "").strip()
    if element.health_override and not element.health_override_reason:
        raise ValidationError(
            {"health_override_reason": _("Say why you override the computed health.")}
        )
    percent = element.percent_complete
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValidationError({"percent_complete": _("Enter a whole number from 0 to 100.")})
    if element.start_date and element.target_date and element.target_date < element.start_date:
        raise ValidationError(
            {"target_date": _("The target date cannot be before the start date.")}
        )
    if (
        element.start_date
        and element.completed_date
        and element.completed_date < element.start_date
    ):
        raise ValidationError(
            {"completed_date": _("The completed date cannot be before the start date.")}
        )
    weight = _decimal(element.weight, "weight")
    if weight is None or weight > 1000:
        raise ValidationError({"weight": _("Enter a weight from 0 to 1000, e.g. 1 or 2.5.")})
    element.weight = weight
    element.budget_planned = _decimal(element.budget_planned, "budget_planned")
    element.budget_spent = _decimal(element.budget_spent, "budget_spent")
    if element.responsible_unit is not None and element.responsible_unit.is_archived:
        raise ValidationError({"responsible_unit": _("This unit is archived.")})
    if element.lead is not None:
        if element.responsible_unit is None:
            raise ValidationError(
                {"responsible_unit": _("Choose the responsible unit of the lead.")}
            )
        if not _belongs_to(element.lead, element.responsible_unit):
            raise ValidationError(
                {
                    "lead": _(
                        "%(person)s is not a member of %(unit)s; choose someone from that unit."
                    )
                    % {"person": element.lead, "unit": element.responsible_unit}
                }
            )
    if not isinstance(element.tags, list):
        raise ValidationError({"tags": _("Tags are a list of words.")})
    element.tags = sorted({str(t).strip() for t in element.tags if str(t).strip()})
    if element.state == Element.State.COMPLETED and element.completed_date is None:
        element.completed_date = timezone.localdate()
    if element.state == Element.State.COMPLETED:
        element.percent_complete = 100


def _belongs_to(person: Any, unit: Unit) -> bool:
    """A member of the unit, of a unit below it, or with a role inherited from above."""
    from waymark.org.models import Membership

    memberships = Membership.objects.filter(person=person).values_list("unit__path", flat=True)
    return any(unit.path.startswith(p) or p.startswith(unit.path) for p in memberships)


def _apply_element(element: Element, data: dict[str, Any]) -> list[Any] | None:
    unknown = set(data) - set(ELEMENT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    for key in ELEMENT_FIELDS:
        if key in data and key != "contributors":
            value = data[key]
            if isinstance(value, str) and key not in ("budget_planned", "budget_spent"):
                value = value if key in ("description", "notes") else value.strip()
            setattr(element, key, value)
    _validate_element(element)
    return list(data["contributors"]) if "contributors" in data else None


def _stored_parent(plan: Plan, parent: Element | None) -> Element | None:
    """The parent as stored now: a copy loaded earlier may have moved or been deleted since."""
    if parent is None:
        return None
    stored = Element.all_objects.select_for_update().filter(pk=parent.pk).first()
    if stored is None or stored.plan_id != plan.pk or stored.is_deleted:
        raise ValidationError({"parent": _("The parent must be an element of this plan.")})
    return stored


def _subtree_height(element: Element, elements: models.QuerySet[Element]) -> int:
    """Levels from the element down to the deepest of `elements` (its descendants)."""
    deepest = elements.order_by("-depth").values_list("depth", flat=True).first()
    return (deepest - element.depth + 1) if deepest and deepest > element.depth else 1


def _check_depth(plan: Plan, parent: Element | None, subtree_height: int = 1) -> int:
    depth = (parent.depth + 1) if parent else 1
    if depth + subtree_height - 1 > len(plan.tiers):
        raise ValidationError(
            {
                "parent": _("This plan has %(n)d tiers (%(tiers)s); add a tier to go deeper.")
                % {"n": len(plan.tiers), "tiers": " > ".join(plan.tiers)}
            }
        )
    return depth


def element_create(
    *,
    actor: Any,
    plan: Plan,
    data: dict[str, Any],
    parent: Element | None = None,
    position: int | None = None,
) -> Element:
    get_access(actor).require(can_manage_plan(actor, plan))
    with transaction.atomic():
        parent = _stored_parent(plan, parent)
        depth = _check_depth(plan, parent)
        siblings = Element.objects.filter(plan=plan, parent=parent)
        last = siblings.order_by("-position").values_list("position", flat=True).first() or 0
        if position is None or position > last:
            position = last + 1
        else:
            position = max(position, 1)
            siblings.filter(position__gte=position).update(position=F("position") + 1)
        element = Element(plan=plan, parent=parent, depth=depth, position=position)
        contributors = _apply_element(element, data)
        element.save()
        if contributors:
            element.contributors.set(contributors)
        renumber(plan)
        refresh_plan(plan)
        element.refresh_from_db()
        record_create(actor=actor, obj=element, related=plan)
    return element


def element_update(
    *, actor: Any, element: Element, data: dict[str, Any], version: int | None = None
) -> Element:
    get_access(actor).require(can_edit_element(actor, element))
    with reverting(element), transaction.atomic():
        check_version(element, version)
        before = snapshot(element)
        contributors = _apply_element(element, data)
        if (
            element.percent_complete != before.get("percent_complete")
            and element.state != Element.State.COMPLETED
            and computes_percent(
                element.plan, element, has_children=Element.objects.filter(parent=element).exists()
            )
        ):
            raise ValidationError(
                {
                    "percent_complete": _(
                        "This plan computes percent complete from milestones or the elements "
                        "beneath; it cannot be entered here."
                    )
                }
            )
        m2m = {"contributors": contributors} if contributors is not None else None
        save_update(actor=actor, obj=element, before=before, related=element.plan, m2m=m2m)
        refresh_plan(element.plan)
        element.refresh_from_db(fields=["health", "health_reasons", "percent_complete"])
    return element


def element_move(
    *,
    actor: Any,
    element: Element,
    parent: Element | None,
    position: int | None = None,
    version: int | None = None,
) -> Element:
    """Move an element (with its subtree) under a new parent, at a 1-based position."""
    plan = element.plan
    get_access(actor).require(can_manage_plan(actor, plan))
    with reverting(element), transaction.atomic():
        check_version(element, version)
        # Decide on the stored tree: with a copy loaded before a renumbering, the cycle
        # check below would compare stale numbers and could let a loop through.
        element.refresh_from_db()
        if element.is_deleted:
            raise ValidationError({"element": _("This element is deleted.")})
        parent = _stored_parent(plan, parent)
        if parent is not None and (
            parent.pk == element.pk or parent.sort_key.startswith(element.sort_key + ".")
        ):
            raise ValidationError(
                {"parent": _("An element cannot be moved under itself or one of its own children.")}
            )
        descendants = Element.objects.filter(plan=plan, sort_key__startswith=element.sort_key + ".")
        _check_depth(plan, parent, _subtree_height(element, descendants))
        before = snapshot(element)
        siblings = list(
            Element.objects.filter(plan=plan, parent=parent)
            .exclude(pk=element.pk)
            .order_by("position", "id")
        )
        index = len(siblings) if position is None else min(max(position, 1) - 1, len(siblings))
        siblings.insert(index, element)
        for i, sibling in enumerate(siblings, start=1):
            sibling.position = i
        element.parent = parent
        Element.objects.bulk_update([s for s in siblings if s.pk != element.pk], ["position"])
        element.save(update_fields=["parent", "position"])
        renumber(plan)
        refresh_plan(plan)
        element.refresh_from_db()
        if snapshot(element) != before:
            element.version += 1
            element.save(update_fields=["version"])
            record_change(
                actor=actor,
                obj=element,
                action=Change.Action.UPDATE,
                before=before,
                after=snapshot(element),
                related=plan,
            )
    return element


def element_delete(*, actor: Any, element: Element) -> None:
    """Soft-delete an element with its subtree; they are restored together.

    Their milestones stay as they are, hidden with their element (see milestones_visible_to).
    """
    plan = element.plan
    get_access(actor).require(can_manage_plan(actor, plan))
    with transaction.atomic():
        # The stored numbers find the subtree: a stale copy's would pick another's children.
        element.refresh_from_db()
        if element.is_deleted:
            raise ValidationError({"element": _("This element is already deleted.")})
        subtree = list(
            Element.objects.filter(plan=plan, sort_key__startswith=element.sort_key + ".")
        )
        soft_delete(actor=actor, objs=[element, *subtree], related=plan)
        renumber(plan)
        _refresh_after_milestones(plan)


def element_restore(*, actor: Any, element: Element) -> Element:
    plan = element.plan
    get_access(actor).require(can_manage_plan(actor, plan))
    element.refresh_from_db()
    if not element.is_deleted or element.deletion_batch is None:
        raise ValidationError({"element": _("This element is not deleted.")})
    if element.parent is not None and element.parent.is_deleted:
        raise ValidationError(
            {"parent": _("Restore the parent element “%s” first.") % element.parent}
        )
    if plan.is_deleted:
        raise ValidationError({"plan": _("Restore the plan first.")})
    with transaction.atomic():
        # The whole batch comes back: it must fit the tiers the plan has now.
        batch = Element.all_objects.filter(deletion_batch=element.deletion_batch)
        _check_depth(plan, element.parent, _subtree_height(element, batch))
        Element.objects.filter(
            plan=plan, parent=element.parent, position__gte=element.position
        ).update(position=F("position") + 1)
        restore_batch(actor=actor, model=Element, batch=element.deletion_batch, related=plan)
        renumber(plan)
        _refresh_after_milestones(plan)
    element.refresh_from_db()
    return element


# -- milestones ------------------------------------------------------------
def _apply_milestone(milestone: Milestone, data: dict[str, Any]) -> None:
    for key in MILESTONE_FIELDS:
        if key in data:
            setattr(milestone, key, data[key].strip() if isinstance(data[key], str) else data[key])
    if not milestone.title:
        raise ValidationError({"title": _("Give the milestone a title.")})


def milestone_create(*, actor: Any, element: Element, data: dict[str, Any]) -> Milestone:
    get_access(actor).require(can_edit_element(actor, element))
    if element.is_deleted or element.plan.is_deleted:
        raise ValidationError({"element": _("This element is in the trash; restore it first.")})
    milestone = Milestone(element=element)
    _apply_milestone(milestone, data)
    with transaction.atomic():
        milestone.save()
        record_create(actor=actor, obj=milestone, related=element)
        _refresh_after_milestones(element.plan)
    return milestone


def milestone_update(
    *, actor: Any, milestone: Milestone, data: dict[str, Any], version: int | None = None
) -> Milestone:
    get_access(actor).require(can_edit_element(actor, milestone.element))
    with reverting(milestone), transaction.atomic():
        check_version(milestone, version)
        before = snapshot(milestone)
        _apply_milestone(milestone, data)
        save_update(actor=actor, obj=milestone, before=before, related=milestone.element)
        _refresh_after_milestones(milestone.element.plan)
    return milestone


def milestone_delete(*, actor: Any, milestone: Milestone) -> None:
    get_access(actor).require(can_edit_element(actor, milestone.element))
    with transaction.atomic():
        soft_delete(actor=actor, objs=[milestone], related=milestone.element)
        _refresh_after_milestones(milestone.element.plan)


def milestone_restore(*, actor: Any, milestone: Milestone) -> Milestone:
    get_access(actor).require(can_edit_element(actor, milestone.element))
    if not milestone.is_deleted or milestone.deletion_batch is None:
        raise ValidationError({"milestone": _("This milestone is not deleted.")})
    if milestone.element.is_deleted:
        raise ValidationError({"element": _("Restore the element first.")})
    with transaction.atomic():
        restore_batch(
            actor=actor, model=Milestone, batch=milestone.deletion_batch, related=milestone.element
        )
        _refresh_after_milestones(milestone.element.plan)
    milestone.refresh_from_db()
    return milestone
