"""/api/v1/indicators/, periods/, targets/, measurements/ and dimensions/.

Reads come from the selectors (what the requester may see; anything else is 404). Writes go
through the services, which check the role and the business rules (403, 400, 409), so the API
allows exactly what the pages allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from waymark.core.api import ErrorSerializer, WaymarkAutoSchema
from waymark.indicators.api.serializers import (
    DimensionSerializer,
    IndicatorCreateSerializer,
    IndicatorSerializer,
    IndicatorUpdateSerializer,
    MeasurementCreateSerializer,
    MeasurementDetailSerializer,
    MeasurementReturnSerializer,
    MeasurementSerializer,
    MeasurementStepSerializer,
    MeasurementUpdateSerializer,
    PeriodLockSerializer,
    PeriodSerializer,
    PeriodUnlockSerializer,
    TargetSerializer,
    TargetSetSerializer,
    period_context,
)
from waymark.indicators.models import Dimension, Indicator, Measurement, Period, Target, Transition
from waymark.indicators.selectors import (
    indicators_visible_to,
    measurements_visible_to,
    periods_visible_to,
    targets_visible_to,
)
from waymark.indicators.services import (
    INDICATOR_M2M,
    indicator_create,
    indicator_delete,
    indicator_update,
    measurement_approve,
    measurement_delete,
    measurement_return,
    measurement_save,
    measurement_submit,
    period_lock,
    period_unlock,
    targets_set,
)
from waymark.org.selectors import units_visible_to
from waymark.plans.selectors import elements_visible_to, plans_visible_to

CONFLICT = {409: ErrorSerializer}


def _visible(selector: Callable[[Any], QuerySet[Any]]) -> Callable[[Any], QuerySet[Any]]:
    """A filter's choices: only what the requester may see (anything else is "not a choice")."""

    def queryset(request: Any) -> QuerySet[Any]:
        return selector(getattr(request, "user", None))

    return queryset


