"""Reads of the reporting cycle: schedules, due dates, what each person owes, the board."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.indicators.models import Period
from waymark.org.models import Organisation, Unit
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import can_edit_element, can_view_plan, elements_visible_to
from waymark.reporting.models import ProgressUpdate, ReportingSchedule


# -- the schedule --------------------------------------------------------------------------------
def schedule_of(plan: Plan) -> ReportingSchedule:
    """The plan's schedule, or an unsaved one with the defaults when none was set."""
    try:
        return plan.schedule
    except ReportingSchedule.DoesNotExist:
        return ReportingSchedule(plan=plan)


def reporting_depths(plan: Plan, schedule: ReportingSchedule) -> list[int]:
    """The tiers (depths, 1 = top) whose elements report, top first."""
    every = list(range(1, len(plan.tiers or []) + 1)) or [1, 2, 3]
    chosen = [d for d in (schedule.reporting_tiers or []) if d in every]
    return chosen or every


def grace_days(schedule: ReportingSchedule, org: Organisation) -> int:
    return org.grace_days if schedule.grace_days is None else schedule.grace_days


def due_date(schedule: ReportingSchedule, period: Period, depth: int) -> datetime.date:
    """When an update of an element at `depth` falls due: the lowest reporting tier first,
    each tier above `tier_step_days` later (so a goal's owner reads the actions' updates)."""
    lowest = max(reporting_depths(schedule.plan, schedule))
    steps = max(lowest - depth, 0)
    return period.end + datetime.timedelta(days=schedule.due_days + steps * schedule.tier_step_days)


def reporting_periods(plan: Plan) -> list[Period]:
    """The plan's periods of its reporting cadence, oldest first (made when missing)."""
    from waymark.indicators.services import periods_ensure

    return periods_ensure(plan=plan, frequency=plan.cadence)


# An update is asked for (on My updates, by reminders) from this many days before it is due;
# it may be written from the first day of its period.
OWED_FROM_DAYS = 14


class Window:
    """Where an update stands against its dates today."""

    UPCOMING = "upcoming"  # the period has not started
    OPEN = "open"  # started, not yet due
    DUE = "due"  # due today
    LATE = "late"  # past due, within the grace days: still taken, marked late
    CLOSED = "closed"  # past the grace days (unless the period was unlocked)

    ACCEPTING = (OPEN, DUE, LATE)
    LABELS = {
        UPCOMING: _("Upcoming"),
        OPEN: _("Open"),
        DUE: _("Due today"),
        LATE: _("Late"),
        CLOSED: _("Closed"),
    }


def window(
    period: Period, due: datetime.date, grace: int, today: datetime.date | None = None
) -> str:
    today = today or timezone.localdate()
    if today < period.start:
        return Window.UPCOMING
    if today < due:
        return Window.OPEN
    if today == due:
        return Window.DUE
    if today <= due + datetime.timedelta(days=grace):
        return Window.LATE
    if period.unlocked_until and period.unlocked_until > timezone.now():
        return Window.LATE
    return Window.CLOSED


def reports_in(element: Element, period: Period, depths: list[int]) -> bool:
    """Does the element owe an update for the period? Its tier reports, it is not cancelled,
    it had started by the period's end and was not finished before the period began."""
    if element.depth not in depths or element.state == Element.State.CANCELLED:
        return False
    if element.start_date and element.start_date > period.end:
        return False
    return not (
        element.state == Element.State.COMPLETED
        and element.completed_date
        and element.completed_date < period.start
    )


# -- permissions -------------------------------------------------------------------------------
def can_write_update(person: Any, element: Element) -> bool:
    """The lead, a named contributor, or a contributor of the element's unit or plan."""
    access = get_access(person)
    if not access.authenticated:
        return False
    if can_edit_element(person, element):
        return True
    named = element.lead_id == person.pk or any(
        c.pk == person.pk for c in element.contributors.all()
    )
    # A lead who has left the element's units no longer writes its updates.
    return named and can_view_plan(person, element.plan)


