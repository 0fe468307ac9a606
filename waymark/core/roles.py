"""Roles a person holds in a unit; a role applies to the unit and every unit below it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    CONTRIBUTOR = "contributor", _("Contributor")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


ROLE_RANK = {"viewer": 1, "contributor": 2, "manager": 3, "admin": 4}


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def highest(*roles: str | None) -> str | None:
    present = [r for r in roles if r]
    return max(present, key=ROLE_RANK.__getitem__) if present else None
