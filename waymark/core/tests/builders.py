"""Small helpers for the service tests, on top of the shared cast in waymark/core/testing.py."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from waymark.core.models import Change
from waymark.org.models import Unit
from waymark.plans.models import Element, Plan


def changes_of(obj: models.Model, action: str | None = None) -> list[Change]:
    """The change entries of one object, oldest first."""
    qs = Change.objects.filter(
        object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).order_by("time", "id")
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs)


def row(obj: models.Model) -> dict[str, Any]:
    """The stored row of an object, whatever the object in memory holds."""
    return type(obj)._base_manager.filter(pk=obj.pk).values().get()


def outline(plan: Plan) -> list[tuple[str, str]]:
    """(code, title) of the plan's live elements in tree order."""
    return list(Element.objects.filter(plan=plan).order_by("sort_key").values_list("code", "title"))


def make_root_unit(pk: int, name: str) -> Unit:
    """A top-level unit with a chosen id (to build paths such as /7/ and /71/)."""
    return Unit.objects.create(pk=pk, name=name, path=f"/{pk}/", depth=0)
