"""Forms for indicators, targets, measurements and periods. They shape input; the services
decide (every rule lives there, so the API and the pages refuse the same things)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waymark.core.forms import VersionField
from waymark.indicators.models import Dimension, Indicator, Measurement, Period
from waymark.indicators.services import plain_number
from waymark.org.forms import health_rules, thresholds
from waymark.org.models import Person, Unit
from waymark.plans.forms import (
    DateInput,
    PeopleChoiceField,
    UnitChoiceField,
    active_people,
    live_units,
)
from waymark.plans.models import Element


class ElementsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"[:120]


class ElementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"[:90]


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "\u2003" * obj.depth + obj.name


class IndicatorsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"[:120]


class LevelsField(forms.CharField):
    """Ordinal levels written one per line, lowest first."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class IndicatorForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("e.g. 1.1.a"))
    title = forms.CharField(label=_("Title"), max_length=300)
    elements = ElementsField(
        label=_("Serves the elements"), queryset=Element.objects.none(), required=False
    )
    definition = forms.CharField(
        label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    rationale = forms.CharField(
        label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    measure_type = forms.ChoiceField(label=_("Measure type"), choices=Indicator.MeasureType.choices)
    unit_of_measure = forms.CharField(
        label=_("Unit of measure"),
        max_length=60,
        required=False,
        help_text=_("e.g. officials, days"),
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("For currency indicators.")
    )
    scale_levels = LevelsField(
        label=_("Scale levels"),
        required=False,
        help_text=_("For ordinal scales: one level per line, lowest first."),
    )
    numerator_at_most_denominator = forms.BooleanField(
        label=_("The numerator can never exceed the denominator"), required=False, initial=True
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    band_low = forms.CharField(label=_("Band from"), required=False)
    band_high = forms.CharField(label=_("Band to"), required=False)
    baseline_value = forms.CharField(label=_("Baseline"), required=False)
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DateInput())
    baseline_comment = forms.CharField(label=_("Baseline comment"), required=False)
    baseline_not_available = forms.BooleanField(label=_("No baseline available"), required=False)
    target_value = forms.CharField(label=_("Life-of-plan target"), required=False)
    frequency = forms.ChoiceField(
        label=_("Reporting frequency"), choices=Indicator.Frequency.choices
    )
    aggregation = forms.ChoiceField(
        label=_("Aggregation over time"), choices=Indicator.AggregationRule.choices
    )
    cumulative = forms.BooleanField(
        label=_("Cumulative: each report is a running total (the latest value counts)"),
        required=False,
    )
    data_owners = PeopleChoiceField(
        label=_("Data owners"), queryset=Person.objects.none(), required=False
    )
    reporting_units = UnitsField(
        label=_("Reporting units"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Each reports its own value; none means the plan's owner unit reports."),
    )
    dimensions = forms.ModelMultipleChoiceField(
        label=_("Disaggregated by"), queryset=Dimension.objects.all(), required=False
    )
    data_source = forms.CharField(label=_("Data source"), max_length=300, required=False)
    means_of_verification = forms.CharField(
        label=_("Means of verification"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    collection_method = forms.CharField(
        label=_("Collection method"), max_length=300, required=False
    )
    calculation = forms.ChoiceField(
        label=_("Calculation"), choices=Indicator.Calculation.choices, required=False
    )
    numerator_of = IndicatorsField(
        label=_("Numerator (or the terms of the sum)"),
        queryset=Indicator.objects.none(),
        required=False,
    )
    denominator_of = IndicatorsField(
        label=_("Denominator"), queryset=Indicator.objects.none(), required=False
    )
    health_basis = forms.ChoiceField(
        label=_("Health from"),
        choices=Indicator.HealthBasis.choices,
        initial=Indicator.HealthBasis.TARGET,
        required=False,
        help_text=_("Pace needs a baseline and a life-of-plan target."),
    )
    on_track_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("On track from (% of target met)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("Empty: the organisation's rule."),
    )
    at_risk_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("At risk from (% of target met)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("Below it: off track."),
    )
    reason = forms.CharField(
        label=_("Reason for changing the baseline or target"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed once the indicator has data; the old value stays visible."),
    )
    version = VersionField()

    def __init__(self, *args: Any, plan: Any, indicator: Indicator | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["elements"].queryset = Element.objects.filter(plan=plan)  # type: ignore[attr-defined]
        self.fields["data_owners"].queryset = active_people()  # type: ignore[attr-defined]
        self.fields["reporting_units"].queryset = live_units()  # type: ignore[attr-defined]
        others = Indicator.objects.filter(plan=plan)
        if indicator is not None:
            others = others.exclude(pk=indicator.pk)
        self.fields["numerator_of"].queryset = others  # type: ignore[attr-defined]
        self.fields["denominator_of"].queryset = others  # type: ignore[attr-defined]
        if indicator is None:
            del self.fields["reason"]

    @staticmethod
    def initial_for(indicator: Indicator) -> dict[str, Any]:
        from waymark.indicators.services import INDICATOR_FIELDS, INDICATOR_M2M

        data: dict[str, Any] = {k: getattr(indicator, k) for k in INDICATOR_FIELDS}
        for key in INDICATOR_M2M:
            data[key] = [o.pk for o in getattr(indicator, key).all()]
        for key in ("band_low", "band_high", "baseline_value", "target_value"):
            data[key] = plain_number(data[key])  # 35, not the stored 35.0000
        data["version"] = indicator.version
        data.update(thresholds(indicator.health_rules))
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("version", "reason"):
            data.pop(key, None)
        data["health_rules"] = health_rules(data.pop("on_track_from"), data.pop("at_risk_from"))
        data["calculation"] = data.get("calculation") or ""
        data["health_basis"] = data.get("health_basis") or Indicator.HealthBasis.TARGET
        return data


class TargetsForm(forms.Form):
    """One target per period, and the reason when the indicator already has data."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed once the indicator has data; the old targets stay visible."),
    )

    def __init__(self, *args: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.periods = periods
        for period in periods:
            self.fields[f"target_{period.pk}"] = forms.CharField(
                label=period.label,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    def period_fields(self) -> list[tuple[Period, Any]]:
        return [(p, self[f"target_{p.pk}"]) for p in self.periods]

    def targets(self) -> dict[Period, Any]:
        return {p: self.cleaned_data.get(f"target_{p.pk}") for p in self.periods}


class MeasurementForm(forms.Form):
    """One value with everything that goes with it: breakdown, evidence, comment."""

    value = forms.CharField(label=_("Value"), required=False)
    denominator = forms.CharField(label=_("Denominator"), required=False)
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    date_collected = forms.DateField(label=_("Date collected"), required=False, widget=DateInput())
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("PDF, document, spreadsheet or image, up to 10 MB."),
    )
    evidence_link = forms.CharField(label=_("Evidence link"), required=False)
    version = VersionField()

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        kind = indicator.measure_type
        if kind == Indicator.MeasureType.PERCENTAGE:
            self.fields["value"].label = _("Numerator")
        else:
            del self.fields["denominator"]
        if kind == Indicator.MeasureType.QUALITATIVE:
            del self.fields["value"]
        else:
            del self.fields["text"]
        if kind == Indicator.MeasureType.YES_NO:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"),
                required=False,
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
            )
        elif kind == Indicator.MeasureType.ORDINAL:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"),
                required=False,
                choices=[("", "—")]
                + [(str(i), level) for i, level in enumerate(indicator.scale_levels, 1)],
            )
        self.dimensions = list(indicator.dimensions.all())
        for dimension in self.dimensions:
            for category in dimension.categories:
                self.fields[self.breakdown_name(dimension, category)] = forms.CharField(
                    label=category,
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
                if indicator.is_ratio:
                    label = _("%(category)s: denominator") % {"category": category}
                    self.fields[self.breakdown_name(dimension, category, "d")] = forms.CharField(
                        label=label,
                        required=False,
                        widget=forms.TextInput(attrs={"inputmode": "decimal", "aria-label": label}),
                    )

    @staticmethod
    def breakdown_name(dimension: Dimension, category: str, part: str = "n") -> str:
        return f"bd-{dimension.pk}-{dimension.categories.index(category)}-{part}"

    def breakdown_groups(self) -> list[tuple[Dimension, list[tuple[Any, Any]]]]:
        groups = []
        for dimension in self.dimensions:
            rows = []
            for category in dimension.categories:
                d = self.breakdown_name(dimension, category, "d")
                rows.append(
                    (
                        self[self.breakdown_name(dimension, category)],
                        self[d] if d in self.fields else None,
                    )
                )
            groups.append((dimension, rows))
        return groups

    def main_fields(self) -> list[Any]:
        return [self[k] for k in self.fields if not k.startswith("bd-") and k != "version"]

    @staticmethod
    def initial_for(indicator: Indicator, measurement: Measurement | None) -> dict[str, Any]:
        if measurement is None:
            return {"version": 0}  # a value entered meanwhile by someone else is a conflict
        data: dict[str, Any] = {
            "value": display_input(indicator, measurement),
            "denominator": plain_number(measurement.denominator),
            "text": measurement.text,
            "date_collected": measurement.date_collected,
            "comment": measurement.comment,
            "evidence_link": measurement.evidence_link,
            "version": measurement.version,
        }
        for dimension in indicator.dimensions.all():
            cells = (measurement.breakdown or {}).get(dimension.name, {})
            for category in dimension.categories:
                cell = cells.get(category) or {}
                data[MeasurementForm.breakdown_name(dimension, category)] = cell.get("value", "")
                data[MeasurementForm.breakdown_name(dimension, category, "d")] = cell.get(
                    "denominator", ""
                )
        return data

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if not k.startswith("bd-") and k not in ("version", "evidence_file")
        }
        if self.cleaned_data.get("evidence_file"):
            data["evidence_file"] = self.cleaned_data["evidence_file"]
        breakdown: dict[str, dict[str, dict[str, Any]]] = {}
        for dimension in self.dimensions:
            for category in dimension.categories:
                value = self.cleaned_data.get(self.breakdown_name(dimension, category))
                if value in (None, ""):
                    continue
                cell = {"value": value}
                denominator = self.cleaned_data.get(self.breakdown_name(dimension, category, "d"))
                if denominator not in (None, ""):
                    cell["denominator"] = denominator
                breakdown.setdefault(dimension.name, {})[category] = cell
        data["breakdown"] = breakdown
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("What must be corrected"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = VersionField()


class UnlockForm(forms.Form):
    until = forms.DateTimeField(
        label=_("Unlocked until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = VersionField()


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in template (.xlsx)"))
    submit = forms.BooleanField(
        label=_("Submit the values for approval (otherwise they are saved as drafts)"),
        required=False,
    )


class IpttFilterForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Columns"),
        choices=[("", _("Automatic")), *list(Indicator.Frequency.choices)],
        required=False,
    )
    unit = UnitChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    element = ElementChoiceField(
        label=_("Element"),
        queryset=Element.objects.none(),
        required=False,
        empty_label=_("All elements"),
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, plan: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["element"].queryset = Element.objects.filter(plan=plan)  # type: ignore[attr-defined]


def display_input(indicator: Indicator, measurement: Measurement | None) -> str:
    """The stored value as a person would type it back into a form."""
    if measurement is None:
        return ""
    if indicator.measure_type == Indicator.MeasureType.QUALITATIVE:
        return measurement.text
    if measurement.value is None:
        return ""
    if indicator.measure_type == Indicator.MeasureType.YES_NO:
        return "yes" if measurement.value else "no"
    if indicator.measure_type == Indicator.MeasureType.ORDINAL:
        return str(int(measurement.value))
    return plain_number(measurement.value)
