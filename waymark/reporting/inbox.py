"""The in-app inbox: a person's notifications (reads) and marking them read (writes).

Marking one's own notifications read changes nothing anyone else sees, so it is not written to
the change log (a person reading 200 reminders would bury the real changes).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from waymark.core.permissions import get_access
from waymark.reporting.models import Notification


# -- reads -------------------------------------------------------------------------------------
def notifications_of(person: Any) -> QuerySet[Notification]:
    """The person's notifications, newest first (none for someone not signed in)."""
    if not get_access(person).authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(person_id=person.pk).order_by("-created_at", "-id")


def unread_count(person: Any) -> int:
    """How many of the person's notifications are unread: one query (none when signed out).
    For the navigation bar: `{% load reporting_inbox %}{% unread_count as n %}`."""
    if person is None or not getattr(person, "is_authenticated", False):
        return 0
    return Notification.objects.filter(person_id=person.pk, read_at__isnull=True).count()


# -- writes ------------------------------------------------------------------------------------
def notification_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (reading it twice keeps the first time)."""
    access = get_access(actor)
    access.require(access.authenticated and notification.person_id == actor.pk)
    with transaction.atomic():
        if notification.read_at is None:
            now = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=now
            )
            notification.read_at = now
    return notification


def notifications_read_all(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; how many were unread."""
    access = get_access(actor)
    access.require(access.authenticated)
    with transaction.atomic():
        return Notification.objects.filter(person_id=actor.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
