"""Forms for plans, elements and milestones. They shape input; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from waymark.core.forms import VersionField
from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.org.models import Health, Person, Unit
from waymark.plans.models import Element, Milestone, Plan

EM = "\u2003"  # indents tree levels in choice lists


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return EM * obj.depth + obj.name


def live_units() -> QuerySet[Unit]:
    return Unit.objects.filter(archived_at__isnull=True).order_by("path")


def active_people() -> QuerySet[Person]:
    return Person.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class TiersField(forms.CharField):
    """Tiers written as "Goal > Objective > Action"."""

    def prepare_value(self, value: Any) -> Any:
        return " > ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(">")] if text.strip() else []


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Plan.Kind.choices)
    owner_unit = UnitChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    end_date = forms.DateField(label=_("End"), widget=DateInput())
    cadence = forms.ChoiceField(label=_("Reporting cadence"), choices=Plan.Cadence.choices)
    state = forms.ChoiceField(label=_("State"), choices=Plan.State.choices)
    progress_method = forms.ChoiceField(
        label=_("Percent complete"), choices=Plan.Progress.choices, initial=Plan.Progress.MANUAL
    )
    rollup_method = forms.ChoiceField(
        label=_("Health roll-up"),
        choices=Plan.RollUp.choices,
        initial=Plan.RollUp.AVERAGE,
        help_text=_(
            "How an element's health follows from its indicators and the elements beneath."
        ),
    )
    tiers = TiersField(
        label=_("Tiers"),
        initial="Goal > Objective > Action",
        help_text=_(
            "Level names from the top down, separated by “>”, e.g. Goal > Objective > Action > Sub-action."
        ),
    )
    parent = forms.ModelChoiceField(
        label=_("Parent plan"),
        queryset=Plan.objects.none(),
        required=False,
        help_text=_("The higher-level plan this plan serves, if any."),
    )
    vision = forms.CharField(
        label=_("Vision"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    mission = forms.CharField(
        label=_("Mission"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    values = forms.CharField(
        label=_("Values"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = VersionField()

    def __init__(self, *args: Any, user: Any, plan: Plan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from waymark.plans.selectors import plans_visible_to

        access = get_access(user)
        units = live_units().filter(access.unit_q(minimum=Role.MANAGER))
        if plan is not None:
            units = units | Unit.objects.filter(pk=plan.owner_unit_id)
        self.fields["owner_unit"].queryset = units.distinct()  # type: ignore[attr-defined]
        parents = plans_visible_to(user)
        if plan is not None:
            parents = parents.exclude(pk=plan.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class PlanCopyForm(forms.Form):
    title = forms.CharField(label=_("Title of the new plan"), max_length=300)
    shift_years = forms.IntegerField(
        label=_("Shift dates by (years)"),
        initial=1,
        min_value=-10,
        max_value=10,
        help_text=_("Dates of the plan, its elements and milestones move by this many years."),
    )


ELEMENT_FORM_FIELDS = {
    "title": lambda: forms.CharField(label=_("Title"), max_length=500),
    "description": lambda: forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    ),
    "state": lambda: forms.ChoiceField(label=_("State"), choices=Element.State.choices),
    "priority": lambda: forms.ChoiceField(label=_("Priority"), choices=Element.Priority.choices),
    "quick_win": lambda: forms.BooleanField(
        label=_("Quick win"),
        required=False,
        help_text=_("Can show results early; worth doing first."),
    ),
    "percent_complete": lambda: forms.IntegerField(
        # xgettext:no-python-format
        label=_("% complete"),
        min_value=0,
        max_value=100,
    ),
    "health_override": lambda: forms.ChoiceField(
        label=_("Health set by hand"),
        required=False,
        choices=[("", _("— use the computed health —")), *Health.choices],
    ),
    "health_override_reason": lambda: forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you set the health by hand."),
    ),
    "responsible_unit": lambda: UnitChoiceField(
        label=_("Responsible unit"), queryset=live_units(), required=False
    ),
    "lead": lambda: PersonChoiceField(
        label=_("Lead"),
        queryset=active_people(),
        required=False,
        help_text=_("A member of the responsible unit."),
    ),
    "contributors": lambda: PeopleChoiceField(
        label=_("Other contributors"), queryset=active_people(), required=False
    ),
    "start_date": lambda: forms.DateField(
        label=_("Start date"), required=False, widget=DateInput()
    ),
    "target_date": lambda: forms.DateField(
        label=_("Target date"), required=False, widget=DateInput()
    ),
    "completed_date": lambda: forms.DateField(
        label=_("Completed date"), required=False, widget=DateInput()
    ),
    "decision_points": lambda: forms.CharField(
        label=_("Decision points"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    ),
    "resources_needed": lambda: forms.CharField(
        label=_("Resources needed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    ),
    "budget_planned": lambda: forms.DecimalField(
        label=_("Budget planned"),
        required=False,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        localize=True,
    ),
    "budget_spent": lambda: forms.DecimalField(
        label=_("Budget spent"),
        required=False,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        localize=True,
    ),
    "policy_area": lambda: forms.CharField(label=_("Policy area"), required=False, max_length=200),
    "tags": lambda: forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    ),
    "notes": lambda: forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    ),
    "weight": lambda: forms.DecimalField(
        label=_("Weight"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1000),
        decimal_places=2,
        help_text=_("How much it counts in a weighted roll-up of its parent (1 by default)."),
    ),
}

# Fields the tracking grid edits in place.
CELL_FIELDS = (
    "title",
    "state",
    "priority",
    "percent_complete",
    "responsible_unit",
    "lead",
    "start_date",
    "target_date",
    "completed_date",
    "decision_points",
    "budget_planned",
    "budget_spent",
)


class ElementForm(forms.Form):
    version = VersionField()

    def __init__(self, *args: Any, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in only or tuple(ELEMENT_FORM_FIELDS):
            self.fields[name] = ELEMENT_FORM_FIELDS[name]()

    @staticmethod
    def initial_for(element: Element) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(element, name)
            for name in ELEMENT_FORM_FIELDS
            if name not in ("contributors", "tags", "lead", "responsible_unit")
        }
        initial["lead"] = element.lead_id
        initial["responsible_unit"] = element.responsible_unit_id
        initial["tags"] = ", ".join(element.tags or [])
        if element.pk:
            initial["contributors"] = [p.pk for p in element.contributors.all()]
        initial["version"] = element.version
        return initial

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if "tags" in data:
            data["tags"] = [t.strip() for t in (data["tags"] or "").split(",") if t.strip()]
        if "percent_complete" in data and data["percent_complete"] is None:
            data["percent_complete"] = 0
        if "weight" in data and data["weight"] is None:
            data["weight"] = Decimal(1)
        return data


def raw_value(element: Element, field: str) -> str:
    """The element's current value as a form would post it (for undo)."""
    value = getattr(element, f"{field}_id" if field in ("lead", "responsible_unit") else field)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class ElementMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("New parent"),
        queryset=Element.objects.none(),
        required=False,
        empty_label=_("— top level —"),
    )
    position = forms.IntegerField(
        label=_("Position among its siblings"),
        min_value=1,
        required=False,
        help_text=_("1 puts it first; leave empty to put it last."),
    )
    version = VersionField()

    def __init__(self, *args: Any, element: Element, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (  # type: ignore[attr-defined]
            Element.objects.filter(plan=element.plan, depth__lt=len(element.plan.tiers))
            .exclude(pk=element.pk)
            .exclude(sort_key__startswith=element.sort_key + ".")
        )
        parent_field: Any = self.fields["parent"]
        parent_field.label_from_instance = lambda e: f"{EM * (e.depth - 1)}{e.code} {e.title[:80]}"


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    done_date = forms.DateField(label=_("Done date"), required=False, widget=DateInput())
    decision = forms.CharField(
        label=_("Decision recorded"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField()

    @staticmethod
    def initial_for(m: Milestone) -> dict[str, Any]:
        return {
            "title": m.title,
            "due_date": m.due_date,
            "done_date": m.done_date,
            "decision": m.decision,
            "version": m.version,
        }

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