def can_review_update(person: Any, update: ProgressUpdate, *, accepting: bool = True) -> bool:
    """A manager of the element's unit or of the plan's owner unit; not the submitter,
    unless the organisation allows approving one's own submissions."""
    access = get_access(person)
    element = update.element
    manager = access.has(element.responsible_unit, Role.MANAGER) or access.has(
        element.plan.owner_unit, Role.MANAGER
    )
    if not manager:
        return False
    if accepting and update.submitted_by_id == person.pk:
        return Organisation.get().allow_self_approval
    return True


def updates_visible_to(person: Any) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(element__in=elements_visible_to(person))


# -- what a person owes ------------------------------------------------------------------------
@dataclass
class UpdateDue:
    """One progress update a person owes: an element, a period, its dates."""

    element: Element
    period: Period
    due_date: datetime.date
    window: str
    update: ProgressUpdate | None = None
    previous: ProgressUpdate | None = None

    @property
    def key(self) -> str:
        return f"u{self.element.pk}-{self.period.pk}"

    @property
    def window_label(self) -> str:
        return str(Window.LABELS[self.window])


def _owed(
    elements: list[Element], today: datetime.date, org: Organisation, *, horizon: int = 0
) -> list[UpdateDue]:
    """The updates owed on these elements for periods that take updates today (or, with a
    horizon, closed no more than `horizon` days after their due date). Three queries
    (schedules and periods of the plans, the updates) plus one per plan missing its periods."""
    if not elements:
        return []
    plans = {e.plan_id: e.plan for e in elements}
    schedules = {s.plan_id: s for s in ReportingSchedule.objects.filter(plan_id__in=plans)}
    wanted = Q(pk__in=[])
    for plan in plans.values():
        wanted |= Q(plan_id=plan.pk, frequency=plan.cadence)
    periods: dict[int, list[Period]] = defaultdict(list)
    for period in Period.objects.filter(wanted).order_by("start"):
        periods[period.plan_id].append(period)
    for plan in plans.values():
        if not periods.get(plan.pk):
            periods[plan.pk] = reporting_periods(plan)
    windows: list[tuple[Element, Period, datetime.date, str, Period | None]] = []
    for element in elements:
        plan = plans[element.plan_id]
        schedule = schedules.get(plan.pk) or ReportingSchedule(plan=plan)
        depths = reporting_depths(plan, schedule)
        grace = grace_days(schedule, org)
        before: Period | None = None
        for period in periods[plan.pk]:
            due = due_date(schedule, period, element.depth)
            state = window(period, due, grace, today)
            still = state in Window.ACCEPTING or (
                state == Window.CLOSED and today <= due + datetime.timedelta(days=horizon)
            )
            if still and reports_in(element, period, depths):
                windows.append((element, period, due, state, before))
            before = period
    if not windows:
        return []
    period_ids = {w[1].pk for w in windows} | {w[4].pk for w in windows if w[4]}
    updates = {
        (u.element_id, u.period_id): u
        for u in ProgressUpdate.objects.filter(
            element__in=[e.pk for e in elements], period_id__in=period_ids
        )
    }
    owed = []
    for element, period, due, state, before in windows:
        update = updates.get((element.pk, period.pk))
        if update is not None and not update.editable_status:
            continue
        if update is None and today < due - datetime.timedelta(days=OWED_FROM_DAYS):
            continue  # writable already, but not yet asked for
        previous = updates.get((element.pk, before.pk)) if before else None
        owed.append(UpdateDue(element, period, due, state, update, previous))
    return owed


def updates_owed_by(person: Any, *, today: datetime.date | None = None) -> list[UpdateDue]:
    """Every progress update the person leads and has not yet submitted, for periods that take
    updates today (started, and not past the due date's grace days)."""
    if not get_access(person).authenticated:
        return []
    today = today or timezone.localdate()
    elements = list(
        elements_visible_to(person)  # not what a lead who left the element's units still leads
        .filter(lead=person, plan__deleted_at__isnull=True)
        .exclude(plan__state=Plan.State.ARCHIVED)
        .select_related("plan__owner_unit", "responsible_unit")
        .order_by("plan__title", "sort_key")
    )
    return _owed(elements, today, Organisation.get())


