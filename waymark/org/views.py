"""Pages for units, people, memberships and the organisation's settings."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.forms import run_service
from waymark.core.permissions import get_access, visible_or_404
from waymark.core.roles import Role
from waymark.core.selectors import history_for
from waymark.org.forms import (
    InviteForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    UnitForm,
    UnitMoveForm,
    thresholds,
    vocabulary_initial,
)
from waymark.org.models import Health, Membership, Organisation, Person, Unit
from waymark.org.selectors import Scorecard, people_visible_to, unit_scorecard, units_visible_to
from waymark.org.services import (
    can_admin_person,
    membership_remove,
    membership_set,
    organisation_update,
    person_invite,
    person_set_active,
    person_update,
    unit_archive,
    unit_create,
    unit_move,
    unit_unarchive,
    unit_update,
)
from waymark.plans.charts import health_chart
from waymark.plans.models import Element
from waymark.plans.selectors import plans_visible_to


def _unit(request: HttpRequest, pk: int) -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    visible_or_404(units_visible_to(request.user).filter(pk=unit.pk).exists())
    return unit


def _person(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person, pk=pk)
    visible_or_404(people_visible_to(request.user).filter(pk=person.pk).exists())
    return person


# -- units -----------------------------------------------------------------
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    units = units_visible_to(request.user).annotate(members=Count("memberships")).order_by("path")
    if not show_archived:
        units = units.filter(archived_at__isnull=True)
    access = get_access(request.user)
    return render(
        request,
        "org/unit_list.html",
        {"units": units, "show_archived": show_archived, "can_add_top": access.is_org_admin},
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    access = get_access(request.user)
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "ancestors": Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("depth"),
            "children": unit.children.order_by("name"),
            "memberships": unit.memberships.select_related("person").order_by("person__first_name"),
            "inherited": Membership.objects.filter(
                unit_id__in=unit.ancestor_ids[:-1]
            ).select_related("person", "unit"),
            "plans": plans_visible_to(request.user).filter(owner_unit=unit),
            "element_count": Element.objects.filter(
                responsible_unit=unit, plan__deleted_at__isnull=True
            ).count(),
            "can_admin": access.has(unit, Role.ADMIN),
            "role": access.role(unit),
            "history": history_for(unit, limit=15),
            "history_model": "unit",
        },
    )


@login_required
def unit_scorecard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's (and its sub-units') elements and indicators across the active plans the
    person sees, compared with everything the person sees."""
    unit = _unit(request, pk)
    card = unit_scorecard(request.user, unit)
    org = getattr(request, "organisation", None) or Organisation.get()
    return render(
        request,
        "org/unit_scorecard.html",
        {
            "unit": unit,
            "card": card,
            "ancestors": Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("depth"),
            "comparison": _comparison(card, org),
            "unit_chart": health_chart(
                _chart_counts(card.figures.health, org),
                title=_("Health of %(unit)s's elements") % {"unit": unit.label},
            ),
            "organisation_chart": health_chart(
                _chart_counts(card.organisation.health, org),
                title=_("Health of every element you see"),
            ),
        },
    )


def _chart_counts(counts: dict[str, int], org: Organisation) -> list[tuple[str, str, str, int]]:
    """(key, label, colour, count) for every health, in the organisation's words and colours."""
    return [
        (key, org.health_style(key)["label"], org.health_style(key)["colour"], counts.get(key, 0))
        for key in Health.values
    ]


