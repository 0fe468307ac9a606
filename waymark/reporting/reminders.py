"""Reminders and escalation, run by `waymark remind` (cron, or `make run` every few minutes).

What is owed, and by whom:
- a **progress update** (`reporting.selectors.updates_owed`): the element's lead; due on the
  update's due date; late ones escalate to the managers of the element's responsible unit
  (else of the plan's owner unit);
- **indicator data** (a period that accepts data and has no submitted value yet): the
  indicator's data owners; without any, the contributors of the reporting unit (a direct
  membership); without any, its managers. Due on the period's last day; escalates to the
  managers of the reporting unit;
- an open **action item** with a due date: its owner; escalates to the managers of its unit.

"The managers of a unit" are the people with a direct manager membership of it; if it has none,
of the nearest unit above that has one. The person who owes the thing is never told about
themselves as a manager: the escalation then goes one unit further up.

When (the organisation's settings): some days before the due date (7 and 1 by default), on
it, some days after it (3), and after `escalation_days` (7) the managers hear of it. Only the
most urgent stage that has come is sent; earlier stages missed because cron did not run are
recorded as done without a message (a reminder "in 7 days" is pointless on the last day). A
"before" stage is never sent on or after the due date.

Exactly once: every (person, thing, stage) is a row of the `Reminder` ledger with a unique key;
the process whose insert succeeds makes the in-app notification, in the same transaction. A
person gets at most one mail a day (an `OutgoingEmail` unique per person and day) listing
their reminders not yet mailed; mail goes through the retrying queue of `mail.py`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waymark.core.roles import Role
from waymark.indicators.models import Indicator, Measurement, Period
from waymark.indicators.selectors import reporting_units
from waymark.meetings.models import ActionItem
from waymark.org.models import Membership, Organisation, Person, Unit
from waymark.plans.models import Plan
from waymark.reporting.mail import Delivery, deliver_pending, queue_email
from waymark.reporting.models import Notification, OutgoingEmail, Reminder
from waymark.reporting.notify import notify
from waymark.reporting.selectors import updates_owed

Stage = Reminder.Stage
# Reminders not mailed within this many days are left to the inbox (the person has no email
# address, or the thing was done before the next digest).
DIGEST_WINDOW = datetime.timedelta(days=7)
# An open action item stops being reminded of this many days after its last stage.
ACTION_HORIZON_DAYS = 30
IN_CHUNKS = 500  # ids per IN (...) list: SQLite limits the parameters of one query

KINDS = {
    Stage.BEFORE: Notification.Kind.REMINDER,
    Stage.DUE: Notification.Kind.REMINDER,
    Stage.AFTER: Notification.Kind.OVERDUE,
    Stage.ESCALATION: Notification.Kind.ESCALATION,
}


# -- what is owed ------------------------------------------------------------------------------
@dataclass
class Owed:
    """One thing a person owes by a date."""

    subject: str  # the ledger's key of the thing: "update:<element>:<period>", ...
    person: Person
    due_date: datetime.date
    unit: Unit | None  # whose managers hear of it when it is late
    what: Callable[[], str]  # the thing as a short phrase, in the active language
    url: str  # where the person does it
    manager_url: str  # where a manager sees it


@dataclass
class Planned:
    """A reminder due today: who, about what, which stage."""

    person: Person
    subject: str
    stage: str
    days: int  # "before": days before; "after"/"escalation": days after; "due": 0
    due_date: datetime.date
    message: Callable[[], str]  # the text, in the active language
    url: str
    skipped: bool = False  # a missed earlier stage: recorded as done, not sent

    @property
    def key(self) -> tuple[int, str, str, int]:
        return (self.person.pk, self.subject, self.stage, self.days)

    @property
    def kind(self) -> str:
        return KINDS[Stage(self.stage)]

    @property
    def text(self) -> str:
        return str(self.message())


def _link(name: str, args: list[Any], fallback: str, fallback_args: list[Any]) -> str:
    """A page's path; the fallback while a page of another feature is not routed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return reverse(fallback, args=fallback_args)


def _day(date: datetime.date) -> str:
    return formats.date_format(date, "DATE_FORMAT")


