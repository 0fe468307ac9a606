"""Mail through a real SMTP server on loopback (aiosmtpd): delivered, read back, never lost."""

from __future__ import annotations

import datetime
import socket
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from django.utils import timezone

from waymark.core.testing import Cast
from waymark.plans.models import Element
from waymark.reporting.mail import (
    MAX_DELAY,
    deliver_pending,
    message_id,
    queue_email,
    retry_delay,
)
from waymark.reporting.models import OutgoingEmail
from waymark.reporting.reminders import run_reminders
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import slot_of

MINUTE = datetime.timedelta(minutes=1)
NOW = datetime.datetime(2017, 3, 29, 1, 0, tzinfo=datetime.UTC)


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def digest_day(cast: Cast, tree: tuple[Element, Element, Element]) -> datetime.date:
    """Seven days before the action's 2017-Q1 update is due: the contributor is reminded."""
    action = tree[2]
    period = next(p for p in reporting_periods(action.plan) if p.start.month == 1)
    return slot_of(action, period, today=datetime.date(2017, 3, 1)).due - datetime.timedelta(days=7)


def test_it_delivers_a_queued_mail_through_smtp_and_marks_it_sent(
    db: None, smtp_server: list[Message], settings: Any
) -> None:
    settings.DEFAULT_FROM_EMAIL = "waymark@dornod.gov.mn"
    email = queue_email(
        to="saraa@example.org",
        subject="Дорнод: 1 thing needs your attention",
        body="Өдрийн мэнд! The Q1 update is due.",
        now=NOW,
    )
    delivery = deliver_pending(now=NOW)
    assert (delivery.sent, delivery.failed) == (1, 0)
    (message,) = smtp_server
    assert message["To"] == "saraa@example.org"
    assert message["From"] == "waymark@dornod.gov.mn"
    assert subject_of(message) == "Дорнод: 1 thing needs your attention"
    assert "Өдрийн мэнд! The Q1 update is due." in body_of(message)
    assert message["Message-ID"] == message_id(email)
    assert message["Auto-Submitted"] == "auto-generated"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None
    assert deliver_pending(now=NOW + MINUTE).sent == 0  # sent once, not again
    assert len(smtp_server) == 1


def test_the_daily_digest_arrives_end_to_end(
    cast: Cast, digest_day: datetime.date, smtp_server: list[Message]
) -> None:
    result = run_reminders(today=digest_day, now=NOW, site="https://waymark.example.org")
    assert (result.reminders, result.emails_queued, result.sent, result.failed) == (1, 1, 1, 0)
    (message,) = smtp_server
    assert message["To"] == "contributor@example.org"
    assert subject_of(message) == "My organisation: 1 thing needs your attention"
    body = body_of(message)
    assert "Hello Contributor," in body
    assert "Progress update on 1.1.1 Train government officials for 2017-Q1" in body
    assert "due in 7 days" in body
    assert "https://waymark.example.org/elements/" in body
    # A second run that day sends no second mail.
    again = run_reminders(today=digest_day, now=NOW + 15 * MINUTE)
    assert (again.reminders, again.emails_queued, again.sent) == (0, 0, 0)
    assert len(smtp_server) == 1


def test_smtp_down_keeps_the_mail_and_sends_it_once_after_the_back_off(
    cast: Cast, digest_day: datetime.date, smtp_server: list[Message], settings: Any
) -> None:
    live_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()  # the SMTP server is down
    result = run_reminders(today=digest_day, now=NOW)
    assert (result.emails_queued, result.sent, result.failed) == (1, 0, 1)
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.attempts == 1
    assert "Connection refused" in email.last_error or "Errno" in email.last_error
    assert email.next_attempt_at == NOW + retry_delay(1)
    assert email.next_attempt_at > NOW
    # The server is back, but the back-off has not elapsed: nothing is tried yet.
    settings.EMAIL_PORT = live_port
    early = run_reminders(today=digest_day, now=NOW + 2 * MINUTE)
    assert (early.sent, early.failed) == (0, 0)
    assert smtp_server == []
    # After the back-off the mail arrives, exactly once.
    later = run_reminders(today=digest_day, now=NOW + retry_delay(1) + MINUTE)
    assert (later.sent, later.failed, later.emails_queued) == (1, 0, 0)
    run_reminders(today=digest_day, now=NOW + 2 * retry_delay(1))
    assert len(smtp_server) == 1
    assert smtp_server[0]["To"] == "contributor@example.org"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert OutgoingEmail.objects.count() == 1  # nothing lost, nothing doubled


def test_smtp_down_stops_the_run_and_leaves_the_rest_waiting(
    db: None, smtp_server: list[Message], settings: Any
) -> None:
    settings.EMAIL_PORT = closed_port()
    for n in range(3):
        queue_email(to=f"person{n}@example.org", subject="Hello", body="Hi", now=NOW)
    delivery = deliver_pending(now=NOW)
    assert (delivery.sent, delivery.failed) == (0, 1)  # no point knocking three times
    assert sorted(OutgoingEmail.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"pending"}


def test_the_back_off_doubles_up_to_six_hours() -> None:
    minutes = [retry_delay(n) / MINUTE for n in range(1, 10)]
    assert minutes == [5, 10, 20, 40, 80, 160, 320, 360, 360]
    assert retry_delay(50) == MAX_DELAY


def test_a_mail_claimed_by_another_process_is_not_sent_again(
    db: None, smtp_server: list[Message]
) -> None:
    email = queue_email(to="saraa@example.org", subject="Hello", body="Hi", now=NOW)
    OutgoingEmail.objects.filter(pk=email.pk).update(status="sending", claimed_at=NOW)
    assert deliver_pending(now=NOW + MINUTE).sent == 0
    assert smtp_server == []


def test_a_mail_left_sending_by_a_dead_process_is_sent_after_15_minutes(
    db: None, smtp_server: list[Message]
) -> None:
    email = queue_email(to="saraa@example.org", subject="Hello", body="Hi", now=NOW)
    OutgoingEmail.objects.filter(pk=email.pk).update(status="sending", claimed_at=NOW)
    assert deliver_pending(now=NOW + 14 * MINUTE).sent == 0
    delivery = deliver_pending(now=NOW + 16 * MINUTE)
    assert (delivery.released, delivery.sent) == (1, 1)
    assert len(smtp_server) == 1
    email.refresh_from_db()
    assert email.status == "sent"


def test_mail_is_never_deleted(db: None, smtp_server: list[Message]) -> None:
    for n in range(3):
        queue_email(to=f"person{n}@example.org", subject="Hello", body="Hi")
    deliver_pending(now=timezone.now())
    assert OutgoingEmail.objects.filter(status="sent").count() == 3


def test_a_mail_that_cannot_be_sent_fails_alone_and_the_others_go(
    db: None, smtp_server: list[Message]
) -> None:
    broken = queue_email(to="saraa@@example..org", subject="Hello", body="Hi", now=NOW)
    fine = queue_email(to="bat@example.org", subject="Hello", body="Hi", now=NOW)
    delivery = deliver_pending(now=NOW)
    assert (delivery.sent, delivery.failed) == (1, 1)
    assert [str(m["To"]) for m in smtp_server] == ["bat@example.org"]
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.status, broken.attempts, fine.status) == ("pending", 1, "sent")
    assert broken.last_error
