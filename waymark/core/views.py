from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.selectors import (
    CHANGES_DAYS,
    SOON_DAYS,
    RecentChanges,
    Shortlist,
    changes_visible_to,
    elements_of,
    milestones_due,
    my_open_elements,
    overdue_elements,
    plans_at_a_glance,
    recent_plan_changes,
    trash_for,
)
from waymark.indicators.selectors import awaiting_review_by, data_owed_by
from waymark.meetings.selectors import action_items_owed_by
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.services import element_restore, milestone_restore, plan_restore
from waymark.reporting.selectors import updates_awaiting, updates_owed_by


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the database's state when it answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse(
            {
                "status": "error",
                "database": {
                    "vendor": connection.vendor,
                    "state": "unavailable",
                    "error": exc.__class__.__name__,
                },
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": {"vendor": connection.vendor, "state": "ok"}})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the plans the person sees stand: each active plan's progress and health, what
    changed this week, overdue actions, milestones coming up, and what waits for the person."""
    user: Any = request.user
    return render(
        request,
        "core/home.html",
        {
            "plans": plans_at_a_glance(user),
            "changes": _linked(recent_plan_changes(user)),
            "overdue": overdue_elements(user),
            "milestones": milestones_due(user),
            "mine": my_open_elements(user, limit=5),
            # Progress updates, indicator values and action items: all of My updates.
            "data_due": len(data_owed_by(user))
            + len(updates_owed_by(user))
            + action_items_owed_by(user).count(),
            "approvals": awaiting_review_by(user).count() + updates_awaiting(user).count(),
            "soon_days": SOON_DAYS,
            "changes_days": CHANGES_DAYS,
            "today": timezone.localdate(),
            "just_now": timezone.now() - datetime.timedelta(minutes=1),
        },
    )


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """The person's own work: what they lead or contribute to, the data they owe, the values
    waiting for their approval and their milestones coming up."""
    user: Any = request.user
    owed = data_owed_by(user)
    updates = updates_owed_by(user)
    waiting = awaiting_review_by(user).order_by("submitted_at", "id")
    return render(
        request,
        "core/my_work.html",
        {
            "mine": my_open_elements(user),
            "overdue_count": elements_of(user).filter(Element.overdue_q()).count(),
            "owed": Shortlist(count=len(owed), items=owed[:10]),
            "updates": Shortlist(count=len(updates), items=updates[:10]),
            "updates_waiting": updates_awaiting(user).count(),
            "waiting": Shortlist(count=waiting.count(), items=list(waiting[:10])),
            "milestones": milestones_due(user, elements=elements_of(user), overdue_too=True),
            "soon_days": SOON_DAYS,
            "today": timezone.localdate(),
        },
    )


def _linked(changes: RecentChanges) -> RecentChanges:
    """Give each change `url`: the page of what changed, or of what it belongs to when it is
    gone or has no page of its own (a target's indicator, a milestone's element)."""
    pages = {
        "plan": "plan-detail",
        "element": "element-detail",
        "indicator": "indicator-detail",
        "measurement": "measurement-detail",
    }
    for change in changes.latest:
        url = ""
        if change.action != Change.Action.DELETE and change.object_type.model in pages:
            url = reverse(pages[change.object_type.model], args=[change.object_id])
        elif change.related_type is not None and change.related_type.model in pages:
            url = reverse(pages[change.related_type.model], args=[change.related_id])
        change.url = url  # type: ignore[attr-defined]
    return changes


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.is_any_admin:
        raise Http404
    changes = changes_visible_to(request.user)
    action = request.GET.get("action", "")
    if action in Change.Action.values:
        changes = changes.filter(action=action)
    kind = request.GET.get("type", "")
    if kind:
        changes = changes.filter(object_type__model=kind)
    actor = request.GET.get("actor", "").strip()
    if actor:
        changes = changes.filter(actor_name__iexact=actor)
    request_id = request.GET.get("request_id", "").strip()
    if request_id:
        changes = changes.filter(request_id=request_id)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/change_list.html",
        {
            "page": page,
            "actions": Change.Action.choices,
            "types": [
                ("unit", _("Unit")),
                ("person", _("Person")),
                ("membership", _("Membership")),
                ("plan", _("Plan")),
                ("element", _("Element")),
                ("milestone", _("Milestone")),
                ("organisation", _("Organisation")),
            ],
            "filters": {"action": action, "type": kind, "actor": actor, "request_id": request_id},
        },
    )


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.is_any_manager:
        raise Http404
    return render(request, "core/trash.html", {"trash": trash_for(request.user)})


@login_required
@require_POST
def trash_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = request.user
    items = trash_for(user)
    lookup: dict[str, Any] = {
        "plan": (Plan, items["plans"], plan_restore, "plan"),
        "element": (Element, items["elements"], element_restore, "element"),
        "milestone": (Milestone, items["milestones"], milestone_restore, "milestone"),
    }
    if kind not in lookup:
        raise Http404
    _model, allowed, restore, arg = lookup[kind]
    obj = next((o for o in allowed if o.pk == pk), None)
    if obj is None:
        raise Http404
    try:
        restore(actor=user, **{arg: obj})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trash")
    messages.success(request, _("Restored “%s”.") % obj)
    return redirect("trash")
