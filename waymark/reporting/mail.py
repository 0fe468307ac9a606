"""Outgoing mail that is never lost: a queue in the database, sent through Django's backend.

Every mail Waymark sends on its own (the daily reminder digest, and any feature that calls
`queue_email`) is first stored as an `OutgoingEmail` row, in the transaction that decided to
send it. `deliver_pending` then sends the rows that are due:

- a row is *claimed* with one conditional UPDATE (pending and due -> sending); only the process
  whose UPDATE changed the row sends it, so two `waymark remind` running at once never send the
  same mail twice;
- on success the row is marked sent; on any SMTP or network error it goes back to pending with
  one more attempt, the error, and a later `next_attempt_at` (5 minutes, doubling, at most
  6 hours). It is retried until the server takes it;
- a row left "sending" for more than 15 minutes (the process died mid-send) goes back to
  pending. The mail may then arrive twice, never zero times; its Message-ID stays the same, so
  mail clients that de-duplicate show it once.

Rows are never deleted: the table is also the record of what was sent, and when.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone

from waymark.reporting.models import OutgoingEmail

logger = logging.getLogger("waymark.mail")

BASE_DELAY = datetime.timedelta(minutes=5)
MAX_DELAY = datetime.timedelta(hours=6)
STUCK_AFTER = datetime.timedelta(minutes=15)
SMTP_TIMEOUT = 30  # seconds; an unreachable server must not hang `waymark remind`
DEFAULT_LIMIT = 200

# What a failed send usually raises: the SMTP dialogue (smtplib.SMTPException) or the network
# (OSError: refused, unreachable, timed out; TLS errors are OSError subclasses too).
SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
# SMTP errors after which the next mail would fail the same way.
SERVER_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPHeloError,
)


def server_down(exc: BaseException) -> bool:
    """Would the next mail fail the same way (the server is unreachable or refuses us)?
    Then the run stops and the rest wait; a refused recipient only fails its own mail.
    (smtplib's errors are OSErrors too: a plain OSError is the network's.)"""
    if isinstance(exc, SERVER_ERRORS):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


@dataclass
class Delivery:
    """What one `deliver_pending` did."""

    sent: int = 0
    failed: int = 0  # put back to pending, to be retried after the back-off
    released: int = 0  # found stuck in "sending" and put back to pending


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 5, 10, 20, 40 min ... 6 h."""
    doublings = min(max(attempts - 1, 0), 16)  # 5 min * 2**16 is far past the cap already
    return min(BASE_DELAY * 2**doublings, MAX_DELAY)


def queue_email(
    *,
    to: str,
    subject: str,
    body: str,
    person: Any = None,
    digest_date: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> OutgoingEmail:
    """Store a mail to send; `deliver_pending` (run by `waymark remind`) sends it.

    Call it inside the transaction that decided to send the mail: if that rolls back, no mail
    is queued; once it commits, the mail is sent even if the SMTP server is down right now.
    With `person` and `digest_date`, a second mail for the same person and day raises
    IntegrityError (the database's guarantee of one digest per person per day)."""
    return OutgoingEmail.objects.create(
        person=person,
        digest_date=digest_date,
        to=to,
        subject=" ".join(subject.split())[:300],  # one line: a header cannot hold a newline
        body=body,
        next_attempt_at=now or timezone.now(),
    )


def release_stuck(*, now: datetime.datetime) -> int:
    """Put mail that a dead process left "sending" back in the queue."""
    return OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - STUCK_AFTER
    ).update(
        status=OutgoingEmail.Status.PENDING,
        claimed_at=None,
        next_attempt_at=now,
        last_error="Interrupted while sending; queued again.",
    )


def _claim(*, now: datetime.datetime) -> OutgoingEmail | None:
    """The next due mail, claimed for this process; None when nothing is left to send.

    Two processes may pick the same candidate; the conditional UPDATE lets exactly one of them
    change the row, and the other tries the next candidate."""
    while True:
        candidate = (
            OutgoingEmail.objects.filter(
                status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None:
            return None
        claimed = OutgoingEmail.objects.filter(
            pk=candidate, status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now
        ).update(status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now())
        if claimed == 1:
            return OutgoingEmail.objects.get(pk=candidate)


def message_id(email: OutgoingEmail) -> str:
    """The same Message-ID on every attempt, so a mail sent twice is recognised as one."""
    domain = (settings.DEFAULT_FROM_EMAIL or "").rpartition("@")[2].strip(">") or "localhost"
    return f"<waymark.outgoing.{email.pk}.{int(email.created_at.timestamp())}@{domain}>"


def _message(email: OutgoingEmail, connection: Any) -> EmailMessage:
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        connection=connection,
        headers={
            "Message-ID": message_id(email),
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies to us
            "X-Auto-Response-Suppress": "All",
        },
    )


def deliver_pending(
    *, now: datetime.datetime | None = None, limit: int = DEFAULT_LIMIT
) -> Delivery:
    """Send up to `limit` due mails through the configured email backend (WAYMARK_EMAIL_URL).

    Must run outside a transaction (each claim and each outcome commits on its own), which is
    how `waymark remind` calls it."""
    now = now or timezone.now()
    result = Delivery(released=release_stuck(now=now))
    connection = get_connection(
        fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT
    )
    try:
        for _n in range(limit):
            email = _claim(now=now)
            if email is None:
                break
            try:
                delivered = connection.send_messages([_message(email, connection)])
                if not delivered:
                    raise smtplib.SMTPException("The mail backend accepted no message.")
            except Exception as exc:  # whatever it was, the mail is kept and retried
                logger.warning("Mail %s to %s not sent: %s", email.pk, email.to, exc)
                attempts = email.attempts + 1
                OutgoingEmail.objects.filter(
                    pk=email.pk, status=OutgoingEmail.Status.SENDING
                ).update(
                    status=OutgoingEmail.Status.PENDING,
                    attempts=attempts,
                    claimed_at=None,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    next_attempt_at=now + retry_delay(attempts),
                )
                result.failed += 1
                if server_down(exc):
                    break  # the server is unreachable: the rest wait for the next run
            else:
                OutgoingEmail.objects.filter(pk=email.pk).update(
                    status=OutgoingEmail.Status.SENT,
                    attempts=F("attempts") + 1,
                    sent_at=timezone.now(),
                    claimed_at=None,
                    last_error="",
                )
                result.sent += 1
    finally:
        with contextlib.suppress(*SEND_ERRORS):  # closing a connection that already broke
            connection.close()
    return result
