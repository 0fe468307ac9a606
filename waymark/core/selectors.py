"""Reads of the change log and the trash, filtered by what the person may see, and of the
organisation home and the personal home ("my work")."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Avg, Count, F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role

HIDDEN_CHANGE_FIELDS = {"version", "sort_key", "depth", "position", "path", "deletion_batch"}


def history_for(obj: Any, limit: int = 50, *, belongings: bool = True) -> list[Change]:
    """Changes to the object and (unless `belongings` is False) to the things that belong to
    it (an element's milestones), newest first, each update described in words (see
    `describe`)."""
    ct = ContentType.objects.get_for_model(obj)
    which = Q(object_type=ct, object_id=obj.pk)
    if belongings:
        which |= Q(related_type=ct, related_id=obj.pk)
    changes = list(
        Change.objects.filter(which)
        .select_related("actor", "object_type")
        .order_by("-time", "-id")[:limit]
    )
    return describe(changes)


def describe(changes: list[Change]) -> list[Change]:
    """Give each update `rows` of (field label, before, after) in words a reader knows: choice
    labels instead of codes, names instead of ids (one query per related model, whatever the
    number of changes)."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    plans: list[tuple[Change, list[tuple[str, Any, Any, Any]]]] = []
    for change in changes:
        model = change.object_type.model_class()
        fields = []
        for name, old, new in change.diff if change.action == Change.Action.UPDATE else []:
            if name in HIDDEN_CHANGE_FIELDS:
                continue
            field = _field(model, name)
            target = getattr(field, "related_model", None) if field is not None else None
            if target is not None:
                for value in (old, new):
                    wanted[target].update(value if isinstance(value, list) else [value])
            fields.append((name, field, old, new))
        plans.append((change, fields))
    names = {
        target: {pk: str(o) for pk, o in target._base_manager.in_bulk(ids - {None}).items()}
        for target, ids in wanted.items()
    }
    for change, fields in plans:
        rows = []
        for name, field, old, new in fields:
            label = str(getattr(field, "verbose_name", name))
            target = getattr(field, "related_model", None) if field is not None else None
            choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
            if target is not None:
                old, new = _named(old, names[target]), _named(new, names[target])
            elif choices:
                old, new = choices.get(old, old), choices.get(new, new)
            rows.append((label, _text(old), _text(new)))
        change.rows = rows  # type: ignore[attr-defined]
    return changes


