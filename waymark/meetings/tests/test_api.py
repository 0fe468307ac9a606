"""/api/v1/action-items/ through real token authentication, for every member of the cast.

The cast's plan holds 1 > 1.1 > 1.1.1; the action 1.1.1 is the department's, led by the
contributor. The clock stands at 3 April 2017.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.core.testing import Cast, make_element, make_person, make_plan
from waymark.indicators.models import Period
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_create, action_item_set_status
from waymark.org.models import Unit
from waymark.org.services import unit_create
from waymark.plans.models import Element, Plan
from waymark.reporting.models import Review, ReviewItem
from waymark.reporting.reviews import review_create
from waymark.reporting.selectors import reporting_periods

Tree = tuple[Element, Element, Element]
Api = Callable[[str | None], APIClient]
D = datetime.date
TODAY = D(2017, 4, 3)
LIST = "/api/v1/action-items/"


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2017, 4, 3, 12), tick=False):
        yield


@pytest.fixture
def api(cast: Cast) -> Api:
    """api("viewer") -> an APIClient sending that cast member's token (None: anonymous)."""

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            token, _created = Token.objects.get_or_create(user=cast.everyone[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def item(cast: Cast, tree: Tree) -> ActionItem:
    """The contributor is to hold the last two trainings of the action 1.1.1 by 30 April."""
    return action_item_create(
        actor=cast.manager,
        data={
            "title": "Hold the last two trainings",
            "element": tree[2],
            "owner": cast.contributor,
            "due_date": D(2017, 4, 30),
            "expected_outcome": "Forty officials trained.",
        },
    )


def url_of(item: ActionItem, step: str = "") -> str:
    return f"{LIST}{item.pk}/" + (f"{step}/" if step else "")


def error_fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    fields: dict[str, list[str]] = response.json()["error"]["fields"]
    return fields


def changes_of(obj: Any) -> list[str]:
    return list(
        Change.objects.filter(object_id=obj.pk, object_type__model=type(obj)._meta.model_name)
        .order_by("id")
        .values_list("action", flat=True)
    )


# -- the workflow --------------------------------------------------------------------------------
def test_it_lets_a_manager_record_an_item_and_its_owner_note_progress_and_complete_it(
    api: Api, cast: Cast, plan: Plan, tree: Tree
) -> None:
    action = tree[2]
    response = api("manager").post(
        LIST,
        {
            "title": "  Book the   training rooms ",
            "element": action.pk,
            "owner": cast.contributor.pk,
            "due_date": "2017-04-20",
            "expected_outcome": "Rooms in three soums booked.",
            "details": "Ask the soum governors first.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["status"], body["overdue"], body["version"]) == (
        "Book the training rooms",
        "open",
        False,
        1,
    )
    assert (body["element"], body["element_code"], body["element_title"], body["plan"]) == (
        action.pk,
        "1.1.1",
        "Train government officials",
        plan.pk,
    )
    assert (body["unit"], body["unit_name"]) == (cast.dept.pk, "Department of Administration")
    assert (body["owner"], body["owner_name"], body["due_date"]) == (
        cast.contributor.pk,
        "Contributor",
        "2017-04-20",
    )
    assert (body["review"], body["review_item"], body["notes"]) == (None, None, [])
    assert body["expected_outcome"] == "Rooms in three soums booked."
    assert body["url"].endswith(f"{LIST}{body['id']}/")
    item = ActionItem.objects.get(pk=body["id"])

    owner = api("contributor")
    noted = owner.post(url_of(item, "notes"), {"text": "Two of three booked."}, format="json")
    assert noted.status_code == 201, noted.content
    note = noted.json()
    assert (note["author"], note["author_name"], note["text"]) == (
        cast.contributor.pk,
        "Contributor",
        "Two of three booked.",
    )
    assert note["created_at"].startswith("2017-04-03")

    done = owner.post(
        url_of(item, "status"),
        {"status": "done", "note": "All three booked.", "version": 1},
        format="json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["outcome"], body["version"]) == ("done", "All three booked.", 2)
    assert body["done_at"].startswith("2017-04-03")
    assert [(n["author"], n["text"]) for n in body["notes"]] == [
        (cast.contributor.pk, "Two of three booked.")
    ]
    assert owner.get(url_of(item)).json() == body
    assert changes_of(item) == ["create", "update"]
    assert Change.objects.filter(object_type__model="actionitemnote", action="create").count() == 1


def test_it_lets_a_manager_change_cancel_and_reopen_an_item(
    api: Api, cast: Cast, item: ActionItem
) -> None:
    client = api("manager")
    changed = client.patch(
        url_of(item),
        {"title": "Hold the last training", "due_date": "2017-05-15", "owner": cast.viewer.pk},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["title"], body["due_date"], body["owner"], body["version"]) == (
        "Hold the last training",
        "2017-05-15",
        cast.viewer.pk,
        2,
    )
    assert body["expected_outcome"] == "Forty officials trained."  # absent: left as it was
    cancelled = client.post(
        url_of(item, "status"),
        {"status": "cancelled", "note": "The budget went to roads.", "version": 2},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled.json()["outcome"]) == (
        "cancelled",
        "The budget went to roads.",
    )
    reopened = client.post(url_of(item, "status"), {"status": "open"}, format="json")
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["status"], reopened.json()["version"]) == ("open", 4)
    assert changes_of(item) == ["create", "update", "update", "update"]


def test_it_shows_the_review_an_item_came_from(
    api: Api, cast: Cast, plan: Plan, tree: Tree
) -> None:
    period: Period = reporting_periods(plan)[0]
    review = review_create(actor=cast.manager, plan=plan, period=period, kind=Review.Kind.QUARTERLY)
    review_item = ReviewItem.objects.get(review=review, element=tree[2])
    item = action_item_create(
        actor=cast.manager,
        data={"title": "Re-plan the trainings", "element": tree[2], "review_item": review_item},
    )
    body = api("viewer").get(url_of(item)).json()
    assert (body["review"], body["review_item"], body["element_code"]) == (
        review.pk,
        review_item.pk,
        "1.1.1",
    )


def test_it_answers_409_when_the_item_is_stale(api: Api, item: ActionItem) -> None:
    client = api("manager")
    mine = client.patch(url_of(item), {"title": "Mine", "version": 1}, format="json")
    assert mine.status_code == 200, mine.content
    stale = client.patch(url_of(item), {"title": "Theirs", "version": 1}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert (error["code"], error["current_version"]) == ("conflict", 2)
    assert error["changed"]["title"]["after"] == "Mine"
    done = api("contributor").post(
        url_of(item, "status"), {"status": "done", "note": "Held.", "version": 1}, format="json"
    )
    assert done.status_code == 409
    item.refresh_from_db()
    assert (item.title, item.status, item.version) == ("Mine", "open", 2)


def test_it_names_the_field_it_refuses(api: Api, cast: Cast, tree: Tree, item: ActionItem) -> None:
    client = api("manager")
    assert list(error_fields(client.post(LIST, {"element": tree[2].pk}, format="json"))) == [
        "title"
    ]
    blank = client.post(LIST, {"title": "  ", "element": tree[2].pk}, format="json")
    assert error_fields(blank) == {"title": ["Say what is to be done."]}
    nowhere = client.post(LIST, {"title": "Something"}, format="json")
    assert error_fields(nowhere) == {"unit": ["Choose the unit the action item belongs to."]}
    bad_date = client.post(
        LIST, {"title": "Something", "unit": cast.dept.pk, "due_date": "soon"}, format="json"
    )
    assert list(error_fields(bad_date)) == ["due_date"]
    gone = make_person("gone", cast.dept, Role.CONTRIBUTOR, is_active=False)
    inactive = client.patch(url_of(item), {"owner": gone.pk}, format="json")
    assert list(error_fields(inactive)) == ["owner"]
    assert list(error_fields(client.patch(url_of(item), {"title": ""}, format="json"))) == ["title"]

    status_url = url_of(item, "status")
    assert list(error_fields(client.post(status_url, {}, format="json"))) == ["status"]
    assert list(error_fields(client.post(status_url, {"status": "lost"}, format="json"))) == [
        "status"
    ]
    undone = client.post(status_url, {"status": "done"}, format="json")
    assert error_fields(undone) == {"note": ["Say what was done."]}
    uncancelled = client.post(status_url, {"status": "cancelled", "note": " "}, format="json")
    assert error_fields(uncancelled) == {"note": ["Say why it is no longer to be done."]}
    already = client.post(status_url, {"status": "open"}, format="json")
    assert error_fields(already) == {"status": ["This action item is open already."]}
    empty = client.post(url_of(item, "notes"), {"text": ""}, format="json")
    assert error_fields(empty) == {"text": ["Write the note first."]}
    assert list(error_fields(client.post(url_of(item, "notes"), {}, format="json"))) == ["text"]
    item.refresh_from_db()
    assert (item.version, item.status, item.owner) == (1, "open", cast.contributor)
    assert not item.notes.exists()


# -- who may do what -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 200),
        ("viewer", 200),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_shows_items_to_those_who_see_their_unit_or_plan(
    api: Api, item: ActionItem, name: str | None, expected: int
) -> None:
    client = api(name)
    listed = client.get(LIST)
    assert listed.status_code == (401 if name is None else 200)
    if name is not None:
        ids = [i["id"] for i in listed.json()["results"]]
        assert ids == ([] if name == "outsider" else [item.pk])
    detail = client.get(url_of(item))
    assert detail.status_code == expected
    if expected == 404:
        assert detail.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 201),
        ("manager", 201),
        ("contributor", 403),
        ("viewer", 403),
        ("outsider", 400),  # the element is not one they can see: "does not exist"
        (None, 401),
    ],
)
def test_it_lets_managers_only_record_an_item(
    api: Api, tree: Tree, name: str | None, expected: int
) -> None:
    response = api(name).post(
        LIST, {"title": "Book the rooms", "element": tree[2].pk}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 400:
        assert list(error_fields(response)) == ["element"]
    assert ActionItem.objects.exists() == (expected == 201)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 403),  # the owner carries the item out but does not rewrite it
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_lets_managers_only_change_an_item(
    api: Api, item: ActionItem, name: str | None, expected: int
) -> None:
    response = api(name).patch(url_of(item), {"title": "Changed"}, format="json")
    assert response.status_code == expected, response.content
    item.refresh_from_db()
    assert item.title == ("Changed" if expected == 200 else "Hold the last two trainings")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 200),  # the owner
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_lets_the_owner_and_managers_note_and_complete_an_item(
    api: Api, item: ActionItem, name: str | None, expected: int
) -> None:
    client = api(name)
    noted = client.post(url_of(item, "notes"), {"text": "Halfway."}, format="json")
    assert noted.status_code == (201 if expected == 200 else expected), noted.content
    done = client.post(url_of(item, "status"), {"status": "done", "note": "Held."}, format="json")
    assert done.status_code == expected, done.content
    item.refresh_from_db()
    assert item.status == ("done" if expected == 200 else "open")
    assert item.notes.count() == (1 if expected == 200 else 0)


