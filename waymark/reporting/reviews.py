"""Reviews (mid-month evaluations and quarterly reviews) and baselines: services and selectors.

A review takes one plan (or one unit's part of it) for one reporting period and, for each
element that reports, records the five questions of the Dornod method: on track against the
timeline? if not, why (coded reasons)? what changed inside or outside? is the timeline
realistic (new dates)? are people and money sufficient? Then a decision: continue, re-plan,
reassign, add resources or drop, with who and by when.

Closing a review applies its decisions through the plan services, in one transaction: new
dates (and a new baseline of the plan, the original kept as v1), a new lead, a cancelled
element, follow-up action items; each with its change entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.core.services import (
    check_version,
    record_change,
    record_create,
    record_creates,
    reverting,
    save_update,
    snapshot,
)
from waymark.indicators.models import Period
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_create, date_or_none, person_or_none
from waymark.org.models import Health, Membership, Person, Unit
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import can_manage_plan, can_view_plan, plans_visible_to
from waymark.plans.services import element_update
from waymark.reporting.models import (
    Baseline,
    Notification,
    ProgressUpdate,
    Review,
    ReviewItem,
    ReviewReason,
)
from waymark.reporting.notify import notify
from waymark.reporting.selectors import reporting_depths, schedule_of

# The agenda's order: what is off track is discussed first.
HEALTH_ORDER: dict[str, int] = {
    Health.OFF_TRACK: 0,
    Health.AT_RISK: 1,
    Health.NOT_ASSESSED: 2,
    Health.ON_TRACK: 3,
}
NOT_ON_TRACK = (ReviewItem.OnTrack.NO, ReviewItem.OnTrack.PARTLY)
EXPLAINED_REASONS = (ReviewReason.Code.EXTERNAL, ReviewReason.Code.OTHER)  # need their text
ITEM_FIELDS = (
    "on_track",
    "changes",
    "timeline_realistic",
    "proposed_start",
    "proposed_target",
    "staff_sufficient",
    "budget_sufficient",
    "resources_note",
    "decision",
    "decision_note",
    "decision_owner",
    "decision_due",
    "new_lead",
)
TEXT_FIELDS = ("changes", "resources_note", "decision_note")
FLAG_FIELDS = ("timeline_realistic", "staff_sufficient", "budget_sufficient")
DATE_FIELDS = ("proposed_start", "proposed_target", "decision_due")
PEOPLE_FIELDS = ("decision_owner", "new_lead")
# The key under which an item's change entry logs its reasons (not a field name, so the
# history shows it as words).
REASONS_LOG_KEY = "off_track_reasons"


# -- permissions -------------------------------------------------------------------------------
def can_run_review_for(person: Any, plan: Plan, unit: Unit | None = None) -> bool:
    """Open, answer and close a review: a manager of the plan's owner unit, or, for a review
    of one unit's part of the plan, a manager of that unit."""
    access = get_access(person)
    if access.has(plan.owner_unit, Role.MANAGER):
        return True
    return unit is not None and access.has(unit, Role.MANAGER)


def can_run_review(person: Any, review: Review) -> bool:
    return can_run_review_for(person, review.plan, review.unit)


def can_view_review(person: Any, review: Review) -> bool:
    """Everyone who sees the plan reads its reviews."""
    return (
        not review.is_deleted and not review.plan.is_deleted and can_view_plan(person, review.plan)
    )


def review_units_for(person: Any, plan: Plan) -> list[Unit]:
    """The units whose part of the plan the person may review: the responsible units of the
    plan's elements; all of them for a manager of the plan's unit, else those they manage."""
    access = get_access(person)
    if not access.authenticated:
        return []
    units = Unit.objects.filter(
        archived_at__isnull=True,
        pk__in=Element.objects.filter(plan=plan).values("responsible_unit"),
    ).order_by("path")
    if not access.has(plan.owner_unit, Role.MANAGER):
        units = units.filter(access.unit_q(minimum=Role.MANAGER))
    return list(units)


def can_create_review(person: Any, plan: Plan) -> bool:
    return can_manage_plan(person, plan) or bool(review_units_for(person, plan))


def reviews_visible_to(person: Any) -> QuerySet[Review]:
    return Review.objects.filter(plan__in=plans_visible_to(person), plan__deleted_at__isnull=True)


