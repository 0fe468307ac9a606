"""The API as a whole: authentication, the error shape, the change log, the root and schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.roles import Role
from waymark.core.testing import Cast, make_person, make_plan
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_update

Tree = tuple[Element, Element, Element]
RESOURCES = [
    "units",
    "people",
    "plans",
    "elements",
    "milestones",
    "indicators",
    "periods",
    "targets",
    "measurements",
    "dimensions",
    "progress-updates",
    "reviews",
    "action-items",
    "changes",
]


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


# -- authentication ------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
def test_it_answers_401_to_anonymous_requests(api, resource: str) -> None:
    response = api(None).get(f"/api/v1/{resource}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {
            "status": 401,
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
        }
    }


def test_it_answers_401_to_an_unknown_token(cast: Cast) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/plans/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_it_answers_401_to_the_token_of_a_deactivated_person(api, cast: Cast) -> None:
    client = api("viewer")
    cast.viewer.is_active = False
    cast.viewer.save()
    assert client.get("/api/v1/plans/").status_code == 401


def test_it_accepts_a_signed_in_session(client_for, plan: Plan) -> None:
    response = client_for("viewer").get("/api/v1/plans/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_it_answers_anonymous_writes_with_401_and_writes_nothing(api, plan: Plan) -> None:
    response = api(None).patch(f"/api/v1/plans/{plan.pk}/", {"title": "X"}, format="json")
    assert response.status_code == 401
    plan.refresh_from_db()
    assert plan.title != "X"


def test_it_answers_an_unknown_id_in_the_error_shape(api, cast: Cast) -> None:
    response = api("admin").get("/api/v1/elements/999999/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found."}
    }


# -- the change log ------------------------------------------------------------
def test_it_lists_the_change_log_to_an_organisation_admin(api, cast: Cast, tree: Tree) -> None:
    response = api("admin").get("/api/v1/changes/?object_type=element&action=create")
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert sorted(r["object_repr"] for r in rows) == [
        "1 Good governance",
        "1.1 Capable public servants",
        "1.1.1 Train government officials",
    ]
    assert {r["object_type"] for r in rows} == {"element"}
    assert {r["related_type"] for r in rows} == {"plan"}
    assert all(r["actor"] == cast.admin.pk and r["before"] is None for r in rows)


@pytest.mark.parametrize("name", ["manager", "contributor", "viewer", "outsider"])
def test_it_forbids_the_change_log_to_people_who_are_not_admins(api, tree: Tree, name: str) -> None:
    response = api(name).get("/api/v1/changes/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_it_shows_a_unit_admin_only_the_changes_of_what_they_see(cast: Cast, tree: Tree) -> None:
    dept_admin = make_person("deptadmin", cast.dept, Role.ADMIN)
    foreign = make_plan(cast, "Finance plan", owner_unit=cast.other)
    client = APIClient()
    client.force_authenticate(dept_admin)
    rows = client.get("/api/v1/changes/?limit=1000").json()["results"]
    seen = {(r["object_type"], r["object_id"]) for r in rows}
    assert ("plan", tree[0].plan_id) in seen
    assert ("element", tree[2].pk) in seen
    assert ("unit", cast.dept.pk) in seen
    assert ("plan", foreign.pk) not in seen
    assert ("unit", cast.other.pk) not in seen
    assert (
        client.get(f"/api/v1/changes/?object_type=plan&object_id={foreign.pk}").json()["count"] == 0
    )


def test_it_finds_the_changes_of_one_request_by_its_id(api, cast: Cast, tree: Tree) -> None:
    action = tree[2]
    response = api("manager").patch(
        f"/api/v1/elements/{action.pk}/",
        {"percent_complete": 50},
        format="json",
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-42"
    element_update(actor=cast.admin, element=action, data={"percent_complete": 60})
    rows = api("admin").get("/api/v1/changes/?request_id=req-42").json()["results"]
    assert len(rows) == 1
    assert rows[0]["object_id"] == action.pk
    assert rows[0]["changed_fields"] == ["percent_complete", "version"]
    assert (rows[0]["before"]["percent_complete"], rows[0]["after"]["percent_complete"]) == (0, 50)


def test_it_filters_changes_by_actor_and_object(api, cast: Cast, tree: Tree) -> None:
    client = api("admin")
    action = tree[2]
    element_update(actor=cast.manager, element=action, data={"notes": "On track"})
    by_actor = client.get(f"/api/v1/changes/?actor={cast.manager.pk}").json()["results"]
    assert [(r["object_id"], r["action"]) for r in by_actor] == [(action.pk, "update")]
    by_object = client.get(f"/api/v1/changes/?object_type=element&object_id={action.pk}").json()
    assert [r["action"] for r in by_object["results"]] == ["update", "create"]


# -- the root and the schema ---------------------------------------------------
def test_it_lists_the_resources_at_the_api_root(api) -> None:
    body = api("viewer").get("/api/v1/").json()
    assert list(body) == RESOURCES
    assert body["elements"] == "http://testserver/api/v1/elements/"


def test_it_serves_a_schema_documenting_every_resource(api) -> None:
    response = api(None).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
        assert f"/api/v1/{resource}/{{id}}/" in schema["paths"]
    assert "/api/v1/elements/{id}/move/" in schema["paths"]
    patch = schema["paths"]["/api/v1/elements/{id}/"]["patch"]
    assert patch["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "Error" in schema["components"]["schemas"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_it_serves_the_browsable_docs(api) -> None:
    assert api(None).get("/api/v1/docs/").status_code == 200
