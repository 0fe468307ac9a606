"""The reporting cycle: schedules, progress updates, reviews, baselines, reminders and mail.

- A plan's **reporting schedule** says which tiers report, when updates fall due (the lowest
  tier first, each tier above some days later) and how many grace days follow. Its periods are
  the plan's periods of its cadence (`indicators.Period`, the same rows indicator data uses).
- A **progress update** is an owner's report on one element for one period: draft, submitted,
  accepted by a manager of the element's unit, or returned with a comment.
- A **review** (a mid-month evaluation or a quarterly review) answers the five questions of the
  Dornod method for each element and records a decision; closing it applies the decisions.
- A **baseline** freezes the plan's dates (v1, v2, ...) so slips can be measured against it.
- **Notifications** are the in-app inbox; **reminders** are the ledger that makes each reminder
  happen once (a unique key in the database); **outgoing mail** is a queue retried until sent.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from waymark.core.models import SoftDeleteModel, VersionedModel
from waymark.org.models import Health, Unit
from waymark.plans.models import Element, Plan, reason_in_language


class ReportingSchedule(VersionedModel):
    """When a plan's elements report. A plan without a row uses the defaults below."""

    DEFAULT_DUE_DAYS = 5
    DEFAULT_TIER_STEP_DAYS = 5

    plan = models.OneToOneField(
        Plan, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("plan")
    )
    due_days = models.PositiveSmallIntegerField(
        _("lowest tier due this many days after the period ends"), default=DEFAULT_DUE_DAYS
    )
    tier_step_days = models.PositiveSmallIntegerField(
        _("each tier above due this many days later"), default=DEFAULT_TIER_STEP_DAYS
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace days after the due date"),
        null=True,
        blank=True,
        help_text=_("Empty: the organisation's grace days."),
    )
    # Depths (1 = the top tier) whose elements report; empty: every tier.
    reporting_tiers = models.JSONField(_("tiers that report"), default=list, blank=True)

    class Meta:
        verbose_name = _("reporting schedule")
        verbose_name_plural = _("reporting schedules")

    def __str__(self) -> str:
        return str(self.plan)