# -- opening a review --------------------------------------------------------------------------
def elements_under_review(plan: Plan, unit: Unit | None = None) -> QuerySet[Element]:
    """The elements a review takes: of the tiers that report, not cancelled, and for a unit's
    review those the unit or a unit below it is responsible for."""
    depths = reporting_depths(plan, schedule_of(plan))
    elements = Element.objects.filter(plan=plan, depth__in=depths).exclude(
        state=Element.State.CANCELLED
    )
    if unit is not None:
        elements = elements.filter(responsible_unit__path__startswith=unit.path)
    return elements.order_by("sort_key")


def default_period(plan: Plan, periods: list[Period], today: datetime.date | None = None) -> Period:
    """The period holding today, else the most recent one that started, else the first."""
    today = today or timezone.localdate()
    started = [p for p in periods if p.start <= today]
    return started[-1] if started else periods[0]


def review_create(
    *,
    actor: Any,
    plan: Plan,
    period: Period,
    kind: str,
    unit: Unit | None = None,
    held_on: datetime.date | str | None = None,
    chair: Person | int | None = None,
) -> Review:
    """Open a review of the plan (or of a unit's part of it) for a reporting period, with one
    item per element under review and its health at this moment. The chair is the actor
    unless someone else is named."""
    get_access(actor).require(can_run_review_for(actor, plan, unit))
    if plan.is_deleted:
        raise ValidationError({"plan": _("This plan is in the trash; restore it first.")})
    if kind not in Review.Kind.values:
        raise ValidationError({"kind": _("Choose a mid-month evaluation or a quarterly review.")})
    if period is None or period.plan_id != plan.pk or period.frequency != plan.cadence:
        raise ValidationError({"period": _("Choose a reporting period of this plan.")})
    if unit is not None and unit.is_archived:
        raise ValidationError({"unit": _("This unit is archived.")})
    held = date_or_none(held_on, "held_on") or timezone.localdate()
    chaired_by = person_or_none(chair, "chair") or (actor if getattr(actor, "pk", None) else None)
    with transaction.atomic():
        _lock(plan)
        if Review.objects.filter(
            plan=plan, unit=unit, period=period, kind=kind, state=Review.State.OPEN
        ).exists():
            raise ValidationError(
                {
                    "period": _("An open %(kind)s of %(period)s exists already; close it first.")
                    % {"kind": Review.Kind(kind).label.lower(), "period": period.label}
                }
            )
        elements = list(elements_under_review(plan, unit))
        if not elements:
            if unit is not None:
                message = _(
                    "No element of this plan that reports is the responsibility of %(unit)s."
                )
                raise ValidationError({"unit": message % {"unit": unit.name}})
            raise ValidationError({"plan": _("This plan has no elements that report yet.")})
        review = Review(
            plan=plan, unit=unit, period=period, kind=kind, held_on=held, chair=chaired_by
        )
        review.save()
        record_create(actor=actor, obj=review, related=plan)
        items = ReviewItem.objects.bulk_create(
            [
                ReviewItem(review=review, element=e, health_then=e.health_override or e.health)
                for e in elements
            ]
        )
        record_creates(actor=actor, created=[(item, review) for item in items])
    return review


def _lock(plan: Plan) -> None:
    """Hold the plan's row until the transaction ends: reviews and baselines of one plan are
    opened, numbered and closed one at a time."""
    list(Plan.all_objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))