def _updates(today: datetime.date) -> list[Owed]:
    owed = []
    for due in updates_owed(today=today):
        element, period = due.element, due.period
        if element.lead is None:
            continue

        def what(element: Any = element, period: Period = period) -> str:
            return _("Progress update on %(element)s for %(period)s") % {
                "element": str(element),
                "period": period.label,
            }

        owed.append(
            Owed(
                subject=f"update:{element.pk}:{period.pk}",
                person=element.lead,
                due_date=due.due_date,
                unit=element.responsible_unit or element.plan.owner_unit,
                what=what,
                url=_link("update-entry", [element.pk, period.pk], "element-detail", [element.pk]),
                manager_url=_link("plan-board", [element.plan_id], "element-detail", [element.pk]),
            )
        )
    return owed


@dataclass
class _People:
    """Direct contributors and managers of every unit (one query)."""

    contributors: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    managers: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls) -> _People:
        people = cls()
        rows = Membership.objects.filter(
            role__in=[Role.CONTRIBUTOR, Role.MANAGER],
            person__is_active=True,
            unit__archived_at__isnull=True,
        ).select_related("person")
        for membership in rows.order_by("unit_id", "person__username"):
            target = people.managers if membership.role == Role.MANAGER else people.contributors
            target[membership.unit_id].append(membership.person)
        return people

    def managers_of(self, unit: Unit | None, *, besides: int | None = None) -> list[Person]:
        """The direct managers of the unit, else of the nearest unit above that has one."""
        if unit is None:
            return []
        for unit_id in reversed(unit.ancestor_ids or [unit.pk]):
            found = [p for p in self.managers.get(unit_id, []) if p.pk != besides]
            if found:
                return found
        return []


def _data(today: datetime.date, org: Organisation, people: _People) -> list[Owed]:
    """Indicator values owed across the organisation, for periods that accept data and whose
    value is not submitted yet. Five queries, whatever the number of people (rather than
    `indicators.selectors.data_owed_by` once per person, which would also remind every admin
    and manager who may enter data of everything below them)."""
    indicators = list(
        Indicator.objects.filter(plan__deleted_at__isnull=True, calculation="")
        .exclude(plan__state=Plan.State.ARCHIVED)
        .exclude(measure_type="")
        .select_related("plan__owner_unit")
        .prefetch_related("reporting_units", "data_owners")
        .order_by("plan_id", "code")
    )
    if not indicators:
        return []
    wanted = Q(pk__in=[])
    for plan_id, frequency in {(i.plan_id, i.frequency) for i in indicators}:
        wanted |= Q(plan_id=plan_id, frequency=frequency)
    periods = [
        p
        for p in Period.objects.filter(wanted, start__lte=today).order_by("start")
        if p.status(org.grace_days, today) in Period.ACCEPTING
    ]
    if not periods:
        return []
    by_plan: dict[tuple[int, str], list[Period]] = defaultdict(list)
    for period in periods:
        by_plan[(period.plan_id, period.frequency)].append(period)
    done = set(
        Measurement.objects.filter(
            indicator__in=[i.pk for i in indicators], period__in=[p.pk for p in periods]
        )
        .exclude(status__in=[Measurement.Status.DRAFT, Measurement.Status.RETURNED])
        .values_list("indicator_id", "period_id", "unit_id")
    )
    owed = []
    for indicator in indicators:
        owners = [p for p in indicator.data_owners.all() if p.is_active]
        for period in by_plan.get((indicator.plan_id, indicator.frequency), []):
            for unit in reporting_units(indicator):
                if (indicator.pk, period.pk, unit.pk) in done:
                    continue
                reporters = owners or people.contributors.get(unit.pk) or people.managers_of(unit)

                def what(
                    indicator: Indicator = indicator, period: Period = period, unit: Unit = unit
                ) -> str:
                    return _("Data for %(indicator)s, %(period)s, %(unit)s") % {
                        "indicator": str(indicator),
                        "period": period.label,
                        "unit": unit.label,
                    }

                for person in reporters:
                    owed.append(
                        Owed(
                            subject=f"data:{indicator.pk}:{period.pk}:{unit.pk}",
                            person=person,
                            due_date=period.end,
                            unit=unit,
                            what=what,
                            url=reverse(
                                "measurement-entry", args=[indicator.pk, period.pk, unit.pk]
                            ),
                            manager_url=reverse("indicator-detail", args=[indicator.pk]),
                        )
                    )
    return owed


