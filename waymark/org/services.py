"""Writes for the organisation: units, people, memberships and settings.

Each function checks the actor's permission, validates, writes and logs in one transaction.
Errors are django ValidationError keyed by field name, so forms and the API show them in place.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from babel.numbers import list_currencies
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.core.services import (
    check_version,
    record_change,
    record_create,
    reverting,
    save_update,
    snapshot,
)
from waymark.org.models import Health, Membership, Organisation, Person, Unit

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
UNIT_FIELDS = ("name", "short_name")
PERSON_FIELDS = ("first_name", "last_name", "display_name", "email", "job_title", "language")


# -- units -----------------------------------------------------------------
def _require_unit_admin(actor: Any, parent: Unit | None) -> None:
    access = get_access(actor)
    allowed = access.is_org_admin if parent is None else access.has(parent, Role.ADMIN)
    access.require(allowed)


def _check_unit_name(name: str, parent: Unit | None, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the unit a name.")})
    # Compared in Python: SQLite's iexact folds ASCII only, and names are often Mongolian.
    siblings = Unit.objects.filter(parent=parent).values_list("name", flat=True)
    if exclude:
        siblings = siblings.exclude(pk=exclude)
    if any(other.casefold() == name.casefold() for other in siblings):
        raise ValidationError({"name": _("Another unit here is already called “%s”.") % name})
    return name


def unit_create(*, actor: Any, name: str, parent: Unit | None = None, short_name: str = "") -> Unit:
    _require_unit_admin(actor, parent)
    with transaction.atomic():
        if parent is not None and parent.is_archived:
            raise ValidationError({"parent": _("This unit is archived; restore it first.")})
        unit = Unit(
            name=_check_unit_name(name, parent), short_name=short_name.strip(), parent=parent
        )
        unit.save()
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = (parent.depth + 1) if parent else 0
        unit.save(update_fields=["path", "depth"])
        record_create(actor=actor, obj=unit)
    return unit


def unit_update(
    *, actor: Any, unit: Unit, data: dict[str, Any], version: int | None = None
) -> Unit:
    _require_unit_admin(actor, unit)
    with reverting(unit), transaction.atomic():
        check_version(unit, version)
        before = snapshot(unit)
        if "name" in data:
            unit.name = _check_unit_name(data["name"], unit.parent, exclude=unit.pk)
        if "short_name" in data:
            unit.short_name = (data["short_name"] or "").strip()
        save_update(actor=actor, obj=unit, before=before)
    return unit


def unit_move(*, actor: Any, unit: Unit, parent: Unit | None, version: int | None = None) -> Unit:
    """Move a unit (and everything below it) under another parent."""
    _require_unit_admin(actor, unit.parent)
    _require_unit_admin(actor, parent)
    with reverting(unit), transaction.atomic():
        check_version(unit, version)
        # Decide on the stored paths: a copy loaded before another move would miss a cycle.
        unit.refresh_from_db()
        if parent is not None:
            parent = Unit.objects.get(pk=parent.pk)
        if parent is not None and (parent.pk == unit.pk or parent.path.startswith(unit.path)):
            raise ValidationError(
                {"parent": _("A unit cannot be moved under itself or one of its own sub-units.")}
            )
        if parent is not None and parent.is_archived:
            raise ValidationError({"parent": _("This unit is archived; restore it first.")})
        _check_unit_name(unit.name, parent, exclude=unit.pk)
        before = snapshot(unit)
        old_path, old_depth = unit.path, unit.depth
        unit.parent = parent
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = (parent.depth + 1) if parent else 0
        save_update(actor=actor, obj=unit, before=before)
        subtree = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk))
        for sub in subtree:
            sub.path = unit.path + sub.path[len(old_path) :]
            sub.depth = sub.depth - old_depth + unit.depth
        Unit.objects.bulk_update(subtree, ["path", "depth"])
    return unit


def unit_archive(*, actor: Any, unit: Unit) -> Unit:
    _require_unit_admin(actor, unit)
    with transaction.atomic():
        if Unit.objects.filter(parent=unit, archived_at__isnull=True).exists():
            raise ValidationError(
                {"parent": _("Archive or move this unit's sub-units before archiving it.")}
            )
        before = snapshot(unit)
        unit.archived_at = timezone.now()
        save_update(actor=actor, obj=unit, before=before)
    return unit


def unit_unarchive(*, actor: Any, unit: Unit) -> Unit:
    _require_unit_admin(actor, unit.parent)
    with transaction.atomic():
        if unit.parent is not None and unit.parent.is_archived:
            raise ValidationError(
                {"parent": _("“%s” is archived; restore it first.") % unit.parent}
            )
        before = snapshot(unit)
        unit.archived_at = None
        save_update(actor=actor, obj=unit, before=before)
    return unit


# -- people ----------------------------------------------------------------
def _clean_person(data: dict[str, Any], exclude: int | None = None) -> dict[str, Any]:
    clean = {k: (data.get(k) or "").strip() for k in PERSON_FIELDS if k in data}
    if "email" in clean:
        try:
            validate_email(clean["email"])
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid email address.")}) from None
        taken = Person.objects.filter(email__iexact=clean["email"])
        if exclude:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            raise ValidationError({"email": _("Someone already uses this email address.")})
    if clean.get("language") and clean["language"] not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Mongolian.")})
    return clean


def person_invite(
    *,
    actor: Any,
    username: str,
    data: dict[str, Any],
    unit: Unit,
    role: str,
    base_url: str,
    send: bool = True,
) -> Person:
    """Create a person with a role in a unit and email them a link to set their password."""
    access = get_access(actor)
    access.require(access.has(unit, Role.ADMIN))
    username = (username or "").strip()
    if not re.fullmatch(r"[\w.@+-]{1,150}", username):
        raise ValidationError(
            {"username": _("Use letters, digits and . @ + - _ only (150 at most).")}
        )
    if Person.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    clean = _clean_person({**data, "email": data.get("email", "")})
    with transaction.atomic():
        person = Person(username=username, **clean)
        person.set_unusable_password()
        person.save()
        record_create(actor=actor, obj=person)
        membership_set(actor=actor, person=person, unit=unit, role=role)
        if send:
            transaction.on_commit(lambda: send_invitation(person=person, base_url=base_url))
    return person


def set_password_link(person: Person, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return f"{base_url.rstrip('/')}/account/reset/{uid}/{token}/"


def send_invitation(*, person: Person, base_url: str) -> None:
    org = Organisation.get()
    with translation.override(person.language or settings.LANGUAGE_CODE):
        context = {"person": person, "org": org, "link": set_password_link(person, base_url)}
        subject = _("You are invited to %(org)s on Waymark") % {"org": org.name}
        body = render_to_string("org/email/invitation.txt", context)
    send_mail(subject, body, None, [person.email])


def person_update(
    *, actor: Any, person: Person, data: dict[str, Any], version: int | None = None
) -> Person:
    access = get_access(actor)
    access.require(actor.pk == person.pk or can_admin_person(actor, person))
    with reverting(person), transaction.atomic():
        check_version(person, version)
        before = snapshot(person)
        for key, value in _clean_person(data, exclude=person.pk).items():
            setattr(person, key, value)
        save_update(actor=actor, obj=person, before=before)
    return person


def can_admin_person(actor: Any, person: Person) -> bool:
    """Org admins, and admins of every unit the person belongs to, manage the person.

    Every unit, not any: otherwise a department admin could change the email (and so take
    over the account) of an org admin who also sits in their department. Only a superuser
    manages a superuser.
    """
    access = get_access(actor)
    if person.is_superuser and not access.is_superuser:
        return False
    if access.is_org_admin:
        return True
    units = list(Unit.objects.filter(memberships__person=person))
    return bool(units) and all(access.has(u, Role.ADMIN) for u in units)


def person_set_active(*, actor: Any, person: Person, active: bool) -> Person:
    access = get_access(actor)
    access.require(can_admin_person(actor, person))
    if person.pk == actor.pk and not active:
        raise ValidationError({"is_active": _("You cannot deactivate yourself.")})
    with transaction.atomic():
        before = snapshot(person)
        person.is_active = active
        save_update(actor=actor, obj=person, before=before)
    return person


# -- memberships -----------------------------------------------------------
def membership_set(*, actor: Any, person: Person, unit: Unit, role: str) -> Membership:
    """Give a person a role in a unit, or change the role they have there."""
    access = get_access(actor)
    access.require(access.has(unit, Role.ADMIN))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if unit.is_archived:
        raise ValidationError({"unit": _("This unit is archived; restore it first.")})
    with transaction.atomic():
        membership = Membership.objects.filter(person=person, unit=unit).first()
        if membership is None:
            membership = Membership.objects.create(person=person, unit=unit, role=role)
            record_create(actor=actor, obj=membership, related=person)
        elif membership.role != role:
            before = snapshot(membership)
            membership.role = role
            save_update(actor=actor, obj=membership, before=before, related=person)
    getattr(person, "__dict__", {}).pop("_waymark_access", None)
    return membership


def membership_remove(*, actor: Any, membership: Membership) -> None:
    """Remove a role; the change log keeps what it was."""
    access = get_access(actor)
    access.require(access.has(membership.unit, Role.ADMIN))
    with transaction.atomic():
        record_change(
            actor=actor,
            obj=membership,
            action=Change.Action.DELETE,
            before=snapshot(membership),
            after=None,
            related=membership.person,
        )
        membership.delete()
    getattr(membership.person, "__dict__", {}).pop("_waymark_access", None)


# -- organisation settings -------------------------------------------------
def organisation_update(
    *, actor: Any, data: dict[str, Any], version: int | None = None
) -> Organisation:
    access = get_access(actor)
    access.require(access.is_org_admin)
    org = Organisation.get()
    if org._state.adding:  # the first save of the defaults
        org.save()
    with reverting(org), transaction.atomic():
        check_version(org, version)
        before = snapshot(org)
        if "name" in data:
            name = (data["name"] or "").strip()
            if not name:
                raise ValidationError({"name": _("Give the organisation a name.")})
            org.name = name
        if "default_currency" in data:
            code = (data["default_currency"] or "").strip().upper()
            if code not in list_currencies():
                raise ValidationError(
                    {"default_currency": _("“%s” is not an ISO 4217 currency code.") % code}
                )
            org.default_currency = code
        if "fiscal_year_start_month" in data:
            month = data["fiscal_year_start_month"]
            if not isinstance(month, int) or not 1 <= month <= 12:
                raise ValidationError(
                    {"fiscal_year_start_month": _("Choose a month from 1 to 12.")}
                )
            org.fiscal_year_start_month = month
        if "time_zone" in data:
            if data["time_zone"] not in zoneinfo.available_timezones():
                raise ValidationError({"time_zone": _("Unknown time zone.")})
            org.time_zone = data["time_zone"]
        if "grace_days" in data:
            days = data["grace_days"]
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                raise ValidationError({"grace_days": _("Enter a number of days from 0 to 365.")})
            org.grace_days = days
        if "allow_self_approval" in data:
            org.allow_self_approval = bool(data["allow_self_approval"])
        _apply_reminder_settings(org, data)
        rules_changed = False
        if "health_rules" in data:
            from waymark.indicators.health import dump_rules, parse_rules

            rules = dump_rules(parse_rules(data["health_rules"])) if data["health_rules"] else []
            rules_changed = rules != (org.health_rules or [])
            org.health_rules = rules
        if "status_vocabulary" in data:
            org.status_vocabulary = _clean_vocabulary(data["status_vocabulary"])
        if "health_styles" in data:
            org.health_styles = _clean_health_styles(data["health_styles"])
        if "logo" in data:
            org.logo = data["logo"]
        save_update(actor=actor, obj=org, before=before)
        if rules_changed:  # every indicator on the organisation's rules is assessed again
            from waymark.indicators.progress import refresh_all

            refresh_all()
    return org


REMINDER_DAYS_BEFORE_MAX = 90
REMINDER_STAGES_BEFORE_MAX = 5


def _apply_reminder_settings(org: Organisation, data: dict[str, Any]) -> None:
    """When `waymark remind` reminds: days before the due date ("7, 1" or [7, 1]), on it,
    days after it, and when the unit's manager is told (0 = off)."""
    for flag in ("reminders_enabled", "remind_on_due_date"):
        if flag in data:
            setattr(org, flag, bool(data[flag]))
    if "reminder_days_before" in data:
        org.reminder_days_before = _days_before(data["reminder_days_before"])
    limits = {"reminder_days_after": 90, "escalation_days": 365}
    for name, most in limits.items():
        if name in data:
            days = data[name]
            if isinstance(days, str) and days.strip().isdigit():
                days = int(days.strip())
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= most:
                raise ValidationError(
                    {name: _("Enter a number of days from 0 to %(most)d.") % {"most": most}}
                )
            setattr(org, name, days)