# -- answering ---------------------------------------------------------------------------------
def _flag(value: Any, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off"):
        return False
    raise ValidationError({name: _("Answer yes or no.")})


def _apply_item(item: ReviewItem, data: dict[str, Any]) -> None:
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    if "on_track" in data:
        on_track = data["on_track"] or ""
        if on_track and on_track not in ReviewItem.OnTrack.values:
            raise ValidationError({"on_track": _("Answer yes, partly or no.")})
        item.on_track = on_track
    if "decision" in data:
        decision = data["decision"] or ""
        if decision and decision not in ReviewItem.Decision.values:
            raise ValidationError({"decision": _("Choose a decision from the list.")})
        item.decision = decision
    for name in TEXT_FIELDS:
        if name in data:
            setattr(item, name, str(data[name] or "").strip())
    for name in FLAG_FIELDS:
        if name in data:
            setattr(item, name, _flag(data[name], name))
    for name in DATE_FIELDS:
        if name in data:
            setattr(item, name, date_or_none(data[name], name))
    for name in PEOPLE_FIELDS:
        if name in data:
            setattr(item, name, person_or_none(data[name], name))


def _clean_reasons(reasons: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for code, text in reasons.items():
        if code not in ReviewReason.Code.values:
            raise ValidationError({"reasons": _("Choose reasons from the list.")})
        cleaned[code] = str(text or "").strip()
    return cleaned


def _belongs_to(person: Any, unit: Unit) -> bool:
    """A member of the unit, of a unit below it, or with a role inherited from above (the rule
    the element service applies to a lead)."""
    paths = Membership.objects.filter(person=person).values_list("unit__path", flat=True)
    return any(unit.path.startswith(p) or p.startswith(unit.path) for p in paths)


def _validate_item(item: ReviewItem, reasons: dict[str, str], review: Review) -> None:
    """Every rule an item's answers must meet; all the errors at once, keyed by field."""
    errors: dict[str, str] = {}
    element = item.element
    if reasons and item.on_track not in NOT_ON_TRACK:
        errors["reasons"] = _(
            "Give reasons only when the element is not on track: answer “No” or “Partly” first."
        )
    for code in EXPLAINED_REASONS:
        if code in reasons and not reasons[code]:
            errors.setdefault(
                "reasons",
                _("Explain “%(reason)s” in a few words.")
                % {"reason": ReviewReason.Code(code).label},
            )
    if item.proposed_start and item.proposed_target and item.proposed_target < item.proposed_start:
        errors["proposed_target"] = _(
            "The proposed target date cannot be before the proposed start date."
        )
    decision = item.decision
    if decision == ReviewItem.Decision.REPLAN and "proposed_target" not in errors:
        start = item.proposed_start or element.start_date
        if item.proposed_target is None:
            errors["proposed_target"] = _("A re-plan needs the new target date.")
        elif start and item.proposed_target < start:
            errors["proposed_target"] = _(
                "The new target date cannot be before the start date (%(date)s)."
            ) % {"date": start.isoformat()}
        elif (start, item.proposed_target) == (element.start_date, element.target_date):
            errors["proposed_target"] = _(
                "These are the element's current dates; a re-plan must change them."
            )
    if decision == ReviewItem.Decision.REASSIGN:
        lead = item.new_lead
        if lead is None:
            errors["new_lead"] = _("Choose the new lead.")
        elif lead.pk == element.lead_id:
            errors["new_lead"] = _("%(person)s leads this element already.") % {"person": lead}
        elif element.responsible_unit is None:
            errors["new_lead"] = _(
                "The element has no responsible unit; set one before reassigning it."
            )
        elif not _belongs_to(lead, element.responsible_unit):
            errors["new_lead"] = _(
                "%(person)s is not a member of %(unit)s; choose someone from that unit."
            ) % {"person": lead, "unit": element.responsible_unit}
    if decision == ReviewItem.Decision.ADD_RESOURCES:
        if item.decision_owner is None:
            errors["decision_owner"] = _("Say who will add the resources.")
        if item.decision_due is None:
            errors["decision_due"] = _("Say by when.")
    if item.decision_due and item.decision_due < review.held_on:
        errors["decision_due"] = _("The date cannot be before the review (%(date)s).") % {
            "date": review.held_on.isoformat()
        }
    if errors:
        raise ValidationError(errors)


def _reasons_log(reasons: dict[str, str]) -> list[str]:
    return [f"{code}: {text}" if text else code for code, text in sorted(reasons.items())]


def review_item_save(
    *,
    actor: Any,
    item: ReviewItem,
    data: dict[str, Any],
    reasons: dict[str, str] | None = None,
    version: int | None = None,
) -> ReviewItem:
    """Record an element's answers and decision. `data` holds any of ITEM_FIELDS (people as
    objects or ids, dates as dates or ISO text, yes/no as booleans or words); `reasons`, when
    given, replaces the coded reasons ({code: text}; "external" and "other" need their text).
    Nothing changes once the review is closed."""
    review = item.review
    get_access(actor).require(can_run_review(actor, review))
    with reverting(item), transaction.atomic():
        state = (
            Review.objects.select_for_update().filter(pk=review.pk).values_list("state", flat=True)
        )
        if state.first() != Review.State.OPEN:
            raise ValidationError(
                {"review": _("This review is closed; its answers can no longer be changed.")}
            )
        check_version(item, version)
        before = snapshot(item)
        old_reasons = {r.code: r.text for r in ReviewReason.objects.filter(item=item)}
        _apply_item(item, data)
        new_reasons = old_reasons if reasons is None else _clean_reasons(reasons)
        _validate_item(item, new_reasons, review)
        after = snapshot(item)
        changed = [k for k in after if k != "version" and after[k] != before.get(k)]
        if not changed and new_reasons == old_reasons:
            return item
        item.version = F("version") + 1
        item.save(update_fields=[*changed, "version", "updated_at"])
        item.refresh_from_db(fields=["version"])
        if new_reasons != old_reasons:
            ReviewReason.objects.filter(item=item).delete()
            ReviewReason.objects.bulk_create(
                [ReviewReason(item=item, code=c, text=t) for c, t in sorted(new_reasons.items())]
            )
        getattr(item, "_prefetched_objects_cache", {}).pop("reasons", None)
        record_change(
            actor=actor,
            obj=item,
            action=Change.Action.UPDATE,
            before={**before, REASONS_LOG_KEY: _reasons_log(old_reasons)},
            after={**snapshot(item), REASONS_LOG_KEY: _reasons_log(new_reasons)},
            related=review,
        )
        # An answer changes what closing the review will do: whoever loaded the close form
        # before it must reload (the review's version moves with every answer).
        Review.objects.filter(pk=review.pk).update(version=F("version") + 1)
        review.refresh_from_db(fields=["version"])
    return item


# -- closing -----------------------------------------------------------------------------------
def needs_decision(item: ReviewItem) -> bool:
    """An element that was off track, or that the review found not on track."""
    return item.health_then == Health.OFF_TRACK or item.on_track in NOT_ON_TRACK


def makes_action_item(item: ReviewItem) -> bool:
    """Adding resources, and any other decision but "continue" that names who and by when,
    is followed up as an action item."""
    if item.decision in ("", ReviewItem.Decision.CONTINUE):
        return False
    return item.decision_owner_id is not None and item.decision_due is not None


@dataclass
class CloseSummary:
    """What closing the review will change (or changed)."""

    replanned: list[ReviewItem] = field(default_factory=list)
    reassigned: list[ReviewItem] = field(default_factory=list)
    dropped: list[ReviewItem] = field(default_factory=list)
    action_items: list[ReviewItem] = field(default_factory=list)
    continued: list[ReviewItem] = field(default_factory=list)
    undecided: list[ReviewItem] = field(default_factory=list)  # that need a decision

    @property
    def changes_anything(self) -> bool:
        return bool(self.replanned or self.reassigned or self.dropped or self.action_items)


def close_summary(items: list[ReviewItem]) -> CloseSummary:
    summary = CloseSummary()
    by_decision: dict[str, list[ReviewItem]] = {
        ReviewItem.Decision.REPLAN: summary.replanned,
        ReviewItem.Decision.REASSIGN: summary.reassigned,
        ReviewItem.Decision.DROP: summary.dropped,
        ReviewItem.Decision.CONTINUE: summary.continued,
    }
    for item in items:
        if item.element.is_deleted:  # deleted since the review opened: nothing to apply
            continue
        if not item.decision:
            if needs_decision(item):
                summary.undecided.append(item)
            continue
        if item.decision in by_decision:
            by_decision[item.decision].append(item)
        if makes_action_item(item):
            summary.action_items.append(item)
    return summary


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # a route not installed (a command, a test without the pages)
        return ""


def _label(element: Element) -> str:
    text = str(element)
    return text if len(text) <= 300 else text[:299] + "…"


def _action_title(item: ReviewItem) -> str:
    element = _label(item.element)
    if item.decision == ReviewItem.Decision.REPLAN:
        return _("Carry out the new plan for %(element)s (target %(date)s)") % {
            "element": element,
            "date": item.proposed_target.isoformat() if item.proposed_target else "—",
        }
    if item.decision == ReviewItem.Decision.REASSIGN:
        return _("Hand %(element)s over to %(person)s") % {
            "element": element,
            "person": item.new_lead,
        }
    if item.decision == ReviewItem.Decision.DROP:
        return _("Wind down %(element)s") % {"element": element}
    return _("Add resources to %(element)s") % {"element": element}


def _element_change(item: ReviewItem, element: Element) -> dict[str, Any]:
    """The element fields the item's decision changes."""
    if item.decision == ReviewItem.Decision.REPLAN:
        data: dict[str, Any] = {"target_date": item.proposed_target}
        if item.proposed_start:
            data["start_date"] = item.proposed_start
        return data
    if item.decision == ReviewItem.Decision.REASSIGN:
        return {"lead": item.new_lead}
    if item.decision == ReviewItem.Decision.DROP:
        return {"state": Element.State.CANCELLED}
    return {}


def review_close(*, actor: Any, review: Review, version: int | None = None) -> Review:
    """Close the review and apply its decisions, all in one transaction, or nothing:

    - re-plan: the element's new start and target dates, then one new baseline of the plan
      (v1, the plan as it was, is taken first when the plan had none);
    - reassign: the element's new lead;
    - drop: the element is cancelled;
    - add resources, and any decision but "continue" with who and by when: an action item.

    Refused, naming the elements, while an element off track or not on track has no decision.
    The new leads and the owners of the action items are notified."""
    get_access(actor).require(can_run_review(actor, review))
    plan = review.plan
    with reverting(review), transaction.atomic():
        _lock(plan)
        check_version(review, version)
        review.refresh_from_db(fields=["state"])
        if review.state != Review.State.OPEN:
            raise ValidationError({"review": _("This review is closed already.")})
        items = review_agenda(review)
        summary = close_summary(items)
        if summary.undecided:
            codes = ", ".join(i.element.code or i.element.title for i in summary.undecided)
            raise ValidationError(
                {
                    "items": ngettext(
                        "Decide on %(elements)s before closing: it is not on track.",
                        "Decide on %(elements)s before closing: they are not on track.",
                        len(summary.undecided),
                    )
                    % {"elements": codes}
                }
            )
        decided = [i for i in items if i.decision and not i.element.is_deleted]
        if summary.replanned and not Baseline.objects.filter(plan=plan).exists():
            _baseline(
                actor=actor,
                plan=plan,
                reason=_("The plan as it stood before %(review)s.") % {"review": review},
                review=review,
            )
        action_items: list[ActionItem] = []
        for item in decided:
            element = item.element
            change = _element_change(item, element)
            if change:
                element.refresh_from_db()
                element.plan = plan
                try:
                    element_update(actor=actor, element=element, data=change)
                except ValidationError as exc:
                    raise ValidationError(
                        {
                            "items": _("%(element)s: %(error)s")
                            % {"element": element.code, "error": " ".join(exc.messages)}
                        }
                    ) from exc
            if makes_action_item(item):
                action_items.append(
                    action_item_create(
                        actor=actor,
                        data={
                            "title": _action_title(item),
                            "details": item.decision_note or item.resources_note,
                            "owner": item.decision_owner,
                            "unit": element.responsible_unit or plan.owner_unit,
                            "element": element,
                            "review_item": item,
                            "due_date": item.decision_due,
                        },
                    )
                )
        # A new version of the plan's baseline is the plan managers' act; a unit's manager
        # closing a unit review moves the dates (v1 above keeps the original) without one.
        if summary.replanned and can_manage_plan(actor, plan):
            n = len(summary.replanned)
            _baseline(
                actor=actor,
                plan=plan,
                reason=ngettext(
                    "%(review)s: re-planned %(n)d element",
                    "%(review)s: re-planned %(n)d elements",
                    n,
                )
                % {"review": review, "n": n},
                review=review,
            )
        now = timezone.now()
        for item in decided:
            before = snapshot(item)
            item.applied_at = now
            save_update(actor=actor, obj=item, before=before, related=review)
        before = snapshot(review)
        review.state = Review.State.CLOSED
        review.closed_at = now
        review.closed_by = actor if getattr(actor, "pk", None) else None
        save_update(actor=actor, obj=review, before=before, related=plan)
        _notify(review, summary.reassigned, action_items)
    return review


def _notify(review: Review, reassigned: list[ReviewItem], action_items: list[ActionItem]) -> None:
    review_url = _url("review-detail", review.pk)
    for action in action_items:
        if action.owner is not None:
            notify(
                person=action.owner,
                kind=Notification.Kind.ASSIGNED,
                text=_action_text(review, action),
                url=review_url,
                due_date=action.due_date,
            )
    for item in reassigned:
        if item.new_lead is not None:
            notify(
                person=item.new_lead,
                kind=Notification.Kind.ASSIGNED,
                text=_lead_text(review, item.element),
                url=_url("element-detail", item.element_id),
                due_date=item.element.target_date,
            )


def _action_text(review: Review, action: ActionItem) -> Callable[[], str]:
    def text() -> str:
        return _("%(review)s gave you an action item: %(title)s, by %(date)s.") % {
            "review": review,
            "title": action.title,
            "date": action.due_date.isoformat() if action.due_date else "—",
        }

    return text


def _lead_text(review: Review, element: Element) -> Callable[[], str]:
    def text() -> str:
        return _("You now lead %(element)s, as decided at %(review)s.") % {
            "element": _label(element),
            "review": review,
        }

    return text


# -- baselines ---------------------------------------------------------------------------------
def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _baseline(*, actor: Any, plan: Plan, reason: str, review: Review | None) -> Baseline:
    """Take the next baseline (the caller checked the permission and holds a transaction)."""
    _lock(plan)
    last = (
        Baseline.objects.filter(plan=plan).order_by("-number").values_list("number", flat=True)
    ).first() or 0
    reason = (reason or "").strip()
    if last and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Say why the plan is baselined again, e.g. “Re-planned at the Q2 review”."
                )
            }
        )
    if review is not None and review.plan_id != plan.pk:
        raise ValidationError({"review": _("The review must be of this plan.")})
    elements = Element.objects.filter(plan=plan).exclude(state=Element.State.CANCELLED)
    entries = {
        str(e.pk): {
            "code": e.code,
            "title": e.title,
            "start_date": _iso(e.start_date),
            "target_date": _iso(e.target_date),
            "budget_planned": str(e.budget_planned) if e.budget_planned is not None else None,
        }
        for e in elements.order_by("sort_key")
    }
    if not entries:
        raise ValidationError({"plan": _("The plan has no elements to baseline yet.")})
    baseline = Baseline.objects.create(
        plan=plan,
        number=last + 1,
        reason=reason,
        taken_by=actor if getattr(actor, "pk", None) else None,
        review=review,
        entries=entries,
    )
    record_create(actor=actor, obj=baseline, related=plan)
    return baseline