def _actions(today: datetime.date, org: Organisation) -> list[Owed]:
    earliest = max([d for d in org.reminder_days_before or [] if d > 0], default=0)
    latest = max(org.reminder_days_after, org.escalation_days) + ACTION_HORIZON_DAYS
    items = (
        ActionItem.objects.filter(
            status=ActionItem.Status.OPEN,
            owner__is_active=True,
            due_date__lte=today + datetime.timedelta(days=earliest),
            due_date__gte=today - datetime.timedelta(days=latest),
        )
        .exclude(element__deleted_at__isnull=False)  # gone with a deleted element or plan
        .exclude(element__plan__deleted_at__isnull=False)
        .select_related("owner", "unit", "element")
        .order_by("due_date", "id")
    )
    owed = []
    for item in items:
        if item.owner is None or item.due_date is None:
            continue

        def what(item: ActionItem = item) -> str:
            return _("Action item “%(title)s”") % {"title": item.title}

        if item.element_id:
            fallback, args = "element-detail", [item.element_id]
        else:
            fallback, args = "my-work", []
        url = _link("action-item-detail", [item.pk], fallback, args)
        owed.append(
            Owed(
                subject=f"action:{item.pk}",
                person=item.owner,
                due_date=item.due_date,
                unit=item.unit,
                what=what,
                url=url,
                manager_url=url,
            )
        )
    return owed


@dataclass
class Scan:
    """Everything anyone owes on a day, and who manages which unit."""

    owed: list[Owed]
    people: _People

    @property
    def subjects(self) -> set[str]:
        return {item.subject for item in self.owed}


def scan(*, today: datetime.date, org: Organisation | None = None) -> Scan:
    org = org or Organisation.get()
    people = _People.load()
    return Scan(_updates(today) + _data(today, org, people) + _actions(today, org), people)


# -- when ------------------------------------------------------------------------------------
def status_phrase(due: datetime.date, today: datetime.date) -> str:
    """ "due in 3 days, on 5 April 2017" / "due today" / "2 days overdue", in the active language."""
    days = (due - today).days
    if days > 0:
        return ngettext(
            "due in %(days)d day, on %(date)s", "due in %(days)d days, on %(date)s", days
        ) % {"days": days, "date": _day(due)}
    if days == 0:
        return _("due today, %(date)s") % {"date": _day(due)}
    return ngettext(
        "%(days)d day overdue (it was due on %(date)s)",
        "%(days)d days overdue (it was due on %(date)s)",
        -days,
    ) % {"days": -days, "date": _day(due)}


def owner_stages(org: Organisation) -> list[tuple[str, int, int]]:
    """The organisation's stages for the person who owes: (stage, days, offset from the due
    date), earliest first."""
    before = sorted({int(d) for d in org.reminder_days_before or [] if int(d) > 0}, reverse=True)
    stages = [(Stage.BEFORE.value, d, -d) for d in before]
    if org.remind_on_due_date:
        stages.append((Stage.DUE.value, 0, 0))
    if org.reminder_days_after:
        stages.append((Stage.AFTER.value, org.reminder_days_after, org.reminder_days_after))
    return stages


def _schedule(
    owed: Iterable[Owed], org: Organisation, people: _People, today: datetime.date
) -> list[Planned]:
    if not org.reminders_enabled:
        return []
    stages = owner_stages(org)
    planned: list[Planned] = []
    for item in owed:
        delta = (today - item.due_date).days  # negative before the due date
        come = [s for s in stages if s[2] <= delta]
        relevant = [s for s in come if not (s[0] == Stage.BEFORE and delta >= 0)]
        chosen = max(relevant, key=lambda s: s[2]) if relevant else None

        def message(item: Owed = item) -> str:
            return _("%(what)s: %(status)s.") % {
                "what": item.what(),
                "status": status_phrase(item.due_date, today),
            }

        for stage in come:
            planned.append(
                Planned(
                    person=item.person,
                    subject=item.subject,
                    stage=stage[0],
                    days=stage[1],
                    due_date=item.due_date,
                    message=message,
                    url=item.url,
                    skipped=stage is not chosen,
                )
            )
        if org.escalation_days and delta >= org.escalation_days:

            def escalation(item: Owed = item) -> str:
                return _("%(what)s, owed by %(person)s: %(status)s.") % {
                    "what": item.what(),
                    "person": item.person.name,
                    "status": status_phrase(item.due_date, today),
                }

            for manager in people.managers_of(item.unit, besides=item.person.pk):
                planned.append(
                    Planned(
                        person=manager,
                        subject=item.subject,
                        stage=Stage.ESCALATION.value,
                        days=org.escalation_days,
                        due_date=item.due_date,
                        message=escalation,
                        url=item.manager_url,
                    )
                )
    # One row per key: a person may owe the same value as data owner of two reporting units
    # (different subjects), but a manager may be reached twice for one subject; keep the first.
    unique: dict[tuple[int, str, str, int], Planned] = {}
    for p in planned:
        unique.setdefault(p.key, p)
    return list(unique.values())


