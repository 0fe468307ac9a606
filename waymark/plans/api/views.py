"""/api/v1/plans/, /api/v1/elements/ and /api/v1/milestones/.

Reads come from the selectors (what the requester may see; anything else is 404). Writes go
through the services, which check the role and the business rules (403, 400, 409).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from waymark.core.api import WaymarkAutoSchema
from waymark.plans.api.serializers import (
    ElementCreateSerializer,
    ElementMoveSerializer,
    ElementSerializer,
    ElementUpdateSerializer,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    MilestoneUpdateSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
)
from waymark.plans.filters import ElementFilterSet
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.selectors import elements_visible_to, milestones_visible_to, plans_visible_to
from waymark.plans.services import (
    element_create,
    element_delete,
    element_move,
    element_update,
    milestone_create,
    milestone_delete,
    milestone_update,
    plan_create,
    plan_delete,
    plan_update,
)


def _split_version(serializer: serializers.BaseSerializer) -> tuple[dict[str, Any], int | None]:
    data = dict(serializer.validated_data)
    return data, data.pop("version", None)


# -- plans -------------------------------------------------------------------
class PlanFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Plan.State.choices, label="State")
    kind = django_filters.MultipleChoiceFilter(choices=Plan.Kind.choices, label="Kind")
    owner_unit = django_filters.NumberFilter(field_name="owner_unit_id", label="Owner unit id")
    parent = django_filters.NumberFilter(field_name="parent_id", label="Parent plan id")

    class Meta:
        model = Plan
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Plans your units own, or hold an element of",
    ),
    update=extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer),
    partial_update=extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer),
)
class PlanViewSet(viewsets.ModelViewSet):
    """Strategic, annual and departmental plans. Deleting a plan moves it to the trash."""

    schema = WaymarkAutoSchema()
    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self) -> QuerySet[Plan]:
        return plans_visible_to(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return PlanUpdateSerializer
        return PlanSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = plan_create(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data, version = _split_version(serializer)
        serializer.instance = plan_update(
            actor=self.request.user,
            plan=cast(Plan, serializer.instance),
            data=data,
            version=version,
        )

    def perform_destroy(self, instance: Plan) -> None:
        plan_delete(actor=self.request.user, plan=instance)


# -- elements ----------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Elements of the plans you can see (filter with ?plan=ID)"),
    create=extend_schema(request=ElementCreateSerializer, responses={201: ElementSerializer}),
    update=extend_schema(request=ElementUpdateSerializer, responses=ElementSerializer),
    partial_update=extend_schema(request=ElementUpdateSerializer, responses=ElementSerializer),
)
class ElementViewSet(viewsets.ModelViewSet):
    """Elements of plans (goal > objective > action ...), numbered by their place in the tree.

    Deleting an element moves it, its subtree and their milestones to the trash and renumbers
    the rest.
    """

    schema = WaymarkAutoSchema()
    queryset = Element.objects.none()
    serializer_class = ElementSerializer
    filterset_class = ElementFilterSet

    def get_queryset(self) -> QuerySet[Element]:
        return (
            elements_visible_to(self.request.user)
            .select_related("plan")
            .prefetch_related("contributors")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return ElementCreateSerializer
        if self.action in ("update", "partial_update"):
            return ElementUpdateSerializer
        if self.action == "move":
            return ElementMoveSerializer
        return ElementSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = element_create(
            actor=self.request.user,
            plan=data.pop("plan"),
            parent=data.pop("parent", None),
            position=data.pop("position", None),
            data=data,
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data, version = _split_version(serializer)
        serializer.instance = element_update(
            actor=self.request.user,
            element=cast(Element, serializer.instance),
            data=data,
            version=version,
        )

    def perform_destroy(self, instance: Element) -> None:
        element_delete(actor=self.request.user, element=instance)

    @extend_schema(request=ElementMoveSerializer, responses=ElementSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the element, with its subtree, under a parent at a position; all renumber."""
        element = self.get_object()
        params = ElementMoveSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        moved = element_move(
            actor=request.user,
            element=element,
            parent=params.validated_data["parent"],
            position=params.validated_data.get("position"),
            version=params.validated_data.get("version"),
        )
        return Response(ElementSerializer(moved, context=self.get_serializer_context()).data)


# -- milestones --------------------------------------------------------------
class MilestoneFilterSet(django_filters.FilterSet):
    element = django_filters.NumberFilter(field_name="element_id", label="Element id")
    plan = django_filters.NumberFilter(field_name="element__plan_id", label="Plan id")

    class Meta:
        model = Milestone
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer}),
    update=extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer),
    partial_update=extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer),
)
class MilestoneViewSet(viewsets.ModelViewSet):
    """Dated checkpoints and decision points of elements."""

    schema = WaymarkAutoSchema()
    queryset = Milestone.objects.none()
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet

    def get_queryset(self) -> QuerySet[Milestone]:
        return milestones_visible_to(self.request.user).select_related("element")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return MilestoneCreateSerializer
        if self.action in ("update", "partial_update"):
            return MilestoneUpdateSerializer
        return MilestoneSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = milestone_create(
            actor=self.request.user, element=data.pop("element"), data=data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data, version = _split_version(serializer)
        serializer.instance = milestone_update(
            actor=self.request.user,
            milestone=cast(Milestone, serializer.instance),
            data=data,
            version=version,
        )

    def perform_destroy(self, instance: Milestone) -> None:
        milestone_delete(actor=self.request.user, milestone=instance)
