"""Shapes of progress updates and reviews in the API.

Business rules live in the services (waymark/reporting/services.py and reviews.py): who may
write, submit, accept or return an update; whether a period takes updates; what a review's
answers must say before it closes. The serializers only give the shapes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from waymark.core.api import ScopedPrimaryKeyRelatedField, name_enum
from waymark.core.permissions import get_access
from waymark.indicators.models import Period
from waymark.indicators.selectors import periods_visible_to
from waymark.meetings.models import ActionItem
from waymark.org.models import Health, Person, Unit
from waymark.org.selectors import units_visible_to
from waymark.plans.models import Element, Plan
from waymark.plans.selectors import elements_visible_to, plans_visible_to
from waymark.reporting.models import ProgressUpdate, Review, ReviewItem, ReviewReason

name_enum(Health, "Health")
name_enum(ProgressUpdate.Status, "ProgressUpdateStatus")
name_enum(Review.Kind, "ReviewKind")
name_enum(Review.State, "ReviewState")
name_enum(ReviewItem.OnTrack, "OnTrack")
name_enum(ReviewItem.Decision, "ReviewDecision")
name_enum(ReviewReason.Code, "ReviewReasonCode")

VERSION_HELP = _(
    "The version you read; if someone saved since, nothing is written and you get 409."
)


def _active_people(person: Any) -> QuerySet[Person]:
    """Who may chair a review or carry out its decisions: any active person of the
    organisation, as on the review page (the service checks a new lead's unit)."""
    if not get_access(person).authenticated:
        return Person.objects.none()
    return Person.objects.filter(is_active=True)


# -- progress updates ----------------------------------------------------------------------------
class ProgressUpdateSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-progress-update-detail")
    plan = serializers.IntegerField(
        source="element.plan_id", read_only=True, help_text=_("The element's plan.")
    )
    element_code = serializers.CharField(
        source="element.code", read_only=True, help_text=_("The element's number, e.g. 1.1.2.")
    )
    element_title = serializers.CharField(source="element.title", read_only=True)
    period_label = serializers.CharField(
        source="period.label", read_only=True, help_text=_("e.g. 2017-Q1 or 2025-02.")
    )
    health = serializers.ChoiceField(
        choices=Health.choices, read_only=True, help_text=_("The health the owner reports.")
    )
    status = serializers.ChoiceField(
        choices=ProgressUpdate.Status.choices,
        read_only=True,
        help_text=_(
            "Draft, then submitted, then accepted by a manager or returned with a comment."
        ),
    )
    late = serializers.BooleanField(
        read_only=True, help_text=_("Submitted after its due date (within the grace days).")
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "url",
            "plan",
            "element",
            "element_code",
            "element_title",
            "period",
            "period_label",
            "health",
            "percent_complete",
            "narrative",
            "challenges",
            "solutions",
            "successes",
            "next_steps",
            "support_needed",
            "status",
            "due_date",
            "late",
            "author",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProgressUpdateWriteSerializer(serializers.Serializer):
    """The fields an owner writes; absent fields are left as they are."""

    health = serializers.ChoiceField(
        choices=Health.choices,
        required=False,
        help_text=_("Required (other than not assessed) to submit."),
    )
    percent_complete = serializers.IntegerField(
        min_value=0, max_value=100, allow_null=True, required=False
    )
    narrative = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The progress made in the period; required to submit."),
    )
    challenges = serializers.CharField(required=False, allow_blank=True)
    solutions = serializers.CharField(required=False, allow_blank=True)
    successes = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    support_needed = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("Submit the update for acceptance as well.")
    )


class ProgressUpdateCreateSerializer(ProgressUpdateWriteSerializer):
    """The element's update for a period: written, or corrected when a draft or returned one
    exists already."""

    element = ScopedPrimaryKeyRelatedField(
        scope=elements_visible_to, queryset=Element.objects.all()
    )
    period = ScopedPrimaryKeyRelatedField(
        scope=periods_visible_to,
        queryset=Period.objects.all(),
        help_text=_("A reporting period of the element's plan that takes updates today."),
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_(
            "0: you saw no update for this element and period yet; if someone wrote one since, "
            "nothing is written and you get 409. The version you read, to correct an update."
        ),
    )


class ProgressUpdateUpdateSerializer(ProgressUpdateWriteSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class ProgressUpdateStepSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class ProgressUpdateAcceptSerializer(ProgressUpdateStepSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("A word for the author.")
    )


class ProgressUpdateReturnSerializer(ProgressUpdateStepSerializer):
    comment = serializers.CharField(
        allow_blank=True, help_text=_("What the author must change; required.")
    )


# -- reviews ---------------------------------------------------------------------------------------
class ReviewReasonSerializer(serializers.ModelSerializer):
    """A coded reason why an element is not on track, with its own words."""

    code = serializers.ChoiceField(choices=ReviewReason.Code.choices, read_only=True)

    class Meta:
        model = ReviewReason
        fields = ["code", "text"]
        read_only_fields = fields


class ReviewReasonWriteSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ReviewReason.Code.choices)
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for an external change and for other reasons."),
    )


