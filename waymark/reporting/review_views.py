"""Pages of reviews and baselines: a plan's reviews, one review with its agenda (the five
questions and a decision per element, off track first), closing it, and the plan's baselines
with the comparison of original and current dates.

Thin: access, form, service, redirect. Every rule lives in waymark/reporting/reviews.py.
"""

from __future__ import annotations

import re
from typing import Any

import pygal
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.exceptions import ConflictError
from waymark.core.forms import VersionField, run_service
from waymark.core.permissions import visible_or_404
from waymark.indicators.models import Period
from waymark.org.models import Unit
from waymark.plans.charts import OVERDUE, chart_style
from waymark.plans.charts import render as render_chart
from waymark.plans.forms import DateInput, active_people
from waymark.plans.models import Plan
from waymark.plans.selectors import can_manage_plan, can_view_plan
from waymark.reporting.models import Baseline, Review, ReviewItem, ReviewReason
from waymark.reporting.reviews import (
    Comparison,
    baseline_comparison,
    baseline_take,
    can_create_review,
    can_run_review,
    can_view_review,
    close_summary,
    default_period,
    latest_updates,
    needs_decision,
    review_agenda,
    review_close,
    review_create,
    review_item_save,
    review_outcome,
    review_units_for,
    reviews_of,
)
from waymark.reporting.selectors import reporting_periods

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
TEXTAREA = {"rows": 2}
CHART_ROWS = 15  # the slip chart shows the largest slips; the table has them all


# -- forms -------------------------------------------------------------------------------------
class ReviewCreateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Review.Kind.choices)
    period = forms.TypedChoiceField(label=gettext_lazy("Period"), coerce=int)
    unit = forms.ChoiceField(
        label=gettext_lazy("Part of the plan"),
        required=False,
        help_text=gettext_lazy(
            "A unit's review takes the elements the unit or a unit below it is responsible for."
        ),
    )
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput())

    def __init__(
        self, *args: Any, periods: list[Period], units: list[Unit], whole_plan: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.periods = {p.pk: p for p in periods}
        self.units = {u.pk: u for u in units}
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            (p.pk, f"{p.label} ({p.start:%Y-%m-%d}\u2013{p.end:%Y-%m-%d})") for p in periods
        ]
        choices = [("", _("The whole plan"))] if whole_plan else []
        self.fields["unit"].choices = choices + [  # type: ignore[attr-defined]
            (str(u.pk), u.name) for u in units
        ]
        self.fields["unit"].required = not whole_plan

    def clean_unit(self) -> Unit | None:
        value = self.cleaned_data.get("unit")
        return self.units.get(int(value)) if value else None


