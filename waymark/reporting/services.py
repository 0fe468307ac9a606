"""Writes of the reporting cycle: the schedule and progress updates.

Reviews and baselines are in `reviews.py`, reminders in `reminders.py`, mail in `mail.py`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waymark.core.exceptions import ConflictError
from waymark.core.permissions import get_access
from waymark.core.services import (
    check_version,
    record_create,
    reverting,
    save_update,
    snapshot,
)
from waymark.indicators.models import Period
from waymark.org.models import Health, Organisation
from waymark.plans.models import Element, Plan
from waymark.plans.progress import computes_percent, refresh_plan
from waymark.plans.selectors import can_manage_plan
from waymark.reporting.models import ProgressUpdate, ReportingSchedule
from waymark.reporting.notify import notify_returned
from waymark.reporting.selectors import (
    Window,
    can_review_update,
    can_write_update,
    due_date,
    grace_days,
    reporting_depths,
    reports_in,
    schedule_of,
    window,
)

UPDATE_FIELDS = (
    "health",
    "percent_complete",
    "narrative",
    "challenges",
    "solutions",
    "successes",
    "next_steps",
    "support_needed",
)
TEXT_FIELDS = UPDATE_FIELDS[2:]


# -- the schedule ------------------------------------------------------------------------------
def schedule_save(
    *, actor: Any, plan: Plan, data: dict[str, Any], version: int | None = None
) -> ReportingSchedule:
    """Set when the plan's elements report (a manager of the plan's unit)."""
    get_access(actor).require(can_manage_plan(actor, plan))
    schedule = ReportingSchedule.objects.filter(plan=plan).first() or ReportingSchedule(plan=plan)
    creating = schedule.pk is None
    before = {} if creating else snapshot(schedule)
    errors: dict[str, str] = {}
    for name in ("due_days", "tier_step_days"):
        if name in data:
            value = _small_int(data[name])
            if value is None:
                errors[name] = _("Give a whole number of days from 0 to 365.")
            else:
                setattr(schedule, name, value)
    if "grace_days" in data:
        if data["grace_days"] in (None, ""):
            schedule.grace_days = None
        else:
            value = _small_int(data["grace_days"])
            if value is None:
                errors["grace_days"] = _("Give a whole number of days from 0 to 365.")
            schedule.grace_days = value
    if "reporting_tiers" in data:
        every = range(1, len(plan.tiers or []) + 1)
        try:
            tiers = sorted({int(t) for t in data["reporting_tiers"] or []})
        except (TypeError, ValueError):
            tiers = [-1]
        if any(t not in every for t in tiers):
            errors["reporting_tiers"] = _("Choose tiers of this plan.")
        schedule.reporting_tiers = tiers
    if errors:
        raise ValidationError(errors)
    with reverting(schedule), transaction.atomic():
        if creating:
            try:
                with transaction.atomic():
                    schedule.save()
            except IntegrityError:  # another manager set the first schedule a moment ago
                raise ConflictError(current_version=1, changed={}) from None
            record_create(actor=actor, obj=schedule, related=plan)
        else:
            check_version(schedule, version)
            save_update(actor=actor, obj=schedule, before=before, related=plan)
    plan.schedule = schedule  # what the plan in hand reports from now on
    return schedule


def _small_int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 365 else None


# -- progress updates --------------------------------------------------------------------------
@dataclass
class Slot:
    """Where an update for an element and period stands: its due date and window."""

    due: datetime.date
    window: str


def slot_of(element: Element, period: Period, *, today: datetime.date | None = None) -> Slot:
    plan = element.plan
    # Read afresh: a write must not trust a schedule cached on the plan in hand.
    schedule = ReportingSchedule.objects.filter(plan=plan).first() or ReportingSchedule(plan=plan)
    due = due_date(schedule, period, element.depth)
    return Slot(due, window(period, due, grace_days(schedule, Organisation.get()), today))


def _require_reporting(element: Element, period: Period) -> Slot:
    plan = element.plan
    if period.plan_id != plan.pk or period.frequency != plan.cadence:
        raise ValidationError({"period": _("Choose a reporting period of this plan.")})
    if not reports_in(element, period, reporting_depths(plan, schedule_of(plan))):
        raise ValidationError(
            {"period": _("This element does not report for %(period)s.") % {"period": period.label}}
        )
    slot = slot_of(element, period)
    if slot.window == Window.UPCOMING:
        raise ValidationError(
            {"period": _("%(period)s has not started yet.") % {"period": period.label}}
        )
    if slot.window == Window.CLOSED:
        raise ValidationError(
            {
                "period": _(
                    "Updates for %(period)s closed on %(date)s; ask an admin to unlock the period."
                )
                % {
                    "period": period.label,
                    "date": (slot.due + datetime.timedelta(days=_grace(element.plan))).isoformat(),
                }
            }
        )
    return slot


def _grace(plan: Plan) -> int:
    return grace_days(schedule_of(plan), Organisation.get())


def _apply(update: ProgressUpdate, data: dict[str, Any]) -> None:
    unknown = set(data) - set(UPDATE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    if "health" in data:
        health = data["health"] or Health.NOT_ASSESSED
        if health not in Health.values:
            raise ValidationError({"health": _("Choose a health from the list.")})
        update.health = health
    if "percent_complete" in data:
        raw = data["percent_complete"]
        if raw in (None, ""):
            update.percent_complete = None
        else:
            try:
                percent = int(str(raw).strip())
            except (TypeError, ValueError):
                percent = -1
            if not 0 <= percent <= 100:
                raise ValidationError({"percent_complete": _("Give a whole number from 0 to 100.")})
            update.percent_complete = percent
    for name in TEXT_FIELDS:
        if name in data:
            setattr(update, name, (data[name] or "").strip())


def update_save(
    *,
    actor: Any,
    element: Element,
    period: Period,
    data: dict[str, Any],
    version: int | None = None,
    submit: bool = False,
) -> ProgressUpdate:
    """Write (or correct) the element's update for the period, optionally submitting it.

    `version` 0 means the writer saw no update yet: if someone has written one since, that is
    a conflict, not an overwrite."""
    get_access(actor).require(can_write_update(actor, element))
    slot = _require_reporting(element, period)
    with transaction.atomic():
        update = (
            ProgressUpdate.objects.select_for_update()
            .filter(element=element, period=period)
            .first()
        )
        creating = update is None
        if update is None:
            update = ProgressUpdate(element=element, period=period, author=actor, due_date=slot.due)
        elif not update.editable_status:
            raise ValidationError(
                {
                    "status": _("This update is %(status)s and can no longer be edited.")
                    % {"status": update.get_status_display().lower()}
                }
            )
        elif version == 0:
            raise ConflictError(current_version=update.version, changed={})
        else:
            check_version(update, version)
        before = {} if creating else snapshot(update)
        with reverting(update):
            _apply(update, data)
            update.due_date = slot.due  # the schedule may have changed since the draft
            if creating:
                try:
                    with transaction.atomic():
                        update.save()
                except IntegrityError:  # written by someone else a moment ago
                    raise ConflictError(current_version=1, changed={}) from None
                record_create(actor=actor, obj=update, related=element)
            else:
                save_update(actor=actor, obj=update, before=before, related=element)
            if submit:
                _submit(actor, update)
    return update


def _submit(actor: Any, update: ProgressUpdate) -> None:
    if not update.narrative:
        raise ValidationError({"narrative": _("Say what progress was made before submitting.")})
    if update.health == Health.NOT_ASSESSED:
        raise ValidationError({"health": _("Choose the health before submitting.")})
    before = snapshot(update)
    update.status = ProgressUpdate.Status.SUBMITTED
    update.submitted_by = actor
    if update.submitted_at is None:  # late or not is decided by the first submission
        update.late = timezone.localdate() > update.due_date
    update.submitted_at = timezone.now()
    save_update(actor=actor, obj=update, before=before, related=update.element)


def _locked(update: ProgressUpdate, version: int | None) -> None:
    """Lock the update's row and re-read it, so the status checked is the stored one even when
    the writer sends no version (two API calls at once act one after the other)."""
    check_version(update, version)
    ProgressUpdate.objects.select_for_update().filter(pk=update.pk).first()
    update.refresh_from_db()


def update_submit(
    *, actor: Any, update: ProgressUpdate, version: int | None = None
) -> ProgressUpdate:
    get_access(actor).require(can_write_update(actor, update.element))
    slot = _require_reporting(update.element, update.period)
    with reverting(update), transaction.atomic():
        _locked(update, version)
        if not update.editable_status:
            raise ValidationError(
                {"status": _("Only a draft or a returned update can be submitted.")}
            )
        update.due_date = slot.due
        _submit(actor, update)
    return update


def update_accept(
    *, actor: Any, update: ProgressUpdate, comment: str = "", version: int | None = None
) -> ProgressUpdate:
    """Accept a submitted update. Where the element's health can only come from people (it has
    no indicators and nothing beneath it), the reported health becomes its health, with the
    update as the reason; where its percent complete is entered by hand, the reported percent
    becomes its percent complete."""
    if not can_review_update(actor, update):
        if can_review_update(actor, update, accepting=False):
            raise PermissionDenied(_("You cannot accept your own update."))
        raise PermissionDenied
    with reverting(update), transaction.atomic():
        _locked(update, version)
        if update.status != ProgressUpdate.Status.SUBMITTED:
            raise ValidationError({"status": _("Only a submitted update can be accepted.")})
        before = snapshot(update)
        update.status = ProgressUpdate.Status.ACCEPTED
        update.reviewed_by = actor
        update.reviewed_at = timezone.now()
        update.review_comment = (comment or "").strip()
        save_update(actor=actor, obj=update, before=before, related=update.element)
        _apply_to_element(actor, update)
    return update


def _is_latest(update: ProgressUpdate) -> bool:
    return not ProgressUpdate.objects.filter(
        element_id=update.element_id,
        status=ProgressUpdate.Status.ACCEPTED,
        period__start__gt=update.period.start,
    ).exists()


def _apply_to_element(actor: Any, update: ProgressUpdate) -> None:
    """Carry an accepted update's health and percent onto its element (the latest one only)."""
    if not _is_latest(update):
        return
    element = Element.objects.select_for_update().get(pk=update.element_id)
    before = snapshot(element)
    has_children = element.children.exists()
    if update.percent_complete is not None and not computes_percent(
        element.plan, element, has_children=has_children
    ):
        element.percent_complete = update.percent_complete
    # Only where people are the sole source of its health: an element with nothing beneath it
    # and no indicator. Elsewhere the computed health stands (a person may still override it).
    people_only = not has_children and not element.indicators.exists()
    if people_only and update.health != Health.NOT_ASSESSED:
        element.health_override = update.health
        element.health_override_reason = _(
            "Reported in the %(period)s progress update, accepted by %(person)s."
        ) % {
            "period": update.period.label,
            "person": actor.get_full_name() or actor.get_username(),
        }
    if save_update(actor=actor, obj=element, before=before, related=element.plan):
        refresh_plan(element.plan)


