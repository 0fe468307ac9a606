"""/api/v1/progress-updates/ and /api/v1/reviews/.

Reads come from the selectors (what the requester may see; anything else is 404). Writes go
through the same services as the pages, which check the role and the business rules (403, 400,
409), so the API allows exactly what the pages allow.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from waymark.core.api import ErrorSerializer, WaymarkAutoSchema
from waymark.org.models import Health
from waymark.reporting.api.filters import ProgressUpdateFilterSet, ReviewFilterSet
from waymark.reporting.api.serializers import (
    ProgressUpdateAcceptSerializer,
    ProgressUpdateCreateSerializer,
    ProgressUpdateReturnSerializer,
    ProgressUpdateSerializer,
    ProgressUpdateStepSerializer,
    ProgressUpdateUpdateSerializer,
    ReviewCloseSerializer,
    ReviewCreateSerializer,
    ReviewDetailSerializer,
    ReviewItemSerializer,
    ReviewItemWriteSerializer,
    ReviewSerializer,
)
from waymark.reporting.models import ProgressUpdate, Review, ReviewItem
from waymark.reporting.reviews import (
    review_agenda,
    review_close,
    review_create,
    review_item_save,
    reviews_visible_to,
)
from waymark.reporting.selectors import updates_visible_to
from waymark.reporting.services import (
    update_accept,
    update_return,
    update_save,
    update_submit,
)

CONFLICT = {409: ErrorSerializer}


def _params(
    view: viewsets.GenericViewSet, serializer_class: type[serializers.Serializer], **kwargs: Any
) -> dict[str, Any]:
    """The request's body, checked for shape by the serializer (400 naming the field)."""
    params = serializer_class(
        data=view.request.data, context=view.get_serializer_context(), **kwargs
    )
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


# -- progress updates ----------------------------------------------------------------------------
UPDATE_SERIALIZERS: dict[str, type[serializers.BaseSerializer]] = {
    "create": ProgressUpdateCreateSerializer,
    "partial_update": ProgressUpdateUpdateSerializer,
    "submit": ProgressUpdateStepSerializer,
    "accept": ProgressUpdateAcceptSerializer,
    "send_back": ProgressUpdateReturnSerializer,
}
UPDATE_RESPONSES: dict[int, Any] = {200: ProgressUpdateSerializer, **CONFLICT}


