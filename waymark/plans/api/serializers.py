"""Shapes of plans, elements and milestones in the API. Business rules live in the services."""

from __future__ import annotations

from rest_framework import serializers

from waymark.core.api import ScopedPrimaryKeyRelatedField, name_enum
from waymark.org.models import Health, Person, Unit
from waymark.org.selectors import units_visible_to
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.selectors import elements_visible_to, plans_visible_to
from waymark.plans.services import ELEMENT_FIELDS

name_enum(Health, "Health")
name_enum(Plan.State, "PlanState")
name_enum(Element.State, "ElementState")

VERSION_HELP = "The version you read; if someone saved since, nothing is written and you get 409."


# -- plans -------------------------------------------------------------------
class PlanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-plan-detail")
    owner_unit = ScopedPrimaryKeyRelatedField(scope=units_visible_to, queryset=Unit.objects.all())
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]  # Field.parent in stubs
        scope=plans_visible_to,
        queryset=Plan.objects.all(),
        allow_null=True,
        required=False,
        help_text="The plan this one is aligned to.",
    )
    tiers = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        required=False,
        help_text='Level names from the top, e.g. ["Goal", "Objective", "Action"].',
    )
    state = serializers.ChoiceField(choices=Plan.State.choices, required=False)

    class Meta:
        model = Plan
        fields = [
            "id",
            "url",
            "title",
            "kind",
            "state",
            "start_date",
            "end_date",
            "owner_unit",
            "parent",
            "cadence",
            "tiers",
            "vision",
            "mission",
            "values",
            "progress_method",
            "rollup_method",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class PlanUpdateSerializer(PlanSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


# -- elements ----------------------------------------------------------------
class ElementSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-element-detail")
    tier = serializers.CharField(read_only=True, help_text="The plan's name for this level.")
    health = serializers.ChoiceField(
        choices=Health.choices, read_only=True, help_text="Computed from the element's data."
    )
    health_override = serializers.ChoiceField(
        choices=Health.choices,
        allow_blank=True,
        required=False,
        help_text="A person's judgement; needs health_override_reason. Blank to clear.",
    )
    effective_health = serializers.ChoiceField(
        choices=Health.choices, read_only=True, help_text="The override if set, else the computed."
    )
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, required=False)
    is_overdue = serializers.BooleanField(read_only=True)
    health_reason = serializers.CharField(
        read_only=True, help_text="Why the computed health is what it is, in words."
    )
    responsible_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), allow_null=True, required=False
    )
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        help_text="A member of the responsible unit.",
    )
    contributors = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Person.objects.all(), required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, allow_empty=True
    )

    class Meta:
        model = Element
        # What a person may write is what the service accepts: ELEMENT_FIELDS, one list.
        fields = [
            "id",
            "url",
            "plan",
            "parent",
            "code",
            "depth",
            "tier",
            "position",
            "health",
            "health_reason",
            "effective_health",
            *ELEMENT_FIELDS,
            "is_overdue",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "plan",
            "parent",
            "code",
            "depth",
            "position",
            "version",
            "created_at",
            "updated_at",
        ]


class ElementCreateSerializer(ElementSerializer):
    plan = ScopedPrimaryKeyRelatedField(scope=plans_visible_to, queryset=Plan.objects.all())
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]  # Field.parent in stubs
        scope=elements_visible_to,
        queryset=Element.objects.all(),
        allow_null=True,
        required=False,
        help_text="An element of the same plan; absent or null for the top tier.",
    )
    position = serializers.IntegerField(
        min_value=1,
        allow_null=True,
        required=False,
        help_text="1-based place among the siblings; absent or null for last.",
    )


class ElementUpdateSerializer(ElementSerializer):
    """Fields of the element; its place in the tree changes through the move action."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class ElementMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]  # Field.parent in stubs
        scope=elements_visible_to,
        queryset=Element.objects.all(),
        allow_null=True,
        help_text="The new parent, an element of the same plan; null for the top tier.",
    )
    position = serializers.IntegerField(
        min_value=1,
        allow_null=True,
        required=False,
        help_text="1-based place among the new siblings; absent or null for last.",
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


# -- milestones --------------------------------------------------------------
class MilestoneSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-milestone-detail")
    plan = serializers.IntegerField(
        source="element.plan_id", read_only=True, help_text="The element's plan."
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "url",
            "element",
            "plan",
            "title",
            "due_date",
            "done_date",
            "decision",
            "is_overdue",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["element", "version", "created_at", "updated_at"]


class MilestoneCreateSerializer(MilestoneSerializer):
    element = ScopedPrimaryKeyRelatedField(
        scope=elements_visible_to, queryset=Element.objects.all()
    )


class MilestoneUpdateSerializer(MilestoneSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
