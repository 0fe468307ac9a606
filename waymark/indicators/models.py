"""Indicators of plan elements, their reporting periods, targets and measurements.

An indicator belongs to one plan and serves any number of that plan's elements. Each
reporting unit reports one measurement per period; only approved measurements make a
period's actual, combined by the rules in `aggregation.py`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waymark.core.models import SoftDeleteModel, VersionedModel
from waymark.indicators.aggregation import Aggregation, Value
from waymark.org.models import Health, Unit
from waymark.plans.models import Element, Plan, reason_in_language


def amount_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """A reported or planned amount: 16 digits before the point, 4 after."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=4, **kwargs)


class Dimension(VersionedModel):
    """A way to break a measurement down (sex, age group, soum), with its categories."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    categories = models.JSONField(_("categories"), default=list)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")

    def __str__(self) -> str:
        return self.name


class Indicator(SoftDeleteModel, VersionedModel):
    class MeasureType(models.TextChoices):
        NUMBER = "number", _("Number")
        PERCENTAGE = "percentage", _("Percentage")
        CURRENCY = "currency", _("Currency")
        YES_NO = "yes_no", _("Yes / no")
        QUALITATIVE = "qualitative", _("Qualitative text")
        ORDINAL = "ordinal", _("Ordinal scale")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase to / stay at or above")
        DECREASE = "decrease", _("Decrease to / stay at or below")
        MAINTAIN = "maintain", _("Maintain within a band")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        SEMIANNUAL = "semiannual", _("Semi-annual")
        ANNUAL = "annual", _("Annual")
        ONE_OFF = "one_off", _("One-off")

    class AggregationRule(models.TextChoices):
        SUM = Aggregation.SUM.value, _("Sum")
        LATEST = Aggregation.LATEST.value, _("Latest")
        AVERAGE = Aggregation.AVERAGE.value, _("Average")
        MAXIMUM = Aggregation.MAXIMUM.value, _("Maximum")

    class Calculation(models.TextChoices):
        NONE = "", _("Entered by the data owners")
        RATIO = "ratio", _("Numerator over denominator of other indicators")
        SUM = "sum", _("Sum of other indicators")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan")
    )
    elements = models.ManyToManyField(
        Element, blank=True, related_name="indicators", verbose_name=_("elements")
    )
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    definition = models.TextField(_("definition"), blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=60, blank=True)
    measure_type = models.CharField(
        _("measure type"), max_length=12, choices=MeasureType.choices, default=MeasureType.NUMBER
    )
    # Ordinal scales: the level names, lowest first; a value is the level's number (1, 2, ...).
    scale_levels = models.JSONField(_("scale levels"), default=list, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # Percentages: a numerator above its denominator is refused unless this is off.
    numerator_at_most_denominator = models.BooleanField(
        _("numerator cannot exceed denominator"), default=True
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    band_low = amount_field(_("band from"), null=True, blank=True)
    band_high = amount_field(_("band to"), null=True, blank=True)
    baseline_value = amount_field(_("baseline"), null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_comment = models.TextField(_("baseline comment"), blank=True)
    baseline_not_available = models.BooleanField(_("no baseline available"), default=False)
    frequency = models.CharField(
        _("reporting frequency"),
        max_length=12,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
    )
    aggregation = models.CharField(
        _("aggregation over time"),
        max_length=10,
        choices=AggregationRule.choices,
        default=AggregationRule.SUM,
    )
    cumulative = models.BooleanField(
        _("cumulative (each report is a running total)"), default=False
    )
    target_value = amount_field(_("life-of-plan target"), null=True, blank=True)
    data_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_indicators",
        verbose_name=_("data owners"),
    )
    reporting_units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="reported_indicators",
        verbose_name=_("reporting units"),
    )
    dimensions = models.ManyToManyField(
        Dimension, blank=True, related_name="indicators", verbose_name=_("disaggregated by")
    )
    data_source = models.CharField(_("data source"), max_length=300, blank=True)
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    collection_method = models.CharField(_("collection method"), max_length=300, blank=True)
    calculation = models.CharField(
        _("calculation"), max_length=6, choices=Calculation.choices, blank=True, default=""
    )

    class HealthBasis(models.TextChoices):
        TARGET = "target", _("Latest actual against its target")
        PACE = "pace", _("Pace: progress against the progress expected by today")
        PACE_MILESTONES = "milestones", _("Pace, in steps at the milestones of its elements")

    health_basis = models.CharField(
        _("health from"), max_length=12, choices=HealthBasis.choices, default=HealthBasis.TARGET
    )
    # Own rules, first match wins; empty: the organisation's.
    health_rules = models.JSONField(_("health rules"), default=list, blank=True)
    # Computed when its data changes (waymark.indicators.progress), with the reason in words.
    health = models.CharField(
        _("health"),
        max_length=12,
        choices=Health.choices,
        default=Health.NOT_ASSESSED,
        editable=False,
    )
    health_reasons = models.JSONField(
        _("why this health"), default=dict, blank=True, editable=False
    )
    percent_met = models.DecimalField(
        # xgettext:no-python-format
        _("% of target met"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    # Calculated indicators: the ids of the indicators of the same plan they are made of.
    numerator_of = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="numerator_in",
        verbose_name=_("numerator (or terms of the sum)"),
    )
    denominator_of = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="denominator_in",
        verbose_name=_("denominator"),
    )

    class Meta:
        ordering = ["plan_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                condition=Q(deleted_at__isnull=True),
                name="indicator_code_unique_in_plan",
            )
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @property
    def health_reason(self) -> str:
        """Why the computed health is what it is, in the reader's language."""
        return reason_in_language(self.health_reasons)

    @property
    def is_ratio(self) -> bool:
        return self.measure_type == self.MeasureType.PERCENTAGE or (
            self.calculation == self.Calculation.RATIO
        )

    @property
    def is_numeric(self) -> bool:
        return self.measure_type != self.MeasureType.QUALITATIVE

    @property
    def is_calculated(self) -> bool:
        return bool(self.calculation)

    @property
    def shown_unit(self) -> str:
        if self.is_ratio:
            return "%"
        if self.measure_type == self.MeasureType.CURRENCY:
            return self.currency
        return self.unit_of_measure


