"""Pages of reason analytics, the monthly report and the review report, and their PDFs.

Thin: access, the report's selector, the charts, the template. A report and its PDF share one
template; the PDF sets `pdf` (no navigation, no forms) and WeasyPrint writes it.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from waymark.core.permissions import visible_or_404
from waymark.indicators.models import Period
from waymark.org.models import Organisation
from waymark.plans.charts import health_chart
from waymark.plans.models import Plan
from waymark.plans.selectors import can_view_plan, plans_visible_to
from waymark.reporting.analytics import (
    code_chart,
    reason_charts,
    reason_counts,
    without_series_ids,
)
from waymark.reporting.models import Review
from waymark.reporting.pdf import PdfUnavailable, render_pdf
from waymark.reporting.reports import Report, monthly_report, quarterly_report
from waymark.reporting.selectors import reporting_periods

PAGE_LAYOUT = "base.html"


# -- reason analytics --------------------------------------------------------------------------
@login_required
@require_GET
def reason_analytics(request: HttpRequest) -> HttpResponse:
    """Why plans slip: the off-track reasons of the reviews the person may see, by code, unit,
    tier, period and year, each chart with its table, and what people said."""
    plans = list(plans_visible_to(request.user).order_by("title").only("pk", "title"))
    plan = _chosen(plans, request.GET.get("plan"))
    year = _int(request.GET.get("year"))
    if year is not None and not 1 <= year <= 9999:
        year = None  # not a year: every year
    counts = reason_counts(request.user, plan=plan, year=year)
    return render(
        request,
        "reporting/reason_analytics.html",
        {
            "counts": counts,
            "charts": reason_charts(counts),
            "plans": plans,
            "plan": plan,
            "year": year,
            "filtered": plan is not None or year is not None,
        },
    )


def _chosen(plans: list[Plan], raw: str | None) -> Plan | None:
    pk = _int(raw)
    return next((p for p in plans if p.pk == pk), None)


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


# -- the monthly report ------------------------------------------------------------------------
def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit"), pk=pk)
    visible_or_404(can_view_plan(request.user, plan))
    return plan


def _period(request: HttpRequest, periods: list[Period]) -> Period:
    """?period=<pk> among the plan's reporting periods; by default the latest that has ended
    (the first when none has)."""
    if not periods:
        raise Http404
    raw = request.GET.get("period")
    if raw:
        pk = _int(raw)
        chosen = next((p for p in periods if p.pk == pk), None)
        if chosen is None:
            raise Http404
        return chosen
    today = timezone.localdate()
    ended = [p for p in periods if p.end < today]
    return ended[-1] if ended else periods[0]


def _monthly(request: HttpRequest, pk: int) -> dict[str, Any]:
    plan = _plan(request, pk)
    periods = reporting_periods(plan)
    period = _period(request, periods)
    report = monthly_report(plan, period)
    today = timezone.localdate()
    return {
        "plan": plan,
        "report": report,
        "periods": periods,
        "ended": [p.pk for p in periods if p.end < today],
        "report_title": (
            _("Monthly report") if plan.cadence == Plan.Cadence.MONTHLY else _("Quarterly report")
        ),
        **_charts(report, request.organisation),  # type: ignore[attr-defined]
    }


@login_required
@require_GET
def plan_monthly_report(request: HttpRequest, pk: int) -> HttpResponse:
    context = _monthly(request, pk)
    return render(request, "reporting/monthly_report.html", {**context, "layout": PAGE_LAYOUT})


@login_required
@require_GET
def plan_monthly_report_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    context = _monthly(request, pk)
    report: Report = context["report"]
    name = _filename(report.plan.title, context["report_title"], report.period.label)
    back = reverse("plan-monthly-report", args=[pk]) + f"?period={report.period.pk}"
    return _pdf(request, "reporting/monthly_report.html", context, name, back)


# -- the review report -------------------------------------------------------------------------
def _review(request: HttpRequest, pk: int) -> Review:
    review = get_object_or_404(
        Review.objects.select_related(
            "plan__owner_unit", "period", "unit", "chair", "closed_by"
        ).filter(plan__deleted_at__isnull=True),
        pk=pk,
    )
    visible_or_404(can_view_plan(request.user, review.plan))
    return review


def _quarterly(request: HttpRequest, pk: int) -> dict[str, Any]:
    review = _review(request, pk)
    report = quarterly_report(review)
    entry = report.reviews[0]
    return {
        "plan": review.plan,
        "review": review,
        "report": report,
        "entry": entry,
        "reasons_svg": (
            code_chart(entry.reasons, title=_("Why elements are off track"))
            if entry.reason_total
            else ""
        ),
        **_charts(report, request.organisation),  # type: ignore[attr-defined]
    }


@login_required
@require_GET
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    context = _quarterly(request, pk)
    return render(request, "reporting/review_report.html", {**context, "layout": PAGE_LAYOUT})


@login_required
@require_GET
def review_report_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    context = _quarterly(request, pk)
    review: Review = context["review"]
    name = _filename(review.plan.title, review.get_kind_display(), review.period.label)
    back = reverse("review-report", args=[pk])
    return _pdf(request, "reporting/review_report.html", context, name, back)


# -- shared ------------------------------------------------------------------------------------
def _charts(report: Report, org: Organisation) -> dict[str, str]:
    """The health now and the health reported in the period, as the plan dashboard draws it."""

    def counts(pairs: list[tuple[str, int]]) -> list[tuple[str, str, str, int]]:
        styles = {h: org.health_style(h) for h, _n in pairs}
        return [(h, styles[h]["label"], styles[h]["colour"], n) for h, n in pairs]

    now, reported = report.summary["health_counts"], report.health_reported
    return {
        "health_now_svg": (
            without_series_ids(health_chart(counts(now), title=_("Health now"))) if now else ""
        ),
        "health_reported_svg": (
            without_series_ids(
                health_chart(counts(reported), title=_("Health reported for the period"))
            )
            if reported
            else ""
        ),
    }


def _filename(*parts: str) -> str:
    """A file name such as development-goals-2017-monthly-report-2017-02.pdf (letters of any
    script kept)."""
    stem = "-".join(slugify(p, allow_unicode=True) for p in parts if p)
    return f"{stem or 'report'}.pdf"


def _pdf(
    request: HttpRequest, template: str, context: dict[str, Any], name: str, back: str
) -> HttpResponseBase:
    """The PDF as a download, or a 503 page saying what the server lacks to make one."""
    try:
        pdf = render_pdf(template, context, request)
    except PdfUnavailable as error:
        return render(
            request,
            "reporting/_report_pdf_unavailable.html",
            {"message": str(error), "back": back},
            status=503,
        )
    response = FileResponse(
        io.BytesIO(pdf), as_attachment=True, filename=name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
