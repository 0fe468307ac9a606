"""Pages for indicators: the plan's list, the indicator page, "My data", spreadsheet entry,
a value's page with its workflow, the review queue, period unlocking and the IPTT.

Thin: access, form, service, redirect. Every rule lives in the services and selectors.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.exceptions import ConflictError
from waymark.core.forms import run_service
from waymark.core.permissions import get_access, visible_or_404
from waymark.core.roles import Role
from waymark.core.selectors import history_for
from waymark.indicators.aggregation import check_breakdowns
from waymark.indicators.charts import indicator_chart
from waymark.indicators.forms import (
    IndicatorForm,
    IpttFilterForm,
    MeasurementForm,
    ReasonForm,
    TargetsForm,
    UnlockForm,
    UploadForm,
    display_input,
)
from waymark.indicators.models import Indicator, Measurement, Period, Revision, Transition
from waymark.indicators.selectors import (
    Due,
    awaiting_review_by,
    breakdown_values,
    can_enter,
    can_manage_indicator,
    can_review,
    can_unlock,
    can_unlock_plan,
    can_view_indicator,
    can_view_measurement,
    data_owed_by,
    figures,
    last_reason,
    life_of_plan,
    percent_met,
    reporting_units,
    sees_every_value,
    unit_roll_up,
)
from waymark.indicators.services import (
    BatchError,
    Entry,
    default_frequency,
    indicator_create,
    indicator_delete,
    indicator_update,
    measurement_approve,
    measurement_return,
    measurement_save,
    measurements_save_batch,
    period_lock,
    period_unlock,
    periods_ensure,
    plain_number,
    targets_set,
)
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Plan
from waymark.plans.selectors import can_manage_plan, can_view_plan

MY_DATA_FIELDS = ("value", "denominator", "text", "date_collected", "comment")


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    """A "next" address only when it stays on this site."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit"), pk=pk)
    visible_or_404(can_view_plan(request.user, plan))
    return plan


def _indicator(request: HttpRequest, pk: int) -> Indicator:
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan__owner_unit"), pk=pk, plan__deleted_at__isnull=True
    )
    visible_or_404(can_view_indicator(request.user, indicator))
    return indicator


def _measurement(request: HttpRequest, pk: int) -> Measurement:
    measurement = get_object_or_404(
        Measurement.objects.select_related(
            "indicator__plan__owner_unit", "period", "unit", "submitted_by", "entered_by"
        ),
        pk=pk,
        indicator__deleted_at__isnull=True,
        indicator__plan__deleted_at__isnull=True,
    )
    visible_or_404(can_view_measurement(request.user, measurement))
    return measurement


def _period(request: HttpRequest, pk: int) -> Period:
    period = get_object_or_404(Period.objects.select_related("plan__owner_unit"), pk=pk)
    visible_or_404(can_view_plan(request.user, period.plan) and not period.plan.is_deleted)
    return period


