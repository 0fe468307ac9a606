"""/api/v1/units/ and /api/v1/people/ through real token authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.core.testing import Cast
from waymark.org.models import Membership, Person, Unit
from waymark.org.services import unit_create


@pytest.fixture
def api(cast: Cast) -> Callable[[str | None], APIClient]:
    """api("viewer") -> an APIClient sending that cast member's token (None: anonymous)."""

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            token, _created = Token.objects.get_or_create(user=cast.everyone[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


# -- units -------------------------------------------------------------------
def test_it_lists_the_units_a_person_holds_a_role_in_and_those_above(api, cast: Cast) -> None:
    assert ids(api("viewer").get("/api/v1/units/")) == sorted([cast.root.pk, cast.dept.pk])
    assert ids(api("outsider").get("/api/v1/units/")) == sorted([cast.root.pk, cast.other.pk])
    assert ids(api("admin").get("/api/v1/units/")) == sorted(
        [cast.root.pk, cast.dept.pk, cast.other.pk]
    )


def test_it_answers_404_for_a_unit_outside_the_persons_tree(api, cast: Cast) -> None:
    client = api("outsider")
    assert client.get(f"/api/v1/units/{cast.dept.pk}/").status_code == 404
    assert client.patch(f"/api/v1/units/{cast.dept.pk}/", {"name": "X"}).status_code == 404
    assert client.post(f"/api/v1/units/{cast.dept.pk}/archive/").status_code == 404


def test_it_lets_an_admin_create_a_unit_below_another(api, cast: Cast) -> None:
    response = api("admin").post(
        "/api/v1/units/", {"name": "Training Division", "parent": cast.dept.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["parent"], body["depth"], body["version"]) == (cast.dept.pk, 2, 1)
    unit = Unit.objects.get(pk=body["id"])
    assert unit.path == f"{cast.dept.path}{unit.pk}/"
    assert Change.objects.filter(object_id=unit.pk, action="create").exists()


def test_it_forbids_a_manager_to_create_a_unit(api, cast: Cast) -> None:
    response = api("manager").post(
        "/api/v1/units/", {"name": "Division", "parent": cast.dept.pk}, format="json"
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(name="Division").exists()


def test_it_names_the_field_when_a_sibling_has_the_same_name(api, cast: Cast) -> None:
    response = api("admin").post(
        "/api/v1/units/", {"name": "finance department", "parent": cast.root.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_it_renames_a_unit_and_detects_a_stale_version(api, cast: Cast) -> None:
    client = api("admin")
    url = f"/api/v1/units/{cast.dept.pk}/"
    response = client.patch(url, {"short_name": "DoA", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    response = client.patch(url, {"name": "Dept", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["changed"]["short_name"] == {"before": "GAD", "after": "DoA"}


def test_it_forbids_a_viewer_to_rename_or_archive_a_unit(api, cast: Cast) -> None:
    client = api("viewer")
    assert client.patch(f"/api/v1/units/{cast.dept.pk}/", {"name": "X"}).status_code == 403
    assert client.post(f"/api/v1/units/{cast.dept.pk}/archive/").status_code == 403


def test_it_moves_a_unit_with_its_subtree(api, cast: Cast) -> None:
    division = unit_create(actor=cast.admin, name="Training", parent=cast.dept)
    team = unit_create(actor=cast.admin, name="Team", parent=division)
    response = api("admin").post(
        f"/api/v1/units/{division.pk}/move/", {"parent": cast.other.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == cast.other.pk
    team.refresh_from_db()
    assert team.path == f"{cast.other.path}{division.pk}/{team.pk}/"


def test_it_archives_and_restores_a_unit_instead_of_deleting_it(api, cast: Cast) -> None:
    division = unit_create(actor=cast.admin, name="Training", parent=cast.dept)
    client = api("admin")
    assert client.delete(f"/api/v1/units/{division.pk}/").status_code == 405
    response = client.post(f"/api/v1/units/{division.pk}/archive/")
    assert response.status_code == 200
    assert response.json()["is_archived"] is True
    assert ids(client.get("/api/v1/units/?archived=true")) == [division.pk]
    response = client.post(f"/api/v1/units/{division.pk}/unarchive/")
    assert response.json()["is_archived"] is False


def test_it_refuses_to_archive_a_unit_with_live_sub_units(api, cast: Cast) -> None:
    unit_create(actor=cast.admin, name="Training", parent=cast.dept)
    response = api("admin").post(f"/api/v1/units/{cast.dept.pk}/archive/")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "parent": ["Archive or move this unit's sub-units before archiving it."]
    }


# -- people ------------------------------------------------------------------
def test_it_lists_the_people_of_the_persons_units_and_themselves(api, cast: Cast) -> None:
    dept = sorted([cast.manager.pk, cast.contributor.pk, cast.viewer.pk])
    assert ids(api("viewer").get("/api/v1/people/")) == dept
    assert ids(api("outsider").get("/api/v1/people/")) == [cast.outsider.pk]
    assert len(ids(api("admin").get("/api/v1/people/"))) == 5


def test_it_shows_a_persons_roles_in_the_units_the_reader_sees(api, cast: Cast) -> None:
    Membership.objects.create(person=cast.manager, unit=cast.other, role=Role.VIEWER)
    body = api("viewer").get(f"/api/v1/people/{cast.manager.pk}/").json()
    assert body["memberships"] == [{"unit": cast.dept.pk, "role": "manager"}]
    body = api("admin").get(f"/api/v1/people/{cast.manager.pk}/").json()
    assert len(body["memberships"]) == 2


def test_it_answers_404_for_a_person_of_another_unit(api, cast: Cast) -> None:
    client = api("outsider")
    assert client.get(f"/api/v1/people/{cast.viewer.pk}/").status_code == 404
    assert client.patch(f"/api/v1/people/{cast.viewer.pk}/", {"job_title": "X"}).status_code == 404


def test_it_lets_an_admin_invite_a_person_with_a_role(api, cast: Cast) -> None:
    response = api("admin").post(
        "/api/v1/people/",
        {
            "username": "bold",
            "email": "bold@example.org",
            "first_name": "Bold",
            "unit": cast.dept.pk,
            "role": "contributor",
            "send_invitation": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "bold"
    assert body["memberships"] == [{"unit": cast.dept.pk, "role": "contributor"}]
    assert "role" not in body and "unit" not in body
    assert not Person.objects.get(username="bold").has_usable_password()


def test_it_emails_the_invitation_once_the_person_is_saved(
    api, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api("admin").post(
            "/api/v1/people/",
            {
                "username": "bold",
                "email": "bold@example.org",
                "unit": cast.dept.pk,
                "role": "viewer",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    assert [m.to for m in mail.outbox] == [["bold@example.org"]]
    assert "http://testserver/account/reset/" in mail.outbox[0].body


def test_it_forbids_a_manager_to_invite_people(api, cast: Cast) -> None:
    response = api("manager").post(
        "/api/v1/people/",
        {"username": "bold", "email": "bold@example.org", "unit": cast.dept.pk, "role": "viewer"},
        format="json",
    )
    assert response.status_code == 403
    assert not Person.objects.filter(username="bold").exists()
    assert mail.outbox == []


def test_it_names_the_field_of_a_taken_username(api, cast: Cast) -> None:
    response = api("admin").post(
        "/api/v1/people/",
        {"username": "Viewer", "email": "v2@example.org", "unit": cast.dept.pk, "role": "viewer"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["username"]


def test_it_lets_a_person_edit_their_own_profile(api, cast: Cast) -> None:
    response = api("contributor").patch(
        f"/api/v1/people/{cast.contributor.pk}/", {"job_title": "Trainer"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["job_title"] == "Trainer"


def test_it_forbids_a_viewer_to_edit_someone_else(api, cast: Cast) -> None:
    response = api("viewer").patch(
        f"/api/v1/people/{cast.manager.pk}/", {"job_title": "X"}, format="json"
    )
    assert response.status_code == 403


def test_it_lets_an_admin_deactivate_a_person_but_not_themselves(api, cast: Cast) -> None:
    client = api("admin")
    response = client.patch(
        f"/api/v1/people/{cast.viewer.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    response = client.patch(f"/api/v1/people/{cast.admin.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["is_active"]


def test_it_sets_and_removes_a_persons_role_in_a_unit(api, cast: Cast) -> None:
    client = api("admin")
    url = f"/api/v1/people/{cast.viewer.pk}/memberships/"
    response = client.post(url, {"unit": cast.other.pk, "role": "manager"}, format="json")
    assert response.status_code == 200, response.content
    assert {"unit": cast.other.pk, "role": "manager"} in response.json()["memberships"]
    assert client.delete(f"{url}{cast.other.pk}/").status_code == 204
    assert not Membership.objects.filter(person=cast.viewer, unit=cast.other).exists()
    assert client.delete(f"{url}{cast.other.pk}/").status_code == 404


def test_it_forbids_a_manager_to_give_roles(api, cast: Cast) -> None:
    response = api("manager").post(
        f"/api/v1/people/{cast.viewer.pk}/memberships/",
        {"unit": cast.dept.pk, "role": "admin"},
        format="json",
    )
    assert response.status_code == 403
    assert (
        api("manager")
        .delete(f"/api/v1/people/{cast.viewer.pk}/memberships/{cast.dept.pk}/")
        .status_code
        == 403
    )


# -- fixed query counts --------------------------------------------------------
UNITS_LIST_QUERIES = 5  # organisation, token, roles, count, rows
PEOPLE_LIST_QUERIES = 6  # organisation, token, roles, count, rows, memberships


def count_queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def test_it_lists_units_in_a_fixed_number_of_queries(api, cast: Cast) -> None:
    def add(n: int, start: int) -> None:
        units = Unit.objects.bulk_create(
            Unit(name=f"Division {i}", parent=cast.dept, depth=2) for i in range(start, start + n)
        )
        for unit in units:
            unit.path = f"{cast.dept.path}{unit.pk}/"
        Unit.objects.bulk_update(units, ["path"])

    client = api("manager")
    add(8, 0)
    small = count_queries(client, "/api/v1/units/?limit=1000")
    add(990, 8)
    large = count_queries(client, "/api/v1/units/?limit=1000")
    assert client.get("/api/v1/units/?limit=1000").json()["count"] == 1000
    assert small == large == UNITS_LIST_QUERIES


def test_it_lists_people_in_a_fixed_number_of_queries(api, cast: Cast) -> None:
    def add(n: int, start: int) -> None:
        people = Person.objects.bulk_create(
            Person(username=f"p{i}", password="!", email=f"p{i}@example.org")
            for i in range(start, start + n)
        )
        Membership.objects.bulk_create(
            Membership(person=p, unit=cast.dept, role=Role.CONTRIBUTOR) for p in people
        )

    client = api("manager")
    add(7, 0)
    small = count_queries(client, "/api/v1/people/?limit=1000")
    add(990, 7)
    large = count_queries(client, "/api/v1/people/?limit=1000")
    assert client.get("/api/v1/people/?limit=1000").json()["count"] == 1000
    assert small == large == PEOPLE_LIST_QUERIES


def test_a_stale_person_update_gets_409(cast: Cast) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cast.admin).key}")
    url = f"/api/v1/people/{cast.viewer.pk}/"
    version = client.get(url).json()["version"]
    assert (
        client.patch(url, {"job_title": "Analyst", "version": version}, format="json").status_code
        == 200
    )
    stale = client.patch(url, {"job_title": "Clerk", "version": version}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
