"""Pages for plans, the tracking grid, elements and milestones. Thin: access, form, service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.forms import run_service
from waymark.core.permissions import get_access, visible_or_404
from waymark.core.selectors import history_for
from waymark.org.models import Person, Unit
from waymark.plans.dashboard import plan_dashboard
from waymark.plans.filters import ElementFilterSet
from waymark.plans.forms import (
    CELL_FIELDS,
    ElementForm,
    ElementMoveForm,
    MilestoneForm,
    PlanCopyForm,
    PlanForm,
    raw_value,
)
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.progress import computes_percent
from waymark.plans.selectors import (
    can_edit_element,
    can_manage_plan,
    can_view_plan,
    grid_rows,
    grid_totals,
    plan_summary,
    plans_visible_to,
    subtree,
    summary_of,
)
from waymark.plans.services import (
    element_create,
    element_delete,
    element_move,
    element_update,
    milestone_create,
    milestone_delete,
    milestone_update,
    plan_copy,
    plan_create,
    plan_delete,
    plan_update,
)

GRID_PAGE_SIZE = 100


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit", "parent"), pk=pk)
    visible_or_404(can_view_plan(request.user, plan))
    return plan


def _element(request: HttpRequest, pk: int) -> Element:
    element = get_object_or_404(
        Element.objects.select_related("plan__owner_unit", "responsible_unit", "lead", "parent"),
        pk=pk,
        plan__deleted_at__isnull=True,
    )
    visible_or_404(can_view_plan(request.user, element.plan))
    return element


def _milestone(request: HttpRequest, pk: int) -> Milestone:
    milestone = get_object_or_404(
        Milestone.objects.select_related("element__plan__owner_unit", "element__responsible_unit"),
        pk=pk,
        element__deleted_at__isnull=True,
        element__plan__deleted_at__isnull=True,
    )
    visible_or_404(can_view_plan(request.user, milestone.element.plan))
    return milestone


# -- plans -----------------------------------------------------------------
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        plans_visible_to(request.user).select_related("owner_unit").order_by("-start_date", "title")
    )
    state = request.GET.get("state", "")
    if state in Plan.State.values:
        plans = plans.filter(state=state)
    return render(
        request,
        "plans/plan_list.html",
        {"plans": plans, "states": Plan.State.choices, "state": state},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create_view(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.is_any_manager:
        raise PermissionDenied
    form = PlanForm(
        request.POST or None,
        user=request.user,
        initial={
            "tiers": "Goal > Objective > Action",
            "state": Plan.State.DRAFT,
            "cadence": Plan.Cadence.QUARTERLY,
            "progress_method": Plan.Progress.MANUAL,
            "rollup_method": Plan.RollUp.AVERAGE,
        },
    )
    if request.method == "POST" and form.is_valid():
        plan = run_service(form, lambda: plan_create(actor=request.user, data=form.service_data()))
        if plan:
            messages.success(request, _("Plan created. Add its goals next."))
            return redirect("plan-detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    summary = plan_summary(plan)
    total = summary["total"] or 0
    state_counts = [(v, label, summary["by_state"].get(v, 0)) for v, label in Element.State.choices]
    completed = summary["by_state"].get(Element.State.COMPLETED, 0)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "summary": summary,
            **plan_dashboard(
                plan,
                request.organisation,  # type: ignore[attr-defined]
                counts=summary["health_counts"],
            ),
            "health_counts": summary["health_counts"],
            "state_counts": state_counts,
            "completed_pct": round(100 * completed / total) if total else 0,
            "overdue": summary["overdue"],
            "can_manage": can_manage_plan(request.user, plan),
            "history": history_for(plan, limit=8),
            "history_model": "plan",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        raise PermissionDenied
    initial = {
        f: getattr(plan, f)
        for f in (
            "title",
            "kind",
            "start_date",
            "end_date",
            "cadence",
            "state",
            "tiers",
            "vision",
            "mission",
            "values",
            "progress_method",
            "rollup_method",
        )
    }
    initial.update(owner_unit=plan.owner_unit_id, parent=plan.parent_id, version=plan.version)
    form = PlanForm(request.POST or None, user=request.user, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: plan_update(
                actor=request.user,
                plan=plan,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        )
        if done:
            messages.success(request, _("Plan saved."))
            return redirect("plan-detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        raise PermissionDenied
    form = PlanCopyForm(
        request.POST or None, initial={"title": _("%s (copy)") % plan.title, "shift_years": 1}
    )
    if request.method == "POST" and form.is_valid():
        new = run_service(
            form,
            lambda: plan_copy(
                actor=request.user,
                plan=plan,
                title=form.cleaned_data["title"],
                shift_years=form.cleaned_data["shift_years"],
            ),
        )
        if new:
            messages.success(request, _("Copied the plan's structure into a new draft plan."))
            return redirect("plan-detail", new.pk)
    return render(request, "plans/plan_copy.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def plan_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        raise PermissionDenied
    if request.method == "POST":
        plan_delete(actor=request.user, plan=plan)
        messages.success(request, _("Plan moved to the trash. An admin can restore it."))
        return redirect("plan-list")
    return render(
        request, "plans/confirm_delete.html", {"object": plan, "cancel": f"/plans/{plan.pk}/"}
    )


# -- the tracking grid -----------------------------------------------------
@login_required
def plan_grid(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    filterset = ElementFilterSet(
        request.GET or None, queryset=Element.objects.filter(plan=plan), request=request
    )
    # The grid's pickers offer what this plan uses, not every unit and person of the organisation.
    filterset.filters["unit"].queryset = Unit.objects.filter(elements__plan=plan).distinct()
    filterset.filters["lead"].queryset = Person.objects.filter(
        Q(led_elements__plan=plan) | Q(contributed_elements__plan=plan)
    ).distinct()
    rows = filterset.qs if filterset.is_bound else Element.objects.filter(plan=plan)
    totals = grid_totals(rows)
    page = Paginator(grid_rows(rows), GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    for element in page:
        element.plan = plan  # same object: tier names and permissions without more queries
        element.editable = can_edit_element(request.user, element)  # type: ignore[attr-defined]
        milestones = list(element.milestones.all())
        element.ms_total = len(milestones)  # type: ignore[attr-defined]
        element.ms_done = sum(1 for m in milestones if m.done_date)  # type: ignore[attr-defined]
        element.ms_next = next((m for m in milestones if not m.done_date), None)  # type: ignore[attr-defined]
    return render(
        request,
        "plans/grid.html",
        {
            "plan": plan,
            "filterset": filterset,
            "page": page,
            "totals": totals,
            "sort": request.GET.get("sort", ""),
            "can_manage": can_manage_plan(request.user, plan),
            "cell_fields": CELL_FIELDS,
            "filtered": bool(
                filterset.is_bound
                and any(v for k, v in request.GET.items() if k not in ("page", "sort"))
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def element_cell(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """One grid cell: shown, edited in place (HTMX), saved with validation, and undone."""
    if field not in CELL_FIELDS:
        raise Http404
    element = _element(request, pk)
    context: dict[str, Any] = {"e": element, "field": field, "plan": element.plan}
    element.editable = can_edit_element(request.user, element)  # type: ignore[attr-defined]
    if request.method == "GET":
        if request.GET.get("edit") and element.editable:  # type: ignore[attr-defined]
            context["form"] = ElementForm(only=(field,), initial=ElementForm.initial_for(element))
        return render(request, "plans/_cell.html", context)
    if not element.editable:  # type: ignore[attr-defined]
        raise PermissionDenied
    form = ElementForm(request.POST, only=(field,))
    previous = raw_value(element, field)
    if not request.htmx:  # type: ignore[attr-defined]
        return _cell_without_javascript(request, element, form)
    if form.is_valid():
        saved = run_service(
            form,
            lambda: element_update(
                actor=request.user,
                element=element,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        )
        if saved is not None:
            context.update(
                saved_note=True, undo_value=previous, undone=bool(request.POST.get("undo"))
            )
            return render(request, "plans/_cell.html", context)
    if getattr(form, "conflict", None):
        element.refresh_from_db()
        form = ElementForm(only=(field,), initial=ElementForm.initial_for(element))
        context["conflict"] = _(
            "Someone else changed this since you opened it. Here is the current value."
        )
    context["form"] = form
    return render(request, "plans/_cell.html", context)


def _cell_without_javascript(
    request: HttpRequest, element: Element, form: ElementForm
) -> HttpResponse:
    """The same edit posted as a plain form: save, then back to the grid with a message."""
    saved = None
    if form.is_valid():
        saved = run_service(
            form,
            lambda: element_update(
                actor=request.user,
                element=element,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        )
    if saved is not None:
        messages.success(request, _("Saved %(code)s.") % {"code": element.code})
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, f"{element.code}: {' '.join(errors)}")
    return redirect(f"{reverse('plan-grid', args=[element.plan_id])}#row-{element.pk}")


# -- elements --------------------------------------------------------------
@login_required
def element_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from waymark.meetings.element import action_items_of
    from waymark.reporting.selectors import can_write_update, element_updates

    element = _element(request, pk)
    children = list(
        Element.objects.filter(parent=element).select_related("responsible_unit", "lead")
    )
    ancestors = list(_ancestors(element))
    return render(
        request,
        "plans/element_detail.html",
        {
            "e": element,
            "plan": element.plan,
            "children": children,
            "ancestors": ancestors,
            "milestones": list(element.milestones.all()),
            "contributors": list(element.contributors.all()),
            "indicators": list(element.indicators.all()),
            "beneath": summary_of(subtree(element)) if children else None,
            "can_edit": can_edit_element(request.user, element),
            "can_manage": can_manage_plan(request.user, element.plan),
            "can_add_child": element.depth < len(element.plan.tiers),
            "child_tier": element.plan.tier_name(element.depth + 1)
            if element.depth < len(element.plan.tiers)
            else "",
            "history": history_for(element),
            "history_model": "element",
            "updates": element_updates(element),
            "action_items": action_items_of(element),
            "can_write_update": can_write_update(request.user, element),
        },
    )


def _ancestors(element: Element) -> QuerySet[Element]:
    """The element's ancestors, top first, from the prefixes of its sort key (one query)."""
    parts = element.sort_key.split(".")
    keys = [".".join(parts[:i]) for i in range(1, len(parts))]
    return Element.objects.filter(plan=element.plan, sort_key__in=keys).order_by("depth")