def _comparison(card: Scorecard, org: Organisation) -> dict[str, list[dict[str, Any]]]:
    """The side-by-side rows: per health and per state of the elements, per health of the
    indicators; each with the unit's count and share and the organisation's."""
    unit, whole = card.figures, card.organisation

    def row(label: str, part: int, total: int, org_part: int, org_total: int, **extra: Any) -> Any:
        return {
            "label": label,
            "unit": part,
            "unit_share": round(100 * part / total) if total else None,
            "org": org_part,
            "org_share": round(100 * org_part / org_total) if org_total else None,
            **extra,
        }

    return {
        "health": [
            row(
                org.health_style(key)["label"],
                unit.health.get(key, 0),
                unit.total,
                whole.health.get(key, 0),
                whole.total,
                health=key,
            )
            for key in Health.values
        ],
        "states": [
            row(
                str(label),
                unit.states.get(key, 0),
                unit.total,
                whole.states.get(key, 0),
                whole.total,
                state=key,
            )
            for key, label in Element.State.choices
        ],
        "indicators": [
            row(
                org.health_style(key)["label"],
                card.indicator_health.get(key, 0),
                card.indicator_total,
                card.organisation_indicator_health.get(key, 0),
                card.organisation_indicator_total,
                health=key,
            )
            for key in Health.values
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def unit_create_view(request: HttpRequest) -> HttpResponse:
    parent = None
    if request.GET.get("parent") or request.POST.get("parent"):
        parent = _unit(request, int(request.GET.get("parent") or request.POST["parent"]))
    access = get_access(request.user)
    if not (access.has(parent, Role.ADMIN) if parent else access.is_org_admin):
        raise PermissionDenied
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = run_service(
            form,
            lambda: unit_create(
                actor=request.user,
                parent=parent,
                name=form.cleaned_data["name"],
                short_name=form.cleaned_data["short_name"],
            ),
        )
        if unit:
            messages.success(request, _("Unit created."))
            return redirect("unit-detail", unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    if not get_access(request.user).has(unit, Role.ADMIN):
        raise PermissionDenied
    form = UnitForm(
        request.POST or None,
        initial={"name": unit.name, "short_name": unit.short_name, "version": unit.version},
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: unit_update(
                actor=request.user,
                unit=unit,
                data=form.cleaned_data,
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Unit saved."))
            return redirect("unit-detail", unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def unit_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    access = get_access(request.user)
    if not (access.has(unit.parent, Role.ADMIN) if unit.parent else access.is_org_admin):
        raise PermissionDenied
    form = UnitMoveForm(
        request.POST or None, unit=unit, initial={"parent": unit.parent_id, "version": unit.version}
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: unit_move(
                actor=request.user,
                unit=unit,
                parent=form.cleaned_data["parent"],
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Unit moved."))
            return redirect("unit-detail", unit.pk)
    return render(request, "org/unit_move.html", {"form": form, "unit": unit})


@login_required
@require_POST
def unit_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    try:
        if unit.is_archived:
            unit_unarchive(actor=request.user, unit=unit)
            messages.success(request, _("Unit restored."))
        else:
            unit_archive(actor=request.user, unit=unit)
            messages.success(request, _("Unit archived. Its roles no longer grant access."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("unit-detail", unit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    if not get_access(request.user).has(unit, Role.ADMIN):
        raise PermissionDenied
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: membership_set(
                actor=request.user,
                person=form.cleaned_data["person"],
                unit=unit,
                role=form.cleaned_data["role"],
            ),
        ):
            messages.success(request, _("Role given."))
            return redirect("unit-detail", unit.pk)
    return render(request, "org/membership_form.html", {"form": form, "unit": unit})


@login_required
@require_POST
def membership_delete(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("unit", "person"), pk=pk)
    _unit(request, membership.unit_id)
    membership_remove(actor=request.user, membership=membership)
    messages.success(
        request,
        _("Removed %(person)s's role in %(unit)s.")
        % {"person": membership.person, "unit": membership.unit},
    )
    return redirect("unit-detail", membership.unit_id)


# -- people ----------------------------------------------------------------
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    people = (
        people_visible_to(request.user)
        .prefetch_related("memberships__unit")
        .order_by("first_name", "last_name", "username")
    )
    q = request.GET.get("q", "").strip()
    if q:
        people = people.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if request.GET.get("inactive") != "1":
        people = people.filter(is_active=True)
    access = get_access(request.user)
    return render(
        request,
        "org/person_list.html",
        {
            "people": people,
            "q": q,
            "can_invite": access.is_any_admin,
            "show_inactive": request.GET.get("inactive") == "1",
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "memberships": person.memberships.select_related("unit"),
            "led": Element.objects.filter(lead=person, plan__in=plans_visible_to(request.user))
            .select_related("plan")
            .order_by("target_date")[:50],
            "can_admin": can_admin_person(request.user, person),
            "is_self": person.pk == request.user.pk,
            "history": history_for(person, limit=15),
            "history_model": "person",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_invite_view(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.is_any_admin:
        raise PermissionDenied
    units = Unit.objects.filter(
        access.unit_q(minimum=Role.ADMIN), archived_at__isnull=True
    ).order_by("path")
    form = InviteForm(request.POST or None, units=units, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in ("first_name", "last_name", "email", "job_title", "language")
        }
        person = run_service(
            form,
            lambda: person_invite(
                actor=request.user,
                username=form.cleaned_data["username"],
                data=data,
                unit=form.cleaned_data["unit"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            ),
        )
        if person:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
            return redirect("person-detail", person.pk)
    return render(request, "org/person_invite.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if not (person.pk == request.user.pk or can_admin_person(request.user, person)):
        raise PermissionDenied
    fields = ("first_name", "last_name", "display_name", "email", "job_title", "language")
    form = PersonForm(
        request.POST or None,
        initial={**{f: getattr(person, f) for f in fields}, "version": person.version},
    )
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: person_update(
                actor=request.user,
                person=person,
                data={k: v for k, v in form.cleaned_data.items() if k != "version"},
                version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("Saved."))
            return redirect("person-detail", person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        person_set_active(actor=request.user, person=person, active=not person.is_active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(person)s can sign in again.") % {"person": person}
            if person.is_active
            else _("%(person)s can no longer sign in.") % {"person": person},
        )
    return redirect("person-detail", person.pk)


# -- organisation ----------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def org_settings(request: HttpRequest) -> HttpResponse:
    if not get_access(request.user).is_org_admin:
        raise PermissionDenied
    org = Organisation.get()
    initial: dict[str, Any] = {
        "name": org.name,
        "default_currency": org.default_currency,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        "time_zone": org.time_zone,
        "grace_days": org.grace_days,
        "allow_self_approval": org.allow_self_approval,
        "reminders_enabled": org.reminders_enabled,
        "reminder_days_before": ", ".join(str(d) for d in org.reminder_days_before or []),
        "remind_on_due_date": org.remind_on_due_date,
        "reminder_days_after": org.reminder_days_after,
        "escalation_days": org.escalation_days,
        **thresholds(org.health_rules),
        **vocabulary_initial(org.status_vocabulary),
        "version": org.version,
    }
    for key in Health.values:
        style = org.health_style(key)
        initial[f"health_{key}_label"] = (org.health_styles or {}).get(key, {}).get("label", "")
        initial[f"health_{key}_colour"] = style["colour"]
    form = OrganisationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: organisation_update(
                actor=request.user, data=form.service_data(), version=form.cleaned_data["version"]
            ),
        ):
            messages.success(request, _("Settings saved."))
            return redirect("org-settings")
    return render(request, "org/settings.html", {"form": form, "org_obj": org})


@login_required
def org_logo(request: HttpRequest) -> FileResponse:
    """The logo, served through Django (uploads never sit under the web root)."""
    org = Organisation.get()
    if not org.logo:
        raise Http404
    content_type = mimetypes.guess_type(org.logo.name or "")[0] or "application/octet-stream"
    response = FileResponse(org.logo.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
