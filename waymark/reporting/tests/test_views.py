"""The progress update pages: My updates, one update, accept and return, schedule and board.

The clock is fixed on 3 April 2017: 2017-Q1 of the cast's plan is open for updates (the action
is due on 5 April)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from waymark.core.testing import Cast, make_element
from waymark.indicators.models import Period
from waymark.meetings.services import action_item_create
from waymark.org.models import Health
from waymark.plans.models import Element, Plan
from waymark.reporting.models import ProgressUpdate
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import update_accept, update_save

Tree = tuple[Element, Element, Element]
ClientFor = Callable[[str | None], Client]
TEXT = {
    "health": Health.ON_TRACK,
    "percent_complete": 50,
    "narrative": "Half the officials trained.",
}


@pytest.fixture(autouse=True)
def april_3() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2017, 4, 3, 12), tick=False):
        yield


@pytest.fixture
def q1(plan: Plan) -> Period:
    return reporting_periods(plan)[0]


def _leads(cast: Cast, plan: Plan, parent: Element, n: int) -> list[Element]:
    return [
        make_element(
            cast,
            plan,
            f"Extra action {i}",
            parent=parent,
            lead=cast.contributor,
            responsible_unit=cast.dept,
            start_date=datetime.date(2017, 1, 1),
        )
        for i in range(n)
    ]


def test_it_lists_what_the_contributor_owes_with_the_previous_update(
    cast: Cast, tree: Tree, q1: Period, client_for: ClientFor
) -> None:
    response = client_for("contributor").get(reverse("my-updates"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Train government officials" in body and "2017-Q1" in body
    assert "This is the first update on this element." in body
    assert "You are up to date" in client_for("viewer").get(reverse("my-updates")).content.decode()


def test_it_keeps_my_updates_to_a_fixed_number_of_queries(
    cast: Cast,
    plan: Plan,
    tree: Tree,
    q1: Period,
    client_for: ClientFor,
    django_assert_num_queries: Any,
) -> None:
    client = client_for("contributor")
    client.get(reverse("my-updates"))  # warm the session and content types
    with django_assert_num_queries(12):
        client.get(reverse("my-updates"))
    _leads(cast, plan, tree[1], 10)
    with django_assert_num_queries(12):
        assert client.get(reverse("my-updates")).context["owed"] == 11


def test_it_saves_drafts_and_submits_from_my_updates(
    cast: Cast, tree: Tree, q1: Period, client_for: ClientFor
) -> None:
    action = tree[2]
    item = action_item_create(
        actor=cast.manager,
        data={"title": "Book the hall", "owner": cast.contributor, "unit": cast.dept},
    )
    key = f"u{action.pk}-{q1.pk}"
    client = client_for("contributor")
    post = {
        f"{key}-health": Health.AT_RISK,
        f"{key}-percent_complete": "35",
        f"{key}-narrative": "Trainers hired.",
        f"{key}-version": "0",
    }
    response = client.post(reverse("my-updates"), {**post, "save": "1"})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.status, update.percent_complete) == (ProgressUpdate.Status.DRAFT, 35)

    bad = {**post, f"{key}-version": str(update.version), f"{key}-percent_complete": "x"}
    response = client.post(reverse("my-updates"), {**bad, "submit": "1"})
    assert response.status_code == 200
    assert "Give a whole number from 0 to 100." in response.content.decode()
    assert 'value="x"' in response.content.decode()  # what was typed is kept
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.DRAFT

    done = {
        **post,
        f"{key}-version": str(update.version),
        f"a{item.pk}-done": "1",
        f"a{item.pk}-outcome": "Booked for 10 April",
        f"a{item.pk}-version": str(item.version),
        "submit": "1",
    }
    response = client.post(reverse("my-updates"), done, follow=True)
    assert "Submitted: 1 update, 1 action item done." in response.content.decode()
    update.refresh_from_db()
    item.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED
    assert item.status == "done" and item.outcome == "Booked for 10 April"


def test_it_writes_one_update_with_the_previous_one_beside_it(
    cast: Cast, tree: Tree, q1: Period, client_for: ClientFor
) -> None:
    action = tree[2]
    client = client_for("contributor")
    url = reverse("update-entry", args=[action.pk, q1.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {**TEXT, "version": "0", "submit": "1"})
    update = ProgressUpdate.objects.get()
    assert response["Location"] == reverse("update-detail", args=[update.pk])
    assert update.status == ProgressUpdate.Status.SUBMITTED
    assert client.get(url).status_code == 302  # submitted: no longer editable, shown instead
    assert client_for("viewer").get(url).status_code == 403
    assert client_for("outsider").get(url).status_code == 404


def test_it_accepts_and_returns_from_the_update_page(
    cast: Cast, tree: Tree, q1: Period, client_for: ClientFor
) -> None:
    update = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True)
    detail = reverse("update-detail", args=[update.pk])
    manager = client_for("manager")
    page = manager.get(detail).content.decode()
    assert "Accept" in page and "Half the officials trained." in page
    assert "Accept</button>" not in client_for("contributor").get(detail).content.decode()
    assert (
        client_for("contributor").post(reverse("update-accept", args=[update.pk])).status_code
        == 403
    )
    response = manager.post(reverse("update-return", args=[update.pk]), {"comment": ""})
    assert response.status_code == 200  # the comment is required
    manager.post(
        reverse("update-return", args=[update.pk]),
        {"comment": "How many were trained?", "version": update.version},
    )
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.RETURNED
    assert "How many were trained?" in client_for("contributor").get(detail).content.decode()


def test_it_shows_updates_waiting_on_the_approval_page(
    cast: Cast, tree: Tree, q1: Period, client_for: ClientFor
) -> None:
    update = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True)
    page = client_for("manager").get(reverse("data-review")).content.decode()
    assert reverse("update-detail", args=[update.pk]) in page
    response = client_for("manager").post(
        reverse("update-accept", args=[update.pk]),
        {"version": update.version, "next": reverse("data-review")},
    )
    assert response["Location"] == reverse("data-review")
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.ACCEPTED


def test_it_shows_and_saves_the_schedule(
    cast: Cast, plan: Plan, tree: Tree, client_for: ClientFor
) -> None:
    url = reverse("plan-schedule", args=[plan.pk])
    page = client_for("viewer").get(url).content.decode()
    assert "Who reports on what" in page and "2017-04-05" in page
    assert "Save the schedule" not in page
    assert "1 element has no lead" not in page  # the goal and objective have none: 2
    assert client_for("viewer").post(url, {"due_days": 3}).status_code == 403
    response = client_for("manager").post(
        url, {"due_days": "3", "tier_step_days": "2", "reporting_tiers": ["3"]}
    )
    assert response.status_code == 302
    assert "2017-04-03" in client_for("viewer").get(url).content.decode()
    assert client_for("outsider").get(url).status_code == 404


def test_it_shows_who_has_reported_in_a_fixed_number_of_queries(
    cast: Cast,
    plan: Plan,
    tree: Tree,
    q1: Period,
    client_for: ClientFor,
    django_assert_num_queries: Any,
) -> None:
    update = update_save(actor=cast.contributor, element=tree[2], period=q1, data=TEXT, submit=True)
    update_accept(actor=cast.manager, update=update)
    client = client_for("viewer")
    url = reverse("plan-board", args=[plan.pk]) + f"?period={q1.pk}"
    client.get(url)
    with django_assert_num_queries(14):
        response = client.get(url)
    board = response.context["board"]
    assert (board.total.owed, board.total.accepted, board.total.missing) == (1, 1, 0)
    assert {e.code for e in board.unassigned} == {"1", "1.1"}
    _leads(cast, plan, tree[1], 12)
    with django_assert_num_queries(14):
        board = client.get(url).context["board"]
    assert (board.total.owed, board.total.missing) == (13, 12)
    assert board.people[0].label == "Contributor" and board.people[0].percent == 8
