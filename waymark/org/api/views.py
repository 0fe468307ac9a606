"""/api/v1/units/ and /api/v1/people/: reads through the visibility rules, writes through services.

An object the requester cannot see answers 404 before any service runs; a service that refuses
a visible object answers 403.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from waymark.core.api import WaymarkAutoSchema
from waymark.org.api.serializers import (
    MembershipSetSerializer,
    PersonCreateSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    UnitCreateSerializer,
    UnitMoveSerializer,
    UnitSerializer,
    UnitUpdateSerializer,
    memberships_prefetch,
)
from waymark.org.models import Membership, Person, Unit
from waymark.org.selectors import people_visible_to, units_visible_to
from waymark.org.services import (
    membership_remove,
    membership_set,
    person_invite,
    person_set_active,
    person_update,
    unit_archive,
    unit_create,
    unit_move,
    unit_unarchive,
    unit_update,
)


# -- units -------------------------------------------------------------------
class UnitFilterSet(django_filters.FilterSet):
    parent = django_filters.NumberFilter(field_name="parent_id", label="Parent unit id")
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label="Archived"
    )
    q = django_filters.CharFilter(method="filter_q", label="Search in name and short name")

    class Meta:
        model = Unit
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value))


@extend_schema_view(
    list=extend_schema(summary="Units you hold a role in (with their subtrees) and above"),
    create=extend_schema(request=UnitCreateSerializer, responses={201: UnitSerializer}),
    update=extend_schema(request=UnitUpdateSerializer, responses=UnitSerializer),
    partial_update=extend_schema(request=UnitUpdateSerializer, responses=UnitSerializer),
)
class UnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Units of the organisation tree. Units are never deleted: archive them."""

    schema = WaymarkAutoSchema()
    queryset = Unit.objects.none()
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet

    def get_queryset(self) -> QuerySet[Unit]:
        return units_visible_to(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return UnitCreateSerializer
        if self.action in ("update", "partial_update"):
            return UnitUpdateSerializer
        return UnitSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = unit_create(
            actor=self.request.user,
            name=data["name"],
            parent=data.get("parent"),
            short_name=data.get("short_name", ""),
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = unit_update(
            actor=self.request.user,
            unit=cast(Unit, serializer.instance),
            data=data,
            version=version,
        )

    @extend_schema(request=UnitMoveSerializer, responses=UnitSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the unit, with everything below it, under another parent."""
        unit = self.get_object()
        params = UnitMoveSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        unit = unit_move(
            actor=request.user,
            unit=unit,
            parent=params.validated_data["parent"],
            version=params.validated_data.get("version"),
        )
        return Response(UnitSerializer(unit, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=UnitSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Archive the unit (its sub-units first); its roles stop applying."""
        unit = unit_archive(actor=request.user, unit=self.get_object())
        return Response(UnitSerializer(unit, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=UnitSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str | None = None) -> Response:
        """Bring an archived unit back."""
        unit = unit_unarchive(actor=request.user, unit=self.get_object())
        return Response(UnitSerializer(unit, context=self.get_serializer_context()).data)


# -- people ------------------------------------------------------------------
class PersonFilterSet(django_filters.FilterSet):
    unit = django_filters.NumberFilter(
        method="filter_unit", label="Unit id: people with a role in it or below it"
    )
    is_active = django_filters.BooleanFilter(label="Active")
    q = django_filters.CharFilter(method="filter_q", label="Search in names, username, email")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_unit(self, qs: QuerySet[Person], name: str, value: int | None) -> QuerySet[Person]:
        if value is None:
            return qs
        unit = Unit.objects.filter(pk=value).first()
        if unit is None:
            return qs.none()
        members = Membership.objects.filter(unit__path__startswith=unit.path)
        return qs.filter(pk__in=members.values("person_id"))

    def filter_q(self, qs: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(display_name__icontains=value)
            | Q(email__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(summary="You, and the people of your units' subtrees"),
    create=extend_schema(
        summary="Invite a person with a role in a unit",
        request=PersonCreateSerializer,
        responses={201: PersonSerializer},
    ),
    update=extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer),
    partial_update=extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer),
)
class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People and their roles. People are never deleted: set is_active to false."""

    schema = WaymarkAutoSchema()
    queryset = Person.objects.none()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet

    def get_queryset(self) -> QuerySet[Person]:
        user = self.request.user
        return people_visible_to(user).prefetch_related(memberships_prefetch(user))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return PersonCreateSerializer
        if self.action in ("update", "partial_update"):
            return PersonUpdateSerializer
        return PersonSerializer

    def _read(self, person: Person) -> dict[str, Any]:
        fresh = self.get_queryset().filter(pk=person.pk).first() or person
        return PersonSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PersonCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = person_invite(
            actor=request.user,
            username=data.pop("username"),
            unit=data.pop("unit"),
            role=data.pop("role"),
            send=data.pop("send_invitation"),
            base_url=request.build_absolute_uri("/"),
            data=data,
        )
        return Response(self._read(person), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        serializer = PersonUpdateSerializer(
            person,
            data=request.data,
            partial=kwargs.get("partial", False),
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        active = data.pop("is_active", None)
        version = data.pop("version", None)
        with transaction.atomic():
            person = person_update(actor=request.user, person=person, data=data, version=version)
            if active is not None and active != person.is_active:
                person = person_set_active(actor=request.user, person=person, active=active)
        return Response(self._read(person))

    @extend_schema(request=MembershipSetSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], url_path="memberships")
    def set_membership(self, request: Request, pk: str | None = None) -> Response:
        """Give the person a role in a unit, or change the role they hold there."""
        person = self.get_object()
        params = MembershipSetSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        membership_set(actor=request.user, person=person, **params.validated_data)
        return Response(self._read(person))

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter(
                "unit_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The unit's id."
            )
        ],
    )
    @action(detail=True, methods=["delete"], url_path=r"memberships/(?P<unit_id>[0-9]+)")
    def remove_membership(
        self, request: Request, pk: str | None = None, unit_id: str | None = None
    ) -> Response:
        """Take away the person's role in a unit."""
        person = self.get_object()
        membership = get_object_or_404(
            Membership.objects.select_related("unit", "person"),
            person=person,
            unit__in=units_visible_to(request.user),
            unit_id=unit_id,
        )
        membership_remove(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