class Period(VersionedModel):
    """A reporting period of a plan: open until it ends, then in grace, then locked.

    An admin may unlock a locked period for a set time, with a reason.
    """

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        OPEN = "open", _("Open")
        GRACE = "grace", _("In grace")
        LOCKED = "locked", _("Locked")
        UNLOCKED = "unlocked", _("Unlocked")

    ACCEPTING = (Status.OPEN, Status.GRACE, Status.UNLOCKED)  # the states that take data

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="periods", verbose_name=_("plan")
    )
    frequency = models.CharField(_("frequency"), max_length=12, choices=Indicator.Frequency.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    label = models.CharField(_("label"), max_length=20)
    unlocked_until = models.DateTimeField(_("unlocked until"), null=True, blank=True)
    unlock_reason = models.TextField(_("reason for unlocking"), blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("unlocked by"),
    )

    class Meta:
        ordering = ["plan_id", "frequency", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "frequency", "start"], name="period_unique_per_plan"
            )
        ]
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def __str__(self) -> str:
        return self.label

    def grace_ends(self, grace_days: int) -> datetime.date:
        return self.end + datetime.timedelta(days=grace_days)

    def status(self, grace_days: int, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if today < self.start:
            return self.Status.UPCOMING
        if today <= self.end:
            return self.Status.OPEN
        if today <= self.grace_ends(grace_days):
            return self.Status.GRACE
        if self.unlocked_until and self.unlocked_until > timezone.now():
            return self.Status.UNLOCKED
        return self.Status.LOCKED

    def accepts_data(self, grace_days: int) -> bool:
        return self.status(grace_days) in self.ACCEPTING


class Target(VersionedModel):
    """The value an indicator should reach in a period."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="targets", verbose_name=_("period")
    )
    value = amount_field(_("target"))

    class Meta:
        ordering = ["indicator_id", "period__start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="target_unique")
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period.label}: {self.value}"


class Revision(models.Model):
    """A change of a target or baseline: the old value stays visible, with who, when and why."""

    class Kind(models.TextChoices):
        TARGET = "target", _("Target")
        BASELINE = "baseline", _("Baseline")
        LIFE_TARGET = "life_target", _("Life-of-plan target")

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("indicator")
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    old_value = amount_field(_("old value"), null=True, blank=True)
    new_value = amount_field(_("new value"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    time = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.kind}: {self.old_value} → {self.new_value}"


class Measurement(SoftDeleteModel, VersionedModel):
    """One reporting unit's value of an indicator for a period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("indicator"),
    )
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("reported by")
    )
    # Numbers, currency, yes (1) / no (0), ordinal levels (1, 2, ...); a percentage's numerator.
    value = amount_field(_("value"), null=True, blank=True)
    denominator = amount_field(_("denominator"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    date_collected = models.DateField(_("date collected"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to="evidence/%Y/%m/", blank=True, max_length=300
    )
    evidence_link = models.URLField(_("evidence link"), blank=True, max_length=500)
    # {"Sex": {"Female": {"value": "12"}, "Male": {"value": "9", "denominator": "20"}}, ...}
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
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
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        ordering = ["indicator_id", "period__start", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "unit"],
                condition=Q(deleted_at__isnull=True),
                name="measurement_unique_per_unit",
            )
        ]
        indexes = [models.Index(fields=["indicator", "status"])]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period.label} {self.unit.label}"

    def as_value(self) -> Value | None:
        """The value for the aggregation rules; None when nothing numeric was reported."""
        if self.value is None:
            return None
        if self.denominator is not None:
            return Value(Decimal(self.value), Decimal(self.denominator))
        return Value(Decimal(self.value))

    @property
    def amount(self) -> Decimal | None:
        value = self.as_value()
        return value.amount if value else None

    @property
    def editable_status(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class Transition(models.Model):
    """One step of a measurement's workflow: who moved it from what to what, when and why."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=10, blank=True, choices=Measurement.Status.choices)
    to_status = models.CharField(max_length=10, choices=Measurement.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    time = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["time", "id"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
