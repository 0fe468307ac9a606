"""Meetings and the action item tracker.

Action items come first (a review's decisions create them); meetings, agendas and minutes
build on them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waymark.core.models import SoftDeleteModel, VersionedModel
from waymark.org.models import Unit
from waymark.plans.models import Element


class ActionItem(SoftDeleteModel, VersionedModel):
    """Something a person has agreed to do by a date, from a review or a meeting."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=500)
    details = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("unit"),
    )
    element = models.ForeignKey(
        Element,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("element"),
    )
    review_item = models.ForeignKey(
        "reporting.ReviewItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("from the review"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    expected_outcome = models.TextField(_("expected outcome"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.status == self.Status.OPEN
            and self.due_date
            and self.due_date < timezone.localdate()
        )


class ActionItemNote(models.Model):
    """A note on an action item's progress, by its owner or a manager (kept, never edited)."""

    item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="notes", verbose_name=_("action item")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("action item note")
        verbose_name_plural = _("action item notes")

    def __str__(self) -> str:
        return self.text[:60]