class ReviewItemSerializer(serializers.ModelSerializer):
    """One element's answers to the five questions, and the decision taken on it."""

    element_code = serializers.CharField(source="element.code", read_only=True)
    element_title = serializers.CharField(source="element.title", read_only=True)
    health_then = serializers.ChoiceField(
        choices=Health.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("The element's health when the review was opened."),
    )
    on_track = serializers.ChoiceField(
        choices=ReviewItem.OnTrack.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("1. On track against the timeline?"),
    )
    reasons = ReviewReasonSerializer(
        many=True, read_only=True, help_text=_("2. If not, why: coded reasons.")
    )
    decision = serializers.ChoiceField(
        choices=ReviewItem.Decision.choices, allow_blank=True, read_only=True
    )
    action_items: serializers.PrimaryKeyRelatedField[ActionItem] = (
        serializers.PrimaryKeyRelatedField(
            many=True,
            read_only=True,
            help_text=_("The action items made from the decision when the review closed."),
        )
    )

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "review",
            "element",
            "element_code",
            "element_title",
            "health_then",
            "on_track",
            "reasons",
            "changes",
            "timeline_realistic",
            "proposed_start",
            "proposed_target",
            "staff_sufficient",
            "budget_sufficient",
            "resources_note",
            "decision",
            "decision_note",
            "decision_owner",
            "decision_due",
            "new_lead",
            "applied_at",
            "action_items",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "changes": {"help_text": _("3. Internal or external changes affecting the work.")},
            "timeline_realistic": {"help_text": _("4. Is the timeline realistic?")},
            "proposed_start": {"help_text": _("4. If not, the proposed start date.")},
            "proposed_target": {"help_text": _("4. If not, the proposed target date.")},
            "staff_sufficient": {"help_text": _("5. Are there enough people?")},
            "budget_sufficient": {"help_text": _("5. Is there enough money?")},
            "decision_owner": {"help_text": _("Who carries the decision out.")},
            "decision_due": {"help_text": _("By when.")},
            "new_lead": {"help_text": _("Reassign: the element's new lead.")},
            "applied_at": {"help_text": _("When closing the review applied the decision.")},
        }


class ReviewItemWriteSerializer(serializers.Serializer):
    """An element's answers and decision; absent fields are left as they are."""

    on_track = serializers.ChoiceField(
        choices=ReviewItem.OnTrack.choices, allow_blank=True, required=False
    )
    reasons = ReviewReasonWriteSerializer(
        many=True,
        required=False,
        help_text=_(
            "Replaces the coded reasons; only when the element is not on track (no or partly)."
        ),
    )
    changes = serializers.CharField(allow_blank=True, required=False)
    timeline_realistic = serializers.BooleanField(allow_null=True, required=False)
    proposed_start = serializers.DateField(allow_null=True, required=False)
    proposed_target = serializers.DateField(
        allow_null=True, required=False, help_text=_("Required to re-plan.")
    )
    staff_sufficient = serializers.BooleanField(allow_null=True, required=False)
    budget_sufficient = serializers.BooleanField(allow_null=True, required=False)
    resources_note = serializers.CharField(allow_blank=True, required=False)
    decision = serializers.ChoiceField(
        choices=ReviewItem.Decision.choices, allow_blank=True, required=False
    )
    decision_note = serializers.CharField(allow_blank=True, required=False)
    decision_owner = ScopedPrimaryKeyRelatedField(
        scope=_active_people,
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Who carries the decision out; required to add resources."),
    )
    decision_due = serializers.DateField(
        allow_null=True,
        required=False,
        help_text=_("By when; not before the review. Required to add resources."),
    )
    new_lead = ScopedPrimaryKeyRelatedField(
        scope=_active_people,
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Reassign: a member of the element's responsible unit."),
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)

    def validate_reasons(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        codes = [reason["code"] for reason in value]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Give each reason once."))
        return value


class ReviewSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-review-detail")
    period_label = serializers.CharField(source="period.label", read_only=True)
    kind = serializers.ChoiceField(choices=Review.Kind.choices, read_only=True)
    state = serializers.ChoiceField(
        choices=Review.State.choices,
        read_only=True,
        help_text=_("Open while answered; closing applies the decisions."),
    )
    element_count = serializers.IntegerField(
        read_only=True, help_text=_("How many elements the review takes.")
    )
    off_track_count = serializers.IntegerField(
        read_only=True, help_text=_("How many of them were off track when it opened.")
    )
    decision_count = serializers.IntegerField(
        read_only=True, help_text=_("How many have a decision.")
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "url",
            "plan",
            "unit",
            "period",
            "period_label",
            "kind",
            "held_on",
            "chair",
            "summary",
            "state",
            "closed_at",
            "closed_by",
            "element_count",
            "off_track_count",
            "decision_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"unit": {"help_text": _("Null: the whole plan.")}}


class ReviewDetailSerializer(ReviewSerializer):
    items = ReviewItemSerializer(
        many=True,
        read_only=True,
        source="agenda",
        help_text=_("One per element, off track first, then at risk, not assessed, on track."),
    )

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "items"]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    plan = ScopedPrimaryKeyRelatedField(scope=plans_visible_to, queryset=Plan.objects.all())
    period = ScopedPrimaryKeyRelatedField(
        scope=periods_visible_to,
        queryset=Period.objects.all(),
        help_text=_("A reporting period of the plan (of its cadence)."),
    )
    kind = serializers.ChoiceField(choices=Review.Kind.choices)
    unit = ScopedPrimaryKeyRelatedField(
        scope=units_visible_to,
        queryset=Unit.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Review only this unit's part of the plan; absent or null: the whole plan."),
    )
    held_on = serializers.DateField(required=False, help_text=_("Absent: today."))
    chair = ScopedPrimaryKeyRelatedField(
        scope=_active_people,
        queryset=Person.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Absent: you."),
    )


class ReviewCloseSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