def update_return(
    *, actor: Any, update: ProgressUpdate, comment: str, version: int | None = None
) -> ProgressUpdate:
    """Send a submitted update back to its author with what to change."""
    get_access(actor).require(can_review_update(actor, update, accepting=False))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what must be changed.")})
    if slot_of(update.element, update.period).window == Window.CLOSED:
        raise ValidationError(
            {
                "status": _(
                    "Updates for %(period)s are closed, so this one could not be corrected; "
                    "ask an admin to unlock the period first."
                )
                % {"period": update.period.label}
            }
        )
    with reverting(update), transaction.atomic():
        _locked(update, version)
        if update.status not in (
            ProgressUpdate.Status.SUBMITTED,
            ProgressUpdate.Status.ACCEPTED,
        ):
            raise ValidationError(
                {"status": _("Only a submitted or accepted update can be returned.")}
            )
        before = snapshot(update)
        update.status = ProgressUpdate.Status.RETURNED
        update.reviewed_by = actor
        update.reviewed_at = timezone.now()
        update.review_comment = comment
        save_update(actor=actor, obj=update, before=before, related=update.element)
        notify_returned(update)  # in the same transaction: never a return without its notice
    return update


# -- a whole period in one go ("My updates") -----------------------------------------------------
@dataclass
class UpdateEntry:
    """One element's update in a batch."""

    key: str
    element: Element
    period: Period
    data: dict[str, Any]
    version: int | None = None