def _field(model: type[Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _named(value: Any, names: dict[Any, str]) -> Any:
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    return names.get(value, value)


def _text(value: Any) -> str:
    """A logged value in words: yes / no for a flag, a local time for a moment."""
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and "T" in value:
        moment = parse_datetime(value)  # the log keeps moments as ISO 8601
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(value)


def changes_visible_to(person: Any) -> QuerySet[Change]:
    """Admins read the change log: org admins all of it; other admins the changes of plans they
    see or own (with their elements and milestones, deleted ones too), of the units they
    administer, and of those units' people and memberships."""
    from waymark.org.models import Membership, Person, Unit
    from waymark.plans.models import Element, Milestone, Plan
    from waymark.plans.selectors import plans_visible_to

    access = get_access(person)
    if not access.is_any_admin:
        return Change.objects.none()
    if access.is_org_admin:
        return Change.objects.all()
    plans = Plan.all_objects.filter(
        Q(pk__in=plans_visible_to(person).values("pk")) | access.unit_q("owner_unit__")
    ).values("pk")
    elements = Element.all_objects.filter(plan__in=plans).values("pk")
    milestones = Milestone.all_objects.filter(element__plan__in=plans).values("pk")
    admin_units = Unit.objects.filter(access.unit_q(minimum=Role.ADMIN)).values("pk")
    people = (
        Membership.objects.filter(unit__in=admin_units).values("person_id").distinct().order_by()
    )
    ct = ContentType.objects.get_for_models(Plan, Element, Milestone, Unit, Person, Membership)
    return Change.objects.filter(
        Q(object_type=ct[Plan], object_id__in=plans)
        | Q(object_type=ct[Element], object_id__in=elements)
        | Q(object_type=ct[Milestone], object_id__in=milestones)
        | Q(object_type=ct[Unit], object_id__in=admin_units)
        | Q(object_type=ct[Person], object_id__in=people)
        | Q(object_type=ct[Membership], related_type=ct[Person], related_id__in=people)
    )


def trash_for(person: Any) -> dict[str, list[Any]]:
    """Deleted plans, elements and milestones the person may restore (one row per deletion)."""
    from waymark.plans.models import Element, Milestone, Plan

    access = get_access(person)
    managed = access.unit_q("owner_unit__", minimum=Role.MANAGER)
    plans = list(
        Plan.all_objects.filter(managed, deleted_at__isnull=False)
        .select_related("owner_unit", "deleted_by")
        .order_by("-deleted_at")
    )
    live_plans = Plan.objects.filter(managed)
    elements = [
        e
        for e in Element.all_objects.filter(plan__in=live_plans, deleted_at__isnull=False)
        .select_related("plan", "parent", "deleted_by")
        .order_by("-deleted_at", "sort_key")
        # the top of each deleted subtree; its children come back with it
        if e.parent is None or e.parent.deletion_batch != e.deletion_batch
    ]
    milestones = list(
        Milestone.all_objects.filter(
            element__plan__in=live_plans, element__deleted_at__isnull=True, deleted_at__isnull=False
        )
        .select_related("element", "element__plan", "deleted_by")
        .order_by("-deleted_at")
    )
    return {"plans": plans, "elements": elements, "milestones": milestones}


# -- dashboards: the organisation home and "my work" -------------------------------------------
# Each read takes a fixed number of queries, whatever the number of plans, elements or changes.
SOON_DAYS = 30  # milestones "due soon" fall within this many days
CHANGES_DAYS = 7  # "what changed since last week"


@dataclass
class Shortlist:
    """How many there are, and the first few of them."""

    count: int
    items: list[Any]

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


def _shortlist(queryset: QuerySet[Any], limit: int) -> Shortlist:
    """Two queries: the count and the first `limit` rows."""
    return Shortlist(count=queryset.count(), items=list(queryset[:limit]))


def active_plans_visible_to(person: Any) -> QuerySet[Any]:
    from waymark.plans.models import Plan
    from waymark.plans.selectors import plans_visible_to

    return plans_visible_to(person).filter(state=Plan.State.ACTIVE)


def plans_at_a_glance(person: Any) -> list[Any]:
    """Every active plan the person sees, newest first, each with `percent` (the average percent
    complete of its top-level elements, cancelled ones left out; None when it has none),
    `health_counts` (as `health_counts` gives them), `element_total` and `overdue`. Three
    queries."""
    from waymark.plans.models import Element
    from waymark.plans.selectors import health_counts

    plans = list(
        active_plans_visible_to(person)
        .select_related("owner_unit")
        .order_by("-start_date", "title")
    )
    ids = [p.pk for p in plans]
    top = Q(parent__isnull=True) & ~Q(state=Element.State.CANCELLED)
    figures = {
        row["plan_id"]: row
        for row in Element.objects.filter(plan__in=ids)
        .values("plan_id")
        .annotate(
            total=Count("id"),
            percent=Avg("percent_complete", filter=top),
            overdue=Count("id", filter=Element.overdue_q()),
        )
        .order_by()
    }
    counts = health_counts(ids)
    for plan in plans:
        row = figures.get(plan.pk, {})
        plan.percent = None if row.get("percent") is None else round(row["percent"])
        plan.element_total = row.get("total", 0)
        plan.overdue = row.get("overdue", 0)
        plan.health_counts = counts[plan.pk]
    return plans


def plan_changes_visible_to(person: Any) -> QuerySet[Change]:
    """Changes to the plans the person sees and to what belongs to them, in one query: the plans
    themselves; their elements, indicators and periods (logged against the plan); milestones
    (against their element); targets and measurements (against their indicator). Deleted
    elements and indicators keep their history here."""
    from waymark.indicators.models import Indicator
    from waymark.plans.models import Element, Plan
    from waymark.plans.selectors import plans_visible_to

    plans = plans_visible_to(person).values("pk")
    elements = Element.all_objects.filter(plan__in=plans).values("pk")
    indicators = Indicator.all_objects.filter(plan__in=plans).values("pk")
    ct = ContentType.objects.get_for_models(Plan, Element, Indicator)
    return Change.objects.filter(
        Q(object_type=ct[Plan], object_id__in=plans)
        | Q(related_type=ct[Plan], related_id__in=plans)
        | Q(related_type=ct[Element], related_id__in=elements)
        | Q(related_type=ct[Indicator], related_id__in=indicators)
    )


@dataclass
class RecentChanges:
    since: datetime.datetime
    count: int
    latest: list[Change]


def recent_plan_changes(
    person: Any, *, days: int = CHANGES_DAYS, limit: int = 8, now: datetime.datetime | None = None
) -> RecentChanges:
    """How many changes the plans the person sees had in the last `days` days, and the latest
    `limit` of them, each with `fields`: the names of the fields an update changed. Two
    queries."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    changes = plan_changes_visible_to(person).filter(time__gte=since)
    latest = list(
        changes.select_related("actor", "object_type", "related_type").order_by("-time", "-id")[
            :limit
        ]
    )
    for change in latest:
        model = change.object_type.model_class()
        names = [n for n in change.changed_fields if n not in HIDDEN_CHANGE_FIELDS | {"updated_at"}]
        fields = [_field(model, n) for n in names] if change.action == Change.Action.UPDATE else []
        change.fields = [str(f.verbose_name) for f in fields if f is not None]  # type: ignore[attr-defined]
    return RecentChanges(since=since, count=changes.count(), latest=latest)


def overdue_elements(person: Any, *, limit: int = 10) -> Shortlist:
    """Open elements past their target date in the active plans the person sees, the longest
    overdue first. Two queries."""
    from waymark.plans.models import Element

    overdue = Element.objects.filter(Element.overdue_q(), plan__in=active_plans_visible_to(person))
    return _shortlist(
        overdue.select_related("plan", "responsible_unit", "lead").order_by(
            "target_date", "plan_id", "sort_key"
        ),
        limit,
    )


def milestones_due(
    person: Any,
    *,
    days: int = SOON_DAYS,
    limit: int = 10,
    today: datetime.date | None = None,
    elements: QuerySet[Any] | None = None,
    overdue_too: bool = False,
) -> Shortlist:
    """Milestones not done, due from today to `days` days ahead (and earlier ones too when
    `overdue_too`), of open elements of the active plans the person sees (or of `elements`),
    soonest first. Two queries."""
    from waymark.plans.models import CLOSED_STATES, Element, Milestone

    today = today or timezone.localdate()
    if elements is None:
        elements = Element.objects.filter(plan__in=active_plans_visible_to(person))
    due = Q(due_date__lte=today + datetime.timedelta(days=days))
    if not overdue_too:
        due &= Q(due_date__gte=today)
    milestones = Milestone.objects.filter(
        due,
        done_date__isnull=True,
        element__in=elements.exclude(state__in=CLOSED_STATES),
    )
    return _shortlist(
        milestones.select_related("element", "element__plan").order_by("due_date", "id"), limit
    )


def elements_of(person: Any) -> QuerySet[Any]:
    """Elements the person leads or contributes to, in the plans they see that are not
    archived."""
    from waymark.plans.models import Element, Plan
    from waymark.plans.selectors import plans_visible_to

    through: Any = Element.contributors.through
    contributed = through.objects.filter(person_id=person.pk).values("element_id")
    return Element.objects.filter(
        Q(lead_id=person.pk) | Q(pk__in=contributed),
        plan__in=plans_visible_to(person).exclude(state=Plan.State.ARCHIVED),
    )


def my_open_elements(person: Any, *, limit: int = 50) -> Shortlist:
    """The open elements the person leads or contributes to, the soonest target date first
    (those without one last). Two queries."""
    from waymark.plans.models import CLOSED_STATES

    elements = elements_of(person).exclude(state__in=CLOSED_STATES)
    return _shortlist(
        elements.select_related("plan", "responsible_unit", "lead").order_by(
            F("target_date").asc(nulls_last=True), "plan_id", "sort_key"
        ),
        limit,
    )