def _days_before(raw: Any) -> list[int]:
    """ "7, 1" (or [7, 1]) as [7, 1]: distinct whole numbers of days, largest first."""
    parts = (
        [p.strip() for p in raw.replace(";", ",").split(",")]
        if isinstance(raw, str)
        else list(raw or [])
    )
    days: set[int] = set()
    for part in parts:
        if part in ("", None):
            continue
        if isinstance(part, bool) or not (
            isinstance(part, int) or (isinstance(part, str) and part.isdigit())
        ):
            raise ValidationError(
                {
                    "reminder_days_before": _(
                        "“%(value)s” is not a whole number of days; write them like 7, 1."
                    )
                    % {"value": part}
                }
            )
        number = int(part)
        if not 1 <= number <= REMINDER_DAYS_BEFORE_MAX:
            raise ValidationError(
                {
                    "reminder_days_before": _(
                        "Days before the due date go from 1 to %(most)d; %(value)d is not."
                    )
                    % {"most": REMINDER_DAYS_BEFORE_MAX, "value": number}
                }
            )
        days.add(number)
    if len(days) > REMINDER_STAGES_BEFORE_MAX:
        raise ValidationError(
            {
                "reminder_days_before": _("Give at most %(most)d days before the due date.")
                % {"most": REMINDER_STAGES_BEFORE_MAX}
            }
        )
    return sorted(days, reverse=True)


