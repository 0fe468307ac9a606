"""Shapes of indicators, periods, targets, measurements and dimensions in the API.

Business rules live in the services: what a value means for the indicator's measure type,
whether a period accepts data, who may approve. The serializers only give the shapes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from waymark.core.api import ScopedPrimaryKeyRelatedField, name_enum
from waymark.indicators.models import Dimension, Indicator, Measurement, Period, Target
from waymark.indicators.selectors import indicators_visible_to, periods_visible_to
from waymark.indicators.services import INDICATOR_FIELDS, INDICATOR_M2M
from waymark.org.models import Organisation, Person, Unit
from waymark.org.selectors import people_visible_to, units_visible_to
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import elements_visible_to, plans_visible_to

name_enum(Measurement.Status, "MeasurementStatus")
name_enum(Period.Status, "PeriodStatus")

VERSION_HELP = _(
    "The version you read; if someone saved since, nothing is written and you get 409."
)
CHANGE_REASON_HELP = _(
    "Why the value changes; required once the indicator has data (the old value is kept)."
)


def _all_dimensions(person: Any) -> QuerySet[Dimension]:
    """Dimensions are organisation-wide: everyone signed in may use them."""
    return Dimension.objects.all()


# -- indicators ------------------------------------------------------------------------------
class IndicatorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-indicator-detail")
    elements = ScopedPrimaryKeyRelatedField(
        scope=elements_visible_to,
        queryset=Element.objects.all(),
        many=True,
        required=False,
        help_text=_("Elements of the indicator's plan that it measures."),
    )
    data_owners = ScopedPrimaryKeyRelatedField(
        scope=people_visible_to,
        queryset=Person.objects.all(),
        many=True,
        required=False,
        help_text=_("People who enter its data, besides the contributors of the reporting units."),
    )
    reporting_units = ScopedPrimaryKeyRelatedField(
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        many=True,
        required=False,
        help_text=_("Units that report it, each its own value; none: the plan's owner unit."),
    )
    dimensions = ScopedPrimaryKeyRelatedField(
        scope=_all_dimensions,
        queryset=Dimension.objects.all(),
        many=True,
        required=False,
        help_text=_("Dimensions its measurements may be broken down by."),
    )
    numerator_of = ScopedPrimaryKeyRelatedField(
        scope=indicators_visible_to,
        queryset=Indicator.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "Calculated indicators: the indicators of the same plan added up in the numerator "
            "(or the terms of a sum)."
        ),
    )
    denominator_of = ScopedPrimaryKeyRelatedField(
        scope=indicators_visible_to,
        queryset=Indicator.objects.all(),
        many=True,
        required=False,
        help_text=_("Calculated ratios: the indicators of the same plan added up below the line."),
    )
    scale_levels = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        allow_empty=True,
        help_text=_("Ordinal scales: the level names, lowest first; a value is a level's number."),
    )
    shown_unit = serializers.CharField(
        read_only=True, help_text=_("What values are shown in: %, a currency or the unit.")
    )
    is_calculated = serializers.BooleanField(
        read_only=True, help_text=_("Calculated from other indicators, never entered by hand.")
    )

    class Meta:
        model = Indicator
        # What a person may write is what the service accepts: one list, in services.py.
        fields = [
            "id",
            "url",
            "plan",
            *INDICATOR_FIELDS,
            *INDICATOR_M2M,
            "shown_unit",
            "is_calculated",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["plan", "version", "created_at", "updated_at"]
        # A code is unique in its plan: the service checks it and names the `code` field.
        validators: list[Any] = []


class IndicatorCreateSerializer(IndicatorSerializer):
    plan = ScopedPrimaryKeyRelatedField(scope=plans_visible_to, queryset=Plan.objects.all())


class IndicatorUpdateSerializer(IndicatorSerializer):
    """The indicator's fields; its plan does not change."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_(
            "Why the baseline or the life-of-plan target changes; required once the indicator "
            "has data (the old value is kept)."
        ),
    )

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "reason"]


# -- periods -----------------------------------------------------------------------------------
def period_context(request: Any) -> dict[str, Any]:
    """What a period's status depends on, read once per request (not once per row)."""
    org = getattr(request, "organisation", None)  # loaded by OrganisationMiddleware
    if org is None:
        org = Organisation.get()
    return {"grace_days": org.grace_days, "today": timezone.localdate()}