def updates_owed(*, today: datetime.date | None = None) -> list[UpdateDue]:
    """Every update owed by anyone today (for reminders): elements with a lead who can still
    see the plan. An update never written stays owed past its grace days for as long as a
    reminder after the due date or the escalation to the manager may still fall due (it can
    no longer be submitted then, but the manager must hear it is missing)."""
    today = today or timezone.localdate()
    org = Organisation.get()
    elements = list(
        Element.objects.filter(lead__isnull=False, lead__is_active=True)
        .filter(plan__deleted_at__isnull=True)
        .exclude(plan__state=Plan.State.ARCHIVED)
        .select_related("plan__owner_unit", "responsible_unit", "lead")
        .order_by("plan_id", "sort_key")
    )
    leads: dict[int, Any] = {}
    seen: dict[tuple[int, int], bool] = {}
    kept = []
    for element in elements:
        lead = leads.setdefault(element.lead_id, element.lead)  # one Access per person
        key = (lead.pk, element.plan_id)
        if key not in seen:
            seen[key] = can_view_plan(lead, element.plan)
        if seen[key]:
            element.lead = lead
            kept.append(element)
    horizon = max(org.escalation_days, org.reminder_days_after)
    return _owed(kept, today, org, horizon=horizon)


def updates_awaiting(person: Any) -> QuerySet[ProgressUpdate]:
    """Submitted updates the person may accept or return."""
    access = get_access(person)
    qs = updates_visible_to(person).filter(status=ProgressUpdate.Status.SUBMITTED)
    qs = qs.filter(
        access.unit_q("element__responsible_unit__", Role.MANAGER)
        | access.unit_q("element__plan__owner_unit__", Role.MANAGER)
    )
    if not Organisation.get().allow_self_approval:
        qs = qs.exclude(submitted_by=person)
    return qs.select_related("element__plan", "period", "submitted_by").order_by(
        "period__start", "element__plan_id", "element__sort_key"
    )


def previous_update(update_or_element: Element, period: Period) -> ProgressUpdate | None:
    """The element's latest update for a period before this one."""
    return (
        ProgressUpdate.objects.filter(element=update_or_element, period__start__lt=period.start)
        .exclude(status=ProgressUpdate.Status.DRAFT)
        .select_related("period")
        .order_by("-period__start")
        .first()
    )


# -- the completion board ----------------------------------------------------------------------
@dataclass
class BoardRow:
    """One reporter (or unit): how many updates were owed and where each one stands."""

    key: Any
    label: str
    owed: int = 0
    submitted: int = 0
    accepted: int = 0
    returned: int = 0
    draft: int = 0
    missing: int = 0
    late: int = 0
    missing_elements: list[Element] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.submitted + self.accepted

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.owed) if self.owed else None


@dataclass
class Board:
    plan: Plan
    period: Period
    people: list[BoardRow]
    units: list[BoardRow]
    total: BoardRow
    unassigned: list[Element]
    # Over time: each reporter's share done per period, oldest period first.
    periods: list[Period]
    history: list[tuple[BoardRow, list[int | None]]]


