"""Pages of progress updates: My updates, one update, accepting and returning, the schedule and
the completion board. Reviews, reports and the inbox have their own modules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.exceptions import ConflictError
from waymark.core.forms import run_service
from waymark.core.permissions import visible_or_404
from waymark.core.selectors import history_for
from waymark.indicators.models import Period
from waymark.indicators.selectors import data_owed_by
from waymark.indicators.services import BatchError
from waymark.indicators.views import data_entries, data_rows
from waymark.meetings.selectors import action_items_owed_by
from waymark.org.models import Health
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import can_manage_plan, can_view_plan
from waymark.reporting.forms import ProgressUpdateForm, ReturnForm, ScheduleForm
from waymark.reporting.models import ProgressUpdate
from waymark.reporting.selectors import (
    UpdateDue,
    can_review_update,
    can_write_update,
    completion_board,
    due_date,
    previous_update,
    reporting_depths,
    reporting_periods,
    reports_in,
    schedule_of,
    updates_owed_by,
)
from waymark.reporting.services import (
    TEXT_FIELDS,
    UPDATE_FIELDS,
    ActionEntry,
    UpdateEntry,
    period_save,
    schedule_save,
    slot_of,
    update_accept,
    update_return,
    update_save,
)


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit"), pk=pk)
    visible_or_404(can_view_plan(request.user, plan))
    return plan


def _update(request: HttpRequest, pk: int) -> ProgressUpdate:
    update = get_object_or_404(
        ProgressUpdate.objects.select_related(
            "element__plan__owner_unit",
            "element__responsible_unit",
            "element__lead",
            "period",
            "author",
            "submitted_by",
            "reviewed_by",
        ),
        pk=pk,
        element__deleted_at__isnull=True,
        element__plan__deleted_at__isnull=True,
    )
    visible_or_404(can_view_plan(request.user, update.element.plan))
    return update


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# -- My updates ----------------------------------------------------------------------------------
def _update_values(due: UpdateDue, posted: dict[str, Any]) -> dict[str, Any]:
    if due.key in posted:
        return posted[due.key]
    update = due.update
    if update is None:
        previous = due.previous
        return {
            "health": previous.health if previous else Health.NOT_ASSESSED,
            "percent_complete": (
                previous.percent_complete
                if previous and previous.percent_complete is not None
                else due.element.percent_complete
            ),
            **{name: "" for name in TEXT_FIELDS},
        }
    values = {name: getattr(update, name) for name in UPDATE_FIELDS}
    if values["percent_complete"] is None:
        values["percent_complete"] = ""
    return values


def _is_blank(data: dict[str, Any]) -> bool:
    return not any(data.get(name) for name in TEXT_FIELDS)


@login_required
@require_http_methods(["GET", "POST"])
def my_updates(request: HttpRequest) -> HttpResponse:
    """Everything the person owes this period, on one page: element updates, indicator values
    and action items, saved (or submitted) together."""
    dues = updates_owed_by(request.user)
    data_dues = data_owed_by(request.user)
    actions = list(action_items_owed_by(request.user))
    errors: dict[str, dict[str, list[str]]] = {}
    posted: dict[str, Any] = {}
    data_posted: dict[str, Any] = {}
    action_posted: dict[str, Any] = {}
    if request.method == "POST":
        submit = "submit" in request.POST
        update_entries = []
        for due in dues:
            data = {f: request.POST.get(f"{due.key}-{f}", "").strip() for f in UPDATE_FIELDS}
            posted[due.key] = data
            if _is_blank(data) and due.update is None:
                continue
            update_entries.append(
                UpdateEntry(
                    key=due.key,
                    element=due.element,
                    period=due.period,
                    data=data,
                    version=_int(request.POST.get(f"{due.key}-version")),
                )
            )
        measurement_entries, data_posted = data_entries(request, data_dues)
        action_entries = []
        for item in actions:
            key = f"a{item.pk}"
            done = bool(request.POST.get(f"{key}-done"))
            outcome = request.POST.get(f"{key}-outcome", "").strip()
            action_posted[key] = {"done": done, "outcome": outcome}
            if done:
                action_entries.append(
                    ActionEntry(
                        key=key,
                        item=item,
                        outcome=outcome,
                        version=_int(request.POST.get(f"{key}-version")),
                    )
                )
        if not (update_entries or measurement_entries or action_entries):
            messages.info(request, _("Nothing to save: write an update or enter a value first."))
        else:
            try:
                counts = period_save(
                    actor=request.user,
                    updates=update_entries,
                    measurements=measurement_entries,
                    actions=action_entries,
                    submit=submit,
                )
            except BatchError as exc:
                errors = exc.errors
                messages.error(
                    request,
                    ngettext(
                        "Nothing was saved: %(n)d entry needs correcting.",
                        "Nothing was saved: %(n)d entries need correcting.",
                        len(errors),
                    )
                    % {"n": len(errors)},
                )
            else:
                messages.success(request, _saved(counts, submit))
                return redirect("my-updates")
    update_rows = [
        {
            "due": due,
            "values": _update_values(due, posted),
            "errors": errors.get(due.key, {}),
        }
        for due in dues
    ]
    action_rows = [
        {
            "item": item,
            "key": f"a{item.pk}",
            "values": action_posted.get(f"a{item.pk}", {"done": False, "outcome": ""}),
            "errors": errors.get(f"a{item.pk}", {}),
        }
        for item in actions
    ]
    return render(
        request,
        "reporting/my_updates.html",
        {
            "update_rows": update_rows,
            "rows": data_rows(data_dues, data_posted, errors),
            "action_rows": action_rows,
            "owed": len(update_rows) + len(data_dues) + len(action_rows),
            "health_choices": Health.choices,
            "today": timezone.localdate(),
        },
    )


def _saved(counts: dict[str, int], submitted: bool) -> str:
    parts = []
    if counts["updates"]:
        parts.append(
            ngettext("%(n)d update", "%(n)d updates", counts["updates"]) % {"n": counts["updates"]}
        )
    if counts["measurements"]:
        parts.append(
            ngettext("%(n)d value", "%(n)d values", counts["measurements"])
            % {"n": counts["measurements"]}
        )
    if counts["actions"]:
        parts.append(
            ngettext("%(n)d action item done", "%(n)d action items done", counts["actions"])
            % {"n": counts["actions"]}
        )
    what = ", ".join(parts)
    if submitted:
        return _("Submitted: %(what)s.") % {"what": what}
    return _("Saved as drafts: %(what)s.") % {"what": what}


# -- one update ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def update_entry(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    """Write one element's update for a period, with the previous update beside the form."""
    element = get_object_or_404(
        Element.objects.select_related("plan__owner_unit", "responsible_unit", "lead"),
        pk=pk,
        plan__deleted_at__isnull=True,
    )
    visible_or_404(can_view_plan(request.user, element.plan))
    period = get_object_or_404(
        Period, pk=period_pk, plan=element.plan, frequency=element.plan.cadence
    )
    if not can_write_update(request.user, element):
        raise PermissionDenied
    update = ProgressUpdate.objects.filter(element=element, period=period).first()
    previous = previous_update(element, period)
    if update is not None and not update.editable_status:
        return redirect("update-detail", pk=update.pk)
    initial: dict[str, Any] = (
        {name: getattr(update, name) for name in UPDATE_FIELDS} | {"version": update.version}
        if update
        else {
            "health": previous.health if previous else Health.NOT_ASSESSED,
            "percent_complete": (
                previous.percent_complete
                if previous and previous.percent_complete is not None
                else element.percent_complete
            ),
            "version": 0,
        }
    )
    form = ProgressUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        saved = run_service(
            form,
            lambda: update_save(
                actor=request.user,
                element=element,
                period=period,
                data=form.service_data(),
                version=form.cleaned_data["version"],
                submit=submit,
            ),
        )
        if saved is not None:
            messages.success(
                request,
                _("Update submitted for acceptance.") if submit else _("Update saved as a draft."),
            )
            return redirect("update-detail", pk=saved.pk)
    return render(
        request,
        "reporting/update_form.html",
        {
            "element": element,
            "plan": element.plan,
            "period": period,
            "update": update,
            "previous": previous,
            "slot": slot_of(element, period),
            "form": form,
        },
    )