def test_it_lets_an_owner_of_another_unit_see_and_carry_out_their_item(
    api: Api, cast: Cast, tree: Tree
) -> None:
    theirs = action_item_create(
        actor=cast.manager,
        data={"title": "Send the budget figures", "element": tree[2], "owner": cast.outsider},
    )
    client = api("outsider")
    assert [i["id"] for i in client.get(LIST).json()["results"]] == [theirs.pk]
    assert client.get(url_of(theirs)).status_code == 200
    assert client.patch(url_of(theirs), {"title": "No"}, format="json").status_code == 403
    assert (
        client.post(url_of(theirs, "notes"), {"text": "Sent on Monday."}, format="json").status_code
        == 201
    )
    done = client.post(url_of(theirs, "status"), {"status": "done", "note": "Sent."}, format="json")
    assert done.status_code == 200, done.content


def test_it_does_not_offer_put_or_delete(api: Api, item: ActionItem) -> None:
    client = api("manager")
    assert client.put(url_of(item), {"title": "All"}, format="json").status_code == 405
    assert client.delete(url_of(item)).status_code == 405
    assert ActionItem.objects.filter(pk=item.pk).exists()


# -- filters -------------------------------------------------------------------------------------
def test_it_filters_items(api: Api, cast: Cast, plan: Plan, tree: Tree) -> None:
    _goal, objective, action = tree
    division: Unit = unit_create(
        actor=cast.admin, name="Training Division", short_name="TD", parent=cast.dept
    )

    def create(title: str, **data: Any) -> ActionItem:
        return action_item_create(actor=cast.admin, data={"title": title, **data})

    overdue = create("Late", element=action, owner=cast.contributor, due_date=D(2017, 3, 31))
    soon = create("Soon", element=objective, owner=cast.viewer, due_date=D(2017, 4, 10))
    undated = create("Undated", unit=division)
    finished = create("Finished", element=action, owner=cast.contributor, due_date=D(2017, 3, 1))
    action_item_set_status(actor=cast.manager, item=finished, status="done", note="Held.")
    hidden_plan = make_plan(cast, "Finance plan 2017", owner_unit=cast.other)
    elsewhere = create(
        "Elsewhere", element=make_element(cast, hidden_plan, "Audit"), owner=cast.contributor
    )
    client = api("contributor")

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["results"]]

    everything = [finished.pk, overdue.pk, soon.pk, undated.pk, elsewhere.pk]
    assert ids("") == everything  # soonest due first, the undated last; own items elsewhere too
    assert ids(f"owner={cast.contributor.pk}") == [finished.pk, overdue.pk, elsewhere.pk]
    assert ids(f"owner={cast.viewer.pk}") == [soon.pk]
    assert ids(f"unit={cast.dept.pk}") == [finished.pk, overdue.pk, soon.pk, undated.pk]
    assert ids(f"unit={division.pk}") == [undated.pk]
    assert ids(f"element={action.pk}") == [finished.pk, overdue.pk]
    assert ids(f"plan={plan.pk}") == [finished.pk, overdue.pk, soon.pk]
    assert ids("status=done") == [finished.pk]
    assert ids("status=open&status=cancelled") == [overdue.pk, soon.pk, undated.pk, elsewhere.pk]
    assert ids("overdue=true") == [overdue.pk]
    assert ids("overdue=false") == [finished.pk, soon.pk, undated.pk, elsewhere.pk]
    assert ids(f"plan={plan.pk}&overdue=true&owner={cast.contributor.pk}") == [overdue.pk]
    rows = {i["id"]: i["overdue"] for i in client.get(LIST).json()["results"]}
    assert rows == {pk: pk == overdue.pk for pk in everything}
    assert "status" in error_fields(client.get(f"{LIST}?status=lost"))
    assert "plan" in error_fields(client.get(f"{LIST}?plan={hidden_plan.pk}"))
    assert "unit" in error_fields(client.get(f"{LIST}?unit={cast.other.pk}"))
    stranger = make_person("stranger", cast.other, Role.CONTRIBUTOR)
    assert "owner" in error_fields(client.get(f"{LIST}?owner={stranger.pk}"))