def completion_board(plan: Plan, period: Period, *, today: datetime.date | None = None) -> Board:
    """Who has and has not reported on the plan, for the period and for every period so far.
    A fixed number of queries whatever the plan's size."""
    today = today or timezone.localdate()
    schedule = schedule_of(plan)
    depths = reporting_depths(plan, schedule)
    elements = list(
        Element.objects.filter(plan=plan, depth__in=depths)
        .select_related("lead", "responsible_unit")
        .order_by("sort_key")
    )
    periods = [p for p in reporting_periods(plan) if p.start <= max(today, period.start)]
    updates = {
        (u.element_id, u.period_id): u
        for u in ProgressUpdate.objects.filter(element__plan=plan, period__in=periods)
    }

    def tally(rows: dict[Any, BoardRow], key: Any, label: str, element: Element, p: Period) -> None:
        row = rows.get(key)
        if row is None:
            row = rows[key] = BoardRow(key=key, label=label)
        row.owed += 1
        update = updates.get((element.pk, p.pk))
        status = update.status if update else None
        if status == ProgressUpdate.Status.SUBMITTED:
            row.submitted += 1
        elif status == ProgressUpdate.Status.ACCEPTED:
            row.accepted += 1
        elif status == ProgressUpdate.Status.RETURNED:
            row.returned += 1
        elif status == ProgressUpdate.Status.DRAFT:
            row.draft += 1
        if status not in ProgressUpdate.DONE:
            row.missing += 1
            row.missing_elements.append(element)
        if update is not None and update.late:
            row.late += 1

    people: dict[Any, BoardRow] = {}
    units: dict[Any, BoardRow] = {}
    total: dict[Any, BoardRow] = {}
    unassigned: list[Element] = []
    history_rows: dict[Any, dict[int, BoardRow]] = defaultdict(dict)
    labels: dict[Any, str] = {}
    for element in elements:
        if element.lead is None:
            if reports_in(element, period, depths):
                unassigned.append(element)
            continue
        who = element.lead.get_full_name() or element.lead.get_username()
        labels[element.lead_id] = who
        for p in periods:
            if not reports_in(element, p, depths):
                continue
            tally(history_rows[element.lead_id], p.pk, who, element, p)
            if p.pk == period.pk:
                tally(people, element.lead_id, who, element, p)
                unit: Unit | None = element.responsible_unit
                tally(
                    units,
                    unit.pk if unit else None,
                    unit.name if unit else str(_("No unit")),
                    element,
                    p,
                )
                tally(total, "all", str(_("Everyone")), element, p)
    history = [
        (
            people.get(pid) or BoardRow(key=pid, label=labels[pid]),
            [
                (history_rows[pid][p.pk].percent if p.pk in history_rows[pid] else None)
                for p in periods
            ],
        )
        for pid in sorted(history_rows, key=lambda k: labels[k])
    ]
    return Board(
        plan=plan,
        period=period,
        people=sorted(people.values(), key=lambda r: (-r.missing, r.label)),
        units=sorted(units.values(), key=lambda r: (-r.missing, r.label)),
        total=total.get("all") or BoardRow(key="all", label=str(_("Everyone"))),
        unassigned=unassigned,
        periods=periods,
        history=history,
    )


@dataclass
class ElementUpdates:
    """An element's recent updates, and the period one may be written for now (if any)."""

    recent: list[ProgressUpdate]
    writable: Period | None
    due: datetime.date | None
    existing: ProgressUpdate | None


def element_updates(
    element: Element, *, limit: int = 4, today: datetime.date | None = None
) -> ElementUpdates:
    """For the element page: its latest updates and the period an update is open for (the
    earliest one still taking updates, so a late update is written before the next). Four
    queries."""
    today = today or timezone.localdate()
    plan = element.plan
    recent = list(
        ProgressUpdate.objects.filter(element=element)
        .select_related("period", "submitted_by")
        .order_by("-period__start")[:limit]
    )
    schedule = schedule_of(plan)
    depths = reporting_depths(plan, schedule)
    grace = grace_days(schedule, Organisation.get())
    for period in Period.objects.filter(plan=plan, frequency=plan.cadence, start__lte=today):
        due = due_date(schedule, period, element.depth)
        if window(period, due, grace, today) in Window.ACCEPTING and reports_in(
            element, period, depths
        ):
            existing = next((u for u in recent if u.period_id == period.pk), None)
            if existing is not None and not existing.editable_status:
                continue
            return ElementUpdates(recent, period, due, existing)
    return ElementUpdates(recent, None, None, None)
