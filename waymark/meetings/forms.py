"""Forms of the action item tracker: a note, a status change, a manager's edit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from waymark.core.forms import VersionField
from waymark.meetings.models import ActionItem
from waymark.org.models import Person

TEXTAREA = {"rows": 3}


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What has been done, what is in the way, what comes next."),
    )


class StatusForm(forms.Form):
    """Done (the note is the outcome), cancelled (the note is the reason) or open again."""

    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    version = VersionField()


class ActionItemEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    details = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    expected_outcome = forms.CharField(
        label=_("Expected outcome"), widget=forms.Textarea(attrs=TEXTAREA), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    version = VersionField()

    def __init__(self, *args: Any, item: ActionItem, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        # Active people the editor sees, and the present owner even when they are not.
        field.queryset = Person.objects.filter(
            Q(pk__in=people.values("pk"), is_active=True) | Q(pk=item.owner_id)
        ).order_by("first_name", "last_name", "username")
        field.label_from_instance = lambda p: p.name

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
