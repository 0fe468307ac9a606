"""Shapes of action items in the API.

Business rules live in the services (waymark/meetings/services.py): who may create, change,
complete, cancel or reopen an action item and add a note; what each must say. The
serializers only give the shapes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from waymark.core.api import ScopedPrimaryKeyRelatedField, name_enum
from waymark.core.permissions import get_access
from waymark.meetings.models import ActionItem, ActionItemNote
from waymark.org.models import Person, Unit
from waymark.org.selectors import units_visible_to
from waymark.plans.models import Element
from waymark.plans.selectors import elements_visible_to

name_enum(ActionItem.Status, "ActionItemStatus")

VERSION_HELP = _(
    "The version you read; if someone saved since, nothing is written and you get 409."
)


def _active_people(person: Any) -> QuerySet[Person]:
    """Who may take on an action item: any active person of the organisation (an item agreed
    in a cross-departmental meeting may fall to someone of another unit)."""
    if not get_access(person).authenticated:
        return Person.objects.none()
    return Person.objects.filter(is_active=True)


class ActionItemNoteSerializer(serializers.ModelSerializer):
    """A note on the item's progress, by its owner or a manager (kept, never edited)."""

    author_name = serializers.CharField(
        source="author.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ActionItemNote
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = fields


class ActionItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-action-item-detail")
    owner_name = serializers.CharField(
        source="owner.name", read_only=True, default=None, allow_null=True
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    plan = serializers.IntegerField(
        source="element.plan_id",
        read_only=True,
        default=None,
        allow_null=True,
        help_text=_("The element's plan; null when the item has no element."),
    )
    element_code = serializers.CharField(
        source="element.code",
        read_only=True,
        default=None,
        allow_null=True,
        help_text=_("The element's number, e.g. 1.1.2."),
    )
    element_title = serializers.CharField(
        source="element.title", read_only=True, default=None, allow_null=True
    )
    review = serializers.IntegerField(
        source="review_item.review_id",
        read_only=True,
        default=None,
        allow_null=True,
        help_text=_("The review whose decision made the item; null otherwise."),
    )
    status = serializers.ChoiceField(
        choices=ActionItem.Status.choices,
        read_only=True,
        help_text=_("Open until its owner or a manager marks it done or cancels it."),
    )
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text=_("Open and past its due date.")
    )

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "url",
            "title",
            "details",
            "expected_outcome",
            "owner",
            "owner_name",
            "unit",
            "unit_name",
            "plan",
            "element",
            "element_code",
            "element_title",
            "review",
            "review_item",
            "due_date",
            "status",
            "overdue",
            "done_at",
            "outcome",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "owner": {"help_text": _("Who is to do it.")},
            "unit": {"help_text": _("The unit the item belongs to.")},
            "review_item": {"help_text": _("The review item (element) whose decision made it.")},
            "done_at": {"help_text": _("When it was marked done.")},
            "outcome": {
                "help_text": _("What came of it (done), or why it is no longer to be done.")
            },
        }


class ActionItemDetailSerializer(ActionItemSerializer):
    notes = ActionItemNoteSerializer(
        many=True, read_only=True, help_text=_("Progress notes, the oldest first.")
    )

    class Meta(ActionItemSerializer.Meta):
        fields = [*ActionItemSerializer.Meta.fields, "notes"]
        read_only_fields = fields


class ActionItemWriteSerializer(serializers.Serializer):
    """What an action item asks, of whom and by when; absent fields are left as they are."""

    title = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=_("What is to be done.")
    )
    details = serializers.CharField(required=False, allow_blank=True)
    expected_outcome = serializers.CharField(
        required=False, allow_blank=True, help_text=_("What done looks like.")
    )
    owner = ScopedPrimaryKeyRelatedField(
        scope=_active_people,
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Who is to do it: an active person."),
    )
    due_date = serializers.DateField(allow_null=True, required=False)


class ActionItemCreateSerializer(ActionItemWriteSerializer):
    title = serializers.CharField(
        allow_blank=True, max_length=500, help_text=_("What is to be done.")
    )
    unit = ScopedPrimaryKeyRelatedField(
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        allow_null=True,
        required=False,
        help_text=_(
            "The unit the item belongs to; absent: the element's responsible unit, else its "
            "plan's unit. Required without an element."
        ),
    )
    element = ScopedPrimaryKeyRelatedField(
        scope=elements_visible_to,
        queryset=Element.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The plan element the item moves forward."),
    )


class ActionItemUpdateSerializer(ActionItemWriteSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class ActionItemStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionItem.Status.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Done: what came of it (required). Cancelled: why it is no longer to be done "
            "(required). Open: optional."
        ),
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class ActionItemNoteCreateSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text=_("The progress made; required."))
