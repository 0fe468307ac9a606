"""Reads for the organisation: which units and people a person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from waymark.core.permissions import get_access
from waymark.org.models import Membership, Person, Unit


def units_visible_to(person: Any) -> QuerySet[Unit]:
    """Units where the person holds a role (with everything below them), and their ancestors."""
    access = get_access(person)
    if not access.authenticated:
        return Unit.objects.none()
    if access.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(access.unit_q() | Q(pk__in=sorted(access.ancestor_unit_ids)))


def people_visible_to(person: Any) -> QuerySet[Person]:
    """The person, and everyone with a role in a unit of the person's subtrees."""
    access = get_access(person)
    if not access.authenticated:
        return Person.objects.none()
    if access.is_superuser:
        return Person.objects.all()
    members = Membership.objects.filter(access.unit_q("unit__")).values("person_id")
    return Person.objects.filter(Q(pk__in=members) | Q(pk=person.pk))
