from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from waymark.core.forms import VersionField
from waymark.core.roles import Role
from waymark.org.models import Health, Person, Unit
from waymark.plans.forms import PersonChoiceField, UnitChoiceField

LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml", "image/webp"}
LOGO_MAX_BYTES = 1024 * 1024


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=40,
        required=False,
        help_text=_("Shown in tight places such as the grid, e.g. GAD."),
    )
    version = VersionField()


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(
        label=_("New parent unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— top level —"),
    )
    version = VersionField()

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Unit.objects.filter(archived_at__isnull=True).exclude(  # type: ignore[attr-defined]
            path__startswith=unit.path
        )


class MembershipForm(forms.Form):
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.filter(is_active=True))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        help_text=_("The role applies to this unit and every unit below it."),
    )


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"), help_text=_("We send a link to set a password here.")
    )
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Browser's language")), *settings.LANGUAGES],
        required=False,
    )
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CONTRIBUTOR)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    version = VersionField()

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"))
    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Browser's language")), *settings.LANGUAGES],
        required=False,
    )


MONTHS = [
    (i, _(name))
    for i, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
]


VOCABULARY_ROWS = 6


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    logo = forms.FileField(
        label=_("Logo"), required=False, help_text=_("PNG, JPEG, WebP or SVG, up to 1 MB.")
    )
    default_currency = forms.CharField(
        label=_("Default currency"), max_length=3, help_text=_("ISO 4217 code, e.g. MNT, USD, EUR.")
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"), choices=MONTHS, coerce=int
    )
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("e.g. Asia/Ulaanbaatar")
    )
    grace_days = forms.IntegerField(
        label=_("Grace days for indicator data"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("Days after a period ends during which late data is still accepted."),
    )
    allow_self_approval = forms.BooleanField(
        label=_("People may approve the data they submitted themselves"), required=False
    )
    on_track_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("An indicator is on track from (% of target met)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("100 by default."),
    )
    at_risk_from = forms.DecimalField(
        # xgettext:no-python-format
        label=_("An indicator is at risk from (% of target met)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("85 by default; below it, off track."),
    )
    reminders_enabled = forms.BooleanField(
        label=_("Send reminders"),
        required=False,
        help_text=_("Off: nobody is reminded or escalated to; mail already queued is still sent."),
    )
    reminder_days_before = forms.CharField(
        label=_("Remind this many days before the due date"),
        max_length=60,
        required=False,
        help_text=_("Whole numbers separated by commas, e.g. 7, 1. Empty: no reminder before."),
    )
    remind_on_due_date = forms.BooleanField(label=_("Remind on the due date"), required=False)
    reminder_days_after = forms.IntegerField(
        label=_("Remind this many days after the due date"),
        required=False,
        min_value=0,
        max_value=90,
        help_text=_("0: no reminder after the due date."),
    )
    escalation_days = forms.IntegerField(
        label=_("Tell the unit's manager this many days after the due date"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("0: never. The managers of the unit responsible are told what is late."),
    )
    version = VersionField()

    REMINDER_FIELDS = (
        "reminders_enabled",
        "reminder_days_before",
        "remind_on_due_date",
        "reminder_days_after",
        "escalation_days",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.REMINDER_FIELDS:  # the help below each field is read with it
            if self.fields[name].help_text:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-help"
        for key, label in Health.choices:
            self.fields[f"health_{key}_label"] = forms.CharField(
                label=_("Label for “%s”") % label, max_length=40, required=False
            )
            self.fields[f"health_{key}_colour"] = forms.CharField(
                label=_("Colour for “%s”") % label,
                max_length=7,
                required=False,
                widget=forms.TextInput(attrs={"type": "color"}),
            )
        from waymark.plans.models import Element

        for i in range(VOCABULARY_ROWS):
            n = i + 1
            word, colour = _("Status word %d") % n, _("Colour of status word %d") % n
            self.fields[f"vocab_{i}_label"] = forms.CharField(
                label=word,
                max_length=40,
                required=False,
                widget=forms.TextInput(attrs={"aria-label": word}),
            )
            self.fields[f"vocab_{i}_colour"] = forms.CharField(
                label=colour,
                max_length=7,
                required=False,
                initial="#6b7280",
                widget=forms.TextInput(attrs={"type": "color", "aria-label": colour}),
            )
            self.fields[f"vocab_{i}_states"] = forms.MultipleChoiceField(
                label=_("States shown as status word %d") % n,
                choices=Element.State.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"vocab_{i}_healths"] = forms.MultipleChoiceField(
                label=_("Healths shown as status word %d") % n,
                choices=Health.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is larger than 1 MB."))
        head = logo.read(512)
        logo.seek(0)
        sniffed = (
            "image/png"
            if head.startswith(b"\x89PNG")
            else "image/jpeg"
            if head.startswith(b"\xff\xd8")
            else "image/webp"
            if head[8:12] == b"WEBP"
            else "image/svg+xml"
            if b"<svg" in head.lower()
            else ""
        )
        if sniffed not in LOGO_TYPES:
            raise forms.ValidationError(_("Upload a PNG, JPEG, WebP or SVG image."))
        return logo

    @property
    def reminder_names(self) -> tuple[str, ...]:
        return self.REMINDER_FIELDS

    def reminder_fields(self) -> list[Any]:
        return [self[name] for name in self.REMINDER_FIELDS]

    def vocabulary_rows(self) -> list[list[Any]]:
        return [
            [self[f"vocab_{i}_{part}"] for part in ("label", "colour", "states", "healths")]
            for i in range(VOCABULARY_ROWS)
        ]

    def service_data(self) -> dict[str, Any]:
        data = {
            k: self.cleaned_data[k]
            for k in (
                "name",
                "default_currency",
                "fiscal_year_start_month",
                "time_zone",
                "allow_self_approval",
            )
        }
        if self.cleaned_data.get("grace_days") is not None:
            data["grace_days"] = self.cleaned_data["grace_days"]
        data["reminders_enabled"] = self.cleaned_data.get("reminders_enabled", False)
        data["remind_on_due_date"] = self.cleaned_data.get("remind_on_due_date", False)
        data["reminder_days_before"] = self.cleaned_data.get("reminder_days_before", "")
        for name in ("reminder_days_after", "escalation_days"):
            if self.cleaned_data.get(name) is not None:
                data[name] = self.cleaned_data[name]
        data["status_vocabulary"] = [
            {
                "label": self.cleaned_data.get(f"vocab_{i}_label", ""),
                "colour": self.cleaned_data.get(f"vocab_{i}_colour", ""),
                "states": self.cleaned_data.get(f"vocab_{i}_states", []),
                "healths": self.cleaned_data.get(f"vocab_{i}_healths", []),
            }
            for i in range(VOCABULARY_ROWS)
        ]
        data["health_rules"] = health_rules(
            self.cleaned_data.get("on_track_from"), self.cleaned_data.get("at_risk_from")
        )
        if self.cleaned_data.get("logo"):
            data["logo"] = self.cleaned_data["logo"]
        data["health_styles"] = {
            key: {
                "label": self.cleaned_data.get(f"health_{key}_label", ""),
                "colour": self.cleaned_data.get(f"health_{key}_colour", ""),
            }
            for key in Health.values
        }
        return data


def health_rules(on_track: Decimal | None, at_risk: Decimal | None) -> list[dict[str, str]]:
    """Two thresholds as rules (first match wins); none given: the defaults."""
    if on_track is None and at_risk is None:
        return []
    return [
        {"health": "on_track", "at_least": str(100 if on_track is None else on_track)},
        {"health": "at_risk", "at_least": str(85 if at_risk is None else at_risk)},
    ]


def thresholds(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The two thresholds of stored rules, for a form's initial values."""
    found = {rule.get("health"): rule.get("at_least") for rule in rules or []}
    return {"on_track_from": found.get("on_track"), "at_risk_from": found.get("at_risk")}


def vocabulary_initial(categories: list[dict[str, Any]]) -> dict[str, Any]:
    """Stored status words as the settings form's initial values."""
    initial: dict[str, Any] = {}
    for i, category in enumerate((categories or [])[:VOCABULARY_ROWS]):
        initial[f"vocab_{i}_label"] = category.get("label", "")
        initial[f"vocab_{i}_colour"] = category.get("colour") or "#6b7280"
        initial[f"vocab_{i}_states"] = category.get("states", [])
        initial[f"vocab_{i}_healths"] = category.get("healths", [])
    return initial
