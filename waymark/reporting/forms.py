"""Forms of the reporting pages: a progress update, the schedule, returning an update."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.core.forms import VersionField
from waymark.org.models import Health
from waymark.plans.models import Plan

TEXTAREA = {"rows": 3}


class ProgressUpdateForm(forms.Form):
    health = forms.ChoiceField(label=_("Health"), choices=Health.choices)
    percent_complete = forms.IntegerField(
        # xgettext:no-python-format
        label=_("% complete"),
        required=False,
        min_value=0,
        max_value=100,
    )
    narrative = forms.CharField(
        label=_("Progress"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
        help_text=_("What was done this period."),
    )
    challenges = forms.CharField(
        label=_("Challenges"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    solutions = forms.CharField(
        label=_("Solutions or actions taken"),
        widget=forms.Textarea(attrs=TEXTAREA),
        required=False,
    )
    successes = forms.CharField(
        label=_("Successes"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    next_steps = forms.CharField(
        label=_("Next steps"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    support_needed = forms.CharField(
        label=_("Support needed"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    version = VersionField()

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What must be changed"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    version = VersionField()


class ScheduleForm(forms.Form):
    due_days = forms.IntegerField(
        label=_("Lowest tier due, days after the period ends"), min_value=0, max_value=365
    )
    tier_step_days = forms.IntegerField(
        label=_("Each tier above, due this many days later"), min_value=0, max_value=365
    )
    grace_days = forms.IntegerField(
        label=_("Grace days after the due date"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=_("Empty: the organisation's grace days."),
    )
    reporting_tiers = forms.TypedMultipleChoiceField(
        label=_("Tiers that report"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: every tier reports."),
    )
    version = VersionField()

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["reporting_tiers"]
        field.choices = [(i, name) for i, name in enumerate(plan.tiers or [], start=1)]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
