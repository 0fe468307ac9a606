"""/api/v1/changes/: the change log, for admins.

Organisation admins see every change. Other admins see the changes of what they can see: plans
visible to them with their elements and milestones (deleted ones too), the units of their
admin subtrees, and the people (and their memberships) of those units.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from waymark.core.api import WaymarkAutoSchema
from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.selectors import changes_visible_to


class IsAnyAdmin(permissions.BasePermission):
    """Admins of some unit (and superusers) read the change log."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and get_access(request.user).is_any_admin)


@extend_schema_field(
    {"type": "string", "nullable": True, "description": "The model's name, e.g. element."}
)
class ModelNameField(serializers.Field):
    def to_representation(self, value: ContentType) -> str:
        return value.model


class ChangeSerializer(serializers.ModelSerializer):
    object_type = ModelNameField(read_only=True)
    related_type = ModelNameField(read_only=True)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = Change
        fields = [
            "id",
            "time",
            "action",
            "actor",
            "actor_name",
            "request_id",
            "object_type",
            "object_id",
            "object_repr",
            "related_type",
            "related_id",
            "changed_fields",
            "before",
            "after",
            "batch",
        ]
        read_only_fields = fields


class ChangeFilterSet(django_filters.FilterSet):
    object_type = django_filters.CharFilter(
        field_name="object_type__model", label="Model name, e.g. element"
    )
    object_id = django_filters.NumberFilter(label="Object id")
    related_type = django_filters.CharFilter(
        field_name="related_type__model", label="Related model name, e.g. plan"
    )
    related_id = django_filters.NumberFilter(label="Related object id")
    actor = django_filters.NumberFilter(field_name="actor_id", label="Person id")
    action = django_filters.ChoiceFilter(choices=Change.Action.choices, label="Action")
    request_id = django_filters.CharFilter(label="Request id (the X-Request-ID header)")

    class Meta:
        model = Change
        fields: list[str] = []


class ChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Who changed what, when, with the values before and after. Newest first."""

    schema = WaymarkAutoSchema()
    queryset = Change.objects.none()
    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet
    permission_classes = [permissions.IsAuthenticated, IsAnyAdmin]

    def get_queryset(self) -> QuerySet[Change]:
        return changes_visible_to(self.request.user).select_related("object_type", "related_type")