# -- indicators of a plan ------------------------------------------------------------------------
@login_required
def indicator_list(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .prefetch_related("elements", "numerator_of", "denominator_of", "reporting_units")
        .order_by("code")
    )
    periods = list(Period.objects.filter(plan=plan))
    table = figures(indicators, periods)
    rows = []
    today = timezone.localdate()
    for indicator in indicators:
        cells = [c for c in table[indicator.pk].values() if c.period.start <= today]
        latest = next((c for c in reversed(cells) if c.actual is not None), None)
        life = life_of_plan(indicator, table[indicator.pk])
        rows.append(
            {
                "indicator": indicator,
                "latest": latest,
                "latest_met": percent_met(
                    indicator,
                    latest.actual_amount if latest else None,
                    latest.target if latest else None,
                ),
                "life": life,
                "life_met": percent_met(
                    indicator, life.amount if life else None, indicator.target_value
                ),
            }
        )
    return render(
        request,
        "indicators/indicator_list.html",
        {"plan": plan, "rows": rows, "can_manage": can_manage_plan(request.user, plan)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_manage_plan(request.user, plan):
        raise PermissionDenied
    element_id = request.GET.get("element")
    initial: dict[str, Any] = {
        "measure_type": Indicator.MeasureType.NUMBER,
        "direction": Indicator.Direction.INCREASE,
        "frequency": default_frequency(plan),
        "aggregation": Indicator.AggregationRule.SUM,
        "numerator_at_most_denominator": True,
        "elements": [element_id] if element_id else [],
    }
    form = IndicatorForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        indicator = run_service(
            form, lambda: indicator_create(actor=request.user, plan=plan, data=form.service_data())
        )
        if indicator:
            messages.success(
                request,
                _("Indicator %(code)s created. Set its targets next.") % {"code": indicator.code},
            )
            return redirect("indicator-targets", indicator.pk)
    return render(request, "indicators/indicator_form.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    if not can_manage_indicator(request.user, indicator):
        raise PermissionDenied
    form = IndicatorForm(
        request.POST or None,
        plan=indicator.plan,
        indicator=indicator,
        initial=IndicatorForm.initial_for(indicator),
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            lambda: indicator_update(
                actor=request.user,
                indicator=indicator,
                data=form.service_data(),
                version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
            ),
        )
        if saved:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            return redirect("indicator-detail", indicator.pk)
    return render(
        request,
        "indicators/indicator_form.html",
        {"form": form, "plan": indicator.plan, "indicator": indicator},
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    if not can_manage_indicator(request.user, indicator):
        raise PermissionDenied
    if request.method == "POST":
        try:
            indicator_delete(actor=request.user, indicator=indicator)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("indicator-detail", indicator.pk)
        messages.success(request, _("Indicator moved to the trash; a manager can restore it."))
        return redirect("indicator-list", indicator.plan_id)
    return render(
        request,
        "plans/confirm_delete.html",
        {"object": indicator, "cancel": reverse("indicator-detail", args=[indicator.pk])},
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_targets(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    if not can_manage_indicator(request.user, indicator):
        raise PermissionDenied
    periods = periods_ensure(plan=indicator.plan, frequency=indicator.frequency)
    current = {t.period_id: t.value for t in indicator.targets.all()}
    form = TargetsForm(
        request.POST or None,
        periods=periods,
        initial={f"target_{p.pk}": plain_number(current.get(p.pk)) for p in periods},
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: targets_set(
                actor=request.user,
                indicator=indicator,
                targets=form.targets(),
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            messages.success(request, _("Targets saved."))
            return redirect("indicator-detail", indicator.pk)
    has_data = indicator.measurements.exists()
    return render(
        request,
        "indicators/indicator_targets.html",
        {"form": form, "indicator": indicator, "plan": indicator.plan, "has_data": has_data},
    )


@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _indicator(request, pk)
    indicator = (
        Indicator.objects.filter(pk=indicator.pk)
        .select_related("plan__owner_unit")
        .prefetch_related(
            "elements",
            "data_owners",
            "reporting_units",
            "dimensions",
            "numerator_of",
            "denominator_of",
        )
        .get()
    )
    org = Organisation.get()
    periods = list(Period.objects.filter(plan=indicator.plan, frequency=indicator.frequency))
    all_measurements = list(
        Measurement.objects.filter(indicator=indicator).select_related(
            "unit", "period", "submitted_by"
        )
    )
    access = get_access(request.user)
    every_value = sees_every_value(request.user, indicator)
    if not every_value:  # a reporter of another unit sees its own units' values only
        all_measurements = [m for m in all_measurements if access.has(m.unit, Role.VIEWER)]
    # A calculated indicator's figures come from its components' approved values.
    given = None if indicator.is_calculated else all_measurements
    table = figures([indicator], periods, measurements=given)[indicator.pk]
    cells = list(table.values())
    units = reporting_units(indicator)
    if not every_value:
        units = [u for u in units if access.has(u, Role.VIEWER)]
    unit_names = {u.pk: u for u in units}
    for m in all_measurements:
        unit_names.setdefault(m.unit_id, m.unit)
    rows = []
    for cell in cells:
        met = percent_met(indicator, cell.actual_amount, cell.target)
        rows.append({"cell": cell, "met": met, "status": cell.period.status(org.grace_days)})
    life = life_of_plan(indicator, table)
    dimensions = list(indicator.dimensions.all())
    breakdown_rows = [
        (dimension, category, [c.breakdown.get(dimension.name, {}).get(category) for c in cells])
        for dimension in dimensions
        for category in dimension.categories
    ]
    awaiting = [m for m in all_measurements if m.status == Measurement.Status.SUBMITTED]
    for m in awaiting:
        m.reviewable = can_review(request.user, m, org=org)
    steps = Transition.objects.filter(measurement__indicator=indicator)
    if not every_value:
        steps = steps.filter(access.unit_q("measurement__unit__"))
    transitions = list(
        steps.select_related("actor", "measurement__period", "measurement__unit").order_by(
            "-time", "-id"
        )[:12]
    )
    # Changes of a value already set (first settings are not revisions worth a reader's time).
    revisions = list(
        Revision.objects.filter(indicator=indicator)
        .exclude(old_value__isnull=True, reason="")
        .select_related("actor", "period")[:12]
    )
    # The indicator's history holds its values' changes too: only for who sees every value.
    history = history_for(indicator, limit=8, belongings=every_value)
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "plan": indicator.plan,
            "rows": rows,
            "chart": indicator_chart(indicator, cells),
            "life": life,
            "life_met": percent_met(
                indicator, life.amount if life else None, indicator.target_value
            ),
            "units": [unit_names[k] for k in unit_names],
            "roll_up": unit_roll_up(indicator, cells),
            "breakdown_rows": breakdown_rows,
            "cells": cells,
            "awaiting": awaiting,
            "transitions": transitions,
            "revisions": revisions,
            "can_manage": can_manage_indicator(request.user, indicator),
            "can_unlock": can_unlock_plan(request.user, indicator.plan),
            "enter_units": [u for u in units if can_enter(request.user, indicator, u)],
            "history": history,
            "every_value": every_value,
            "history_model": "indicator",
            "grace_days": org.grace_days,
        },
    )


# -- My data -------------------------------------------------------------------------------------
def _row_data(request: HttpRequest, due: Due) -> dict[str, Any]:
    return {f: request.POST.get(f"{due.key}-{f}", "").strip() for f in MY_DATA_FIELDS}


def data_entries(request: HttpRequest, dues: list[Due]) -> tuple[list[Entry], dict[str, Any]]:
    """The values posted for what the person owes: batch entries (rows left empty skipped) and
    everything typed, to show again when the batch is refused. Used by My data and My updates."""
    entries = []
    posted: dict[str, dict[str, Any]] = {}
    for due in dues:
        data = _row_data(request, due)
        posted[due.key] = data
        if not any(data.values()) and due.measurement is None:
            continue
        version = request.POST.get(f"{due.key}-version")
        entries.append(
            Entry(
                key=due.key,
                indicator=due.indicator,
                period=due.period,
                unit=due.unit,
                data={k: v for k, v in data.items() if k in _fields_for(due.indicator)},
                version=int(version) if version and version.isdigit() else None,
            )
        )
    return entries, posted


def data_rows(
    dues: list[Due], posted: dict[str, Any], errors: dict[str, dict[str, list[str]]]
) -> list[dict[str, Any]]:
    """The rows of the data-entry table (indicators/_data_table.html)."""
    rows = []
    for due in dues:
        values = posted.get(due.key) or {
            "value": display_input(due.indicator, due.measurement),
            "denominator": plain_number(due.measurement.denominator) if due.measurement else "",
            "text": due.measurement.text if due.measurement else "",
            "date_collected": (
                due.measurement.date_collected.isoformat()
                if due.measurement and due.measurement.date_collected
                else ""
            ),
            "comment": due.measurement.comment if due.measurement else "",
        }
        rows.append(
            {
                "due": due,
                "values": values,
                "errors": errors.get(due.key, {}),
                "returned_reason": due.returned_reason,
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the person owes this period, on one page, saved in one go."""
    dues = data_owed_by(request.user)
    errors: dict[str, dict[str, list[str]]] = {}
    posted: dict[str, dict[str, Any]] = {}
    if request.method == "POST":
        submit = "submit" in request.POST
        entries, posted = data_entries(request, dues)
        if not entries:
            messages.info(request, _("Nothing to save: enter at least one value."))
        else:
            try:
                saved = measurements_save_batch(actor=request.user, entries=entries, submit=submit)
            except BatchError as exc:
                errors = exc.errors
                messages.error(request, str(exc))
            else:
                messages.success(request, _saved_message(len(saved), submit))
                return redirect("my-data")
    return render(
        request,
        "indicators/my_data.html",
        {
            "rows": data_rows(dues, posted, errors),
            "upload_form": UploadForm(),
            "today": timezone.localdate(),
        },
    )


def _saved_message(n: int, submitted: bool) -> str:
    if submitted:
        return ngettext(
            "Submitted %(n)d value for approval.", "Submitted %(n)d values for approval.", n
        ) % {"n": n}
    return ngettext("Saved %(n)d draft.", "Saved %(n)d drafts.", n) % {"n": n}


def _fields_for(indicator: Indicator) -> set[str]:
    if indicator.measure_type == Indicator.MeasureType.QUALITATIVE:
        return {"text", "date_collected", "comment"}
    if indicator.is_ratio:
        return {"value", "denominator", "date_collected", "comment"}
    return {"value", "date_collected", "comment"}


@login_required
def my_data_template(request: HttpRequest) -> HttpResponse:
    from waymark.indicators.spreadsheets import template_workbook

    content = template_workbook(data_owed_by(request.user), person_name=request.user.name)  # type: ignore[union-attr]
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="waymark-my-data-{stamp}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_data_upload(request: HttpRequest) -> HttpResponse:
    from waymark.indicators.spreadsheets import SpreadsheetError, describe_errors, read_template

    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            entries = read_template(form.cleaned_data["file"], person=request.user)
            saved = measurements_save_batch(
                actor=request.user, entries=entries, submit=form.cleaned_data["submit"]
            )
        except (SpreadsheetError, BatchError) as exc:
            problems = describe_errors(exc.errors)
        else:
            if not saved:
                messages.info(request, _("The file holds no values to save."))
            else:
                messages.success(request, _saved_message(len(saved), form.cleaned_data["submit"]))
            return redirect("my-data")
    return render(request, "indicators/my_data_upload.html", {"form": form, "problems": problems})


# -- one value -----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def measurement_entry(request: HttpRequest, pk: int, period_pk: int, unit_pk: int) -> HttpResponse:
    """One value with its breakdown, evidence and comment."""
    indicator = _indicator(request, pk)
    period = get_object_or_404(
        Period, pk=period_pk, plan=indicator.plan, frequency=indicator.frequency
    )
    unit = get_object_or_404(Unit, pk=unit_pk)
    if not can_enter(request.user, indicator, unit):
        raise PermissionDenied
    measurement = Measurement.objects.filter(indicator=indicator, period=period, unit=unit).first()
    form = MeasurementForm(
        request.POST or None,
        request.FILES or None,
        indicator=indicator,
        initial=MeasurementForm.initial_for(indicator, measurement),
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            lambda: measurement_save(
                actor=request.user,
                indicator=indicator,
                period=period,
                unit=unit,
                data=form.service_data(),
                version=form.cleaned_data["version"],
                submit="submit" in request.POST,
            ),
        )
        if saved:
            messages.success(
                request,
                _("Submitted for approval.")
                if saved.status == Measurement.Status.SUBMITTED
                else _("Draft saved."),
            )
            return redirect("measurement-detail", saved.pk)
    org = Organisation.get()
    return render(
        request,
        "indicators/measurement_form.html",
        {
            "form": form,
            "indicator": indicator,
            "plan": indicator.plan,
            "period": period,
            "unit": unit,
            "measurement": measurement,
            "status": period.status(org.grace_days),
            "returned_reason": last_reason(measurement) if measurement else "",
        },
    )


@login_required
def measurement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measurement = _measurement(request, pk)
    indicator = measurement.indicator
    value = measurement.as_value()
    parts = breakdown_values(measurement.breakdown)
    checks = check_breakdowns(value, parts) if value is not None else []
    return render(
        request,
        "indicators/measurement_detail.html",
        {
            "m": measurement,
            "indicator": indicator,
            "plan": indicator.plan,
            "parts": parts,
            "checks": checks,
            "transitions": list(measurement.transitions.select_related("actor")),
            "can_review": measurement.status
            in (Measurement.Status.SUBMITTED, Measurement.Status.APPROVED)
            and can_review(request.user, measurement),
            "can_edit": measurement.editable_status
            and can_enter(request.user, indicator, measurement.unit),
            "return_form": ReasonForm(initial={"version": measurement.version}),
            "history": history_for(measurement, limit=20),
            "history_model": "measurement",
        },
    )


@login_required
def measurement_evidence(request: HttpRequest, pk: int) -> FileResponse:
    measurement = _measurement(request, pk)
    if not measurement.evidence_file:
        raise Http404
    name = (measurement.evidence_file.name or "").rsplit("/", 1)[-1]
    return FileResponse(measurement.evidence_file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def measurement_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    measurement = _measurement(request, pk)
    version = request.POST.get("version")
    try:
        measurement_approve(
            actor=request.user,
            measurement=measurement,
            version=int(version) if version and version.isdigit() else None,
        )
    except (ValidationError, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("Approved %(what)s.")
            % {
                "what": f"{measurement.indicator.code} · {measurement.period.label} · {measurement.unit.label}"
            },
        )
    return redirect(
        _safe_next(request, request.POST.get("next"))
        or reverse("measurement-detail", args=[measurement.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def measurement_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    measurement = _measurement(request, pk)
    if not can_review(request.user, measurement):
        raise PermissionDenied
    form = ReasonForm(request.POST or None, initial={"version": measurement.version})
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: measurement_return(
                actor=request.user,
                measurement=measurement,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Returned to its owners with your comment."))
            return redirect("measurement-detail", measurement.pk)
    return render(
        request,
        "indicators/measurement_return.html",
        {
            "form": form,
            "m": measurement,
            "indicator": measurement.indicator,
            "plan": measurement.indicator.plan,
        },
    )


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Submitted values and progress updates waiting for this person's approval."""
    from waymark.reporting.selectors import updates_awaiting

    waiting = list(
        awaiting_review_by(request.user).order_by("period__start", "indicator__code")[:500]
    )
    updates = list(updates_awaiting(request.user)[:500])
    return render(request, "indicators/review_list.html", {"waiting": waiting, "updates": updates})


# -- periods -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def period_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    if not can_unlock(request.user, period):
        raise PermissionDenied
    form = UnlockForm(
        request.POST or None,
        initial={
            "until": timezone.localtime() + datetime.timedelta(days=7),
            "version": period.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: period_unlock(
                actor=request.user,
                period=period,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(
                request,
                _("%(period)s is open for data until %(until)s.")
                % {
                    "period": period.label,
                    "until": timezone.localtime(period.unlocked_until).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect(
                _safe_next(request, request.GET.get("next"))
                or reverse("plan-indicators-periods", args=[period.plan_id])
            )
    return render(
        request,
        "indicators/period_unlock.html",
        {"form": form, "period": period, "plan": period.plan},
    )


@login_required
@require_POST
def period_lock_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk)
    if not can_unlock(request.user, period):
        raise PermissionDenied
    period_lock(actor=request.user, period=period)
    messages.success(request, _("%(period)s is locked again.") % {"period": period.label})
    return redirect("plan-indicators-periods", period.plan_id)


@login_required
def plan_periods(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's reporting periods, their state, and (for admins) unlocking."""
    plan = _plan(request, pk)
    org = Organisation.get()
    periods = list(Period.objects.filter(plan=plan).order_by("frequency", "start"))
    for p in periods:
        p.shown_status = p.status(org.grace_days)  # type: ignore[attr-defined]
        p.grace_end = p.grace_ends(org.grace_days)  # type: ignore[attr-defined]
    return render(
        request,
        "indicators/plan_periods.html",
        {
            "plan": plan,
            "periods": periods,
            "grace_days": org.grace_days,
            "can_unlock": can_unlock_plan(request.user, plan),
        },
    )


# -- IPTT ----------------------------------------------------------------------------------------
def _iptt(request: HttpRequest, plan: Plan) -> tuple[Any, IpttFilterForm]:
    from waymark.indicators.iptt import iptt

    access = get_access(request.user)
    units = (
        Unit.objects.filter(
            Q(reported_indicators__plan=plan) | Q(elements__plan=plan) | Q(pk=plan.owner_unit_id)
        )
        .distinct()
        .order_by("path")
    )
    if not access.is_superuser:
        units = units.filter(access.unit_q() | Q(pk__in=sorted(access.ancestor_unit_ids)))
    form = IpttFilterForm(request.GET or None, plan=plan, units=units)
    options: dict[str, Any] = {}
    if form.is_valid():
        options = {k: v for k, v in form.cleaned_data.items() if v}
    return iptt(person=request.user, plan=plan, **options), form


@login_required
def plan_iptt(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    table, form = _iptt(request, plan)
    return render(
        request,
        "indicators/iptt.html",
        {
            "plan": plan,
            "table": table,
            "form": form,
            "query": request.GET.urlencode(),
            "frequency_label": dict(Indicator.Frequency.choices).get(table.frequency, ""),
        },
    )


@login_required
def plan_iptt_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from waymark.indicators.spreadsheets import iptt_workbook

    plan = _plan(request, pk)
    table, _form = _iptt(request, plan)
    content = iptt_workbook(table, title=plan.title)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="iptt-plan-{plan.pk}.xlsx"'
    return response
