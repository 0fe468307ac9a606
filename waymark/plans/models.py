"""Plans, their tree of elements (goal > objective > action ...) and milestones."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from waymark.core.models import SoftDeleteModel, VersionedModel
from waymark.org.models import Health, Unit

DEFAULT_TIERS = ["Goal", "Objective", "Action"]


def default_tiers() -> list[str]:
    return list(DEFAULT_TIERS)


class Plan(SoftDeleteModel, VersionedModel):
    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic plan")
        ANNUAL = "annual", _("Annual action plan")
        DEPARTMENTAL = "departmental", _("Departmental plan")

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class Progress(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        CHILDREN = "children", _("From the elements beneath")
        MILESTONES = "milestones", _("From milestones done, else the elements beneath")

    class RollUp(models.TextChoices):
        AVERAGE = "average", _("Average")
        WEIGHTED = "weighted", _("Weighted average")
        WORST = "worst", _("Worst child")

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STRATEGIC)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    owner_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="plans", verbose_name=_("owner unit")
    )
    vision = models.TextField(_("vision"), blank=True)
    mission = models.TextField(_("mission"), blank=True)
    values = models.TextField(_("values"), blank=True)
    cadence = models.CharField(
        _("reporting cadence"), max_length=12, choices=Cadence.choices, default=Cadence.QUARTERLY
    )
    tiers = models.JSONField(_("tiers"), default=default_tiers)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="child_plans",
        verbose_name=_("parent plan"),
    )
    progress_method = models.CharField(
        _("percent complete"), max_length=10, choices=Progress.choices, default=Progress.MANUAL
    )
    rollup_method = models.CharField(
        _("health roll-up"), max_length=10, choices=RollUp.choices, default=RollUp.AVERAGE
    )

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title

    def tier_name(self, depth: int) -> str:
        tiers = self.tiers or DEFAULT_TIERS
        return tiers[min(depth, len(tiers)) - 1]


class Element(SoftDeleteModel, VersionedModel):
    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="elements", verbose_name=_("plan")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Position among siblings (1-based); code, depth and sort_key follow from the tree.
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("number"), max_length=60, blank=True, db_index=True)
    depth = models.PositiveSmallIntegerField(default=1)
    sort_key = models.CharField(max_length=300, blank=True, db_index=True)

    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NOT_STARTED
    )
    health = models.CharField(
        _("computed health"), max_length=12, choices=Health.choices, default=Health.NOT_ASSESSED
    )
    health_override = models.CharField(
        _("health override"), max_length=12, choices=Health.choices, blank=True
    )
    health_override_reason = models.TextField(_("reason for the override"), blank=True)
    # Why the computed health is what it is ("Average of 3: 2 on track, 1 at risk"), in every
    # language of the interface: {"en": "...", "mn": "..."}.
    health_reasons = models.JSONField(
        _("why this health"), default=dict, blank=True, editable=False
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=8,
        decimal_places=2,
        default=1,
        help_text=_("For weighted roll-ups."),
    )
    # xgettext:no-python-format
    percent_complete = models.PositiveSmallIntegerField(_("% complete"), default=0)
    priority = models.CharField(
        _("priority"), max_length=6, choices=Priority.choices, default=Priority.MEDIUM
    )
    quick_win = models.BooleanField(_("quick win"), default=False)
    responsible_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elements",
        verbose_name=_("responsible unit"),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_elements",
        verbose_name=_("lead"),
    )
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="contributed_elements",
        verbose_name=_("contributors"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    completed_date = models.DateField(_("completed date"), null=True, blank=True)
    decision_points = models.TextField(_("decision points"), blank=True)
    resources_needed = models.TextField(_("resources needed"), blank=True)
    budget_planned = models.DecimalField(
        _("budget planned"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    budget_spent = models.DecimalField(
        _("budget spent"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    policy_area = models.CharField(_("policy area"), max_length=200, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["plan_id", "sort_key"]
        indexes = [
            models.Index(fields=["plan", "sort_key"]),
            models.Index(fields=["plan", "parent", "position"]),
        ]
        verbose_name = _("element")
        verbose_name_plural = _("elements")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @property
    def tier(self) -> str:
        return self.plan.tier_name(self.depth)

    @property
    def health_reason(self) -> str:
        """Why the computed health is what it is, in the reader's language."""
        return reason_in_language(self.health_reasons)

    @property
    def effective_health(self) -> str:
        return self.health_override or self.health

    @property
    def is_overdue(self) -> bool:
        """Past its target date and still open (the same rule as `overdue_q`)."""
        return bool(
            self.target_date
            and self.target_date < timezone.localdate()
            and self.state not in CLOSED_STATES
        )

    @staticmethod
    def overdue_q() -> Q:
        """`is_overdue` as a query condition."""
        return Q(target_date__lt=timezone.localdate()) & ~Q(state__in=CLOSED_STATES)

    @property
    def budget_remaining(self) -> Decimal | None:
        if self.budget_planned is None:
            return None
        return self.budget_planned - (self.budget_spent or Decimal(0))


CLOSED_STATES = (Element.State.COMPLETED, Element.State.CANCELLED)


def reason_in_language(reasons: dict[str, str] | None) -> str:
    """A stored reason in the active language, else in any language it was written in."""
    reasons = reasons or {}
    return reasons.get(get_language() or "") or next(iter(reasons.values()), "")


class Milestone(SoftDeleteModel, VersionedModel):
    """A dated checkpoint or decision point of an element."""

    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("element")
    )
    title = models.CharField(_("title"), max_length=300)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_date = models.DateField(_("done date"), null=True, blank=True)
    decision = models.TextField(_("decision recorded"), blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and not self.done_date and self.due_date < timezone.localdate())