class PeriodStatusField(serializers.ChoiceField):
    """The period's status today, from the organisation's grace days in the context."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Period.Status.choices, read_only=True, source="*", **kwargs)

    def to_representation(self, value: Any) -> str:
        context = self.context if "grace_days" in self.context else period_context(None)
        return str(value.status(context["grace_days"], context["today"]))


class PeriodSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-period-detail")
    status = PeriodStatusField(
        help_text=_(
            "Open until the period ends, then in grace for the organisation's grace days, then "
            "locked, unless an admin unlocked it until a set time."
        )
    )
    grace_ends = serializers.SerializerMethodField(
        help_text=_("The last day data is accepted without an unlock.")
    )

    class Meta:
        model = Period
        fields = [
            "id",
            "url",
            "plan",
            "frequency",
            "label",
            "start",
            "end",
            "status",
            "grace_ends",
            "unlocked_until",
            "unlock_reason",
            "unlocked_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_grace_ends(self, period: Period) -> datetime.date:
        context = self.context if "grace_days" in self.context else period_context(None)
        return period.grace_ends(context["grace_days"])


class PeriodUnlockSerializer(serializers.Serializer):
    until = serializers.DateTimeField(
        help_text=_("The period accepts data again until this time (in the future).")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Why the period is unlocked.")
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class PeriodLockSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


# -- targets -----------------------------------------------------------------------------------
class TargetSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-target-detail")
    period_label = serializers.CharField(source="period.label", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "url",
            "indicator",
            "period",
            "period_label",
            "value",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TargetSetSerializer(serializers.Serializer):
    indicator = ScopedPrimaryKeyRelatedField(
        scope=indicators_visible_to, queryset=Indicator.objects.all()
    )
    period = ScopedPrimaryKeyRelatedField(
        scope=periods_visible_to,
        queryset=Period.objects.all(),
        help_text=_("A period of the indicator's plan and reporting frequency."),
    )
    # 15 digits before the point at most, like every amount the services accept.
    value = serializers.DecimalField(
        max_digits=19,
        decimal_places=4,
        allow_null=True,
        help_text=_("The target for the period; null removes it."),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=CHANGE_REASON_HELP
    )


# -- measurements ------------------------------------------------------------------------------
@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}],
        "example": "1250.5",
    }
)
class ReportedValueField(serializers.Field):
    """A value as the person reports it; the service reads it in the indicator's type."""

    default_error_messages = {
        "invalid": _("Enter a number, yes or no, a level of the scale, or a text.")
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, (dict, list)):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "value": {"type": "string"},
                    "denominator": {"type": "string"},
                },
            },
        },
        "example": {"Sex": {"Female": {"value": "12"}, "Male": {"value": "9"}}},
    }
)
class BreakdownField(serializers.JSONField):
    """{dimension: {category: {"value": ..., "denominator": ...}}}."""


class TransitionSerializer(serializers.Serializer):
    """One step of a measurement's workflow: who moved it from what to what, when and why."""

    # `from` is a Python keyword, so the fields are named here rather than as attributes.
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.ChoiceField(
                source="from_status",
                choices=Measurement.Status.choices,
                allow_blank=True,
                read_only=True,
                help_text=_("Blank for the first step."),
            ),
            "to": serializers.ChoiceField(
                source="to_status", choices=Measurement.Status.choices, read_only=True
            ),
            "actor": serializers.IntegerField(
                source="actor_id",
                read_only=True,
                allow_null=True,
                help_text=_("The person who took the step."),
            ),
            "time": serializers.DateTimeField(read_only=True),
            "reason": serializers.CharField(
                read_only=True, help_text=_("Why it was returned (blank for other steps).")
            ),
        }


class MeasurementSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-measurement-detail")
    amount = serializers.DecimalField(
        max_digits=None,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text=_(
            "The figure shown: the value, or for a percentage 100 times the numerator over the denominator."
        ),
    )
    status = serializers.ChoiceField(
        choices=Measurement.Status.choices,
        read_only=True,
        help_text=_("Only approved values make the period's actual."),
    )
    evidence_file = serializers.SerializerMethodField(
        help_text=_("The attached file's name; files are attached and served by the pages.")
    )
    breakdown = BreakdownField(read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "url",
            "indicator",
            "period",
            "unit",
            "value",
            "denominator",
            "text",
            "amount",
            "date_collected",
            "comment",
            "evidence_file",
            "evidence_link",
            "breakdown",
            "status",
            "late",
            "entered_by",
            "submitted_by",
            "submitted_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_evidence_file(self, measurement: Measurement) -> str | None:
        name = measurement.evidence_file.name
        return name.rsplit("/", 1)[-1] if name else None


class MeasurementDetailSerializer(MeasurementSerializer):
    transitions = TransitionSerializer(
        many=True, read_only=True, help_text=_("Every workflow step, oldest first.")
    )

    class Meta(MeasurementSerializer.Meta):
        fields = [*MeasurementSerializer.Meta.fields, "transitions"]
        read_only_fields = fields


class MeasurementWriteSerializer(serializers.Serializer):
    value = ReportedValueField(
        required=False,
        allow_null=True,
        help_text=_(
            "In the indicator's type: a number (1250.5 or \"1,250.5\"), a percentage's "
            "numerator, yes or no, a level's name or number; null clears it."
        ),
    )
    denominator = ReportedValueField(
        required=False, allow_null=True, help_text=_("Percentages: the denominator.")
    )
    text = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Qualitative indicators: the answer.")
    )
    date_collected = serializers.DateField(
        required=False, allow_null=True, help_text=_("Not in the future.")
    )
    comment = serializers.CharField(required=False, allow_blank=True)
    evidence_link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    breakdown = BreakdownField(
        required=False,
        help_text=_(
            "Disaggregation by the indicator's dimensions; a breakdown that does not add up to "
            "the value is flagged, not refused."
        ),
    )
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("Submit the value for approval as well.")
    )


class MeasurementCreateSerializer(MeasurementWriteSerializer):
    """The unit's value of the indicator for the period: entered, or corrected if the unit
    already has a draft or returned one."""

    indicator = ScopedPrimaryKeyRelatedField(
        scope=indicators_visible_to, queryset=Indicator.objects.all()
    )
    period = ScopedPrimaryKeyRelatedField(
        scope=periods_visible_to,
        queryset=Period.objects.all(),
        help_text=_("A period of the indicator's plan and reporting frequency that accepts data."),
    )
    unit = ScopedPrimaryKeyRelatedField(
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        help_text=_("The reporting unit the value is for."),
    )


class MeasurementUpdateSerializer(MeasurementWriteSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class MeasurementStepSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class MeasurementReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("What must be corrected.")
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


# -- dimensions --------------------------------------------------------------------------------
class DimensionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-dimension-detail")
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Dimension
        fields = ["id", "url", "name", "categories", "version"]
        read_only_fields = fields
