"""The organisation, its units (a tree), its people and their roles in units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from waymark.core.models import VersionedModel
from waymark.core.roles import Role


class Health(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NOT_ASSESSED = "not_assessed", _("Not assessed")


DEFAULT_HEALTH_COLOURS = {
    Health.ON_TRACK: "#1a7f37",
    Health.AT_RISK: "#b35900",
    Health.OFF_TRACK: "#c62828",
    Health.NOT_ASSESSED: "#6b7280",
}


def logo_path(instance: Organisation, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"org/logo.{ext}"


def default_reminder_days() -> list[int]:
    return [7, 1]


class Organisation(VersionedModel):
    """The one organisation this installation serves (a singleton, pk=1)."""

    name = models.CharField(_("name"), max_length=200, default="My organisation")
    logo = models.FileField(_("logo"), upload_to=logo_path, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, default="MNT")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in"), default=1
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Ulaanbaatar")
    # {"on_track": {"label": "On track", "colour": "#1a7f37"}, ...}; empty label = default word.
    health_styles = models.JSONField(_("health labels and colours"), default=dict, blank=True)
    # Indicator data: days after a period ends during which it still accepts data.
    grace_days = models.PositiveSmallIntegerField(_("grace days after a period ends"), default=10)
    allow_self_approval = models.BooleanField(
        _("people may approve their own submissions"), default=False
    )
    # Indicator health rules, first match wins: [{"health": "on_track", "at_least": "100"}, ...];
    # empty: on track from 100% of target, at risk from 85%, otherwise off track.
    health_rules = models.JSONField(_("indicator health rules"), default=list, blank=True)
    # The organisation's own status words, first match wins, mapped onto states and healths:
    # [{"label": "Paused", "colour": "#b35900", "states": ["on_hold"], "healths": []}, ...]
    status_vocabulary = models.JSONField(_("status words"), default=list, blank=True)
    # Reminders (`waymark remind`): days before a due date, on it, after it, escalation.
    reminders_enabled = models.BooleanField(_("send reminders"), default=True)
    reminder_days_before = models.JSONField(
        _("remind this many days before the due date"), default=default_reminder_days, blank=True
    )
    remind_on_due_date = models.BooleanField(_("remind on the due date"), default=True)
    reminder_days_after = models.PositiveSmallIntegerField(
        _("remind this many days after the due date"),
        default=3,
        help_text=_("0: no reminder after the due date."),
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("tell the unit's manager this many days after the due date"),
        default=7,
        help_text=_("0: never escalate."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls) -> Organisation:
        """The organisation's settings; defaults until an admin saves them (reads never write)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def status_word(self, state: str, health: str) -> dict[str, str] | None:
        """The organisation's own word for an element in this state with this health shown
        (the first category that matches), or None without a vocabulary."""
        for category in self.status_vocabulary or []:
            if state in category.get("states", []) or health in category.get("healths", []):
                return {"label": category["label"], "colour": category.get("colour") or "#6b7280"}
        return None

    def health_style(self, health: str) -> dict[str, str]:
        custom: dict[str, Any] = (self.health_styles or {}).get(health, {})
        return {
            "label": custom.get("label") or str(Health(health).label),
            "colour": custom.get("colour") or DEFAULT_HEALTH_COLOURS[Health(health)],
        }


class Unit(VersionedModel):
    """A node of the organisation tree: Governor's Office > Department > Division."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    # Materialised path of ids, "/1/4/9/": subtree = path startswith, ancestors = parse.
    path = models.CharField(max_length=500, db_index=True, editable=False, default="/")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Person(AbstractUser):
    """Someone who signs in. Roles come from memberships in units."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=[("en", "English"), ("mn", "Монгол")]
    )
    # Bumped by every update through the services, so a stale edit is detected (see check_version).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Membership(VersionedModel):
    """A person's role in a unit; it applies to the unit's whole subtree."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "unit"], name="membership_person_unit_unique")
        ]
        ordering = ["unit__path", "person__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} — {self.unit}"
