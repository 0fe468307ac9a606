"""Who may see and do what. One `Access` per person per request; every view and service asks it.

A role in a unit applies to that unit and every unit below it. A superuser is an admin everywhere.
"""

from __future__ import annotations

from functools import cached_property, reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from waymark.core.roles import ROLE_RANK, Role, at_least, highest

if TYPE_CHECKING:
    from waymark.org.models import Unit


class Access:
    def __init__(self, person: Any) -> None:
        from waymark.org.models import Membership

        self.person = person
        self.authenticated = bool(person and person.is_authenticated and person.is_active)
        self.is_superuser = self.authenticated and bool(person.is_superuser)
        self.direct: dict[int, str] = {}
        self.paths: dict[int, str] = {}
        self._top_unit_ids: set[int] | None = None
        if self.authenticated:
            rows = Membership.objects.filter(
                person_id=person.pk, unit__archived_at__isnull=True
            ).values_list("unit_id", "unit__path", "role")
            for unit_id, path, role in rows:
                self.direct[unit_id] = role
                self.paths[unit_id] = path

    # -- roles -------------------------------------------------------------
    def role(self, unit: Unit | None) -> str | None:
        if unit is None or not self.authenticated:
            return None
        if self.is_superuser:
            return Role.ADMIN
        return highest(*(self.direct.get(i) for i in unit.ancestor_ids))

    def has(self, unit: Unit | None, minimum: str) -> bool:
        return at_least(self.role(unit), minimum)

    @cached_property
    def is_org_admin(self) -> bool:
        """Admin of every top-level unit (or a superuser): may change organisation-wide settings.

        An installation may hold several top-level units (a city and an agency it hosts); an
        admin of one of them is not an admin of the others' organisation settings.
        """
        if self.is_superuser:
            return True
        top = [
            uid
            for uid, role in self.direct.items()
            if role == Role.ADMIN and self.paths[uid].count("/") == 2
        ]
        if not top:
            return False
        if self._top_unit_ids is None:
            from waymark.org.models import Unit

            self._top_unit_ids = set(
                Unit.objects.filter(parent__isnull=True, archived_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
        return self._top_unit_ids <= set(top)

    @property
    def is_any_admin(self) -> bool:
        return self.is_superuser or Role.ADMIN in self.direct.values()

    @property
    def is_any_manager(self) -> bool:
        return self.is_superuser or any(
            ROLE_RANK[r] >= ROLE_RANK[Role.MANAGER] for r in self.direct.values()
        )

    # -- querysets ---------------------------------------------------------
    def unit_q(self, prefix: str = "", minimum: str = Role.VIEWER) -> Q:
        """Q matching units (through `prefix`, e.g. "owner_unit__") where the role is >= minimum."""
        if self.is_superuser:
            return ~Q(pk__in=[])  # always true, and stays true when OR-ed with other terms
        paths = [self.paths[uid] for uid, role in self.direct.items() if at_least(role, minimum)]
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))

    @property
    def ancestor_unit_ids(self) -> set[int]:
        ids: set[int] = set()
        for path in self.paths.values():
            ids.update(int(p) for p in path.strip("/").split("/") if p)
        return ids

    # -- guards ------------------------------------------------------------
    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied


def get_access(person: Any) -> Access:
    """The person's Access, computed once and cached on the person object."""
    cached = getattr(person, "_waymark_access", None)
    if cached is None:
        cached = Access(person)
        if person is not None and person.is_authenticated:
            person._waymark_access = cached
    return cached


def visible_or_404(allowed: bool) -> None:
    """Objects a person may not see do not exist for them."""
    if not allowed:
        raise Http404