# -- the schema ----------------------------------------------------------------------------------
def test_it_documents_action_items_in_the_schema(api: Api) -> None:
    response = api(None).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/action-items/",
        "/api/v1/action-items/{id}/",
        "/api/v1/action-items/{id}/status/",
        "/api/v1/action-items/{id}/notes/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/action-items/"]) == {"get", "post"}
    assert set(paths["/api/v1/action-items/{id}/"]) == {"get", "patch"}
    for path, method in (
        ("/api/v1/action-items/{id}/", "patch"),
        ("/api/v1/action-items/{id}/status/", "post"),
    ):
        responses = paths[path][method]["responses"]
        assert {"400", "401", "403", "404", "409"} <= set(responses), (path, responses.keys())
    assert {"201", "400", "401", "403"} <= set(paths["/api/v1/action-items/"]["post"]["responses"])
    filters = {p["name"] for p in paths["/api/v1/action-items/"]["get"]["parameters"]}
    assert {"owner", "unit", "element", "plan", "status", "overdue"} <= filters
    components = schema["components"]["schemas"]
    assert set(components["ActionItemStatus"]["enum"]) == {"open", "done", "cancelled"}
    assert {"element_code", "review", "review_item", "overdue", "version"} <= set(
        components["ActionItem"]["properties"]
    )
    assert components["ActionItemDetail"]["properties"]["notes"]["items"] == {
        "$ref": "#/components/schemas/ActionItemNote"
    }
    assert {"author", "text", "created_at"} <= set(components["ActionItemNote"]["properties"])
    assert components["ActionItemStatusRequest"]["required"] == ["status"]
    assert components["ActionItemCreateRequest"]["required"] == ["title"]