def baseline_take(
    *, actor: Any, plan: Plan, reason: str = "", review: Review | None = None
) -> Baseline:
    """Freeze the plan's dates and budgets as its next baseline (a manager of the plan's unit).
    v1, the original plan, needs no reason; every later one does."""
    get_access(actor).require(can_manage_plan(actor, plan))
    if plan.is_deleted:
        raise ValidationError({"plan": _("This plan is in the trash; restore it first.")})
    with transaction.atomic():
        return _baseline(actor=actor, plan=plan, reason=reason, review=review)


@dataclass
class SlipRow:
    """One element in a baseline comparison. `slip_days`: the current target date minus the
    baseline's (positive = later); None when either has no target date or the element is new
    or gone."""

    code: str
    title: str
    element: Element | None
    baseline_start: datetime.date | None = None
    baseline_target: datetime.date | None = None
    current_start: datetime.date | None = None
    current_target: datetime.date | None = None
    status: str = "same"  # same, slipped, earlier, undated, new, cancelled, deleted
    sort_key: str = ""

    @property
    def slip_days(self) -> int | None:
        if self.status in ("new", "cancelled", "deleted"):
            return None
        if self.baseline_target is None or self.current_target is None:
            return None
        return (self.current_target - self.baseline_target).days

    @property
    def days_earlier(self) -> int | None:
        slip = self.slip_days
        return -slip if slip is not None and slip < 0 else None

    @property
    def start_moved_days(self) -> int | None:
        if self.baseline_start is None or self.current_start is None:
            return None
        return (self.current_start - self.baseline_start).days


