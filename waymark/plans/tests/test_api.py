"""/api/v1/plans/, /api/v1/elements/ and /api/v1/milestones/ through real token authentication."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.models import Change
from waymark.core.testing import Cast, make_element
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.numbering import renumber
from waymark.plans.services import milestone_create

Tree = tuple[Element, Element, Element]


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


def count_queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


# -- plans -------------------------------------------------------------------
def test_it_lists_plans_to_members_of_the_owner_unit(api, plan: Plan) -> None:
    body = api("viewer").get("/api/v1/plans/").json()
    assert [p["id"] for p in body["results"]] == [plan.pk]
    assert body["results"][0]["tiers"] == ["Goal", "Objective", "Action"]
    assert body["results"][0]["version"] == 1


def test_it_hides_plans_of_other_units_from_an_outsider(api, plan: Plan) -> None:
    client = api("outsider")
    assert client.get("/api/v1/plans/").json()["count"] == 0
    response = client.get(f"/api/v1/plans/{plan.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_404_to_an_outsider_writing_a_plan_of_another_unit(api, plan: Plan) -> None:
    client = api("outsider")
    assert client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "Mine"}).status_code == 404
    assert client.delete(f"/api/v1/plans/{plan.pk}/").status_code == 404
    plan.refresh_from_db()
    assert plan.title == "Development goals 2017"
    assert not plan.is_deleted


def test_it_lets_a_manager_create_a_plan(api, cast: Cast) -> None:
    response = api("manager").post(
        "/api/v1/plans/",
        {
            "title": "Annual action plan 2018",
            "kind": "annual",
            "start_date": "2018-01-01",
            "end_date": "2018-12-31",
            "owner_unit": cast.dept.pk,
            "tiers": ["Objective", "Action"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(pk=response.json()["id"])
    assert plan.tiers == ["Objective", "Action"]
    assert plan.kind == Plan.Kind.ANNUAL
    assert Change.objects.filter(object_id=plan.pk, action="create").exists()


def test_it_forbids_a_viewer_to_create_a_plan(api, cast: Cast) -> None:
    response = api("viewer").post(
        "/api/v1/plans/",
        {
            "title": "X",
            "start_date": "2018-01-01",
            "end_date": "2018-12-31",
            "owner_unit": cast.dept.pk,
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Plan.objects.filter(title="X").exists()


def test_it_treats_an_owner_unit_the_requester_cannot_see_as_unknown(api, cast: Cast) -> None:
    response = api("outsider").post(
        "/api/v1/plans/",
        {
            "title": "X",
            "start_date": "2018-01-01",
            "end_date": "2018-12-31",
            "owner_unit": cast.dept.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "owner_unit" in response.json()["error"]["fields"]


def test_it_names_the_field_when_a_plan_ends_before_it_starts(api, plan: Plan) -> None:
    response = api("manager").patch(
        f"/api/v1/plans/{plan.pk}/", {"end_date": "2016-12-31"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["end_date"]
    assert error["message"] == error["fields"]["end_date"][0]


def test_it_updates_a_plan_and_bumps_its_version(api, plan: Plan) -> None:
    response = api("manager").patch(
        f"/api/v1/plans/{plan.pk}/", {"title": "Goals 2017", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Goals 2017"
    assert response.json()["version"] == 2


def test_it_answers_409_when_a_plan_changed_since_it_was_read(api, plan: Plan) -> None:
    client = api("manager")
    assert (
        client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "A"}, format="json").status_code == 200
    )
    response = client.patch(
        f"/api/v1/plans/{plan.pk}/", {"title": "B", "version": 1}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["current_version"] == 2
    assert error["changed"]["title"] == {"before": "Development goals 2017", "after": "A"}
    plan.refresh_from_db()
    assert plan.title == "A"


def test_it_forbids_a_viewer_to_change_or_delete_a_plan(api, plan: Plan) -> None:
    client = api("viewer")
    assert (
        client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "Z"}, format="json").status_code == 403
    )
    assert client.delete(f"/api/v1/plans/{plan.pk}/").status_code == 403


def test_it_lets_a_manager_delete_a_plan_into_the_trash(api, plan: Plan) -> None:
    client = api("manager")
    assert client.delete(f"/api/v1/plans/{plan.pk}/").status_code == 204
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    assert Plan.all_objects.get(pk=plan.pk).is_deleted


def test_it_filters_plans_by_state_kind_and_owner_unit(api, cast: Cast, plan: Plan) -> None:
    client = api("admin")
    draft = Plan.objects.create(
        title="Draft",
        kind="annual",
        state="draft",
        owner_unit=cast.other,
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2018, 12, 31),
    )

    def ids(query: str) -> list[int]:
        return [p["id"] for p in client.get(f"/api/v1/plans/?{query}").json()["results"]]

    assert ids("state=draft") == [draft.pk]
    assert ids("kind=strategic") == [plan.pk]
    assert ids(f"owner_unit={cast.dept.pk}") == [plan.pk]
    assert sorted(ids("")) == sorted([plan.pk, draft.pk])


# -- elements ----------------------------------------------------------------
def test_it_lists_a_plans_elements_by_number_with_plan_filter(api, plan: Plan, tree: Tree) -> None:
    body = api("viewer").get(f"/api/v1/elements/?plan={plan.pk}").json()
    assert [(e["code"], e["tier"]) for e in body["results"]] == [
        ("1", "Goal"),
        ("1.1", "Objective"),
        ("1.1.1", "Action"),
    ]


def test_it_shows_an_actions_tracking_fields(api, cast: Cast, tree: Tree) -> None:
    action = tree[2]
    body = api("viewer").get(f"/api/v1/elements/{action.pk}/").json()
    assert body["code"] == "1.1.1"
    assert body["parent"] == tree[1].pk
    assert body["responsible_unit"] == cast.dept.pk
    assert body["lead"] == cast.contributor.pk
    assert body["budget_planned"] == "1500000.00"
    assert body["health"] == body["effective_health"] == "not_assessed"
    assert body["contributors"] == []
    assert body["url"].endswith(f"/api/v1/elements/{action.pk}/")
    assert set(body) >= {"is_overdue", "version", "created_at", "updated_at", "tags"}


def test_it_answers_404_to_an_outsider_for_elements_of_another_unit(api, tree: Tree) -> None:
    client = api("outsider")
    action = tree[2]
    assert client.get("/api/v1/elements/").json()["count"] == 0
    assert client.get(f"/api/v1/elements/{action.pk}/").status_code == 404
    assert client.patch(f"/api/v1/elements/{action.pk}/", {"title": "X"}).status_code == 404
    assert client.delete(f"/api/v1/elements/{action.pk}/").status_code == 404
    assert client.post(f"/api/v1/elements/{action.pk}/move/", {"parent": ""}).status_code == 404


def test_it_lets_a_manager_add_an_element_at_a_position(api, plan: Plan, tree: Tree) -> None:
    goal = tree[0]
    response = api("manager").post(
        "/api/v1/elements/",
        {"plan": plan.pk, "parent": goal.pk, "position": 1, "title": "Open government"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "1.1"
    assert response.json()["tier"] == "Objective"
    tree[1].refresh_from_db()
    assert tree[1].code == "1.2"


def test_it_forbids_a_viewer_to_add_an_element(api, plan: Plan) -> None:
    response = api("viewer").post(
        "/api/v1/elements/", {"plan": plan.pk, "title": "X"}, format="json"
    )
    assert response.status_code == 403


def test_it_lets_a_contributor_update_an_element(api, cast: Cast, tree: Tree) -> None:
    action = tree[2]
    response = api("contributor").patch(
        f"/api/v1/elements/{action.pk}/",
        {
            "state": "in_progress",
            "percent_complete": 40,
            "contributors": [cast.manager.pk],
            "tags": ["training", " hr "],
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["percent_complete"], body["version"]) == ("in_progress", 40, 2)
    assert body["contributors"] == [cast.manager.pk]
    assert body["tags"] == ["hr", "training"]


def test_it_forbids_a_viewer_to_update_or_delete_an_element(api, tree: Tree) -> None:
    client = api("viewer")
    action = tree[2]
    assert client.patch(f"/api/v1/elements/{action.pk}/", {"title": "X"}).status_code == 403
    assert client.delete(f"/api/v1/elements/{action.pk}/").status_code == 403
    assert (
        client.post(
            f"/api/v1/elements/{action.pk}/move/", {"parent": None}, format="json"
        ).status_code
        == 403
    )


def test_it_names_target_date_when_it_is_before_the_start_date(api, tree: Tree) -> None:
    response = api("manager").patch(
        f"/api/v1/elements/{tree[2].pk}/", {"target_date": "2017-01-15"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["target_date"]


def test_it_names_the_field_of_a_malformed_value(api, tree: Tree) -> None:
    response = api("manager").patch(
        f"/api/v1/elements/{tree[2].pk}/",
        {"percent_complete": 140, "start_date": "soon"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"percent_complete", "start_date"}


def test_it_answers_409_when_an_element_changed_since_it_was_read(api, tree: Tree) -> None:
    client = api("manager")
    url = f"/api/v1/elements/{tree[2].pk}/"
    assert (
        client.patch(url, {"percent_complete": 10, "version": 1}, format="json").status_code == 200
    )
    response = client.patch(url, {"percent_complete": 20, "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["current_version"] == 2
    assert response.json()["error"]["changed"]["percent_complete"] == {"before": 0, "after": 10}


def test_it_moves_an_element_and_renumbers_the_plan(
    api, cast: Cast, plan: Plan, tree: Tree
) -> None:
    goal, _objective, action = tree
    second = make_element(cast, plan, "Digital services", parent=goal)
    assert second.code == "1.2"
    response = api("manager").post(
        f"/api/v1/elements/{action.pk}/move/",
        {"parent": second.pk, "position": 1, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "1.2.1"
    assert response.json()["parent"] == second.pk
    response = api("manager").post(
        f"/api/v1/elements/{second.pk}/move/", {"parent": None, "position": 1}, format="json"
    )
    assert response.json()["code"] == "1"
    codes = dict(Element.objects.filter(plan=plan).values_list("title", "code"))
    assert codes == {
        "Digital services": "1",
        "Train government officials": "1.1",
        "Good governance": "2",
        "Capable public servants": "2.1",
    }


def test_it_refuses_to_move_an_element_under_its_own_child(api, tree: Tree) -> None:
    goal, objective, _action = tree
    response = api("manager").post(
        f"/api/v1/elements/{goal.pk}/move/", {"parent": objective.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]


def test_it_lets_a_manager_delete_an_element_with_its_subtree(api, plan: Plan, tree: Tree) -> None:
    client = api("manager")
    assert client.delete(f"/api/v1/elements/{tree[1].pk}/").status_code == 204
    body = client.get(f"/api/v1/elements/?plan={plan.pk}").json()
    assert [e["code"] for e in body["results"]] == ["1"]


def test_it_filters_elements_by_state_lead_and_search(
    api, cast: Cast, plan: Plan, tree: Tree
) -> None:
    client = api("manager")

    def codes(query: str) -> list[str]:
        return [e["code"] for e in client.get(f"/api/v1/elements/?{query}").json()["results"]]

    assert codes(f"plan={plan.pk}&lead={cast.contributor.pk}") == ["1.1.1"]
    assert codes("q=capable") == ["1.1"]
    assert codes("state=not_started&sort=-code") == ["1.1.1", "1.1", "1"]
    assert codes("overdue=true") == ["1.1.1"]


def test_it_names_a_bad_filter_value(api, tree: Tree) -> None:
    response = api("manager").get("/api/v1/elements/?state=sleeping")
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


# -- milestones --------------------------------------------------------------
def test_it_lets_a_contributor_add_a_milestone(api, plan: Plan, tree: Tree) -> None:
    action = tree[2]
    response = api("contributor").post(
        "/api/v1/milestones/",
        {"element": action.pk, "title": "Curriculum approved", "due_date": "2017-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["plan"] == plan.pk
    assert Milestone.objects.get(pk=response.json()["id"]).element == action


def test_it_forbids_a_viewer_to_add_a_milestone(api, tree: Tree) -> None:
    response = api("viewer").post(
        "/api/v1/milestones/", {"element": tree[2].pk, "title": "X"}, format="json"
    )
    assert response.status_code == 403


def test_it_lists_milestones_by_element_and_plan(api, cast: Cast, plan: Plan, tree: Tree) -> None:
    first = milestone_create(actor=cast.admin, element=tree[2], data={"title": "One"})
    second = milestone_create(actor=cast.admin, element=tree[1], data={"title": "Two"})
    client = api("viewer")

    def ids(query: str) -> list[int]:
        return sorted(m["id"] for m in client.get(f"/api/v1/milestones/?{query}").json()["results"])

    assert ids(f"element={tree[2].pk}") == [first.pk]
    assert ids(f"plan={plan.pk}") == sorted([first.pk, second.pk])
    assert ids(f"plan={plan.pk + 1}") == []


def test_it_updates_and_deletes_a_milestone(api, cast: Cast, tree: Tree) -> None:
    milestone = milestone_create(actor=cast.admin, element=tree[2], data={"title": "One"})
    client = api("contributor")
    url = f"/api/v1/milestones/{milestone.pk}/"
    response = client.patch(url, {"done_date": "2017-03-02", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert client.patch(url, {"title": "Late", "version": 1}, format="json").status_code == 409
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_it_guards_milestones_from_viewers_and_outsiders(api, cast: Cast, tree: Tree) -> None:
    milestone = milestone_create(actor=cast.admin, element=tree[2], data={"title": "One"})
    url = f"/api/v1/milestones/{milestone.pk}/"
    assert api("viewer").get(url).status_code == 200
    assert api("viewer").patch(url, {"title": "X"}).status_code == 403
    assert api("viewer").delete(url).status_code == 403
    assert api("outsider").get(url).status_code == 404
    assert api("outsider").patch(url, {"title": "X"}).status_code == 404
    assert api("outsider").delete(url).status_code == 404


# -- fixed query counts --------------------------------------------------------
ELEMENTS_LIST_QUERIES = 7  # organisation, token, roles, ?plan= lookup, count, rows, contributors
PLANS_LIST_QUERIES = 5  # organisation, token, roles, count, rows
MILESTONES_LIST_QUERIES = 5  # organisation, token, roles, count, rows (element joined)


def _add_elements(cast: Cast, plan: Plan, n: int) -> None:
    Element.objects.bulk_create(
        Element(
            plan=plan,
            title=f"Action {i}",
            position=10_000 + i,
            responsible_unit=cast.dept,
            lead=cast.contributor,
            budget_planned=1000,
            tags=["bulk"],
        )
        for i in range(n)
    )
    renumber(plan)
    through = Element.contributors.through
    done = set(through.objects.values_list("element_id", flat=True))
    through.objects.bulk_create(
        through(element_id=pk, person_id=cast.viewer.pk)
        for pk in Element.objects.filter(plan=plan).values_list("pk", flat=True)
        if pk not in done
    )


def test_it_lists_elements_in_a_fixed_number_of_queries(
    api, cast: Cast, plan: Plan, tree: Tree
) -> None:
    client = api("manager")
    url = f"/api/v1/elements/?plan={plan.pk}&limit=1000"
    _add_elements(cast, plan, 7)
    small = count_queries(client, url)
    _add_elements(cast, plan, 990)
    assert Element.objects.filter(plan=plan).count() == 1000
    large = count_queries(client, url)
    assert client.get(url).json()["count"] == 1000
    assert small == large == ELEMENTS_LIST_QUERIES


def test_it_lists_plans_in_a_fixed_number_of_queries(api, cast: Cast) -> None:
    def add(n: int) -> None:
        Plan.objects.bulk_create(
            Plan(
                title=f"Plan {i}",
                owner_unit=cast.dept,
                start_date=datetime.date(2017, 1, 1),
                end_date=datetime.date(2017, 12, 31),
            )
            for i in range(n)
        )

    client = api("manager")
    add(10)
    small = count_queries(client, "/api/v1/plans/?limit=1000")
    add(990)
    large = count_queries(client, "/api/v1/plans/?limit=1000")
    assert client.get("/api/v1/plans/?limit=1000").json()["count"] == 1000
    assert small == large == PLANS_LIST_QUERIES


def test_it_lists_milestones_in_a_fixed_number_of_queries(api, cast: Cast, tree: Tree) -> None:
    def add(n: int) -> None:
        Milestone.objects.bulk_create(
            Milestone(
                element=tree[i % 3], title=f"Milestone {i}", due_date=datetime.date(2017, 5, 1)
            )
            for i in range(n)
        )

    client = api("manager")
    add(10)
    small = count_queries(client, "/api/v1/milestones/?limit=1000")
    add(990)
    large = count_queries(client, "/api/v1/milestones/?limit=1000")
    assert client.get("/api/v1/milestones/?limit=1000").json()["count"] == 1000
    assert small == large == MILESTONES_LIST_QUERIES