# -- fixed query counts --------------------------------------------------------------------------
# organisation (middleware), token, roles, count, rows (joined); a ?plan= filter adds its lookup.
LIST_QUERIES = 5
DETAIL_QUERIES = 5  # organisation, token, roles, the row (joined), its notes (with authors)


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_and_shows_items_in_a_fixed_number_of_queries(
    api: Api,
    cast: Cast,
    plan: Plan,
    tree: Tree,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    period: Period = reporting_periods(plan)[0]
    review = review_create(actor=cast.manager, plan=plan, period=period, kind=Review.Kind.QUARTERLY)
    review_items = list(ReviewItem.objects.filter(review=review))
    owners = [cast.contributor, cast.viewer, cast.manager, None]
    ActionItem.objects.bulk_create(
        ActionItem(
            title=f"Item {i}",
            unit=cast.dept,
            element=tree[i % 3],
            review_item=review_items[i % 3] if i % 2 else None,
            owner=owners[i % 4],
            due_date=D(2017, 3, 1) + datetime.timedelta(days=3 * i),
            status="done" if i % 5 == 4 else "open",
        )
        for i in range(count)
    )
    first = ActionItem.objects.order_by("id").first()
    assert first is not None
    for i in range(count):
        first.notes.create(author=owners[i % 3], text=f"Note {i}")
    client = api("viewer")
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"{LIST}?limit=1000")
    rows = response.json()["results"]
    assert len(rows) == count
    assert {r["element_code"] for r in rows} == (
        {"1", "1.1"} if count == 2 else {"1", "1.1", "1.1.1"}
    )
    assert sum(1 for r in rows if r["review"] == review.pk) == count // 2
    with django_assert_num_queries(LIST_QUERIES + 1):  # + the ?plan= lookup
        response = client.get(f"{LIST}?plan={plan.pk}&overdue=true&status=open")
    assert response.status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url_of(first))
    assert len(response.json()["notes"]) == count
