"""Access: roles inherited down the unit tree, the highest role winning, and subtree queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.utils import timezone

from waymark.core.permissions import Access, get_access
from waymark.core.roles import Role
from waymark.core.testing import Cast, make_person
from waymark.core.tests.builders import make_root_unit
from waymark.org.models import Membership, Unit
from waymark.org.services import membership_set, unit_create
from waymark.plans.models import Plan


@pytest.fixture
def division(cast: Cast) -> Unit:
    """A unit below dept: Governor's Office > Department of Administration > Archives."""
    return unit_create(actor=cast.admin, name="Archives", parent=cast.dept)


def visible_units(access: Access, minimum: str = Role.VIEWER) -> set[str]:
    return set(Unit.objects.filter(access.unit_q(minimum=minimum)).values_list("name", flat=True))


# -- roles -------------------------------------------------------------------------------------
def test_a_role_applies_to_the_unit_and_every_unit_below_it(cast: Cast, division: Unit) -> None:
    access = Access(cast.manager)
    assert access.role(cast.dept) == Role.MANAGER
    assert access.role(division) == Role.MANAGER
    assert access.role(cast.root) is None
    assert access.role(cast.other) is None


def test_an_admin_of_the_root_is_admin_everywhere_below(cast: Cast, division: Unit) -> None:
    access = Access(cast.admin)
    for unit in (cast.root, cast.dept, cast.other, division):
        assert access.role(unit) == Role.ADMIN


def test_the_highest_role_wins_wherever_it_comes_from(cast: Cast, division: Unit) -> None:
    person = make_person("mixed", cast.root, Role.VIEWER)
    Membership.objects.create(person=person, unit=cast.dept, role=Role.MANAGER)
    Membership.objects.create(person=person, unit=division, role=Role.CONTRIBUTOR)
    access = Access(person)
    assert access.role(cast.root) == Role.VIEWER
    assert access.role(cast.other) == Role.VIEWER
    assert access.role(cast.dept) == Role.MANAGER
    assert access.role(division) == Role.MANAGER  # the inherited manager beats the contributor


def test_a_lower_role_below_does_not_lower_an_inherited_one(cast: Cast) -> None:
    Membership.objects.create(person=cast.admin, unit=cast.dept, role=Role.VIEWER)
    assert Access(cast.admin).role(cast.dept) == Role.ADMIN


def test_has_compares_against_a_minimum_role(cast: Cast) -> None:
    access = Access(cast.contributor)
    assert access.has(cast.dept, Role.VIEWER)
    assert access.has(cast.dept, Role.CONTRIBUTOR)
    assert not access.has(cast.dept, Role.MANAGER)
    assert not access.has(cast.other, Role.VIEWER)
    assert not access.has(None, Role.VIEWER)


def test_a_superuser_is_admin_everywhere_without_a_membership(cast: Cast) -> None:
    boss = make_person("boss", is_superuser=True)
    access = Access(boss)
    assert access.role(cast.other) == Role.ADMIN
    assert access.is_org_admin
    assert access.is_any_admin
    assert visible_units(access) == set(Unit.objects.values_list("name", flat=True))


def test_anonymous_and_inactive_people_get_nothing(cast: Cast) -> None:
    anonymous = Access(AnonymousUser())
    assert not anonymous.authenticated
    assert anonymous.role(cast.root) is None
    assert visible_units(anonymous) == set()

    cast.admin.is_active = False
    cast.admin.save()
    inactive = Access(cast.admin)
    assert inactive.role(cast.root) is None
    assert not inactive.is_org_admin
    assert visible_units(inactive) == set()


def test_an_archived_unit_grants_nothing(cast: Cast, division: Unit) -> None:
    person = make_person("archivist", division, Role.ADMIN)
    Unit.objects.filter(pk=division.pk).update(archived_at=timezone.now())
    division.refresh_from_db()
    access = Access(person)
    assert access.role(division) is None
    assert not access.is_any_admin
    assert visible_units(access) == set()


def test_an_archived_unit_below_keeps_the_roles_inherited_from_above(
    cast: Cast, division: Unit
) -> None:
    Unit.objects.filter(pk=division.pk).update(archived_at=timezone.now())
    division.refresh_from_db()
    assert Access(cast.manager).role(division) == Role.MANAGER


# -- organisation-wide roles -------------------------------------------------------------------
def test_only_an_admin_of_a_top_level_unit_is_an_org_admin(cast: Cast) -> None:
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    root_manager = make_person("rootmanager", cast.root, Role.MANAGER)
    assert Access(cast.admin).is_org_admin
    assert not Access(dept_admin).is_org_admin
    assert not Access(root_manager).is_org_admin
    assert Access(dept_admin).is_any_admin
    assert not Access(root_manager).is_any_admin