@dataclass
class ActionEntry:
    """An action item marked done in a batch, with its outcome."""

    key: str
    item: Any  # meetings.ActionItem
    outcome: str
    version: int | None = None


def _messages(exc: ValidationError, default: str) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {default: [str(m) for m in exc.messages]}


def period_save(
    *,
    actor: Any,
    updates: list[UpdateEntry],
    measurements: list[Any],
    actions: list[ActionEntry],
    submit: bool = False,
) -> dict[str, int]:
    """Save (and optionally submit) a person's element updates, indicator values and finished
    action items together: all of them, or none. Refusals come back keyed by entry, in a
    BatchError, and nothing is saved."""
    from waymark.indicators.services import BatchError, measurements_save_batch
    from waymark.meetings.services import action_item_complete

    errors: dict[str, dict[str, list[str]]] = {}
    counts = {"updates": 0, "measurements": 0, "actions": 0}
    with transaction.atomic():
        for entry in updates:
            try:
                with transaction.atomic():
                    update_save(
                        actor=actor,
                        element=entry.element,
                        period=entry.period,
                        data=entry.data,
                        version=entry.version,
                        submit=submit,
                    )
                counts["updates"] += 1
            except ValidationError as exc:
                errors[entry.key] = _messages(exc, "narrative")
            except PermissionDenied:
                errors[entry.key] = {"narrative": [_("You may not write this update.")]}
            except ConflictError as exc:
                errors[entry.key] = {"narrative": [str(exc)]}
        if measurements:
            try:
                with transaction.atomic():
                    counts["measurements"] = len(
                        measurements_save_batch(actor=actor, entries=measurements, submit=submit)
                    )
            except BatchError as exc:
                errors.update(exc.errors)
        for action in actions:
            try:
                with transaction.atomic():
                    action_item_complete(
                        actor=actor,
                        item=action.item,
                        outcome=action.outcome,
                        version=action.version,
                    )
                counts["actions"] += 1
            except ValidationError as exc:
                errors[action.key] = _messages(exc, "outcome")
            except PermissionDenied:
                errors[action.key] = {"outcome": [_("You may not close this action item.")]}
            except ConflictError as exc:
                errors[action.key] = {"outcome": [str(exc)]}
        if errors:
            raise BatchError(errors)
    return counts
