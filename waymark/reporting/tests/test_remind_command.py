"""`waymark remind`: its help, --date, --dry-run, and exactly once under two processes at once."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from waymark.core.roles import Role
from waymark.core.testing import Cast, make_cast, make_element, make_person, make_plan
from waymark.meetings.models import ActionItem
from waymark.org.models import Person
from waymark.plans.models import Element
from waymark.reporting.models import Notification, OutgoingEmail, Reminder
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import slot_of

WAYMARK = str(Path(sys.executable).with_name("waymark"))


def due_of(action: Element) -> datetime.date:
    period = next(p for p in reporting_periods(action.plan) if p.start.month == 1)
    return slot_of(action, period, today=datetime.date(2017, 3, 1)).due


def remind(*args: str) -> str:
    out = io.StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "WAYMARK_SECRET_KEY": "test", **extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def test_it_explains_itself_in_help() -> None:
    done = subprocess.run(  # noqa: S603 - our own console script
        [WAYMARK, "remind", "--help"],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
        check=True,
    )
    text = done.stdout
    assert "*/15 * * * * cd /srv/waymark && .venv/bin/waymark remind" in text
    assert "at the same moment" in text  # running two at once is safe
    for option in ("--date YYYY-MM-DD", "--every SECONDS", "--dry-run", "--base-url URL"):
        assert option in text


def test_date_pretends_today_and_prints_a_summary(
    cast: Cast, tree: tuple[Element, Element, Element]
) -> None:
    day = due_of(tree[2]) - datetime.timedelta(days=7)
    out = remind("--date", day.isoformat())
    assert out.strip().endswith(
        f"{day.isoformat()}: 1 reminder, 1 notification, 1 email queued, 1 email sent, "
        "0 failed and queued for retry."
    )
    assert Notification.objects.get().person == cast.contributor
    again = remind("--date", day.isoformat())
    assert "0 reminders, 0 notifications, 0 emails queued" in again


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(
    cast: Cast, tree: tuple[Element, Element, Element]
) -> None:
    day = due_of(tree[2]) + datetime.timedelta(days=7)
    before = (Reminder.objects.count(), Notification.objects.count(), OutgoingEmail.objects.count())
    out = remind("--dry-run", "--date", day.isoformat())
    assert "contributor <contributor@example.org> [after]" in out
    assert "manager <manager@example.org> [escalation]" in out
    assert "dry run, nothing changed" in out and "would send 2 reminders to 2 people" in out
    after = (Reminder.objects.count(), Notification.objects.count(), OutgoingEmail.objects.count())
    assert before == after == (0, 0, 0)


def test_a_bad_date_is_refused() -> None:
    with pytest.raises(CommandError, match="not a date"):
        remind("--date", "31/03/2017")
    with pytest.raises(CommandError, match="--every"):
        remind("--every", "0")


# -- two processes at the same moment, on PostgreSQL ---------------------------------------------
def database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or "5432"
    return f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_send_each_reminder_and_each_mail_exactly_once(
    smtp_server: list[Message], settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with WAYMARK_DATABASE_URL=$(cat var/testdb.url)")
    cast = make_cast()
    plan = make_plan(cast)
    leads = [cast.contributor] + [
        make_person(f"officer{n}", cast.dept, Role.CONTRIBUTOR) for n in range(5)
    ]
    actions = [
        make_element(
            cast, plan, f"Action {n}", lead=leads[n % len(leads)], responsible_unit=cast.dept
        )
        for n in range(24)
    ]
    day = due_of(actions[0]) + datetime.timedelta(days=7)  # overdue: leads and the manager
    for n, lead in enumerate(leads):
        ActionItem.objects.create(title=f"Follow-up {n}", owner=lead, unit=cast.dept, due_date=day)
    env = environment(
        WAYMARK_DATABASE_URL=database_url(),
        WAYMARK_EMAIL_URL=f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
    )
    command = [WAYMARK, "remind", "--date", day.isoformat()]
    runs = [
        subprocess.Popen(  # noqa: S603 - our own console script
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err

    told = {*leads, cast.manager}
    # Every reminder once in the ledger, each with its own notification; none twice.
    reminders = list(Reminder.objects.filter(notification__isnull=False))
    keys = [(r.person_id, r.subject, r.stage, r.days) for r in reminders]
    assert len(keys) == len(set(keys))
    # 24 late updates (to their leads, and to the manager), 6 action items due that day.
    assert len(reminders) == 24 + 24 + 6
    for person in told:
        mine = [r for r in reminders if r.person_id == person.pk]
        assert Notification.objects.filter(person=person).count() == len(mine)
        assert OutgoingEmail.objects.filter(person=person).count() == 1
    # Every mail delivered once, in total as many as people.
    assert OutgoingEmail.objects.filter(status="sent").count() == len(told)
    recipients = sorted(str(m["To"]) for m in smtp_server)
    assert recipients == sorted(p.email for p in Person.objects.filter(pk__in=[p.pk for p in told]))
    # Both processes worked: together they sent everything once.
    summaries = [out.strip().splitlines()[-1] for out, _err in outputs]
    sent = sum(int(s.split(": ", 1)[1].split(" reminder")[0]) for s in summaries)
    assert sent == len(reminders)