def plan_reminders(*, today: datetime.date) -> list[Planned]:
    """Which reminders are due on `today` (sent or not yet: the ledger decides), with the
    skipped earlier stages marked `skipped`. Reads only."""
    org = Organisation.get()
    found = scan(today=today, org=org)
    return _schedule(found.owed, org, found.people, today)


# -- the run ---------------------------------------------------------------------------------
@dataclass
class RunResult:
    """What one `waymark remind` did (or, in a dry run, would do)."""

    today: datetime.date
    dry_run: bool = False
    new: list[Planned] = field(default_factory=list)  # reminders sent by this run
    skipped: int = 0  # missed earlier stages recorded as done
    notifications: int = 0
    emails_queued: int = 0
    sent: int = 0
    failed: int = 0  # mails that failed and wait for a retry
    waiting: int = 0  # dry run: mails due in the queue

    @property
    def reminders(self) -> int:
        return len(self.new)

    def summary(self) -> str:
        """One line for the log of cron (plain English, like Django's own commands)."""
        if self.dry_run:
            people = len({p.person.pk for p in self.new})
            return (
                f"{self.today.isoformat()} (dry run, nothing changed): would send "
                f"{_count(self.reminders, 'reminder')} to {_count(people, 'person', 'people')}; "
                f"{_count(self.waiting, 'email')} waiting in the queue."
            )
        skipped = f" ({_count(self.skipped, 'missed stage')} skipped)" if self.skipped else ""
        return (
            f"{self.today.isoformat()}: {_count(self.reminders, 'reminder')}{skipped}, "
            f"{_count(self.notifications, 'notification')}, "
            f"{_count(self.emails_queued, 'email')} queued, {_count(self.sent, 'email')} sent, "
            f"{self.failed} failed and queued for retry."
        )


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def local_today(org: Organisation, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the organisation's time zone (what is due follows its clock)."""
    now = now or timezone.now()
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(org.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.localtime(now, zone).date()


def _chunks(items: list[Any], size: int = IN_CHUNKS) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _already(planned: list[Planned]) -> set[tuple[int, str, str, int]]:
    """The keys of the planned reminders that are in the ledger already."""
    found: set[tuple[int, str, str, int]] = set()
    for subjects in _chunks(sorted({p.subject for p in planned})):
        found.update(
            Reminder.objects.filter(subject__in=subjects).values_list(
                "person_id", "subject", "stage", "days"
            )
        )
    return found


def _record(planned: list[Planned], result: RunResult) -> None:
    """Insert the ledger rows; a notification for each row this process inserted."""
    already = _already(planned)
    fresh = [p for p in planned if p.key not in already]
    skipped = [p for p in fresh if p.skipped]
    if skipped:
        Reminder.objects.bulk_create(
            [
                Reminder(
                    person=p.person,
                    subject=p.subject,
                    stage=p.stage,
                    days=p.days,
                    due_date=p.due_date,
                )
                for p in skipped
            ],
            ignore_conflicts=True,  # recorded by another run a moment ago: the same
        )
        result.skipped = len(skipped)
    for p in fresh:
        if p.skipped:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(
                        person=p.person,
                        subject=p.subject,
                        stage=p.stage,
                        days=p.days,
                        due_date=p.due_date,
                    )
            except IntegrityError:
                continue  # another `waymark remind` sent this one
            reminder.notification = notify(
                person=p.person, kind=p.kind, text=p.message, url=p.url, due_date=p.due_date
            )
            reminder.save(update_fields=["notification"])
            result.new.append(p)
            result.notifications += 1


def base_url() -> str:
    """Where Waymark is reached, for links in mail (setting WAYMARK_BASE_URL)."""
    return str(getattr(settings, "WAYMARK_BASE_URL", "") or "").rstrip("/")


def _digests(
    *, today: datetime.date, now: datetime.datetime, owed: set[str], site: str, org: Organisation
) -> int:
    """One mail per person and day listing their reminders not mailed yet."""
    pending = list(
        Reminder.objects.filter(
            notification__isnull=False,
            digest__isnull=True,
            created_at__gte=min(now, timezone.now()) - DIGEST_WINDOW,
        )
        .select_related("person", "notification")
        .order_by("person_id", "due_date", "id")
    )
    if not pending:
        return 0
    mine: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in pending:
        mine[reminder.person_id].append(reminder)
    mailed_today: set[int] = set()
    for ids in _chunks(sorted(mine)):
        mailed_today.update(
            OutgoingEmail.objects.filter(digest_date=today, person_id__in=ids).values_list(
                "person_id", flat=True
            )
        )
    queued = 0
    for person_id, reminders in mine.items():
        person: Person = reminders[0].person
        live = [r for r in reminders if r.subject in owed]  # not done in the meantime
        if person_id in mailed_today or not live or not person.email or not person.is_active:
            continue
        subject, body = digest_text(person=person, reminders=live, site=site, org=org)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    email = queue_email(
                        to=person.email,
                        subject=subject,
                        body=body,
                        person=person,
                        digest_date=today,
                        now=now,
                    )
            except IntegrityError:
                continue  # another `waymark remind` mailed this person today
            Reminder.objects.filter(pk__in=[r.pk for r in live], digest__isnull=True).update(
                digest=email
            )
            queued += 1
    return queued


def digest_text(
    *, person: Person, reminders: list[Reminder], site: str, org: Organisation
) -> tuple[str, str]:
    """The digest's subject and plain-text body, in the person's language."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        language = translation.get_language() or settings.LANGUAGE_CODE
        items = [
            {
                "text": _in(r.notification.messages if r.notification else {}, language),
                "link": site + (r.notification.url if r.notification else ""),
                "escalation": r.stage == Stage.ESCALATION,
            }
            for r in reminders
        ]
        count = len(items)
        subject = ngettext(
            "%(org)s: %(count)d thing needs your attention",
            "%(org)s: %(count)d things need your attention",
            count,
        ) % {"org": org.name, "count": count}
        inbox = _link("inbox", [], "my-work", [])
        body = render_to_string(
            "reporting/email/digest.txt",
            {
                "person": person,
                "org": org,
                "items": items,
                "inbox": site + inbox,
            },
        )
    return subject, body


def _in(messages: dict[str, str], language: str) -> str:
    return (
        messages.get(language)
        or messages.get(settings.LANGUAGE_CODE)
        or next(iter(messages.values()), "")
    )


def run_reminders(
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    deliver: bool = True,
    site: str | None = None,
) -> RunResult:
    """Send today's reminders (in-app, then one mail per person), then send the mail queue.

    Safe to run at the same time in several processes: the ledger's unique key decides who
    sends a reminder, the digest's unique key who mails a person, the queue's claim who sends
    a mail. `dry_run` computes everything in a transaction rolled back at the end."""
    now = now or timezone.now()
    org = Organisation.get()
    today = today or local_today(org, now)
    result = RunResult(today=today, dry_run=dry_run)
    if dry_run:
        with transaction.atomic():
            found = scan(today=today, org=org)
            planned = _schedule(found.owed, org, found.people, today)
            already = _already(planned)
            result.new = [p for p in planned if not p.skipped and p.key not in already]
            result.skipped = sum(1 for p in planned if p.skipped and p.key not in already)
            result.waiting = OutgoingEmail.objects.filter(
                status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now
            ).count()
            transaction.set_rollback(True)  # e.g. reporting periods made while reading
        return result
    found = scan(today=today, org=org)
    _record(_schedule(found.owed, org, found.people, today), result)
    result.emails_queued = _digests(
        today=today,
        now=now,
        owed=found.subjects,
        site=base_url() if site is None else site,
        org=org,
    )
    if deliver:
        delivery: Delivery = deliver_pending(now=now)
        result.sent, result.failed = delivery.sent, delivery.failed
    return result
