"""/api/v1/progress-updates/ and /api/v1/reviews/ through real token authentication, for every
member of the cast.

The cast's plan runs through 2017, quarterly; its action 1.1.1 (led by the contributor, the
lowest of three tiers) is due 5 days after a quarter ends, the objective 1.1 five days later,
the goal 1 five days after that, each with 10 grace days. The clock stands at 3 April 2017:
the first quarter's updates are due, the third quarter has not started.
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
from waymark.core.testing import Cast, make_element, make_plan, make_tree
from waymark.indicators.models import Period
from waymark.meetings.models import ActionItem
from waymark.org.models import Health
from waymark.plans.models import Element, Plan
from waymark.reporting.models import (
    Baseline,
    Notification,
    ProgressUpdate,
    Review,
    ReviewItem,
)
from waymark.reporting.reviews import review_create, review_item_save
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import update_accept, update_save, update_submit

Tree = tuple[Element, Element, Element]
Api = Callable[[str | None], APIClient]
D = datetime.date
TODAY = D(2017, 4, 3)
EVERYONE = ("admin", "manager", "contributor", "viewer", "outsider", None)
TEXT = {
    "health": Health.AT_RISK,
    "percent_complete": 40,
    "narrative": "Two of five trainings held.",
}


def at(day: datetime.date) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12), tick=False)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with at(TODAY):
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
def q1(plan: Plan) -> Period:
    return reporting_periods(plan)[0]


@pytest.fixture
def q2(plan: Plan) -> Period:
    return reporting_periods(plan)[1]


@pytest.fixture
def draft(cast: Cast, tree: Tree, q1: Period) -> ProgressUpdate:
    """The contributor's draft update on the action 1.1.1 for 2017-Q1."""
    return update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT)


@pytest.fixture
def submitted(cast: Cast, draft: ProgressUpdate) -> ProgressUpdate:
    return update_submit(actor=cast.contributor, update=draft, version=draft.version)


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


def url_of(update: ProgressUpdate, step: str = "") -> str:
    return f"/api/v1/progress-updates/{update.pk}/" + (f"{step}/" if step else "")


