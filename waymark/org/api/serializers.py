"""Shapes of units, people and memberships in the API. Business rules live in the services."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import serializers

from waymark.core.api import ScopedPrimaryKeyRelatedField
from waymark.core.roles import Role
from waymark.org.models import Membership, Person, Unit
from waymark.org.selectors import units_visible_to


def memberships_prefetch(person: Any) -> Prefetch:
    """People's memberships, limited to the units the requester sees (one query per page)."""
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(unit__in=units_visible_to(person)).order_by(
            "unit__path"
        ),
    )


# -- units -------------------------------------------------------------------
class UnitSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-unit-detail")
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "url",
            "name",
            "short_name",
            "parent",
            "depth",
            "is_archived",
            "archived_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["parent", "depth", "archived_at", "version"]


class UnitCreateSerializer(UnitSerializer):
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]  # Field.parent in stubs
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        allow_null=True,
        required=False,
        help_text="The unit above; null or absent for a top-level unit (organisation admins).",
    )


class UnitUpdateSerializer(UnitSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version you read; a different stored version answers 409.",
    )


class UnitMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]  # Field.parent in stubs
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        allow_null=True,
        help_text="The new unit above; null to make it a top-level unit.",
    )
    version = serializers.IntegerField(required=False, min_value=1)


# -- people and memberships --------------------------------------------------
class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["unit", "role"]
        read_only_fields = fields


class MembershipSetSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyRelatedField(scope=units_visible_to, queryset=Unit.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)


class PersonSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-person-detail")
    name = serializers.CharField(read_only=True)
    memberships = MembershipSerializer(
        many=True,
        read_only=True,
        help_text="Roles in units you can see; a role applies to the unit's whole subtree.",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "url",
            "username",
            "name",
            "first_name",
            "last_name",
            "display_name",
            "email",
            "job_title",
            "language",
            "is_active",
            "memberships",
            "version",
        ]
        read_only_fields = ["username", "is_active", "version"]


class PersonCreateSerializer(PersonSerializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    unit = ScopedPrimaryKeyRelatedField(
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        write_only=True,
        help_text="The unit the person joins (you must be its admin).",
    )
    role = serializers.ChoiceField(choices=Role.choices, write_only=True)
    send_invitation = serializers.BooleanField(
        default=True,
        write_only=True,
        help_text="Email the person a link to set their password.",
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "unit", "role", "send_invitation"]
        read_only_fields = ["is_active"]


class PersonUpdateSerializer(PersonSerializer):
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates the person (admins of their units)."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The version you read; if someone saved since, nothing is written and you get 409.",
    )
