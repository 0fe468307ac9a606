"""The in-app inbox: put a message in a person's notifications, in every interface language."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from waymark.reporting.models import Notification, ProgressUpdate


def in_every_language(text: Callable[[], Any]) -> dict[str, str]:
    """`text()` rendered once per language of the interface: {"en": "...", "mn": "..."}."""
    messages: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            messages[code] = str(text())
    return messages


def notify(
    *,
    person: Any,
    kind: str,
    text: Callable[[], Any],
    url: str = "",
    due_date: datetime.date | None = None,
) -> Notification:
    return Notification.objects.create(
        person=person, kind=kind, messages=in_every_language(text), url=url, due_date=due_date
    )


def notify_returned(update: ProgressUpdate) -> Notification | None:
    """Tell the update's author (else the element's lead) that it came back, and why."""
    person = update.submitted_by or update.author or update.element.lead
    if person is None:
        return None
    return notify(
        person=person,
        kind=Notification.Kind.RETURNED,
        text=lambda: (
            _("Your %(period)s update on %(element)s was returned: %(comment)s")
            % {
                "period": update.period.label,
                "element": str(update.element),
                "comment": update.review_comment,
            }
        ),
        url=reverse("my-updates"),
        due_date=update.due_date,
    )