# -- progress updates: the workflow --------------------------------------------------------------
def test_it_lets_the_lead_write_and_submit_and_a_manager_accept_an_update(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    action = tree[2]
    response = api("contributor").post(
        "/api/v1/progress-updates/",
        {"element": action.pk, "period": q1.pk, **TEXT, "challenges": "Rooms were booked."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["element"], body["element_code"], body["element_title"]) == (
        action.pk,
        "1.1.1",
        "Train government officials",
    )
    assert (body["plan"], body["period"], body["period_label"]) == (plan.pk, q1.pk, "2017-Q1")
    assert (body["status"], body["health"], body["percent_complete"]) == ("draft", "at_risk", 40)
    assert (body["due_date"], body["late"], body["version"]) == ("2017-04-05", False, 1)
    assert (body["author"], body["challenges"]) == (cast.contributor.pk, "Rooms were booked.")
    assert body["url"].endswith(f"/api/v1/progress-updates/{body['id']}/")
    update = ProgressUpdate.objects.get(pk=body["id"])

    response = api("contributor").post(url_of(update, "submit"), {"version": 1}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["submitted_by"], body["version"]) == (
        "submitted",
        cast.contributor.pk,
        2,
    )
    assert body["submitted_at"].startswith("2017-04-03")

    response = api("manager").post(
        url_of(update, "accept"), {"comment": "Good, thank you.", "version": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["reviewed_by"], body["review_comment"]) == (
        "accepted",
        cast.manager.pk,
        "Good, thank you.",
    )
    assert changes_of(update) == ["create", "update", "update"]
    action.refresh_from_db()
    assert action.health_override == Health.AT_RISK  # the element had no health of its own
    assert "update" in changes_of(action)


def test_it_writes_and_submits_in_one_request_and_corrects_an_existing_draft(
    api: Api, cast: Cast, tree: Tree, q1: Period, draft: ProgressUpdate
) -> None:
    client = api("contributor")
    corrected = client.post(
        "/api/v1/progress-updates/",
        {"element": tree[2].pk, "period": q1.pk, "narrative": "Three of five held.", "version": 1},
        format="json",
    )
    assert corrected.status_code == 200, corrected.content
    assert (corrected.json()["id"], corrected.json()["version"]) == (draft.pk, 2)
    assert corrected.json()["percent_complete"] == 40  # absent fields are left as they were
    objective = tree[1]
    response = client.post(
        "/api/v1/progress-updates/",
        {"element": objective.pk, "period": q1.pk, **TEXT, "submit": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["due_date"]) == ("submitted", "2017-04-10")
    created = ProgressUpdate.objects.get(pk=response.json()["id"])
    assert changes_of(created) == ["create", "update"]


def test_it_returns_an_update_with_a_comment_and_its_author_corrects_it(
    api: Api, cast: Cast, submitted: ProgressUpdate
) -> None:
    url = url_of(submitted, "return")
    missing = api("manager").post(url, {}, format="json")
    assert list(error_fields(missing)) == ["comment"]
    blank = api("manager").post(url, {"comment": "  "}, format="json")
    assert error_fields(blank) == {"comment": ["Say what must be changed."]}
    assert api("contributor").post(url, {"comment": "No"}, format="json").status_code == 403
    response = api("manager").post(
        url, {"comment": "Say which soums took part.", "version": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["review_comment"]) == ("returned", "Say which soums took part.")
    assert Notification.objects.get(person=cast.contributor).kind == Notification.Kind.RETURNED
    corrected = api("contributor").patch(
        url_of(submitted),
        {"narrative": "Khalkhgol and Bayantumen soums.", "submit": True, "version": 3},
        format="json",
    )
    assert corrected.status_code == 200, corrected.content
    assert (corrected.json()["status"], corrected.json()["version"]) == ("submitted", 5)
    assert changes_of(submitted) == ["create", "update", "update", "update", "update"]


def test_it_answers_409_when_the_update_is_stale(
    api: Api, cast: Cast, tree: Tree, q1: Period, draft: ProgressUpdate
) -> None:
    client = api("contributor")
    assert (
        client.patch(url_of(draft), {"narrative": "Mine", "version": 1}, format="json").status_code
        == 200
    )
    stale = client.patch(url_of(draft), {"narrative": "Theirs", "version": 1}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert (error["code"], error["current_version"]) == ("conflict", 2)
    assert error["changed"]["narrative"]["after"] == "Mine"
    first = client.post(
        "/api/v1/progress-updates/",
        {"element": tree[2].pk, "period": q1.pk, "narrative": "Fresh", "version": 0},
        format="json",
    )
    assert first.status_code == 409  # someone wrote the update since the writer looked
    assert client.post(url_of(draft, "submit"), {"version": 1}, format="json").status_code == 409
    submit = client.post(url_of(draft, "submit"), {"version": 2}, format="json")
    assert submit.status_code == 200, submit.content
    accept = api("manager").post(url_of(draft, "accept"), {"version": 2}, format="json")
    assert accept.status_code == 409
    back = api("manager").post(
        url_of(draft, "return"), {"comment": "x", "version": 1}, format="json"
    )
    assert back.status_code == 409
    draft.refresh_from_db()
    assert (draft.narrative, draft.status) == ("Mine", "submitted")


def test_it_names_the_field_it_refuses(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, draft: ProgressUpdate
) -> None:
    client = api("contributor")
    url = url_of(draft)
    assert list(error_fields(client.patch(url, {"percent_complete": 150}, format="json"))) == [
        "percent_complete"
    ]
    assert list(error_fields(client.patch(url, {"health": "great"}, format="json"))) == ["health"]
    unsubmittable = client.patch(url, {"narrative": "", "submit": True}, format="json")
    assert list(error_fields(unsubmittable)) == ["narrative"]
    early = client.post(
        "/api/v1/progress-updates/",
        {"element": tree[2].pk, "period": reporting_periods(plan)[2].pk, **TEXT},
        format="json",
    )
    assert error_fields(early) == {"period": ["2017-Q3 has not started yet."]}
    assert list(
        error_fields(client.post("/api/v1/progress-updates/", {"period": q1.pk}, format="json"))
    ) == ["element"]
    other_plan = make_plan(cast, "Finance plan 2017")
    foreign = reporting_periods(other_plan)[0]
    wrong = client.post(
        "/api/v1/progress-updates/",
        {"element": tree[2].pk, "period": foreign.pk, **TEXT},
        format="json",
    )
    assert list(error_fields(wrong)) == ["period"]
    not_submitted = api("manager").post(url_of(draft, "accept"), {}, format="json")
    assert list(error_fields(not_submitted)) == ["status"]
    draft.refresh_from_db()
    assert (draft.version, draft.narrative) == (1, TEXT["narrative"])


def test_it_refuses_an_update_past_its_grace_days(
    api: Api, tree: Tree, q1: Period, draft: ProgressUpdate
) -> None:
    with at(D(2017, 4, 16)):  # due 5 April, grace until 15 April
        response = api("contributor").patch(url_of(draft), {"narrative": "Late"}, format="json")
    assert list(error_fields(response)) == ["period"]
    assert "closed on 2017-04-15" in response.json()["error"]["message"]


# -- progress updates: who may do what -----------------------------------------------------------
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
def test_it_shows_updates_to_the_plans_members_only(
    api: Api, draft: ProgressUpdate, name: str | None, expected: int
) -> None:
    client = api(name)
    listed = client.get("/api/v1/progress-updates/")
    assert listed.status_code == (401 if name is None else 200)
    if name is not None:
        ids = [u["id"] for u in listed.json()["results"]]
        assert ids == ([] if name == "outsider" else [draft.pk])
    detail = client.get(url_of(draft))
    assert detail.status_code == expected
    if expected == 404:
        assert detail.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 201),
        ("manager", 201),
        ("contributor", 201),
        ("viewer", 403),
        ("outsider", 400),  # the element is not one they can see: "does not exist"
        (None, 401),
    ],
)
def test_it_lets_writers_only_create_an_update(
    api: Api, tree: Tree, q1: Period, name: str | None, expected: int
) -> None:
    response = api(name).post(
        "/api/v1/progress-updates/", {"element": tree[2].pk, "period": q1.pk, **TEXT}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 400:  # neither the element nor the period is one they can see
        assert set(error_fields(response)) == {"element", "period"}
    assert ProgressUpdate.objects.exists() == (expected == 201)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 200),
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_lets_writers_only_change_and_submit_an_update(
    api: Api, draft: ProgressUpdate, name: str | None, expected: int
) -> None:
    client = api(name)
    changed = client.patch(url_of(draft), {"narrative": "Changed"}, format="json")
    assert changed.status_code == expected, changed.content
    response = client.post(url_of(draft, "submit"), {}, format="json")
    assert response.status_code == expected, response.content
    draft.refresh_from_db()
    assert draft.status == ("submitted" if expected == 200 else "draft")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 403),
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_lets_managers_only_accept_or_return_an_update(
    api: Api, submitted: ProgressUpdate, name: str | None, expected: int
) -> None:
    client = api(name)
    back = client.post(url_of(submitted, "return"), {"comment": "Add the soums."}, format="json")
    assert back.status_code == expected, back.content
    if expected == 200:
        update_submit(
            actor=submitted.element.lead, update=ProgressUpdate.objects.get(pk=submitted.pk)
        )
    accepted = client.post(url_of(submitted, "accept"), {}, format="json")
    assert accepted.status_code == expected, accepted.content
    submitted.refresh_from_db()
    assert submitted.status == ("accepted" if expected == 200 else "submitted")


def test_it_refuses_a_manager_accepting_their_own_update(
    api: Api, cast: Cast, tree: Tree, q1: Period
) -> None:
    own = update_save(actor=cast.manager, element=tree[2], period=q1, data=TEXT, submit=True)
    response = api("manager").post(url_of(own, "accept"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You cannot accept your own update."
    assert api("admin").post(url_of(own, "accept"), {}, format="json").status_code == 200


def test_it_does_not_offer_put_or_delete_on_updates(api: Api, draft: ProgressUpdate) -> None:
    client = api("contributor")
    assert client.put(url_of(draft), {**TEXT}, format="json").status_code == 405
    assert client.delete(url_of(draft)).status_code == 405
    assert ProgressUpdate.objects.filter(pk=draft.pk).exists()


# -- progress updates: filters -------------------------------------------------------------------
def test_it_filters_updates(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, q2: Period
) -> None:
    goal, objective, action = tree
    on_time = update_save(actor=cast.contributor, element=action, period=q1, data=TEXT, submit=True)
    with at(D(2017, 4, 12)):  # the objective was due on 10 April
        late = update_save(
            actor=cast.manager,
            element=objective,
            period=q1,
            data={**TEXT, "health": Health.OFF_TRACK},
            submit=True,
        )
    waiting = update_save(
        actor=cast.manager, element=goal, period=q1, data={**TEXT, "health": Health.ON_TRACK}
    )
    update_accept(actor=cast.manager, update=on_time)
    client = api("viewer")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/progress-updates/?{query}")
        assert response.status_code == 200, response.content
        return sorted(u["id"] for u in response.json()["results"])

    everything = sorted([on_time.pk, late.pk, waiting.pk])
    assert ids(f"plan={plan.pk}") == everything
    assert ids(f"period={q1.pk}") == everything
    assert ids(f"period={q2.pk}") == []
    assert ids(f"element={objective.pk}") == [late.pk]
    assert ids("late=true") == [late.pk]
    assert ids("late=false") == sorted([on_time.pk, waiting.pk])
    assert ids("status=draft") == [waiting.pk]
    assert ids("status=submitted&status=accepted") == sorted([on_time.pk, late.pk])
    assert ids("health=off_track&health=on_track") == sorted([late.pk, waiting.pk])
    assert ids(f"plan={plan.pk}&status=accepted&health=at_risk") == [on_time.pk]
    assert "status" in error_fields(client.get("/api/v1/progress-updates/?status=lost"))
    assert "health" in error_fields(client.get("/api/v1/progress-updates/?health=fine"))
    hidden = make_plan(cast, "Finance plan 2017", owner_unit=cast.other)
    assert "plan" in error_fields(client.get(f"/api/v1/progress-updates/?plan={hidden.pk}"))


# -- reviews: the workflow -----------------------------------------------------------------------
def open_review(cast: Cast, plan: Plan, period: Period, **extra: Any) -> Review:
    return review_create(
        actor=cast.manager, plan=plan, period=period, kind=Review.Kind.QUARTERLY, **extra
    )


def item_url(review: Review, element: Element) -> str:
    item = ReviewItem.objects.get(review=review, element=element)
    return f"/api/v1/reviews/{review.pk}/items/{item.pk}/"


def test_it_opens_answers_and_closes_a_review_applying_a_replan(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    action = tree[2]
    client = api("manager")
    response = client.post(
        "/api/v1/reviews/",
        {"plan": plan.pk, "period": q1.pk, "kind": "quarterly", "chair": cast.admin.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["state"], body["held_on"], body["period_label"]) == (
        "quarterly",
        "open",
        "2017-04-03",
        "2017-Q1",
    )
    assert (body["plan"], body["unit"], body["chair"]) == (plan.pk, None, cast.admin.pk)
    assert (body["element_count"], body["off_track_count"], body["decision_count"]) == (3, 0, 0)
    assert [i["element_code"] for i in body["items"]] == ["1", "1.1", "1.1.1"]
    review = Review.objects.get(pk=body["id"])
    assert changes_of(review) == ["create"]

    url = item_url(review, action)
    answer = client.patch(
        url,
        {
            "on_track": "no",
            "reasons": [
                {"code": "a", "text": "The soums were far apart."},
                {"code": "external", "text": "Snowstorms in March."},
            ],
            "changes": "A new training budget line.",
            "timeline_realistic": False,
            "proposed_target": "2017-09-30",
            "staff_sufficient": True,
            "budget_sufficient": False,
            "decision": "replan",
            "decision_note": "Hold the last two trainings in September.",
            "decision_owner": cast.contributor.pk,
            "decision_due": "2017-05-01",
            "version": 1,
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    item = answer.json()
    assert item["reasons"] == [
        {"code": "a", "text": "The soums were far apart."},
        {"code": "external", "text": "Snowstorms in March."},
    ]
    assert (item["on_track"], item["decision"], item["proposed_target"]) == (
        "no",
        "replan",
        "2017-09-30",
    )
    assert (item["decision_owner"], item["decision_due"], item["version"]) == (
        cast.contributor.pk,
        "2017-05-01",
        2,
    )
    assert (item["timeline_realistic"], item["staff_sufficient"], item["budget_sufficient"]) == (
        False,
        True,
        False,
    )
    assert item["applied_at"] is None
    assert client.get(url).json() == item
    logged = Change.objects.filter(object_type__model="reviewitem", action="update").get()
    assert logged.after is not None
    assert "off_track_reasons" in logged.after

    # Each answer moves the review's version: the closer closes what they have seen.
    stale = client.post(f"/api/v1/reviews/{review.pk}/close/", {"version": 1}, format="json")
    assert stale.status_code == 409
    seen = client.get(f"/api/v1/reviews/{review.pk}/").json()["version"]
    response = client.post(f"/api/v1/reviews/{review.pk}/close/", {"version": seen}, format="json")
    assert response.status_code == 200, response.content
    closed = response.json()
    assert (closed["state"], closed["closed_by"]) == ("closed", cast.manager.pk)
    assert closed["decision_count"] == 1
    applied = next(i for i in closed["items"] if i["element"] == action.pk)
    assert applied["applied_at"] is not None
    action.refresh_from_db()
    assert action.target_date == D(2017, 9, 30)
    assert list(Baseline.objects.filter(plan=plan).values_list("number", flat=True)) == [1, 2]
    follow_up = ActionItem.objects.get(review_item__element=action)
    assert applied["action_items"] == [follow_up.pk]
    assert changes_of(review) == ["create", "update"]
    refused = client.patch(url, {"decision_note": "Too late"}, format="json")
    assert list(error_fields(refused)) == ["review"]
    again = client.post(f"/api/v1/reviews/{review.pk}/close/", {}, format="json")
    assert list(error_fields(again)) == ["review"]


def test_it_will_not_close_a_review_while_an_element_off_track_has_no_decision(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    review = open_review(cast, plan, q1)
    client = api("manager")
    assert (
        client.patch(item_url(review, tree[2]), {"on_track": "partly"}, format="json").status_code
        == 200
    )
    response = client.post(f"/api/v1/reviews/{review.pk}/close/", {}, format="json")
    assert error_fields(response) == {
        "items": ["Decide on 1.1.1 before closing: it is not on track."]
    }
    assert Review.objects.get(pk=review.pk).state == "open"


def test_it_names_the_item_field_it_refuses_and_answers_409_when_stale(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    review = open_review(cast, plan, q1)
    client = api("manager")
    url = item_url(review, tree[2])

    def refused(body: dict[str, Any]) -> list[str]:
        return list(error_fields(client.patch(url, body, format="json")))

    assert refused({"on_track": "maybe"}) == ["on_track"]
    assert refused({"on_track": "yes", "reasons": [{"code": "a"}]}) == ["reasons"]
    assert refused({"on_track": "no", "reasons": [{"code": "a"}, {"code": "a"}]}) == ["reasons"]
    assert refused({"on_track": "no", "reasons": [{"code": "other"}]}) == ["reasons"]
    assert refused({"reasons": [{"code": "z"}]}) == ["reasons"]
    assert refused({"decision": "replan"}) == ["proposed_target"]
    assert refused({"decision": "reassign", "new_lead": cast.outsider.pk}) == ["new_lead"]
    assert refused({"decision_due": "2017-03-01"}) == ["decision_due"]
    assert refused({"decision_owner": 999999}) == ["decision_owner"]
    assert refused({"proposed_start": "soon"}) == ["proposed_start"]
    assert ReviewItem.objects.get(review=review, element=tree[2]).version == 1
    assert client.patch(url, {"changes": "None", "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"changes": "Some", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["current_version"] == 2
    close = client.post(f"/api/v1/reviews/{review.pk}/close/", {"version": 1}, format="json")
    assert close.status_code == 409  # loaded before the answer
    assert Review.objects.get(pk=review.pk).state == "open"


def test_it_treats_an_item_of_another_review_as_unknown(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, q2: Period
) -> None:
    first = open_review(cast, plan, q1)
    with at(D(2017, 7, 3)):
        second = open_review(cast, plan, q2)
    other_item = ReviewItem.objects.filter(review=second).first()
    assert other_item is not None
    client = api("manager")
    url = f"/api/v1/reviews/{first.pk}/items/{other_item.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"changes": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/reviews/{first.pk}/items/999999/").status_code == 404


def test_it_names_the_field_when_a_review_cannot_be_opened(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period
) -> None:
    client = api("manager")
    body = {"plan": plan.pk, "period": q1.pk, "kind": "quarterly"}
    assert list(error_fields(client.post("/api/v1/reviews/", {**body, "kind": "yearly"}))) == [
        "kind"
    ]
    assert client.post("/api/v1/reviews/", body, format="json").status_code == 201
    twice = client.post("/api/v1/reviews/", body, format="json")
    assert list(error_fields(twice)) == ["period"]
    monthly = Period.objects.create(
        plan=plan, frequency="monthly", start=D(2017, 1, 1), end=D(2017, 1, 31), label="2017-01"
    )
    wrong = client.post("/api/v1/reviews/", {**body, "period": monthly.pk}, format="json")
    assert list(error_fields(wrong)) == ["period"]
    missing = client.post("/api/v1/reviews/", {"kind": "quarterly"}, format="json")
    assert set(error_fields(missing)) == {"plan", "period"}


# -- reviews: who may do what --------------------------------------------------------------------
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
def test_it_shows_reviews_to_the_plans_members_only(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, name: str | None, expected: int
) -> None:
    review = open_review(cast, plan, q1)
    client = api(name)
    listed = client.get("/api/v1/reviews/")
    assert listed.status_code == (401 if name is None else 200)
    if name is not None:
        ids = [r["id"] for r in listed.json()["results"]]
        assert ids == ([] if name == "outsider" else [review.pk])
    assert client.get(f"/api/v1/reviews/{review.pk}/").status_code == expected
    item = f"/api/v1/reviews/{review.pk}/items/{review.items.first().pk}/"  # type: ignore[union-attr]
    assert client.get(item).status_code == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 201),
        ("manager", 201),
        ("contributor", 403),
        ("viewer", 403),
        ("outsider", 400),  # the plan is not one they can see: "does not exist"
        (None, 401),
    ],
)
def test_it_lets_managers_only_open_a_review(
    api: Api, plan: Plan, tree: Tree, q1: Period, name: str | None, expected: int
) -> None:
    response = api(name).post(
        "/api/v1/reviews/",
        {"plan": plan.pk, "period": q1.pk, "kind": "mid_month", "held_on": "2017-04-15"},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 400:
        assert set(error_fields(response)) == {"plan", "period"}
    if expected == 201:
        assert response.json()["held_on"] == "2017-04-15"
    assert Review.objects.exists() == (expected == 201)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("admin", 200),
        ("manager", 200),
        ("contributor", 403),
        ("viewer", 403),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_it_lets_managers_only_answer_and_close_a_review(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, name: str | None, expected: int
) -> None:
    review = open_review(cast, plan, q1)
    client = api(name)
    answer = client.patch(item_url(review, tree[2]), {"on_track": "yes"}, format="json")
    assert answer.status_code == expected, answer.content
    close = client.post(f"/api/v1/reviews/{review.pk}/close/", {}, format="json")
    assert close.status_code == expected, close.content
    review.refresh_from_db()
    assert review.state == ("closed" if expected == 200 else "open")


def test_it_lets_a_units_manager_review_only_the_units_part_of_a_plan(
    api: Api, cast: Cast, tree: Tree, q1: Period
) -> None:
    """The manager of the department reviews its part of a plan the root office owns."""
    office = make_plan(cast, "Governor's action plan 2017", owner_unit=cast.root)
    make_tree(cast, office)
    period = reporting_periods(office)[0]
    client = api("manager")
    body = {"plan": office.pk, "period": period.pk, "kind": "quarterly"}
    whole = client.post("/api/v1/reviews/", body, format="json")
    assert whole.status_code == 403
    part = client.post("/api/v1/reviews/", {**body, "unit": cast.dept.pk}, format="json")
    assert part.status_code == 201, part.content
    assert part.json()["unit"] == cast.dept.pk
    assert [i["element_code"] for i in part.json()["items"]] == ["1.1.1"]


# -- reviews: filters ----------------------------------------------------------------------------
def test_it_filters_reviews(
    api: Api, cast: Cast, plan: Plan, tree: Tree, q1: Period, q2: Period
) -> None:
    quarterly = open_review(cast, plan, q1)
    with at(D(2017, 5, 15)):
        mid_month = review_create(
            actor=cast.manager, plan=plan, period=q2, kind=Review.Kind.MID_MONTH
        )
    from waymark.reporting.reviews import review_close

    review_close(actor=cast.manager, review=quarterly)
    client = api("viewer")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/reviews/?{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(f"plan={plan.pk}") == [mid_month.pk, quarterly.pk]  # the latest first
    assert ids(f"period={q1.pk}") == [quarterly.pk]
    assert ids("kind=mid_month") == [mid_month.pk]
    assert ids("state=closed") == [quarterly.pk]
    assert ids("state=open&state=closed&kind=quarterly") == [quarterly.pk]
    assert ids(f"unit={cast.dept.pk}") == []
    assert "kind" in error_fields(client.get("/api/v1/reviews/?kind=yearly"))
    hidden = make_plan(cast, "Finance plan 2017", owner_unit=cast.other)
    assert "plan" in error_fields(client.get(f"/api/v1/reviews/?plan={hidden.pk}"))


# -- the schema ----------------------------------------------------------------------------------
def test_it_documents_progress_updates_and_reviews_in_the_schema(api: Api) -> None:
    response = api(None).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/progress-updates/",
        "/api/v1/progress-updates/{id}/",
        "/api/v1/progress-updates/{id}/submit/",
        "/api/v1/progress-updates/{id}/accept/",
        "/api/v1/progress-updates/{id}/return/",
        "/api/v1/reviews/",
        "/api/v1/reviews/{id}/",
        "/api/v1/reviews/{id}/items/{item_id}/",
        "/api/v1/reviews/{id}/close/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/progress-updates/"]) == {"get", "post"}
    assert set(paths["/api/v1/progress-updates/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/reviews/{id}/items/{item_id}/"]) == {"get", "patch"}
    for path, method in (
        ("/api/v1/progress-updates/", "post"),
        ("/api/v1/progress-updates/{id}/", "patch"),
        ("/api/v1/progress-updates/{id}/accept/", "post"),
        ("/api/v1/reviews/{id}/items/{item_id}/", "patch"),
        ("/api/v1/reviews/{id}/close/", "post"),
    ):
        responses = paths[path][method]["responses"]
        assert {"400", "401", "403", "409"} <= set(responses), (path, responses.keys())
    filters = {p["name"] for p in paths["/api/v1/progress-updates/"]["get"]["parameters"]}
    assert {"plan", "element", "period", "status", "late", "health"} <= filters
    filters = {p["name"] for p in paths["/api/v1/reviews/"]["get"]["parameters"]}
    assert {"plan", "period", "kind", "state"} <= filters
    components = schema["components"]["schemas"]
    assert set(components["ProgressUpdateStatus"]["enum"]) == {
        "draft",
        "submitted",
        "accepted",
        "returned",
    }
    assert {"element_code", "element_title", "period_label", "status", "late"} <= set(
        components["ProgressUpdate"]["properties"]
    )
    assert components["ReviewDetail"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/ReviewItem"
    }
    assert {"reasons", "decision", "decision_owner", "decision_due", "applied_at"} <= set(
        components["ReviewItem"]["properties"]
    )
    assert components["ProgressUpdateReturnRequest"]["required"] == ["comment"]
    assert set(components["ReviewReasonCode"]["enum"]) >= {"a", "b", "c", "d", "e"}


# -- fixed query counts --------------------------------------------------------------------------
# organisation (middleware), token, roles, count, rows (joined); a ?plan= filter adds its lookup.
UPDATES_LIST_QUERIES = 5
UPDATE_DETAIL_QUERIES = 4  # organisation, token, roles, the row (joined)
REVIEWS_LIST_QUERIES = 5
REVIEW_DETAIL_QUERIES = 7  # organisation, token, roles, the review, its items, reasons, actions


def _elements(cast: Cast, plan: Plan, tree: Tree, n: int) -> list[Element]:
    extra = [
        make_element(
            cast,
            plan,
            f"Action {i}",
            parent=tree[1],
            responsible_unit=cast.dept,
            lead=cast.contributor,
        )
        for i in range(n - len(tree))
    ]
    return [*tree, *extra]


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_updates_in_a_fixed_number_of_queries(
    api: Api,
    cast: Cast,
    plan: Plan,
    tree: Tree,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    periods = reporting_periods(plan)
    elements = _elements(cast, plan, tree, 5)
    cells = [(e, p) for p in periods for e in elements][:count]  # 5 elements x 4 quarters
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            element=element,
            period=period,
            due_date=period.end,
            status="submitted" if i % 2 else "accepted",
            health=Health.AT_RISK,
            narrative=f"Update {i}",
            author=cast.contributor,
            submitted_by=cast.contributor,
        )
        for i, (element, period) in enumerate(cells)
    )
    client = api("viewer")
    with django_assert_num_queries(UPDATES_LIST_QUERIES):
        response = client.get("/api/v1/progress-updates/?limit=1000")
    assert response.json()["count"] == count
    assert {r["element_code"] for r in response.json()["results"]} <= {e.code for e in elements}
    with django_assert_num_queries(UPDATES_LIST_QUERIES + 1):  # + the ?plan= lookup
        response = client.get(f"/api/v1/progress-updates/?plan={plan.pk}&status=submitted")
    assert response.json()["count"] == count // 2
    first = ProgressUpdate.objects.first()
    assert first is not None
    with django_assert_num_queries(UPDATE_DETAIL_QUERIES):
        assert client.get(url_of(first)).status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_and_shows_reviews_in_a_fixed_number_of_queries(
    api: Api,
    cast: Cast,
    plan: Plan,
    tree: Tree,
    q1: Period,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    elements = _elements(cast, plan, tree, max(count, 3))
    reviews = Review.objects.bulk_create(
        Review(
            plan=plan, period=q1, kind="mid_month", held_on=D(2017, 3, 1) + datetime.timedelta(i)
        )
        for i in range(count)
    )
    ReviewItem.objects.bulk_create(
        ReviewItem(review=reviews[0], element=e, health_then=Health.OFF_TRACK) for e in elements
    )
    for item in ReviewItem.objects.filter(review=reviews[0])[:count]:
        review_item_save(
            actor=cast.manager,
            item=item,
            data={"on_track": "no", "decision": "continue"},
            reasons={"a": "", "b": ""},
        )
    client = api("viewer")
    with django_assert_num_queries(REVIEWS_LIST_QUERIES):
        response = client.get("/api/v1/reviews/?limit=1000")
    rows = response.json()["results"]
    assert len(rows) == count
    first = next(r for r in rows if r["id"] == reviews[0].pk)
    assert (first["element_count"], first["off_track_count"]) == (len(elements), len(elements))
    with django_assert_num_queries(REVIEW_DETAIL_QUERIES):
        response = client.get(f"/api/v1/reviews/{reviews[0].pk}/")
    items = response.json()["items"]
    assert len(items) == len(elements)
    assert sum(1 for i in items if [r["code"] for r in i["reasons"]] == ["a", "b"]) == count