class ReviewItemForm(forms.Form):
    """One element's answers: the five questions and the decision."""

    on_track = forms.ChoiceField(
        label=gettext_lazy("1. Is it on track against the timeline?"),
        choices=ReviewItem.OnTrack.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    # 2. Why not: a box per coded reason, each with its words (added in __init__).
    reasons = forms.Field(required=False, widget=forms.HiddenInput)  # carries the errors
    changes = forms.CharField(
        label=gettext_lazy("3. What changed, inside or outside, that affects it?"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
    )
    timeline_realistic = forms.ChoiceField(
        label=gettext_lazy("4. Is the timeline realistic?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    proposed_start = forms.DateField(
        label=gettext_lazy("Proposed start date"), widget=DateInput(), required=False
    )
    proposed_target = forms.DateField(
        label=gettext_lazy("Proposed target date"), widget=DateInput(), required=False
    )
    staff_sufficient = forms.ChoiceField(
        label=gettext_lazy("Enough people?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    budget_sufficient = forms.ChoiceField(
        label=gettext_lazy("Enough money?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    resources_note = forms.CharField(
        label=gettext_lazy("About resources"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
    )
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), required=False)
    decision_note = forms.CharField(
        label=gettext_lazy("Decision details"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
    )
    decision_owner = forms.TypedChoiceField(
        label=gettext_lazy("Who"), coerce=int, required=False, empty_value=None
    )
    decision_due = forms.DateField(
        label=gettext_lazy("By when"), widget=DateInput(), required=False
    )
    new_lead = forms.TypedChoiceField(
        label=gettext_lazy("New lead"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("For a reassignment: a member of the element's unit."),
    )
    version = VersionField()

    def __init__(self, *args: Any, people: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [  # type: ignore[attr-defined]
            ("", _("— not decided yet —")),
            *ReviewItem.Decision.choices,
        ]
        for name in ("decision_owner", "new_lead"):
            self.fields[name].choices = [("", "—"), *people]  # type: ignore[attr-defined]
        for code, label in ReviewReason.Code.choices:
            self.fields[f"reason_{code}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"reason_{code}_text"] = forms.CharField(
                label=_("Explain: %(reason)s") % {"reason": label}, required=False
            )

    @property
    def reason_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"reason_{code}"], self[f"reason_{code}_text"])
            for code in ReviewReason.Code.values
        ]

    def service_data(self) -> dict[str, Any]:
        skipped = {"version", "reasons"}
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in skipped and not name.startswith("reason_")
        }

    def service_reasons(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            code: data.get(f"reason_{code}_text", "")
            for code in ReviewReason.Code.values
            if data.get(f"reason_{code}")
        }


def _flag_value(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _item_initial(item: ReviewItem) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "on_track": item.on_track,
        "changes": item.changes,
        "timeline_realistic": _flag_value(item.timeline_realistic),
        "proposed_start": item.proposed_start,
        "proposed_target": item.proposed_target,
        "staff_sufficient": _flag_value(item.staff_sufficient),
        "budget_sufficient": _flag_value(item.budget_sufficient),
        "resources_note": item.resources_note,
        "decision": item.decision,
        "decision_note": item.decision_note,
        "decision_owner": item.decision_owner_id,
        "decision_due": item.decision_due,
        "new_lead": item.new_lead_id,
        "version": item.version,
    }
    for reason in item.reasons.all():
        initial[f"reason_{reason.code}"] = True
        initial[f"reason_{reason.code}_text"] = reason.text
    return initial


def _item_form(item: ReviewItem, people: list[tuple[Any, str]], data: Any = None) -> ReviewItemForm:
    return ReviewItemForm(
        data, people=people, prefix=f"item-{item.pk}", initial=_item_initial(item)
    )


class BaselineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text=gettext_lazy(
            "Why the plan's dates are frozen again, e.g. “Re-planned at the Q2 review”. "
            "The first baseline needs none."
        ),
    )


# -- lookups -----------------------------------------------------------------------------------
def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("owner_unit"), pk=pk)
    visible_or_404(can_view_plan(request.user, plan))
    return plan


def _review(request: HttpRequest, pk: int) -> Review:
    review = get_object_or_404(
        Review.objects.select_related(
            "plan__owner_unit", "period", "unit", "chair", "closed_by"
        ).filter(plan__deleted_at__isnull=True),
        pk=pk,
    )
    visible_or_404(can_view_review(request.user, review))
    return review


def _people() -> list[tuple[Any, str]]:
    """The organisation's active people, for the who and new lead selects (one query)."""
    return [(p.pk, p.name) for p in active_people()]


# -- a plan's reviews --------------------------------------------------------------------------
def _create_form(request: HttpRequest, plan: Plan, data: Any = None) -> ReviewCreateForm:
    periods = reporting_periods(plan)
    whole = can_manage_plan(request.user, plan)
    units = review_units_for(request.user, plan)
    today = timezone.localdate()
    return ReviewCreateForm(
        data,
        periods=periods,
        units=units,
        whole_plan=whole,
        initial={
            "kind": Review.Kind.QUARTERLY
            if plan.cadence == Plan.Cadence.QUARTERLY
            else Review.Kind.MID_MONTH,
            "period": default_period(plan, periods, today).pk if periods else None,
            "held_on": today,
        },
    )


def _list_page(
    request: HttpRequest, plan: Plan, form: ReviewCreateForm | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "reporting/review_list.html",
        {"plan": plan, "reviews": list(reviews_of(plan)), "form": form},
        status=status,
    )


@login_required
def review_list(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = _create_form(request, plan) if can_create_review(request.user, plan) else None
    return _list_page(request, plan, form)


@login_required
@require_http_methods(["GET", "POST"])
def review_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_create_review(request.user, plan):
        raise PermissionDenied
    form = _create_form(request, plan, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        review = run_service(
            form,
            lambda: review_create(
                actor=request.user,
                plan=plan,
                period=form.periods[data["period"]],
                kind=data["kind"],
                unit=data["unit"],
                held_on=data["held_on"],
            ),
        )
        if review:
            messages.success(
                request,
                _("%(review)s opened: answer the five questions for each element, then close it.")
                % {"review": review},
            )
            return redirect("review-detail", review.pk)
    return _list_page(request, plan, form)


# -- one review --------------------------------------------------------------------------------
def _detail_page(
    request: HttpRequest,
    review: Review,
    *,
    bound: ReviewItemForm | None = None,
    bound_item: int | None = None,
    close_errors: list[str] | None = None,
) -> HttpResponse:
    agenda = review_agenda(review)
    can_run = can_run_review(request.user, review) and review.state == Review.State.OPEN
    updates = latest_updates(review)
    people = _people() if can_run else []
    rows = []
    for item in agenda:
        form = None
        if can_run:
            form = (
                bound if bound is not None and item.pk == bound_item else _item_form(item, people)
            )
        rows.append(
            {
                "item": item,
                "form": form,
                "update": updates.get(item.element_id),
                "needs_decision": needs_decision(item),
                "open": bool(
                    form is not None
                    and (form.errors or (needs_decision(item) and not item.decision))
                ),
            }
        )
    summary = close_summary(agenda)
    closed = review.state == Review.State.CLOSED
    return render(
        request,
        "reporting/review_detail.html",
        {
            "review": review,
            "plan": review.plan,
            "rows": rows,
            "total": len(rows),
            "summary": summary,
            "answered": sum(1 for i in agenda if i.on_track),
            "decided": sum(1 for i in agenda if i.decision),
            "off_track": sum(1 for i in agenda if i.health_then == "off_track"),
            "can_run": can_run,
            "close_errors": close_errors or [],
            "baseline": review_outcome(review) if closed else None,
            "action_items": [a for i in agenda for a in i.action_items.all()],
            "reason_codes": ReviewReason.Code,
        },
    )


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _review(request, pk))


@login_required
@require_POST
def review_item_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    review = _review(request, pk)
    item = get_object_or_404(
        ReviewItem.objects.select_related("element__responsible_unit", "element__lead"),
        pk=item_pk,
        review=review,
    )
    if not can_run_review(request.user, review):
        raise PermissionDenied
    item.review = review
    item.element.plan = review.plan
    form = _item_form(item, _people(), request.POST)
    if form.is_valid():
        saved = run_service(
            form,
            lambda: review_item_save(
                actor=request.user,
                item=item,
                data=form.service_data(),
                reasons=form.service_reasons(),
                version=form.cleaned_data["version"],
            ),
        )
        if saved:
            messages.success(
                request, _("Saved the answers on %(element)s.") % {"element": item.element.code}
            )
            return redirect(f"{reverse('review-detail', args=[review.pk])}#item-{item.pk}")
    if review.state != Review.State.OPEN:  # closed meanwhile: the page shows no form to hold it
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("review-detail", review.pk)
    return _detail_page(request, review, bound=form, bound_item=item.pk)


@login_required
@require_POST
def review_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not can_run_review(request.user, review):
        raise PermissionDenied
    version = request.POST.get("version", "")
    try:
        review_close(
            actor=request.user, review=review, version=int(version) if version.isdigit() else None
        )
    except ValidationError as exc:
        review.refresh_from_db()
        return _detail_page(request, review, close_errors=list(exc.messages))
    except ConflictError as exc:
        review.refresh_from_db()
        return _detail_page(request, review, close_errors=[str(exc)])
    messages.success(
        request, _("%(review)s closed; its decisions are applied.") % {"review": review}
    )
    return redirect("review-detail", review.pk)


# -- baselines ---------------------------------------------------------------------------------
def slip_chart(comparison: Comparison) -> str:
    """The largest slips against the baseline as horizontal bars, one per element, each with
    its days written after it, the largest on top."""
    slipped = [r for r in comparison.rows if (r.slip_days or 0) > 0][:CHART_ROWS]
    title = _("Days late against v%(n)d") % {"n": comparison.baseline.number}
    largest = max((r.slip_days or 0 for r in slipped), default=1)
    chart = pygal.HorizontalBar(
        style=chart_style((OVERDUE,)),
        title=title,
        width=760,
        height=110 + 30 * max(len(slipped), 1),
        explicit_size=False,
        show_legend=False,
        margin=12,
        print_values=True,
        print_values_position="top",
        truncate_label=-1,
        show_x_guides=False,
        range=(0, largest * 1.3),  # room for the words after the longest bar
        no_data_text=_("Nothing slipped"),
    )
    chart.x_labels = [_short(f"{r.code} {r.title}") for r in reversed(slipped)]
    chart.add(
        _("Days late"),
        [
            {"value": r.slip_days, "formatter": lambda _v, n=r.slip_days or 0: _days(n)}
            for r in reversed(slipped)
        ],
    )
    parts = [f"{r.code} {r.title}: {_days(r.slip_days or 0)}." for r in slipped]
    desc = " ".join([f"{title}.", *parts]) if slipped else f"{title}: {_('Nothing slipped')}."
    # pygal centres a printed value on the bar's end; start it there instead, to the right.
    return VALUE_TEXT.sub(r'\1text-anchor="start"', render_chart(chart, desc=desc))


VALUE_TEXT = re.compile(r'(<text )text-anchor="middle"(?=[^>]*class="value")')


def _short(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


@login_required
@require_http_methods(["GET", "POST"])
def plan_baselines(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    can_manage = can_manage_plan(request.user, plan)
    form = BaselineForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            taken = run_service(
                form,
                lambda: baseline_take(
                    actor=request.user, plan=plan, reason=form.cleaned_data["reason"]
                ),
            )
            if taken:
                messages.success(request, _("Baseline v%(n)d taken.") % {"n": taken.number})
                return redirect("plan-baselines", plan.pk)
    baselines = list(
        Baseline.objects.filter(plan=plan)
        .select_related("taken_by", "review__period")
        .defer("entries")
        .order_by("number")
    )
    against: Baseline | None = None
    wanted = request.GET.get("against", "")
    if baselines:
        against = next((b for b in baselines if str(b.pk) == wanted), baselines[0])
        against = Baseline.objects.get(pk=against.pk)  # with its entries
    comparison = baseline_comparison(plan, against) if against else None
    return render(
        request,
        "reporting/baselines.html",
        {
            "plan": plan,
            "baselines": baselines,
            "against": against,
            "comparison": comparison,
            "chart": slip_chart(comparison) if comparison and comparison.slipped else "",
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
    )