@login_required
@require_http_methods(["GET", "POST"])
def element_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        raise PermissionDenied
    parent = None
    parent_id = request.GET.get("parent") or request.POST.get("parent")
    if parent_id:
        parent = get_object_or_404(Element, pk=parent_id, plan=plan)
    depth = parent.depth + 1 if parent else 1
    form = ElementForm(
        request.POST or None,
        initial={
            "state": Element.State.NOT_STARTED,
            "priority": Element.Priority.MEDIUM,
            "percent_complete": 0,
            "responsible_unit": parent.responsible_unit_id if parent else plan.owner_unit_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        element = run_service(
            form,
            lambda: element_create(
                actor=request.user, plan=plan, parent=parent, data=form.service_data()
            ),
        )
        if element:
            messages.success(
                request,
                _("Added %(tier)s %(code)s.") % {"tier": element.tier, "code": element.code},
            )
            if "add_another" in request.POST:
                return redirect(f"{request.path}?parent={parent.pk}" if parent else request.path)
            return redirect("element-detail", element.pk)
    return render(
        request,
        "plans/element_form.html",
        {"form": form, "plan": plan, "parent": parent, "tier": plan.tier_name(depth)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def element_edit(request: HttpRequest, pk: int) -> HttpResponse:
    element = _element(request, pk)
    if not can_edit_element(request.user, element):
        raise PermissionDenied
    form = ElementForm(request.POST or None, initial=ElementForm.initial_for(element))
    if computes_percent(
        element.plan, element, has_children=Element.objects.filter(parent=element).exists()
    ):  # computed from data: nothing for a person to enter
        form.fields.pop("percent_complete")
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            lambda: element_update(
                actor=request.user,
                element=element,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        )
        if saved:
            messages.success(request, _("Saved %(code)s.") % {"code": element.code})
            return redirect("element-detail", element.pk)
    return render(
        request,
        "plans/element_form.html",
        {"form": form, "plan": element.plan, "e": element, "tier": element.tier},
    )


@login_required
@require_http_methods(["GET", "POST"])
def element_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    element = _element(request, pk)
    if not can_manage_plan(request.user, element.plan):
        raise PermissionDenied
    form = ElementMoveForm(
        request.POST or None,
        element=element,
        initial={
            "parent": element.parent_id,
            "position": element.position,
            "version": element.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            form,
            lambda: element_move(
                actor=request.user,
                element=element,
                parent=form.cleaned_data["parent"],
                position=form.cleaned_data["position"],
                version=form.cleaned_data["version"],
            ),
        )
        if moved:
            messages.success(request, _("Moved; it is now %(code)s.") % {"code": moved.code})
            return redirect("element-detail", element.pk)
    return render(
        request, "plans/element_move.html", {"form": form, "e": element, "plan": element.plan}
    )


@login_required
@require_http_methods(["GET", "POST"])
def element_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    element = _element(request, pk)
    if not can_manage_plan(request.user, element.plan):
        raise PermissionDenied
    below = Element.objects.filter(
        plan=element.plan, sort_key__startswith=element.sort_key + "."
    ).count()
    if request.method == "POST":
        element_delete(actor=request.user, element=element)
        messages.success(
            request,
            _("Moved %(code)s to the trash; an admin can restore it.") % {"code": element.code},
        )
        return redirect("plan-grid", element.plan_id)
    return render(
        request,
        "plans/confirm_delete.html",
        {"object": element, "below": below, "cancel": f"/elements/{element.pk}/"},
    )


# -- milestones ------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def milestone_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    element = _element(request, pk)
    if not can_edit_element(request.user, element):
        raise PermissionDenied
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: milestone_create(actor=request.user, element=element, data=form.service_data()),
        ):
            messages.success(request, _("Milestone added."))
            return redirect("element-detail", element.pk)
    return render(
        request, "plans/milestone_form.html", {"form": form, "e": element, "plan": element.plan}
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    element = milestone.element
    if not can_edit_element(request.user, element):
        raise PermissionDenied
    form = MilestoneForm(request.POST or None, initial=MilestoneForm.initial_for(milestone))
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: milestone_update(
                actor=request.user,
                milestone=milestone,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Milestone saved."))
            return redirect("element-detail", element.pk)
    return render(
        request,
        "plans/milestone_form.html",
        {"form": form, "e": element, "plan": element.plan, "milestone": milestone},
    )


@login_required
@require_POST
def milestone_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = _milestone(request, pk)
    try:
        milestone_delete(actor=request.user, milestone=milestone)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Milestone moved to the trash."))
    return redirect("element-detail", milestone.element_id)
