"""Writes for the organisation: units, people, memberships and the organisation's settings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.permissions import get_access
from waymark.core.roles import Role
from waymark.core.services import snapshot
from waymark.core.testing import Cast, make_person
from waymark.core.tests.builders import changes_of, row
from waymark.org.models import Membership, Organisation, Person, Unit
from waymark.org.services import (
    membership_remove,
    membership_set,
    organisation_update,
    person_invite,
    person_set_active,
    person_update,
    unit_archive,
    unit_create,
    unit_move,
    unit_unarchive,
    unit_update,
)


@pytest.fixture
def division(cast: Cast) -> Unit:
    """Governor's Office > Department of Administration > Archives."""
    return unit_create(actor=cast.admin, name="Archives", parent=cast.dept)


@pytest.fixture
def section(cast: Cast, division: Unit) -> Unit:
    """Governor's Office > Department of Administration > Archives > Records."""
    return unit_create(actor=cast.admin, name="Records", parent=division)


def field_errors(caught: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return caught.value.message_dict


# -- units: create -----------------------------------------------------------------------------
def test_it_creates_a_unit_with_its_path_and_depth(cast: Cast, division: Unit) -> None:
    assert division.path == f"/{cast.root.pk}/{cast.dept.pk}/{division.pk}/"
    assert division.depth == 2
    assert cast.dept.depth == 1
    change = changes_of(division, Change.Action.CREATE)[0]
    assert change.actor == cast.admin
    assert change.after is not None
    assert change.after["path"] == division.path


def test_it_creates_a_top_level_unit_for_an_org_admin_only(cast: Cast) -> None:
    top = unit_create(actor=cast.admin, name="Aimag Assembly")
    assert top.path == f"/{top.pk}/"
    assert top.depth == 0
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        unit_create(actor=dept_admin, name="Rogue office")


def test_an_admin_of_a_unit_creates_units_below_it_only(cast: Cast) -> None:
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    assert unit_create(actor=dept_admin, name="Archives", parent=cast.dept).parent == cast.dept
    with pytest.raises(PermissionDenied):
        unit_create(actor=dept_admin, name="Treasury", parent=cast.other)


@pytest.mark.parametrize("who", ["manager", "contributor", "viewer", "outsider"])
def test_non_admins_cannot_create_units(cast: Cast, who: str) -> None:
    count = Unit.objects.count()
    with pytest.raises(PermissionDenied):
        unit_create(actor=cast.everyone[who], name="Archives", parent=cast.dept)
    assert Unit.objects.count() == count


def test_it_refuses_a_unit_without_a_name(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        unit_create(actor=cast.admin, name="   ", parent=cast.dept)
    assert "name" in field_errors(caught)


@pytest.mark.parametrize(
    ("first", "second"),
    [("Finance Department", "finance department"), ("Санхүүгийн хэлтэс", "САНХҮҮГИЙН ХЭЛТЭС")],
    ids=["latin", "cyrillic"],
)
def test_it_refuses_a_name_a_sibling_already_has_in_any_case(
    cast: Cast, first: str, second: str
) -> None:
    if first != cast.other.name:
        unit_create(actor=cast.admin, name=first, parent=cast.root)
    count = Unit.objects.count()
    with pytest.raises(ValidationError) as caught:
        unit_create(actor=cast.admin, name=second, parent=cast.root)
    assert "already called" in field_errors(caught)["name"][0]
    assert Unit.objects.count() == count


def test_the_same_name_is_fine_under_another_parent(cast: Cast) -> None:
    one = unit_create(actor=cast.admin, name="Secretariat", parent=cast.dept)
    two = unit_create(actor=cast.admin, name="Secretariat", parent=cast.other)
    assert one.pk != two.pk


def test_it_refuses_a_unit_under_an_archived_parent(cast: Cast, division: Unit) -> None:
    unit_archive(actor=cast.admin, unit=division)
    with pytest.raises(ValidationError) as caught:
        unit_create(actor=cast.admin, name="Records", parent=division)
    assert "parent" in field_errors(caught)


# -- units: rename -----------------------------------------------------------------------------
def test_it_renames_a_unit_and_logs_it(cast: Cast) -> None:
    unit_update(
        actor=cast.admin, unit=cast.dept, data={"name": " Administration ", "short_name": "ADM"}
    )
    assert row(cast.dept)["name"] == "Administration"
    assert row(cast.dept)["short_name"] == "ADM"
    assert cast.dept.version == 2
    change = changes_of(cast.dept, Change.Action.UPDATE)[-1]
    assert ("name", "Department of Administration", "Administration") in change.diff


def test_renaming_to_a_siblings_name_changes_nothing(cast: Cast) -> None:
    count = Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        unit_update(actor=cast.admin, unit=cast.dept, data={"name": "FINANCE department"})
    assert "name" in field_errors(caught)
    assert cast.dept.name == "Department of Administration"
    assert row(cast.dept)["name"] == "Department of Administration"
    assert Change.objects.count() == count


def test_a_unit_may_change_the_case_of_its_own_name(cast: Cast) -> None:
    unit_update(actor=cast.admin, unit=cast.dept, data={"name": "DEPARTMENT OF ADMINISTRATION"})
    assert row(cast.dept)["name"] == "DEPARTMENT OF ADMINISTRATION"


def test_renaming_with_a_stale_version_is_a_conflict(cast: Cast) -> None:
    unit_update(actor=cast.admin, unit=cast.dept, data={"name": "Administration"}, version=1)
    count = Change.objects.count()
    with pytest.raises(ConflictError) as caught:
        unit_update(actor=cast.admin, unit=cast.dept, data={"name": "Mine"}, version=1)
    assert caught.value.current_version == 2
    assert row(cast.dept)["name"] == "Administration"
    assert Change.objects.count() == count


def test_only_admins_rename_units(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        unit_update(actor=cast.manager, unit=cast.dept, data={"name": "Mine"})


# -- units: move -------------------------------------------------------------------------------
def test_moving_a_unit_carries_its_subtree_paths_and_depths(
    cast: Cast, division: Unit, section: Unit
) -> None:
    unit_move(actor=cast.admin, unit=division, parent=cast.other)
    division.refresh_from_db()
    section.refresh_from_db()
    assert division.parent == cast.other
    assert division.path == f"/{cast.root.pk}/{cast.other.pk}/{division.pk}/"
    assert section.path == f"{division.path}{section.pk}/"
    assert (division.depth, section.depth) == (2, 3)
    after = changes_of(division, Change.Action.UPDATE)[-1].after
    assert after is not None
    assert after["parent"] == cast.other.pk


def test_moving_a_unit_to_the_top_level(cast: Cast, division: Unit, section: Unit) -> None:
    unit_move(actor=cast.admin, unit=division, parent=None)
    section.refresh_from_db()
    assert division.path == f"/{division.pk}/"
    assert division.depth == 0
    assert section.path == f"/{division.pk}/{section.pk}/"
    assert section.depth == 1


def test_moving_leaves_units_with_a_longer_id_prefix_alone(cast: Cast, division: Unit) -> None:
    others = [unit_create(actor=cast.admin, name=f"Unit {i}", parent=cast.root) for i in range(12)]
    paths = {u.pk: u.path for u in others}
    unit_move(actor=cast.admin, unit=cast.dept, parent=cast.other)
    for unit in others:
        assert row(unit)["path"] == paths[unit.pk]


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_it_refuses_to_move_a_unit_under_itself_or_its_own_sub_units(
    cast: Cast, division: Unit, section: Unit, target: str
) -> None:
    parent = {"itself": cast.dept, "child": division, "grandchild": section}[target]
    path, count = cast.dept.path, Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        unit_move(actor=cast.admin, unit=cast.dept, parent=parent)
    assert "sub-units" in field_errors(caught)["parent"][0]
    assert cast.dept.parent == cast.root
    assert row(cast.dept)["path"] == path
    assert row(cast.dept)["parent_id"] == cast.root.pk
    assert Change.objects.count() == count


def test_it_refuses_a_cycle_even_through_a_copy_loaded_before_a_move(
    cast: Cast, division: Unit
) -> None:
    stale_division = Unit.objects.get(pk=division.pk)
    unit_move(actor=cast.admin, unit=division, parent=cast.other)
    with pytest.raises(ValidationError) as caught:
        unit_move(actor=cast.admin, unit=cast.other, parent=stale_division)
    assert "parent" in field_errors(caught)
    assert row(cast.other)["parent_id"] == cast.root.pk


def test_it_refuses_a_move_next_to_a_sibling_of_the_same_name(cast: Cast) -> None:
    unit_create(actor=cast.admin, name="Archives", parent=cast.dept)
    second = unit_create(actor=cast.admin, name="Archives", parent=cast.other)
    with pytest.raises(ValidationError) as caught:
        unit_move(actor=cast.admin, unit=second, parent=cast.dept)
    assert "name" in field_errors(caught)
    assert row(second)["parent_id"] == cast.other.pk


def test_moving_needs_admin_rights_at_both_ends(cast: Cast, division: Unit) -> None:
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        unit_move(actor=dept_admin, unit=division, parent=cast.other)
    assert row(division)["parent_id"] == cast.dept.pk


# -- units: archive ----------------------------------------------------------------------------
def test_it_archives_a_unit_and_logs_it(cast: Cast, division: Unit) -> None:
    unit_archive(actor=cast.admin, unit=division)
    assert row(division)["archived_at"] is not None
    assert "archived_at" in changes_of(division, Change.Action.UPDATE)[-1].changed_fields


def test_it_refuses_to_archive_a_unit_with_live_sub_units(
    cast: Cast, division: Unit, section: Unit
) -> None:
    with pytest.raises(ValidationError) as caught:
        unit_archive(actor=cast.admin, unit=division)
    assert "sub-units" in field_errors(caught)["parent"][0]
    assert row(division)["archived_at"] is None
    unit_archive(actor=cast.admin, unit=section)
    unit_archive(actor=cast.admin, unit=division)
    assert row(division)["archived_at"] is not None


def test_it_unarchives_a_unit(cast: Cast, division: Unit) -> None:
    unit_archive(actor=cast.admin, unit=division)
    unit_unarchive(actor=cast.admin, unit=division)
    assert row(division)["archived_at"] is None
    assert len(changes_of(division, Change.Action.UPDATE)) == 2


def test_it_refuses_to_unarchive_a_unit_under_an_archived_parent(
    cast: Cast, division: Unit, section: Unit
) -> None:
    unit_archive(actor=cast.admin, unit=section)
    unit_archive(actor=cast.admin, unit=division)
    section.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        unit_unarchive(actor=cast.admin, unit=section)
    assert "parent" in field_errors(caught)
    assert row(section)["archived_at"] is not None


def test_only_admins_archive_units(cast: Cast, division: Unit) -> None:
    with pytest.raises(PermissionDenied):
        unit_archive(actor=cast.manager, unit=division)


# -- people: invite ----------------------------------------------------------------------------
def invite(cast: Cast, **overrides: Any) -> Person:
    kwargs: dict[str, Any] = {
        "actor": cast.admin,
        "username": "bat",
        "data": {"first_name": "Bat", "last_name": "Erdene", "email": "bat@example.org"},
        "unit": cast.dept,
        "role": Role.CONTRIBUTOR,
        "base_url": "https://waymark.example.org/",
        "send": False,
    }
    kwargs.update(overrides)
    return person_invite(**kwargs)


def test_it_invites_a_person_with_a_role_and_no_usable_password(cast: Cast) -> None:
    person = invite(cast)
    assert not person.has_usable_password()
    assert person.email == "bat@example.org"
    assert Membership.objects.get(person=person).role == Role.CONTRIBUTOR
    assert Membership.objects.get(person=person).unit == cast.dept
    assert len(changes_of(person, Change.Action.CREATE)) == 1
    membership_change = Change.objects.get(
        action=Change.Action.CREATE, related_id=person.pk, object_repr__contains="Contributor"
    )
    assert membership_change.actor == cast.admin


def test_the_invitation_email_carries_a_working_set_password_link(
    cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        person = invite(cast, send=True)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["bat@example.org"]
    assert Organisation.get().name in message.subject
    match = re.search(
        r"https://waymark\.example\.org/account/reset/([\w-]+)/([\w-]+)/", message.body
    )
    assert match, message.body
    uid, token = match.groups()
    assert force_str(urlsafe_base64_decode(uid)) == str(person.pk)
    stored = Person.objects.get(pk=person.pk)
    assert default_token_generator.check_token(stored, token)
    assert not default_token_generator.check_token(cast.viewer, token)


def test_no_email_leaves_before_the_invitation_commits(
    cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(cast, send=True)
    assert len(callbacks) == 1
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "bat erdene"}, "username"),
        ({"username": ""}, "username"),
        ({"username": "VIEWER"}, "username"),
        ({"role": "boss"}, "role"),
        ({"data": {"first_name": "Bat", "email": "not-an-address"}}, "email"),
        ({"data": {"first_name": "Bat", "email": "bat@"}}, "email"),
        ({"data": {"first_name": "Bat"}}, "email"),
        ({"data": {"email": "VIEWER@example.org"}}, "email"),
        ({"data": {"email": "bat@example.org", "language": "fr"}}, "language"),
    ],
)
def test_it_refuses_a_bad_invitation_and_creates_nobody(
    cast: Cast, overrides: dict, field: str
) -> None:
    people, changes = Person.objects.count(), Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        invite(cast, **overrides)
    assert field in field_errors(caught)
    assert Person.objects.count() == people
    assert Change.objects.count() == changes


def test_an_invitation_into_an_archived_unit_creates_nobody(cast: Cast, division: Unit) -> None:
    unit_archive(actor=cast.admin, unit=division)
    people = Person.objects.count()
    with pytest.raises(ValidationError) as caught:
        invite(cast, unit=division)
    assert "unit" in field_errors(caught)
    assert Person.objects.count() == people


@pytest.mark.parametrize("who", ["manager", "contributor", "viewer", "outsider"])
def test_non_admins_cannot_invite(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        invite(cast, actor=cast.everyone[who])
    assert not Person.objects.filter(username="bat").exists()


# -- people: update and (de)activate -----------------------------------------------------------
def test_a_person_updates_their_own_profile(cast: Cast) -> None:
    person_update(
        actor=cast.viewer,
        person=cast.viewer,
        data={"display_name": " Sara ", "job_title": "Planning officer", "language": "mn"},
    )
    stored = row(cast.viewer)
    assert (stored["display_name"], stored["job_title"], stored["language"]) == (
        "Sara",
        "Planning officer",
        "mn",
    )
    change = changes_of(cast.viewer, Change.Action.UPDATE)[-1]
    assert change.actor == cast.viewer
    assert "display_name" in change.changed_fields
    assert "password" not in (change.after or {})


def test_an_admin_updates_a_person_in_their_units(cast: Cast) -> None:
    person_update(actor=cast.admin, person=cast.viewer, data={"email": "sara@example.org"})
    assert row(cast.viewer)["email"] == "sara@example.org"


def test_someone_else_cannot_update_a_person(cast: Cast) -> None:
    for actor in (cast.manager, cast.outsider):
        with pytest.raises(PermissionDenied):
            person_update(actor=actor, person=cast.viewer, data={"job_title": "Nobody"})
    assert row(cast.viewer)["job_title"] == ""


def test_a_unit_admin_cannot_take_over_an_org_admin_who_sits_in_their_unit(cast: Cast) -> None:
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    Membership.objects.create(person=cast.admin, unit=cast.dept, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        person_update(actor=dept_admin, person=cast.admin, data={"email": "mine@example.org"})
    with pytest.raises(PermissionDenied):
        person_set_active(actor=dept_admin, person=cast.admin, active=False)
    assert row(cast.admin)["email"] == "admin@example.org"
    assert row(cast.admin)["is_active"] is True


def test_only_a_superuser_manages_a_superuser(cast: Cast) -> None:
    boss = make_person("boss", cast.dept, Role.VIEWER, is_superuser=True)
    with pytest.raises(PermissionDenied):
        person_set_active(actor=cast.admin, person=boss, active=False)
    other_boss = make_person("otherboss", is_superuser=True)
    person_set_active(actor=other_boss, person=boss, active=False)
    assert row(boss)["is_active"] is False


def test_a_person_update_with_a_taken_email_changes_nothing(cast: Cast) -> None:
    count = Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        person_update(
            actor=cast.viewer,
            person=cast.viewer,
            data={"job_title": "Officer", "email": "Manager@Example.org"},
        )
    assert "email" in field_errors(caught)
    assert cast.viewer.job_title == ""
    assert row(cast.viewer)["job_title"] == ""
    assert Change.objects.count() == count


def test_a_person_may_keep_their_own_email(cast: Cast) -> None:
    person_update(actor=cast.viewer, person=cast.viewer, data={"email": "VIEWER@example.org"})
    assert row(cast.viewer)["email"] == "VIEWER@example.org"


def test_it_deactivates_and_reactivates_a_person(cast: Cast) -> None:
    person_set_active(actor=cast.admin, person=cast.viewer, active=False)
    assert row(cast.viewer)["is_active"] is False
    person_set_active(actor=cast.admin, person=cast.viewer, active=True)
    assert row(cast.viewer)["is_active"] is True
    diffs = [c.diff for c in changes_of(cast.viewer, Change.Action.UPDATE)]
    assert [[d for d in diff if d[0] != "version"] for diff in diffs] == [
        [("is_active", True, False)],
        [("is_active", False, True)],
    ]


def test_nobody_can_deactivate_themselves(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        person_set_active(actor=cast.admin, person=cast.admin, active=False)
    assert "is_active" in field_errors(caught)
    assert row(cast.admin)["is_active"] is True


def test_non_admins_cannot_deactivate_people(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        person_set_active(actor=cast.manager, person=cast.viewer, active=False)
    assert row(cast.viewer)["is_active"] is True


# -- memberships -------------------------------------------------------------------------------
def test_it_gives_a_role_and_logs_it_against_the_person(cast: Cast) -> None:
    membership = membership_set(
        actor=cast.admin, person=cast.viewer, unit=cast.other, role=Role.MANAGER
    )
    assert membership.role == Role.MANAGER
    change = changes_of(membership, Change.Action.CREATE)[0]
    assert change.related_id == cast.viewer.pk
    assert change.after is not None
    assert change.after["role"] == Role.MANAGER


def test_it_changes_a_role_and_logs_before_and_after(cast: Cast) -> None:
    membership = membership_set(
        actor=cast.admin, person=cast.viewer, unit=cast.dept, role=Role.CONTRIBUTOR
    )
    assert Membership.objects.filter(person=cast.viewer).count() == 1
    change = changes_of(membership, Change.Action.UPDATE)[-1]
    assert ("role", "viewer", "contributor") in change.diff


def test_setting_the_same_role_again_logs_nothing(cast: Cast) -> None:
    count = Change.objects.count()
    membership_set(actor=cast.admin, person=cast.viewer, unit=cast.dept, role=Role.VIEWER)
    assert Change.objects.count() == count


def test_it_refuses_an_unknown_role_or_an_archived_unit(cast: Cast, division: Unit) -> None:
    with pytest.raises(ValidationError) as caught:
        membership_set(actor=cast.admin, person=cast.viewer, unit=cast.other, role="owner")
    assert "role" in field_errors(caught)
    unit_archive(actor=cast.admin, unit=division)
    with pytest.raises(ValidationError) as caught:
        membership_set(actor=cast.admin, person=cast.viewer, unit=division, role=Role.VIEWER)
    assert "unit" in field_errors(caught)
    assert not Membership.objects.filter(person=cast.viewer, unit__in=[cast.other, division])


def test_non_admins_cannot_give_roles(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        membership_set(actor=cast.manager, person=cast.viewer, unit=cast.dept, role=Role.ADMIN)
    assert Membership.objects.get(person=cast.viewer).role == Role.VIEWER


def test_it_removes_a_role_and_the_log_keeps_what_it_was(cast: Cast) -> None:
    membership = Membership.objects.select_related("person").get(person=cast.viewer)
    assert get_access(membership.person).has(cast.dept, Role.VIEWER)
    membership_remove(actor=cast.admin, membership=membership)
    assert not Membership.objects.filter(person=cast.viewer).exists()
    change = Change.objects.filter(action=Change.Action.DELETE).latest("id")
    assert change.before is not None
    assert change.before["role"] == Role.VIEWER
    assert change.related_id == cast.viewer.pk
    assert not get_access(membership.person).has(cast.dept, Role.VIEWER)


def test_non_admins_cannot_remove_roles(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        membership_remove(actor=cast.manager, membership=Membership.objects.get(person=cast.viewer))
    assert Membership.objects.filter(person=cast.viewer).exists()


# -- organisation settings ---------------------------------------------------------------------
def test_it_updates_the_organisation_settings_and_logs_them(cast: Cast) -> None:
    org = organisation_update(
        actor=cast.admin,
        data={
            "name": "Khovd aimag",
            "default_currency": "usd",
            "fiscal_year_start_month": 7,
            "time_zone": "Asia/Hovd",
            "health_styles": {"at_risk": {"label": "Watch", "colour": "#AA5500"}},
        },
    )
    stored = Organisation.objects.get(pk=1)
    assert (stored.name, stored.default_currency, stored.fiscal_year_start_month) == (
        "Khovd aimag",
        "USD",
        7,
    )
    assert stored.time_zone == "Asia/Hovd"
    assert stored.health_style("at_risk") == {"label": "Watch", "colour": "#AA5500"}
    assert stored.health_style("on_track")["label"] == "On track"
    assert org.version == 2
    assert "default_currency" in changes_of(stored, Change.Action.UPDATE)[-1].changed_fields


def test_it_stores_the_reminder_settings_from_comma_separated_days(cast: Cast) -> None:
    organisation_update(
        actor=cast.admin,
        data={
            "reminders_enabled": True,
            "reminder_days_before": " 1, 14 ,7, 7",
            "remind_on_due_date": False,
            "reminder_days_after": 2,
            "escalation_days": 0,
        },
    )
    stored = Organisation.objects.get(pk=1)
    assert stored.reminder_days_before == [14, 7, 1]
    assert (stored.remind_on_due_date, stored.reminder_days_after, stored.escalation_days) == (
        False,
        2,
        0,
    )
    organisation_update(
        actor=cast.admin, data={"reminder_days_before": "", "reminders_enabled": False}
    )
    stored.refresh_from_db()
    assert (stored.reminder_days_before, stored.reminders_enabled) == ([], False)


def test_it_stores_a_new_logo(cast: Cast, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    organisation_update(actor=cast.admin, data={"logo": SimpleUploadedFile("x.png", b"\x89PNG")})
    stored = Organisation.objects.get(pk=1)
    assert (stored.logo.name or "").startswith("org/logo")
    assert (tmp_path / stored.logo.name).read_bytes() == b"\x89PNG"
    after = changes_of(stored, Change.Action.UPDATE)[-1].after
    assert after is not None
    assert after["logo"] == stored.logo.name


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"default_currency": "XYZ"}, "default_currency"),
        ({"default_currency": ""}, "default_currency"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"fiscal_year_start_month": 0}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": "7"}, "fiscal_year_start_month"),
        ({"health_styles": {"on_track": {"colour": "green"}}}, "health_on_track_colour"),
        ({"health_styles": {"off_track": {"colour": "#12345"}}}, "health_off_track_colour"),
        ({"health_styles": {"purple": {"colour": "#123456"}}}, "health_styles"),
        ({"reminder_days_before": "7, one"}, "reminder_days_before"),
        ({"reminder_days_before": "0"}, "reminder_days_before"),
        ({"reminder_days_before": "91"}, "reminder_days_before"),
        ({"reminder_days_before": "1, 2, 3, 4, 5, 6"}, "reminder_days_before"),
        ({"reminder_days_after": -1}, "reminder_days_after"),
        ({"reminder_days_after": 91}, "reminder_days_after"),
        ({"escalation_days": "soon"}, "escalation_days"),
    ],
)
def test_it_refuses_bad_settings_naming_the_field_and_changes_nothing(
    cast: Cast, data: dict, field: str
) -> None:
    # A fresh installation: the settings may not be stored yet.
    settings_before, count = snapshot(Organisation.get()), Change.objects.count()
    with pytest.raises(ValidationError) as caught:
        organisation_update(actor=cast.admin, data={"name": "Changed too", **data})
    assert field in field_errors(caught)
    assert snapshot(Organisation.get()) == settings_before
    assert Change.objects.count() == count


def test_a_refused_update_of_saved_settings_changes_nothing(cast: Cast) -> None:
    org = organisation_update(actor=cast.admin, data={"name": "Khovd aimag"})
    stored, count = row(org), Change.objects.count()
    with pytest.raises(ValidationError):
        organisation_update(
            actor=cast.admin, data={"name": "Changed too", "time_zone": "Mars/Olympus"}
        )
    assert row(org) == stored
    assert Change.objects.count() == count


def test_a_bad_currency_message_names_the_code(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        organisation_update(actor=cast.admin, data={"default_currency": "xyz"})
    assert "XYZ" in field_errors(caught)["default_currency"][0]


def test_a_stale_settings_form_is_a_conflict(cast: Cast) -> None:
    organisation_update(actor=cast.admin, data={"name": "First"}, version=1)
    with pytest.raises(ConflictError):
        organisation_update(actor=cast.admin, data={"name": "Second"}, version=1)
    assert Organisation.objects.get(pk=1).name == "First"


@pytest.mark.parametrize("who", ["manager", "contributor", "viewer", "outsider"])
def test_only_org_admins_change_the_settings(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        organisation_update(actor=cast.everyone[who], data={"name": "Mine"})
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        organisation_update(actor=dept_admin, data={"name": "Mine"})
    assert Organisation.get().name == "My organisation"


def test_a_stale_edit_of_a_person_is_detected_and_writes_nothing(cast: Cast) -> None:
    from waymark.core.exceptions import ConflictError

    person = cast.contributor
    loaded = person.version
    person_update(actor=cast.admin, person=person, data={"job_title": "Officer"}, version=loaded)
    stale = Person.objects.get(pk=person.pk)
    with pytest.raises(ConflictError):
        person_update(
            actor=cast.contributor, person=stale, data={"job_title": "Clerk"}, version=loaded
        )
    person.refresh_from_db()
    assert person.job_title == "Officer" and person.version == loaded + 1
