"""/api/v1/action-items/: the action item tracker.

Reads come from the selectors (what the requester may see; anything else is 404). Writes go
through the same services as the pages, which check the role and the business rules (403, 400,
409), so the API allows exactly what the pages allow.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from waymark.core.api import ErrorSerializer, WaymarkAutoSchema
from waymark.meetings.api.filters import ActionItemFilterSet
from waymark.meetings.api.serializers import (
    ActionItemCreateSerializer,
    ActionItemDetailSerializer,
    ActionItemNoteCreateSerializer,
    ActionItemNoteSerializer,
    ActionItemSerializer,
    ActionItemStatusSerializer,
    ActionItemUpdateSerializer,
)
from waymark.meetings.models import ActionItem, ActionItemNote
from waymark.meetings.selectors import action_items_visible_to
from waymark.meetings.services import (
    action_item_create,
    action_item_note_add,
    action_item_set_status,
    action_item_update,
)

CONFLICT = {409: ErrorSerializer}
SERIALIZERS: dict[str, type[serializers.BaseSerializer]] = {
    "list": ActionItemSerializer,
    "create": ActionItemCreateSerializer,
    "partial_update": ActionItemUpdateSerializer,
    "set_status": ActionItemStatusSerializer,
    "notes": ActionItemNoteCreateSerializer,
}
ITEM_RESPONSES: dict[int, Any] = {200: ActionItemDetailSerializer, **CONFLICT}


def _params(
    view: viewsets.GenericViewSet, serializer_class: type[serializers.Serializer]
) -> dict[str, Any]:
    """The request's body, checked for shape by the serializer (400 naming the field)."""
    params = serializer_class(data=view.request.data, context=view.get_serializer_context())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def _as_note(exc: ValidationError) -> ValidationError:
    """Marking an item done says what came of it in `note`; the service names it `outcome`."""
    if not hasattr(exc, "error_dict") or "outcome" not in exc.error_dict:
        return exc
    errors = dict(exc.error_dict)
    errors["note"] = errors.pop("outcome")
    return ValidationError(errors)


@extend_schema_view(
    list=extend_schema(
        summary="Action items of the units and plans you can see, and your own, soonest due first"
    ),
    retrieve=extend_schema(summary="One action item with its progress notes"),
    create=extend_schema(
        summary="Record an action item (managers of its unit or of its element's plan)",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change what an action item asks, of whom and by when (managers)",
        request=ActionItemUpdateSerializer,
        responses=ITEM_RESPONSES,
    ),
)
class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Things people agreed to do by a date, from a review's decisions or a meeting: who, by
    when, what done looks like, and the element of the plan they move forward. Everyone who
    sees the item's unit or its element's plan reads it, and owners read their own. Managers of
    the item's unit or of the plan's owner unit record and change items; the owner or a manager
    marks one done (saying what came of it), cancels it (saying why) or opens it again, and
    adds progress notes. An item is overdue while open past its due date."""

    schema = WaymarkAutoSchema()
    queryset = ActionItem.objects.none()
    serializer_class = ActionItemDetailSerializer
    filterset_class = ActionItemFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ActionItem]:
        queryset = action_items_visible_to(self.request.user).order_by(
            F("due_date").asc(nulls_last=True), "id"
        )
        if self.action == "list":
            return queryset.select_related("owner", "unit", "element", "review_item")
        # One row: what the detail shows and what the services' permission checks read.
        return queryset.select_related(
            "owner", "unit", "element__plan__owner_unit", "review_item"
        ).prefetch_related(
            Prefetch(
                "notes",
                queryset=ActionItemNote.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            )
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return SERIALIZERS.get(self.action or "", ActionItemDetailSerializer)

    def _answer(self, item: ActionItem, code: int = status.HTTP_200_OK) -> Response:
        """After a write: the item read again, with its notes."""
        fresh = self.get_queryset().get(pk=item.pk)
        data = ActionItemDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _params(self, ActionItemCreateSerializer)
        item = action_item_create(actor=request.user, data=data)
        return self._answer(item, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        data = _params(self, ActionItemUpdateSerializer)
        version = data.pop("version", None)
        item = action_item_update(actor=request.user, item=item, data=data, version=version)
        return self._answer(item)

    @extend_schema(
        summary="Mark an action item done, cancel it or open it again",
        request=ActionItemStatusSerializer,
        responses=ITEM_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        """Done needs a note saying what came of it (kept as the item's outcome); cancelled
        needs a note saying why; open again clears the done date. The item's owner or a
        manager of its unit or plan."""
        item = self.get_object()
        data = _params(self, ActionItemStatusSerializer)
        try:
            item = action_item_set_status(
                actor=request.user,
                item=item,
                status=data["status"],
                note=data["note"],
                version=data.get("version"),
            )
        except ValidationError as exc:
            raise _as_note(exc) from None
        return self._answer(item)

    @extend_schema(
        summary="Add a progress note to an action item",
        request=ActionItemNoteCreateSerializer,
        responses={201: ActionItemNoteSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """A note on the item's progress, kept and never edited; its owner or a manager."""
        item = self.get_object()
        data = _params(self, ActionItemNoteCreateSerializer)
        note = action_item_note_add(actor=request.user, item=item, text=data["text"])
        return Response(
            ActionItemNoteSerializer(note, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