# -- indicators ----------------------------------------------------------------------------------
class IndicatorFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible(plans_visible_to), label=_("Plan"))
    element = django_filters.ModelChoiceFilter(
        queryset=_visible(elements_visible_to), field_name="elements", label=_("Element")
    )
    measure_type = django_filters.MultipleChoiceFilter(
        choices=Indicator.MeasureType.choices, label=_("Measure type")
    )
    frequency = django_filters.MultipleChoiceFilter(
        choices=Indicator.Frequency.choices, label=_("Reporting frequency")
    )
    code = django_filters.CharFilter(label=_("Code"))

    class Meta:
        model = Indicator
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="Indicators of the plans you can see"),
    create=extend_schema(request=IndicatorCreateSerializer, responses={201: IndicatorSerializer}),
    update=extend_schema(request=IndicatorUpdateSerializer, responses=IndicatorSerializer),
    partial_update=extend_schema(request=IndicatorUpdateSerializer, responses=IndicatorSerializer),
)
class IndicatorViewSet(viewsets.ModelViewSet):
    """Indicators of plan elements. Managers of the plan's owner unit define them; once an
    indicator has data, a new baseline or life-of-plan target needs a `reason` and the old value
    is kept. Deleting an indicator moves it to the trash."""

    schema = WaymarkAutoSchema()
    queryset = Indicator.objects.none()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet

    def get_queryset(self) -> QuerySet[Indicator]:
        return (
            indicators_visible_to(self.request.user)
            .select_related("plan__owner_unit")
            .prefetch_related(*INDICATOR_M2M)
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return IndicatorCreateSerializer
        if self.action in ("update", "partial_update"):
            return IndicatorUpdateSerializer
        return IndicatorSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = indicator_create(
            actor=self.request.user, plan=data.pop("plan"), data=data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        reason = data.pop("reason", "")
        serializer.instance = indicator_update(
            actor=self.request.user,
            indicator=cast(Indicator, serializer.instance),
            data=data,
            version=version,
            reason=reason,
        )

    def perform_destroy(self, instance: Indicator) -> None:
        indicator_delete(actor=self.request.user, indicator=instance)


# -- periods -------------------------------------------------------------------------------------
class PeriodFilterSet(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible(plans_visible_to), label=_("Plan"))
    frequency = django_filters.MultipleChoiceFilter(
        choices=Indicator.Frequency.choices, label=_("Frequency")
    )

    class Meta:
        model = Period
        fields: list[str] = []


@extend_schema_view(list=extend_schema(summary="Reporting periods of the plans you can see"))
class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """Reporting periods, made from each plan's dates and its indicators' frequencies. A period
    is open until it ends, in grace for the organisation's grace days, then locked; an admin of
    the plan's owner unit may unlock it until a set time, with a reason."""

    schema = WaymarkAutoSchema()
    queryset = Period.objects.none()
    serializer_class = PeriodSerializer
    filterset_class = PeriodFilterSet

    def get_queryset(self) -> QuerySet[Period]:
        return periods_visible_to(self.request.user).select_related("plan__owner_unit")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "unlock":
            return PeriodUnlockSerializer
        if self.action == "lock":
            return PeriodLockSerializer
        return PeriodSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **period_context(self.request)}

    def _answer(self, period: Period) -> Response:
        return Response(PeriodSerializer(period, context=self.get_serializer_context()).data)

    @extend_schema(request=PeriodUnlockSerializer, responses={200: PeriodSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Accept data for a locked period again, until a set time (admins, with a reason)."""
        period = self.get_object()
        params = PeriodUnlockSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        period = period_unlock(
            actor=request.user,
            period=period,
            until=params.validated_data["until"],
            reason=params.validated_data["reason"],
            version=params.validated_data.get("version"),
        )
        return self._answer(period)

    @extend_schema(request=PeriodLockSerializer, responses={200: PeriodSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str | None = None) -> Response:
        """End an unlock early (admins)."""
        period = self.get_object()
        params = PeriodLockSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        period = period_lock(
            actor=request.user, period=period, version=params.validated_data.get("version")
        )
        return self._answer(period)


# -- targets -------------------------------------------------------------------------------------
class TargetFilterSet(django_filters.FilterSet):
    indicator = django_filters.ModelChoiceFilter(
        queryset=_visible(indicators_visible_to), label=_("Indicator")
    )
    period = django_filters.ModelChoiceFilter(
        queryset=_visible(periods_visible_to), label=_("Period")
    )
    plan = django_filters.ModelChoiceFilter(
        queryset=_visible(plans_visible_to), field_name="indicator__plan", label=_("Plan")
    )

    class Meta:
        model = Target
        fields: list[str] = []


@extend_schema_view(list=extend_schema(summary="Targets of the indicators you can see"))
class TargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Targets per period. Set, change or remove one with POST; every change keeps the old
    value, and once the indicator has data a change needs a `reason`."""

    schema = WaymarkAutoSchema()
    queryset = Target.objects.none()
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet

    def get_queryset(self) -> QuerySet[Target]:
        return targets_visible_to(self.request.user).select_related("period")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return TargetSetSerializer if self.action == "create" else TargetSerializer

    @extend_schema(
        summary="Set an indicator's target for a period (value null removes it)",
        request=TargetSetSerializer,
        responses={
            200: OpenApiResponse(TargetSerializer, description="The target was changed."),
            201: OpenApiResponse(TargetSerializer, description="The target was set."),
            204: OpenApiResponse(description="The period has no target (any was removed)."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = TargetSetSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        indicator: Indicator = params.validated_data["indicator"]
        period: Period = params.validated_data["period"]
        reason: str = params.validated_data["reason"]
        existed = Target.objects.filter(indicator=indicator, period=period).exists()
        try:
            targets_set(
                actor=request.user,
                indicator=indicator,
                targets={period: params.validated_data["value"]},
                reason=reason,
            )
        except ValidationError as exc:
            raise _target_error(exc, period, reason) from None
        target = self.get_queryset().filter(indicator=indicator, period=period).first()
        if target is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            TargetSerializer(target, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


def _target_error(exc: ValidationError, period: Period, reason: str) -> ValidationError:
    """The service names a target's cell `target_<period id>` (as the pages' form does). The
    value is already a valid amount here, so that error is about the missing reason."""
    cell = f"target_{period.pk}"
    if not hasattr(exc, "error_dict") or cell not in exc.error_dict:
        return exc
    errors = dict(exc.error_dict)
    errors["value" if reason.strip() else "reason"] = errors.pop(cell)
    return ValidationError(errors)


# -- measurements --------------------------------------------------------------------------------
class MeasurementFilterSet(django_filters.FilterSet):
    indicator = django_filters.ModelChoiceFilter(
        queryset=_visible(indicators_visible_to), label=_("Indicator")
    )
    period = django_filters.ModelChoiceFilter(
        queryset=_visible(periods_visible_to), label=_("Period")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_visible(units_visible_to), label=_("Reporting unit")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Measurement.Status.choices, label=_("Status")
    )
    plan = django_filters.ModelChoiceFilter(
        queryset=_visible(plans_visible_to), field_name="indicator__plan", label=_("Plan")
    )

    class Meta:
        model = Measurement
        fields: list[str] = []


def _with_stored_value(measurement: Measurement, data: dict[str, Any]) -> dict[str, Any]:
    """A partial update that changes part of the value (a percentage's numerator only) keeps
    the rest: the service reads value, denominator and text as one answer."""
    if not any(key in data for key in ("value", "denominator", "text")):
        return data
    kind = measurement.indicator.measure_type
    if kind == Indicator.MeasureType.QUALITATIVE:
        if "text" in data or "value" in data:
            return data
        return {**data, "text": measurement.text}
    value: Any = measurement.value
    if value is not None and kind == Indicator.MeasureType.YES_NO:
        value = int(value)  # 1 or 0: the stored Decimal("1.0000") does not read as yes
    filled = {"value": value, **data}
    if kind == Indicator.MeasureType.PERCENTAGE:
        filled.setdefault("denominator", measurement.denominator)
    return filled


SERIALIZER_BY_ACTION: dict[str, type[serializers.BaseSerializer]] = {
    "list": MeasurementSerializer,
    "create": MeasurementCreateSerializer,
    "update": MeasurementUpdateSerializer,
    "partial_update": MeasurementUpdateSerializer,
    "submit": MeasurementStepSerializer,
    "approve": MeasurementStepSerializer,
    "send_back": MeasurementReturnSerializer,
}
STEP_RESPONSES: dict[int, Any] = {200: MeasurementDetailSerializer, **CONFLICT}


@extend_schema_view(
    list=extend_schema(summary="Measurements of the indicators you can see"),
    retrieve=extend_schema(responses=MeasurementDetailSerializer),
    update=extend_schema(request=MeasurementUpdateSerializer, responses=STEP_RESPONSES),
    partial_update=extend_schema(request=MeasurementUpdateSerializer, responses=STEP_RESPONSES),
)
class MeasurementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Reported values: draft, then submitted, then approved or returned with a reason. Only
    approved values make a period's actual. Data owners of the indicator and contributors of
    the reporting unit enter and submit; managers of that unit or of the plan's owner unit
    approve and return, never their own submission unless the organisation allows it.
    Deleting withdraws a draft or returned value (it goes to the trash)."""

    schema = WaymarkAutoSchema()
    queryset = Measurement.objects.none()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilterSet

    def get_queryset(self) -> QuerySet[Measurement]:
        queryset = measurements_visible_to(self.request.user)
        if self.action == "list":
            return queryset
        # One row: what the detail shows and what the services' permission checks read.
        return queryset.select_related(
            "indicator__plan__owner_unit", "period", "unit"
        ).prefetch_related(
            Prefetch("transitions", queryset=Transition.objects.order_by("time", "id"))
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return SERIALIZER_BY_ACTION.get(self.action or "", MeasurementDetailSerializer)

    def _params(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        params = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def _answer(self, measurement: Measurement, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=measurement.pk)
        data = MeasurementDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(
        summary="Enter a unit's value for a period (or correct its draft or returned value)",
        request=MeasurementCreateSerializer,
        responses={
            201: OpenApiResponse(MeasurementDetailSerializer, description="A new value."),
            200: OpenApiResponse(
                MeasurementDetailSerializer, description="The unit's existing value, corrected."
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._params(MeasurementCreateSerializer)
        indicator, period, unit = data.pop("indicator"), data.pop("period"), data.pop("unit")
        submit = data.pop("submit", False)
        existed = Measurement.objects.filter(indicator=indicator, period=period, unit=unit).exists()
        measurement = measurement_save(
            actor=request.user,
            indicator=indicator,
            period=period,
            unit=unit,
            data=data,
            submit=submit,
        )
        return self._answer(measurement, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        measurement = self.get_object()
        data = self._params(MeasurementUpdateSerializer, partial=kwargs.get("partial", False))
        version = data.pop("version", None)
        submit = data.pop("submit", False)
        measurement = measurement_save(
            actor=request.user,
            indicator=measurement.indicator,
            period=measurement.period,
            unit=measurement.unit,
            data=_with_stored_value(measurement, data),
            version=version,
            submit=submit,
        )
        return self._answer(measurement)

    def perform_destroy(self, instance: Measurement) -> None:
        measurement_delete(actor=self.request.user, measurement=instance)

    @extend_schema(request=MeasurementStepSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft or returned value for approval."""
        measurement = self.get_object()
        data = self._params(MeasurementStepSerializer)
        return self._answer(
            measurement_submit(
                actor=request.user, measurement=measurement, version=data.get("version")
            )
        )

    @extend_schema(request=MeasurementStepSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Accept a submitted value: it now counts in the period's actual."""
        measurement = self.get_object()
        data = self._params(MeasurementStepSerializer)
        return self._answer(
            measurement_approve(
                actor=request.user, measurement=measurement, version=data.get("version")
            )
        )

    @extend_schema(request=MeasurementReturnSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        """Return a submitted or approved value to its owners, saying what must be corrected."""
        measurement = self.get_object()
        data = self._params(MeasurementReturnSerializer)
        return self._answer(
            measurement_return(
                actor=request.user,
                measurement=measurement,
                reason=data["reason"],
                version=data.get("version"),
            )
        )


# -- dimensions ----------------------------------------------------------------------------------
class DimensionViewSet(viewsets.ReadOnlyModelViewSet):
    """Ways to break measurements down (sex, age group, soum) with their categories; the same
    for the whole organisation. Organisation admins define them on the pages."""

    schema = WaymarkAutoSchema()
    queryset = Dimension.objects.all()
    serializer_class = DimensionSerializer