VOCABULARY_SIZE = 8


def _clean_vocabulary(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The organisation's own status words, each mapped onto states and/or healths."""
    from waymark.plans.models import Element

    clean = []
    for i, category in enumerate(categories or []):
        label = (category.get("label") or "").strip()
        states = [s for s in category.get("states") or [] if s]
        healths = [h for h in category.get("healths") or [] if h]
        colour = (category.get("colour") or "").strip()
        if not label and not states and not healths:
            continue  # an empty row
        if not label:
            raise ValidationError({f"vocab_{i}_label": _("Give the status a word.")})
        if len(label) > 40:
            raise ValidationError({f"vocab_{i}_label": _("Keep the word under 40 characters.")})
        if not states and not healths:
            raise ValidationError(
                {f"vocab_{i}_states": _("Say which states or healths “%s” stands for.") % label}
            )
        if any(s not in Element.State.values for s in states):
            raise ValidationError({f"vocab_{i}_states": _("Choose states from the list.")})
        if any(h not in Health.values for h in healths):
            raise ValidationError({f"vocab_{i}_healths": _("Choose healths from the list.")})
        if colour and not HEX_COLOUR.match(colour):
            raise ValidationError(
                {f"vocab_{i}_colour": _("Write the colour as #RRGGBB, e.g. #1a7f37.")}
            )
        clean.append({"label": label, "colour": colour, "states": states, "healths": healths})
    if len(clean) > VOCABULARY_SIZE:
        raise ValidationError(
            {"status_vocabulary": _("Use at most %d status words.") % VOCABULARY_SIZE}
        )
    return clean


def _clean_health_styles(styles: dict[str, Any]) -> dict[str, dict[str, str]]:
    clean: dict[str, dict[str, str]] = {}
    for key, style in (styles or {}).items():
        if key not in Health.values:
            raise ValidationError({"health_styles": _("Unknown health “%s”.") % key})
        colour = (style.get("colour") or "").strip()
        if colour and not HEX_COLOUR.match(colour):
            raise ValidationError(
                {f"health_{key}_colour": _("Write the colour as #RRGGBB, e.g. #1a7f37.")}
            )
        clean[key] = {"label": (style.get("label") or "").strip()[:40], "colour": colour}
    return clean
