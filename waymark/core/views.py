from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.selectors import changes_visible_to, trash_for
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.selectors import health_counts, plans_visible_to
from waymark.plans.services import element_restore, milestone_restore, plan_restore


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
    """The person's own open items, then every plan they can see with its health at a glance."""
    user: Any = request.user
    today = timezone.localdate()
    open_states = [Element.State.NOT_STARTED, Element.State.IN_PROGRESS, Element.State.ON_HOLD]
    my_items = list(
        Element.objects.filter(
            Q(lead=user) | Q(contributors=user),
            state__in=open_states,
            plan__deleted_at__isnull=True,
        )
        .distinct()
        .select_related("plan", "responsible_unit")
        .order_by("target_date", "sort_key")[:15]
    )
    plans = list(
        plans_visible_to(user).select_related("owner_unit").order_by("-start_date", "title")
    )
    counts = health_counts([p.pk for p in plans])
    for p in plans:
        p.health_counts = counts[p.pk]  # type: ignore[attr-defined]
        p.element_total = sum(n for _, n in counts[p.pk])  # type: ignore[attr-defined]
    return render(
        request,
        "core/home.html",
        {"my_items": my_items, "plans": plans, "today": today},
    )


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