@extend_schema_view(
    list=extend_schema(summary="Progress updates on the elements of the plans you can see"),
    retrieve=extend_schema(summary="One progress update"),
    partial_update=extend_schema(
        summary="Correct a draft or returned update (and optionally submit it)",
        request=ProgressUpdateUpdateSerializer,
        responses=UPDATE_RESPONSES,
    ),
)
class ProgressUpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """An owner's periodic report on an element: health, percent complete, progress,
    challenges, solutions, successes, next steps and support needed. Draft, then submitted,
    then accepted by a manager of the element's unit or of the plan's owner unit, or returned
    to its author with a comment. The element's lead, its named contributors and the
    contributors of its unit or of the plan's unit write and submit; an update is taken from
    the start of its period until the grace days after its due date (late after the due date)."""

    schema = WaymarkAutoSchema()
    queryset = ProgressUpdate.objects.none()
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        queryset = updates_visible_to(self.request.user)
        if self.action == "list":
            return queryset.select_related("element", "period")
        # One row: what the answer shows and what the services' permission checks read.
        return queryset.select_related(
            "element__plan__owner_unit", "element__responsible_unit", "period"
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return UPDATE_SERIALIZERS.get(self.action or "", ProgressUpdateSerializer)

    def _answer(self, update: ProgressUpdate, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=update.pk)
        data = ProgressUpdateSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(
        summary="Write an element's update for a period (or correct its draft or returned one)",
        request=ProgressUpdateCreateSerializer,
        responses={
            201: OpenApiResponse(ProgressUpdateSerializer, description="A new update."),
            200: OpenApiResponse(
                ProgressUpdateSerializer, description="The existing update, corrected."
            ),
            **CONFLICT,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _params(self, ProgressUpdateCreateSerializer)
        element, period = data.pop("element"), data.pop("period")
        version = data.pop("version", None)
        submit = data.pop("submit", False)
        existed = ProgressUpdate.objects.filter(element=element, period=period).exists()
        update = update_save(
            actor=request.user,
            element=element,
            period=period,
            data=data,
            version=version,
            submit=submit,
        )
        return self._answer(update, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        update = self.get_object()
        data = _params(self, ProgressUpdateUpdateSerializer)
        version = data.pop("version", None)
        submit = data.pop("submit", False)
        update = update_save(
            actor=request.user,
            element=update.element,
            period=update.period,
            data=data,
            version=version,
            submit=submit,
        )
        return self._answer(update)

    @extend_schema(request=ProgressUpdateStepSerializer, responses=UPDATE_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft or returned update for acceptance (it needs a health and progress)."""
        update = self.get_object()
        data = _params(self, ProgressUpdateStepSerializer)
        return self._answer(
            update_submit(actor=request.user, update=update, version=data.get("version"))
        )

    @extend_schema(request=ProgressUpdateAcceptSerializer, responses=UPDATE_RESPONSES)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a submitted update. Where the element's health cannot be computed, the
        reported health becomes its health; where its percent complete is entered by hand, the
        reported percent becomes its percent complete. Never one's own update, unless the
        organisation allows it."""
        update = self.get_object()
        data = _params(self, ProgressUpdateAcceptSerializer)
        return self._answer(
            update_accept(
                actor=request.user,
                update=update,
                comment=data["comment"],
                version=data.get("version"),
            )
        )

    @extend_schema(request=ProgressUpdateReturnSerializer, responses=UPDATE_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        """Return a submitted or accepted update to its author, saying what must change; the
        author is notified."""
        update = self.get_object()
        data = _params(self, ProgressUpdateReturnSerializer)
        return self._answer(
            update_return(
                actor=request.user,
                update=update,
                comment=data["comment"],
                version=data.get("version"),
            )
        )


# -- reviews -------------------------------------------------------------------------------------
REVIEW_SERIALIZERS: dict[str, type[serializers.BaseSerializer]] = {
    "list": ReviewSerializer,
    "create": ReviewCreateSerializer,
    "close": ReviewCloseSerializer,
}
ITEM_ID = OpenApiParameter(
    "item_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The review item's id."
)


def _with_counts(queryset: QuerySet[Review]) -> QuerySet[Review]:
    """Each review with how many elements it takes, were off track, and have a decision."""
    return queryset.annotate(
        element_count=Count("items"),
        off_track_count=Count("items", filter=Q(items__health_then=Health.OFF_TRACK)),
        decision_count=Count("items", filter=~Q(items__decision="")),
    )


@extend_schema_view(
    list=extend_schema(summary="Reviews of the plans you can see"),
    retrieve=extend_schema(
        summary="A review with its agenda: every element's answers and decision",
        responses=ReviewDetailSerializer,
    ),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Mid-month evaluations and quarterly reviews of a plan, or of one unit's part of it, for a
    reporting period. Each element under review answers the five questions (on track? if not,
    why? what changed? is the timeline realistic? are people and money sufficient?) and gets a
    decision: continue, re-plan, reassign, add resources or drop, with who and by when.
    Closing the review applies the decisions: new dates and a new baseline of the plan, a new
    lead, a cancelled element, follow-up action items. Everyone who sees the plan reads its
    reviews; a manager of the plan's owner unit (or, for a unit's review, of that unit) opens,
    answers and closes them."""

    schema = WaymarkAutoSchema()
    queryset = Review.objects.none()
    serializer_class = ReviewDetailSerializer
    filterset_class = ReviewFilterSet

    def get_queryset(self) -> QuerySet[Review]:
        queryset = _with_counts(reviews_visible_to(self.request.user)).order_by("-held_on", "-id")
        if self.action == "list":
            return queryset.select_related("period")
        return queryset.select_related("plan__owner_unit", "unit", "period")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return REVIEW_SERIALIZERS.get(self.action or "", ReviewDetailSerializer)

    def _detail(self, review: Review, code: int = status.HTTP_200_OK) -> Response:
        """The review as the detail shows it, with its agenda (three queries for the items)."""
        review.agenda = review_agenda(review)  # type: ignore[attr-defined]
        data = ReviewDetailSerializer(review, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def _answer(self, review: Review, code: int = status.HTTP_200_OK) -> Response:
        """After a write: the review read again, with its counts."""
        return self._detail(self.get_queryset().get(pk=review.pk), code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        summary="Open a review of a plan (or of a unit's part of it) for a period",
        request=ReviewCreateSerializer,
        responses={201: ReviewDetailSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _params(self, ReviewCreateSerializer)
        review = review_create(
            actor=request.user,
            plan=data["plan"],
            period=data["period"],
            kind=data["kind"],
            unit=data.get("unit"),
            held_on=data.get("held_on"),
            chair=data.get("chair"),
        )
        return self._answer(review, status.HTTP_201_CREATED)

    def _item(self, review: Review, item_id: str | None) -> ReviewItem:
        """The review's item, with what the answer shows and the service reads."""
        if item_id is None:
            raise Http404
        item = (
            ReviewItem.objects.filter(review=review, pk=int(item_id))
            .select_related("element__lead", "element__responsible_unit")
            .prefetch_related("reasons", "action_items")
            .first()
        )
        if item is None:
            raise Http404
        item.review = review
        item.element.plan = review.plan
        return item

    @extend_schema(
        methods=["GET"],
        summary="One element's answers and decision",
        parameters=[ITEM_ID],
        responses=ReviewItemSerializer,
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Record an element's answers, reasons and decision",
        parameters=[ITEM_ID],
        request=ReviewItemWriteSerializer,
        responses={200: ReviewItemSerializer, **CONFLICT},
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"items/(?P<item_id>[0-9]+)",
        url_name="item",
    )
    def item(self, request: Request, pk: str | None = None, item_id: str | None = None) -> Response:
        """An element of the review: its answers to the five questions and its decision. PATCH
        changes the fields given; `reasons`, when given, replaces the coded reasons. Nothing
        changes once the review is closed."""
        review = self.get_object()
        item = self._item(review, item_id)
        if request.method == "PATCH":
            data = _params(self, ReviewItemWriteSerializer)
            version = data.pop("version", None)
            reasons = data.pop("reasons", None)
            review_item_save(
                actor=request.user,
                item=item,
                data=data,
                reasons=None if reasons is None else {r["code"]: r["text"] for r in reasons},
                version=version,
            )
            item = self._item(review, item_id)
        return Response(ReviewItemSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Close the review and apply its decisions",
        request=ReviewCloseSerializer,
        responses={200: ReviewDetailSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the review and apply every decision in one go, or nothing: re-plans move the
        elements' dates and take a new baseline of the plan (the original kept as v1),
        reassignments change the lead, drops cancel the element, and decisions with who and by
        when become action items. Refused (400, `items`) while an element off track or not on
        track has no decision."""
        review = self.get_object()
        data = _params(self, ReviewCloseSerializer)
        return self._answer(
            review_close(actor=request.user, review=review, version=data.get("version"))
        )