class ProgressUpdate(SoftDeleteModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    DONE = (Status.SUBMITTED, Status.ACCEPTED)

    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, related_name="updates", verbose_name=_("element")
    )
    period = models.ForeignKey(
        "indicators.Period",
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("period"),
    )
    health = models.CharField(
        _("health"), max_length=12, choices=Health.choices, default=Health.NOT_ASSESSED
    )
    # xgettext:no-python-format
    percent_complete = models.PositiveSmallIntegerField(_("% complete"), null=True, blank=True)
    narrative = models.TextField(_("progress"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    solutions = models.TextField(_("solutions or actions taken"), blank=True)
    successes = models.TextField(_("successes"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    due_date = models.DateField(_("due date"))
    late = models.BooleanField(_("late"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted or returned by"),
    )
    reviewed_at = models.DateTimeField(_("accepted or returned at"), null=True, blank=True)
    review_comment = models.TextField(_("comment from the manager"), blank=True)

    class Meta:
        ordering = ["element__plan_id", "period__start", "element__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["element", "period"],
                condition=models.Q(deleted_at__isnull=True),
                name="update_once_per_element_and_period",
            )
        ]
        indexes = [models.Index(fields=["period", "status"])]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")

    def __str__(self) -> str:
        return f"{self.element.code} {self.period.label}".strip()

    @property
    def editable_status(self) -> bool:
        return self.status in self.EDITABLE


class Review(SoftDeleteModel, VersionedModel):
    """A mid-month evaluation or a quarterly review of a plan (or of one unit's part of it)."""

    class Kind(models.TextChoices):
        MID_MONTH = "mid_month", _("Mid-month evaluation")
        QUARTERLY = "quarterly", _("Quarterly review")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("plan")
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("unit"),
        help_text=_("Empty: the whole plan."),
    )
    period = models.ForeignKey(
        "indicators.Period",
        on_delete=models.CASCADE,  # periods go only with their plan, and its reviews with it
        related_name="reviews",
        verbose_name=_("period"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    held_on = models.DateField(_("held on"), default=datetime.date.today)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chair"),
    )
    summary = models.TextField(_("summary"), blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period.label}"


class ReviewItem(VersionedModel):
    """One element's answers to the five questions, and the decision taken on it."""

    class OnTrack(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue")
        REPLAN = "replan", _("Re-plan")
        REASSIGN = "reassign", _("Reassign")
        ADD_RESOURCES = "add_resources", _("Add resources")
        DROP = "drop", _("Drop")

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="items", verbose_name=_("review")
    )
    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, related_name="review_items", verbose_name=_("element")
    )
    # What the element looked like when the review was opened (the order of the agenda).
    health_then = models.CharField(
        _("health at the review"), max_length=12, choices=Health.choices, blank=True
    )
    # 1. On track against the timeline?
    on_track = models.CharField(_("on track"), max_length=6, choices=OnTrack.choices, blank=True)
    # 2. If not, why: coded reasons (ReviewReason rows).
    # 3. Internal or external changes affecting implementation.
    changes = models.TextField(_("internal or external changes"), blank=True)
    # 4. Is the timeline realistic? If not, the proposed new dates.
    timeline_realistic = models.BooleanField(_("timeline realistic"), null=True, blank=True)
    proposed_start = models.DateField(_("proposed start date"), null=True, blank=True)
    proposed_target = models.DateField(_("proposed target date"), null=True, blank=True)
    # 5. Are human and financial resources sufficient?
    staff_sufficient = models.BooleanField(_("enough people"), null=True, blank=True)
    budget_sufficient = models.BooleanField(_("enough money"), null=True, blank=True)
    resources_note = models.TextField(_("about resources"), blank=True)
    # The decision, with who and by when.
    decision = models.CharField(_("decision"), max_length=14, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("decision details"), blank=True)
    decision_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    decision_due = models.DateField(_("by when"), null=True, blank=True)
    new_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("new lead"),
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["review_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "element"], name="review_item_once")
        ]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")

    def __str__(self) -> str:
        return str(self.element)


class ReviewReason(models.Model):
    """A coded reason why an element is off track (question 2), with its own words."""

    class Code(models.TextChoices):
        UNDERESTIMATED = "a", _("(a) Challenges underestimated")
        WRONG_PEOPLE = "b", _("(b) Wrong staff or partners involved")
        LEADER_CAPACITY = "c", _("(c) Not enough capacity of the team leader")
        PRIORITIES = "d", _("(d) Changes in priorities")
        BUDGET = "e", _("(e) Inappropriate budget")
        EXTERNAL = "external", _("External change")
        OTHER = "other", _("Other")

    item = models.ForeignKey(
        ReviewItem, on_delete=models.CASCADE, related_name="reasons", verbose_name=_("review item")
    )
    code = models.CharField(_("reason"), max_length=8, choices=Code.choices)
    text = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["item_id", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="reason_once")]
        verbose_name = _("off-track reason")
        verbose_name_plural = _("off-track reasons")

    def __str__(self) -> str:
        return self.get_code_display()


class Baseline(models.Model):
    """A frozen copy of a plan's dates and budgets: v1 is the original plan."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="baselines", verbose_name=_("plan")
    )
    number = models.PositiveIntegerField(_("version"))
    reason = models.TextField(_("reason"), blank=True)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("taken by"),
    )
    review = models.ForeignKey(
        Review,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="baselines",
        verbose_name=_("from the review"),
    )
    # {element id: {"code", "title", "start_date", "target_date", "budget_planned"}}
    entries = models.JSONField(_("dates and budgets"), default=dict)

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="baseline_number_once")
        ]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")

    def __str__(self) -> str:
        return f"v{self.number}"


class Notification(models.Model):
    """One message in a person's in-app inbox."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Escalation")
        RETURNED = "returned", _("Returned to you")
        ASSIGNED = "assigned", _("Assigned to you")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # The message in every language of the interface: {"en": "...", "mn": "..."}.
    messages = models.JSONField(_("message"), default=dict)
    url = models.CharField(_("link"), max_length=500, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return reason_in_language(self.messages)

    @property
    def text(self) -> str:
        return str(self)


class Reminder(models.Model):
    """The ledger of reminders: one row per person, thing owed and stage, ever.

    The unique key is what makes a reminder happen once even when two `waymark remind` run at
    the same moment: the second insert fails and that process moves on.
    """

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before the due date")
        DUE = "due", _("On the due date")
        AFTER = "after", _("After the due date")
        ESCALATION = "escalation", _("Escalated to the manager")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What is owed: "update:<element>:<period>", "data:<indicator>:<period>:<unit>", ...
    subject = models.CharField(max_length=120)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    days = models.SmallIntegerField(default=0)  # for "before": how many days before
    due_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the reminder went into a mailed digest.
    digest = models.ForeignKey(
        "OutgoingEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "subject", "stage", "days"], name="reminder_once"
            )
        ]
        indexes = [models.Index(fields=["person", "digest"])]

    def __str__(self) -> str:
        return f"{self.subject} {self.stage}{self.days or ''}"


class OutgoingEmail(models.Model):
    """A mail to send, kept until the SMTP server took it; a failed send is retried later.

    `(person, digest_date)` is unique: at most one digest per person per day.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    digest_date = models.DateField(null=True, blank=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "digest_date"], name="one_digest_per_person_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
