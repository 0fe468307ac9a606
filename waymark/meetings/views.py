"""Pages of the action item tracker: every action item a person sees, filtered; one item with its
notes, its status buttons and (for managers) its edit form."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from waymark.core.forms import run_service
from waymark.core.selectors import history_for
from waymark.meetings.filters import ActionItemFilterSet
from waymark.meetings.forms import ActionItemEditForm, NoteForm, StatusForm
from waymark.meetings.models import ActionItem
from waymark.meetings.selectors import action_items_visible_to, overdue_q
from waymark.meetings.services import (
    action_item_note_add,
    action_item_set_status,
    action_item_update,
    can_complete_action_item,
    can_manage_action_items,
)
from waymark.org.models import Person, Unit
from waymark.org.selectors import people_visible_to
from waymark.plans.models import Plan

PAGE_SIZE = 50
# Filters that pick which of the person's items are counted; status and overdue pick among them.
COUNTED_FILTERS = ("q", "owner", "unit", "plan", "element")
STATUS_ACTIONS = {
    "done": ActionItem.Status.DONE,
    "cancel": ActionItem.Status.CANCELLED,
    "reopen": ActionItem.Status.OPEN,
}


def tracker_order(queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Overdue first, then the other open items, then done and cancelled ones; each by due date
    (no due date last)."""
    today = timezone.localdate()
    rank = Case(
        When(status=ActionItem.Status.OPEN, due_date__lt=today, then=Value(0)),
        When(status=ActionItem.Status.OPEN, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return queryset.alias(rank=rank).order_by("rank", "due_date", "id")


def _month_start() -> datetime.datetime:
    first = timezone.localdate().replace(day=1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


# -- the tracker ---------------------------------------------------------------------------------
@login_required
def action_item_list(request: HttpRequest) -> HttpResponse:
    """Every action item the person sees, from reviews and meetings, overdue first."""
    # Visibility as a subquery, so the page's query needs no DISTINCT and sorts freely.
    visible = ActionItem.objects.filter(pk__in=action_items_visible_to(request.user).values("pk"))
    filterset = ActionItemFilterSet(request.GET or None, queryset=visible, request=request)
    # The pickers offer who and what the person's items have, not the whole organisation.
    filters: Any = filterset.filters
    filters["owner"].queryset = Person.objects.filter(pk__in=visible.values("owner_id"))
    filters["unit"].queryset = Unit.objects.filter(pk__in=visible.values("unit_id"))
    filters["plan"].queryset = Plan.objects.filter(
        pk__in=visible.values("element__plan_id")
    ).order_by("title", "pk")
    items = filterset.qs if filterset.is_bound else visible
    counted_data = {k: v for k, v in request.GET.items() if k in COUNTED_FILTERS and v}
    counted = (
        ActionItemFilterSet(counted_data, queryset=visible, request=request).qs
        if counted_data
        else visible
    )
    counts = counted.aggregate(
        open=Count("pk", filter=Q(status=ActionItem.Status.OPEN)),
        overdue=Count("pk", filter=overdue_q()),
        done_this_month=Count(
            "pk", filter=Q(status=ActionItem.Status.DONE, done_at__gte=_month_start())
        ),
    )
    rows = tracker_order(items).select_related(
        "element__plan", "owner", "unit", "review_item__review__period"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.overdue_days = (  # type: ignore[attr-defined]
            (today - item.due_date).days if item.is_overdue and item.due_date else 0
        )
    base_query = {k: v for k, v in counted_data.items()}
    return render(
        request,
        "meetings/action_item_list.html",
        {
            "filterset": filterset,
            "page": page,
            "counts": counts,
            "base_query": base_query,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "statuses": ActionItem.Status.choices,
            "chosen_status": request.GET.getlist("status"),
        },
    )


# -- one action item -----------------------------------------------------------------------------
def _item(request: HttpRequest, pk: int) -> ActionItem:
    """The action item, if the person sees it; otherwise it does not exist for them."""
    item = (
        action_items_visible_to(request.user)
        .filter(pk=pk)
        .select_related("element__plan__owner_unit", "owner", "unit", "review_item__review__period")
        .first()
    )
    if item is None:
        raise Http404
    return item


def _edit_form(request: HttpRequest, item: ActionItem, data: Any = None) -> ActionItemEditForm:
    return ActionItemEditForm(
        data,
        item=item,
        people=people_visible_to(request.user),
        initial={
            "title": item.title,
            "details": item.details,
            "expected_outcome": item.expected_outcome,
            "owner": item.owner_id,
            "due_date": item.due_date,
            "version": item.version,
        },
    )


def _status_form(item: ActionItem, prefix: str, data: Any = None) -> StatusForm:
    return StatusForm(data, prefix=prefix, initial={"version": item.version})


def _post(
    request: HttpRequest, item: ActionItem, action: str, may_manage: bool
) -> tuple[bool, dict[str, forms.Form]]:
    """Run the posted action; True when it succeeded, else the bound form with its errors."""
    user: Any = request.user
    if action == "note":
        note_form = NoteForm(request.POST, prefix="note")
        done: object = note_form.is_valid() and run_service(
            note_form,
            lambda: action_item_note_add(
                actor=user, item=item, text=note_form.cleaned_data["text"]
            ),
        )
        if done:
            messages.success(request, _("Note added."))
        return bool(done), {"note_form": note_form}
    if action == "edit":
        if not may_manage:
            raise PermissionDenied
        edit_form = _edit_form(request, item, request.POST)
        edited: object = edit_form.is_valid() and run_service(
            edit_form,
            lambda: action_item_update(
                actor=user,
                item=item,
                data=edit_form.service_data(),
                version=edit_form.cleaned_data["version"],
            ),
        )
        if edited:
            messages.success(request, _("Action item saved."))
        return bool(edited), {"edit_form": edit_form}
    status = STATUS_ACTIONS[action]
    status_form = _status_form(item, action, request.POST)
    changed: object = status_form.is_valid() and run_service(
        status_form,
        lambda: action_item_set_status(
            actor=user,
            item=item,
            status=status,
            note=status_form.cleaned_data["note"],
            version=status_form.cleaned_data["version"],
        ),
    )
    if changed:
        messages.success(
            request,
            {
                "done": _("Marked done."),
                "cancel": _("Action item cancelled."),
                "reopen": _("Action item open again."),
            }[action],
        )
    return bool(changed), {f"{action}_form": status_form}


def _review_of(item: ActionItem) -> Any:
    """The review the item came from, unless it has been deleted."""
    review = item.review_item.review if item.review_item else None
    return review if review is not None and not review.is_deleted else None


@login_required
@require_http_methods(["GET", "POST"])
def action_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one action item; its owner or a manager adds notes and changes its
    status (POST with `action`: note, done, cancel, reopen), a manager edits it (`edit`)."""
    item = _item(request, pk)
    may_act = can_complete_action_item(request.user, item)
    may_manage = can_manage_action_items(request.user, item.unit, item.element)
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("note", "edit", *STATUS_ACTIONS):
            return HttpResponseBadRequest(_("Unknown action."))
        if not may_act:
            raise PermissionDenied
        ok, bound = _post(request, item, action, may_manage)
        if ok:
            return redirect("action-item-detail", pk=item.pk)
    context: dict[str, Any] = {
        "item": item,
        "element": item.element,
        "review": _review_of(item),
        "notes": list(item.notes.select_related("author")),
        "may_act": may_act,
        "may_manage": may_manage,
        "overdue_days": (
            (timezone.localdate() - item.due_date).days if item.is_overdue and item.due_date else 0
        ),
        "note_form": NoteForm(prefix="note"),
        "done_form": _status_form(item, "done"),
        "cancel_form": _status_form(item, "cancel"),
        "reopen_form": _status_form(item, "reopen"),
        "edit_form": _edit_form(request, item) if may_manage else None,
        "open_form": next(iter(bound), ""),
        "history": history_for(item, limit=30),
        "history_model": "actionitem",
    }
    context.update(bound)
    return render(request, "meetings/action_item_detail.html", context)