@login_required
def update_detail(request: HttpRequest, pk: int) -> HttpResponse:
    update = _update(request, pk)
    return render(
        request,
        "reporting/update_detail.html",
        {
            "update": update,
            "element": update.element,
            "plan": update.element.plan,
            "previous": previous_update(update.element, update.period),
            "can_review": can_review_update(request.user, update, accepting=False),
            "can_accept": can_review_update(request.user, update),
            "can_write": can_write_update(request.user, update.element),
            "return_form": ReturnForm(initial={"version": update.version}),
            "history": history_for(update, limit=20),
            "history_model": "progressupdate",
        },
    )


@login_required
@require_POST
def update_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    update = _update(request, pk)
    try:
        update_accept(
            actor=request.user,
            update=update,
            comment=request.POST.get("comment", ""),
            version=_int(request.POST.get("version")),
        )
    except (ValidationError, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request, _("Accepted the %(period)s update.") % {"period": update.period.label}
        )
    if request.POST.get("next"):
        return redirect(_safe_next(request))
    return redirect("update-detail", pk=pk)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else "/"


@login_required
@require_http_methods(["GET", "POST"])
def update_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    update = _update(request, pk)
    if not can_review_update(request.user, update, accepting=False):
        raise PermissionDenied
    form = ReturnForm(request.POST or None, initial={"version": update.version})
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: update_return(
                actor=request.user,
                update=update,
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Update returned to its author."))
            return redirect("update-detail", pk=pk)
    return render(
        request,
        "reporting/update_return.html",
        {"update": update, "element": update.element, "plan": update.element.plan, "form": form},
    )


# -- the schedule and the board ------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def plan_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """When the plan's elements report, who reports on what, and (for managers) the settings."""
    plan = _plan(request, pk)
    schedule = schedule_of(plan)
    may_edit = can_manage_plan(request.user, plan)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    form = ScheduleForm(
        request.POST or None,
        plan=plan,
        initial={
            "due_days": schedule.due_days,
            "tier_step_days": schedule.tier_step_days,
            "grace_days": schedule.grace_days,
            "reporting_tiers": schedule.reporting_tiers,
            "version": schedule.version if schedule.pk else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: schedule_save(
                actor=request.user,
                plan=plan,
                data=form.service_data(),
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Reporting schedule saved."))
            return redirect("plan-schedule", pk=pk)
    depths = reporting_depths(plan, schedule)
    periods = reporting_periods(plan)
    today = timezone.localdate()
    current = _current_period(periods, today)
    elements = list(
        Element.objects.filter(plan=plan, depth__in=depths)
        .select_related("lead", "responsible_unit")
        .order_by("sort_key")
    )
    tiers = [(d, plan.tier_name(d)) for d in depths]
    return render(
        request,
        "reporting/schedule.html",
        {
            "plan": plan,
            "tab": "reporting",
            "form": form,
            "may_edit": may_edit,
            "schedule": schedule,
            "tiers": tiers,
            "periods": [
                (p, [(name, due_date(schedule, p, d)) for d, name in tiers]) for p in periods
            ],
            "current": current,
            "elements": [
                (
                    e,
                    due_date(schedule, current, e.depth) if current else None,
                    bool(current and reports_in(e, current, depths)),
                )
                for e in elements
            ],
            "unassigned": sum(1 for e in elements if e.lead_id is None),
        },
    )


def _current_period(periods: list[Period], today: Any) -> Period | None:
    """The period today falls in, else the last one that has started, else the first."""
    started = [p for p in periods if p.start <= today]
    return started[-1] if started else (periods[0] if periods else None)


@login_required
def plan_board(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has and has not reported, this period and over time."""
    plan = _plan(request, pk)
    periods = reporting_periods(plan)
    today = timezone.localdate()
    chosen = _int(request.GET.get("period"))
    period = next((p for p in periods if p.pk == chosen), None) or _current_period(periods, today)
    board = completion_board(plan, period, today=today) if period else None
    return render(
        request,
        "reporting/board.html",
        {
            "plan": plan,
            "tab": "reporting",
            "periods": periods,
            "period": period,
            "board": board,
            "schedule": schedule_of(plan),
        },
    )
