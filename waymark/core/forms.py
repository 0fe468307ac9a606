"""Form plumbing shared by every app: run a service and show its errors in the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

from waymark.core.exceptions import ConflictError

T = TypeVar("T")


def run_service(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Call a service; on a validation error or conflict, attach it to the form and return None.

    Errors keyed by a field the form shows land on that field; the rest at the top.
    """
    try:
        return call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        else:
            form.add_error(None, exc)
    except ConflictError as exc:
        form.add_error(None, str(exc))
        form.conflict = exc  # type: ignore[attr-defined]
    return None


class VersionField(forms.IntegerField):
    """The version the writer loaded, sent back so a concurrent edit is detected."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