def test_any_manager_means_a_manager_or_admin_somewhere(cast: Cast) -> None:
    assert Access(cast.manager).is_any_manager
    assert Access(cast.admin).is_any_manager
    assert not Access(cast.contributor).is_any_manager
    assert not Access(cast.viewer).is_any_manager


def test_ancestor_unit_ids_cover_every_unit_on_the_way_down(cast: Cast, division: Unit) -> None:
    person = make_person("deep", division, Role.VIEWER)
    assert Access(person).ancestor_unit_ids == {cast.root.pk, cast.dept.pk, division.pk}


# -- subtree queries ---------------------------------------------------------------------------
def test_unit_q_matches_the_subtree_of_each_membership(cast: Cast, division: Unit) -> None:
    assert visible_units(Access(cast.manager)) == {cast.dept.name, division.name}
    assert visible_units(Access(cast.outsider)) == {cast.other.name}
    assert visible_units(Access(cast.admin)) == {
        cast.root.name,
        cast.dept.name,
        cast.other.name,
        division.name,
    }


def test_unit_q_honours_the_minimum_role(cast: Cast) -> None:
    person = make_person("split", cast.dept, Role.MANAGER)
    Membership.objects.create(person=person, unit=cast.other, role=Role.VIEWER)
    access = Access(person)
    assert visible_units(access) == {cast.dept.name, cast.other.name}
    assert visible_units(access, Role.MANAGER) == {cast.dept.name}
    assert visible_units(access, Role.ADMIN) == set()


def test_unit_q_follows_a_prefix_through_a_relation(cast: Cast, plan: Plan) -> None:
    other_plan = Plan.objects.create(
        title="Finance plan",
        start_date=plan.start_date,
        end_date=plan.end_date,
        owner_unit=cast.other,
    )
    q = Access(cast.manager).unit_q("owner_unit__")
    assert list(Plan.objects.filter(q)) == [plan]
    assert other_plan not in Plan.objects.filter(q)


def test_a_unit_whose_id_starts_with_another_units_id_is_not_its_sub_unit(db: None) -> None:
    base = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 100
    seven = make_root_unit(base, "Seven")
    seventy_one = make_root_unit(int(f"{base}1"), "Seventy-one")  # "/7/" vs "/71/"
    assert seventy_one.path.startswith(seven.path.rstrip("/"))
    person = make_person("seven", seven, Role.ADMIN)
    access = Access(person)
    assert access.role(seven) == Role.ADMIN
    assert access.role(seventy_one) is None
    assert visible_units(access) == {"Seven"}


# -- caching and guards ------------------------------------------------------------------------
def test_get_access_is_computed_once_per_person_object(cast: Cast) -> None:
    assert get_access(cast.viewer) is get_access(cast.viewer)


def test_setting_a_membership_refreshes_the_persons_access(cast: Cast) -> None:
    assert not get_access(cast.viewer).has(cast.other, Role.VIEWER)
    membership_set(actor=cast.admin, person=cast.viewer, unit=cast.other, role=Role.VIEWER)
    assert get_access(cast.viewer).has(cast.other, Role.VIEWER)


def test_require_raises_permission_denied(cast: Cast) -> None:
    access = Access(cast.viewer)
    access.require(True)
    with pytest.raises(PermissionDenied):
        access.require(access.has(cast.dept, Role.MANAGER))


def test_an_admin_of_one_top_unit_is_not_an_org_admin_when_there_are_several(cast: Cast) -> None:
    from waymark.core.permissions import Access
    from waymark.core.testing import make_person
    from waymark.org.models import Unit

    assert Access(cast.admin).is_org_admin
    agency = Unit.objects.create(name="Hosted agency")
    agency.path = f"/{agency.pk}/"
    agency.save()
    assert not Access(cast.admin).is_org_admin
    agency_admin = make_person("agency_admin", agency, Role.ADMIN)
    assert not Access(agency_admin).is_org_admin


def test_a_superusers_unit_q_stays_true_when_combined(cast: Cast) -> None:
    from django.db.models import Q

    from waymark.core.permissions import Access
    from waymark.org.models import Unit

    cast.viewer.is_superuser = True
    cast.viewer.save()
    combined = Access(cast.viewer).unit_q() | Q(pk__in=[])
    assert Unit.objects.filter(combined).count() == Unit.objects.count()


def test_a_hidden_plan_id_in_a_filter_answers_like_a_missing_one(
    cast: Cast, plan: Any, client_for: Any
) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast.outsider)
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    hidden = client.get("/api/v1/elements/", {"plan": plan.pk})
    missing = client.get("/api/v1/elements/", {"plan": plan.pk + 1000})
    assert hidden.status_code == missing.status_code == 400
    assert (
        hidden.json()["error"]["fields"].keys()
        == missing.json()["error"]["fields"].keys()
        == {"plan"}
    )