@dataclass
class Comparison:
    baseline: Baseline
    rows: list[SlipRow]
    compared: int  # elements in both, with a target date in both
    slipped: int
    earlier: int
    average_slip: int | None  # days, over the elements that slipped
    largest: SlipRow | None
    new: int
    removed: int


def _date(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) and value else None


def baseline_comparison(plan: Plan, baseline: Baseline) -> Comparison:
    """The baseline's dates against the current ones, element by element: the latest slip
    first, then the rest in plan order. One query whatever the plan's size."""
    entries: dict[str, dict[str, Any]] = baseline.entries or {}
    elements = {
        str(e.pk): e
        for e in Element.all_objects.filter(plan=plan).select_related("lead").order_by("sort_key")
    }
    rows: list[SlipRow] = []
    for key, element in elements.items():
        entry = entries.get(key)
        live = not element.is_deleted and element.state != Element.State.CANCELLED
        if entry is None:
            if live:
                rows.append(
                    SlipRow(
                        code=element.code,
                        title=element.title,
                        element=element,
                        current_start=element.start_date,
                        current_target=element.target_date,
                        status="new",
                        sort_key=element.sort_key,
                    )
                )
            continue
        row = SlipRow(
            code=element.code,
            title=element.title,
            element=None if element.is_deleted else element,
            baseline_start=_date(entry.get("start_date")),
            baseline_target=_date(entry.get("target_date")),
            current_start=element.start_date,
            current_target=element.target_date,
            sort_key=element.sort_key,
        )
        if element.is_deleted:
            row.status = "deleted"
        elif not live:
            row.status = "cancelled"
        elif row.slip_days is None:
            row.status = "undated"
        elif row.slip_days > 0:
            row.status = "slipped"
        elif row.slip_days < 0:
            row.status = "earlier"
        rows.append(row)
    for key, entry in entries.items():  # elements gone from the database altogether
        if key not in elements:
            rows.append(
                SlipRow(
                    code=entry.get("code", ""),
                    title=entry.get("title", ""),
                    element=None,
                    baseline_start=_date(entry.get("start_date")),
                    baseline_target=_date(entry.get("target_date")),
                    status="deleted",
                    sort_key="~" + str(entry.get("code", "")),
                )
            )
    rows.sort(key=lambda r: r.sort_key)
    rows.sort(key=lambda r: -r.slip_days if r.slip_days is not None else float("inf"))
    slips = [r.slip_days for r in rows if r.slip_days is not None and r.slip_days > 0]
    largest = rows[0] if slips else None
    return Comparison(
        baseline=baseline,
        rows=rows,
        compared=sum(1 for r in rows if r.slip_days is not None),
        slipped=len(slips),
        earlier=sum(1 for r in rows if r.status == "earlier"),
        average_slip=round(mean(slips)) if slips else None,
        largest=largest,
        new=sum(1 for r in rows if r.status == "new"),
        removed=sum(1 for r in rows if r.status in ("cancelled", "deleted")),
    )


# -- reading reviews ---------------------------------------------------------------------------
def review_agenda(review: Review) -> list[ReviewItem]:
    """The review's items, off track first (then at risk, not assessed, on track; plan order
    within each), with their element, lead, unit, people, reasons and action items. Three
    queries whatever the number of elements."""
    items = list(
        ReviewItem.objects.filter(review=review)
        .select_related("element__lead", "element__responsible_unit", "decision_owner", "new_lead")
        .prefetch_related(
            "reasons",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner").order_by("due_date", "id"),
            ),
        )
    )
    plan = review.plan
    for item in items:
        item.element.plan = plan
        item.review = review
    items.sort(key=lambda i: (HEALTH_ORDER.get(i.health_then, 2), i.element.sort_key))
    return items


def latest_updates(review: Review) -> dict[int, ProgressUpdate]:
    """Each reviewed element's progress update for the review's period, else its latest one
    before it (drafts left out). One query."""
    latest: dict[int, ProgressUpdate] = {}
    updates = (
        ProgressUpdate.objects.filter(
            element__review_items__review=review, period__start__lte=review.period.end
        )
        .exclude(status=ProgressUpdate.Status.DRAFT)
        .select_related("period")
        .order_by("element_id", "-period__start")
    )
    for update in updates:
        latest.setdefault(update.element_id, update)
    return latest


def reviews_of(plan: Plan) -> QuerySet[Review]:
    """The plan's reviews, newest first, each with how many elements it takes, how many were
    off track, how many need a decision and how many have one. One query."""
    items = "items"
    return (
        Review.objects.filter(plan=plan)
        .select_related("period", "unit", "chair", "closed_by")
        .annotate(
            element_count=Count(items),
            off_track_count=Count(items, filter=Q(items__health_then=Health.OFF_TRACK)),
            decision_count=Count(items, filter=~Q(items__decision="")),
        )
        .order_by("-held_on", "-id")
    )


def review_outcome(review: Review) -> Baseline | None:
    """The baseline the review's re-plans made, when they made one."""
    return Baseline.objects.filter(review=review).order_by("-number").first()
