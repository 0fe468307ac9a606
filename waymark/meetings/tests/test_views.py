"""The action item tracker pages: the list with its filters, counts and order; one item with its
notes, status buttons and edit form; the element page's section.

The clock is fixed on 3 April 2017."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path, reverse

from waymark import urls as project_urls
from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.core.testing import Cast, make_person
from waymark.meetings.element import action_items_of
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_create, action_item_set_status
from waymark.plans.models import Element, Plan
from waymark.reporting.models import Review
from waymark.reporting.reviews import review_create
from waymark.reporting.selectors import reporting_periods

# The tracker's routes, whether or not the project's urls.py includes them yet.
urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "urlconf_name", None) == "waymark.meetings.urls" for p in urlpatterns):
    urlpatterns.append(path("", include("waymark.meetings.urls")))
pytestmark = pytest.mark.urls(__name__)

Tree = tuple[Element, Element, Element]
ClientFor = Callable[[str | None], Client]
TODAY = datetime.date(2017, 4, 3)


@pytest.fixture(autouse=True)
def april_3() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2017, 4, 3, 12), tick=False):
        yield


def _item(cast: Cast, element: Element | None = None, **data: Any) -> ActionItem:
    fields: dict[str, Any] = {"title": "Train the soum officials", "owner": cast.contributor}
    if element is None:
        fields["unit"] = cast.dept
    else:
        fields["element"] = element
    fields.update(data)
    return action_item_create(actor=cast.admin, data=fields)


@pytest.fixture
def review(cast: Cast, plan: Plan, tree: Tree) -> Review:
    return review_create(
        actor=cast.admin, plan=plan, period=reporting_periods(plan)[0], kind="quarterly"
    )


@pytest.fixture
def items(cast: Cast, tree: Tree, review: Review) -> dict[str, ActionItem]:
    action = tree[2]
    later = _item(cast, action, title="Publish the training calendar", due_date="2017-05-01")
    overdue = _item(
        cast,
        action,
        title="Book the training hall",
        due_date="2017-03-20",
        review_item=review.items.get(element=action),
    )
    finance = _item(
        cast,
        None,
        title="Release the training budget",
        unit=cast.other,
        owner=cast.outsider,
        due_date="2017-03-01",
    )
    done = _item(cast, action, title="Choose the trainers", due_date="2017-03-10")
    action_item_set_status(
        actor=cast.contributor, item=done, status="done", note="Three trainers chosen."
    )
    return {"later": later, "overdue": overdue, "finance": finance, "done": done}


def _body(response: Any) -> str:
    return response.content.decode()


# -- the tracker ---------------------------------------------------------------------------------
def test_it_lists_overdue_items_first_with_how_late_and_where_they_came_from(
    items: dict[str, ActionItem], review: Review, client_for: ClientFor
) -> None:
    response = client_for("manager").get(reverse("action-item-list"))
    assert response.status_code == 200
    body = _body(response)
    order = [body.index(items[k].title) for k in ("overdue", "later", "done")]
    assert order == sorted(order)
    assert "Overdue by 14 days" in body
    assert reverse("review-detail", args=[review.pk]) in body
    assert "Release the training budget" not in body  # the finance department's, not theirs


def test_it_counts_open_overdue_and_done_this_month(
    items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    response = client_for("admin").get(reverse("action-item-list"))
    assert response.context["counts"] == {"open": 3, "overdue": 2, "done_this_month": 1}
    # The counts follow the owner, unit and search filters, not the status ones.
    filtered = client_for("admin").get(
        reverse("action-item-list"), {"unit": str(items["later"].unit_id), "status": "done"}
    )
    assert filtered.context["counts"] == {"open": 2, "overdue": 1, "done_this_month": 1}
    assert [i.title for i in filtered.context["page"]] == ["Choose the trainers"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"overdue": "true"}, ["Book the training hall", "Release the training budget"]),
        ({"status": "done"}, ["Choose the trainers"]),
        ({"q": "calendar"}, ["Publish the training calendar"]),
        ({"owner": "outsider"}, ["Release the training budget"]),
        ({"unit": "other"}, ["Release the training budget"]),
        ({"plan": "plan"}, ["Book the training hall", "Publish the training calendar"]),
        ({"element": "objective"}, ["Book the training hall", "Publish the training calendar"]),
    ],
)
def test_it_filters_by_owner_unit_plan_element_status_overdue_and_words(
    cast: Cast,
    plan: Plan,
    tree: Tree,
    items: dict[str, ActionItem],
    client_for: ClientFor,
    query: dict[str, str],
    expected: list[str],
) -> None:
    ids = {
        "outsider": cast.outsider.pk,
        "other": cast.other.pk,
        "plan": plan.pk,
        "objective": tree[1].pk,
    }
    params = {k: str(ids.get(v, v)) for k, v in query.items()}
    if "plan" in query or "element" in query:
        params["status"] = "open"
    response = client_for("admin").get(reverse("action-item-list"), params)
    assert response.status_code == 200
    assert sorted(i.title for i in response.context["page"]) == expected


def test_it_ignores_a_filter_on_what_the_person_may_not_see(
    cast: Cast, items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    response = client_for("viewer").get(reverse("action-item-list"), {"unit": cast.other.pk})
    assert response.status_code == 200
    assert "Release the training budget" not in _body(response)


def test_it_shows_an_empty_state_to_someone_without_items(
    cast: Cast, db: None, client_for: ClientFor
) -> None:
    body = _body(client_for("viewer").get(reverse("action-item-list")))
    assert "No action items yet" in body
    body = _body(client_for("viewer").get(reverse("action-item-list"), {"q": "nothing"}))
    assert "No action items match these filters" in body


def test_it_keeps_the_tracker_to_a_fixed_number_of_queries(
    cast: Cast,
    tree: Tree,
    review: Review,
    client_for: ClientFor,
    django_assert_num_queries: Any,
) -> None:
    client = client_for("manager")
    url = reverse("action-item-list")
    review_item = review.items.get(element=tree[2])

    def make(n: int) -> None:
        for i in range(n):
            _item(
                cast,
                tree[2],
                title=f"Step {ActionItem.objects.count()}",
                due_date=TODAY + datetime.timedelta(days=i - 5),
                review_item=review_item,
            )

    make(3)
    client.get(url)  # warm the caches (content types, organisation)
    with django_assert_num_queries(10) as small:
        client.get(url)
    make(27)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 30


def test_it_pages_fifty_items_at_a_time(cast: Cast, tree: Tree, client_for: ClientFor) -> None:
    for i in range(51):
        _item(cast, tree[2], title=f"Step {i}", due_date=TODAY + datetime.timedelta(days=i))
    response = client_for("manager").get(reverse("action-item-list"), {"q": "Step"})
    assert len(response.context["page"]) == 50
    assert "?q=Step&amp;page=2" in _body(response)
    second = client_for("manager").get(reverse("action-item-list"), {"q": "Step", "page": "2"})
    assert [i.title for i in second.context["page"]] == ["Step 50"]


# -- who may open what (the route matrix) --------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "list_status", "detail_status", "note_status"),
    [
        ("admin", 200, 200, 302),
        ("manager", 200, 200, 302),
        ("contributor", 200, 200, 302),  # the owner
        ("viewer", 200, 200, 403),
        ("outsider", 200, 404, 404),
        (None, 302, 302, 302),
    ],
)
def test_it_lets_each_role_open_and_act_as_the_route_matrix_says(
    items: dict[str, ActionItem],
    client_for: ClientFor,
    who: str | None,
    list_status: int,
    detail_status: int,
    note_status: int,
) -> None:
    client = client_for(who)
    url = reverse("action-item-detail", args=[items["overdue"].pk])
    assert client.get(reverse("action-item-list")).status_code == list_status
    assert client.get(url).status_code == detail_status
    posted = client.post(url, {"action": "note", "note-text": "Hall booked for May."})
    assert posted.status_code == note_status
    assert items["overdue"].notes.count() == (1 if note_status == 302 and who else 0)


# -- one action item -----------------------------------------------------------------------------
def test_it_shows_the_item_its_notes_newest_last_and_its_buttons(
    cast: Cast, items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    item = items["overdue"]
    client = client_for("contributor")
    url = reverse("action-item-detail", args=[item.pk])
    client.post(url, {"action": "note", "note-text": "Asked the library."})
    client.post(url, {"action": "note", "note-text": "The library said yes."})
    body = _body(client.get(url))
    assert body.index("Asked the library.") < body.index("The library said yes.")
    assert "Overdue by 14 days" in body and "Mark done" in body and "Add a note" in body
    assert "Edit the action item" not in body  # the owner is no manager
    viewer = _body(client_for("viewer").get(url))
    assert "Mark done" not in viewer and "Add a note" not in viewer


def test_it_marks_an_item_done_with_its_outcome_and_reopens_it(
    cast: Cast, items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    item = items["overdue"]
    client = client_for("contributor")
    url = reverse("action-item-detail", args=[item.pk])
    refused = client.post(url, {"action": "done", "done-note": "", "done-version": item.version})
    assert refused.status_code == 200
    assert "Say what was done." in _body(refused)
    response = client.post(
        url, {"action": "done", "done-note": "Hall booked.", "done-version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("done", "Hall booked.")
    body = _body(client.get(url))
    assert "Reopen" in body and "Marked done." in body
    client.post(url, {"action": "reopen", "reopen-version": item.version})
    item.refresh_from_db()
    assert item.status == "open" and item.done_at is None


def test_it_cancels_only_with_a_reason(items: dict[str, ActionItem], client_for: ClientFor) -> None:
    item = items["later"]
    client = client_for("manager")
    url = reverse("action-item-detail", args=[item.pk])
    refused = client.post(url, {"action": "cancel", "cancel-note": " "})
    assert "Say why it is no longer to be done." in _body(refused)
    client.post(url, {"action": "cancel", "cancel-note": "The calendar moved online."})
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("cancelled", "The calendar moved online.")


def test_it_lets_a_manager_edit_and_refuses_the_owner(
    cast: Cast, items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    item = items["later"]
    url = reverse("action-item-detail", args=[item.pk])
    data = {
        "action": "edit",
        "title": "Publish the training calendar online",
        "details": "",
        "expected_outcome": "Every soum knows its dates.",
        "owner": cast.manager.pk,
        "due_date": "2017-05-15",
        "version": item.version,
    }
    assert client_for("contributor").post(url, data).status_code == 403
    assert client_for("manager").post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.title == "Publish the training calendar online"
    assert (item.owner, item.due_date) == (cast.manager, datetime.date(2017, 5, 15))
    assert Change.objects.filter(object_id=item.pk, action="update").count() == 1
    stale = client_for("manager").post(url, {**data, "title": "Another title"})
    assert stale.status_code == 200
    item.refresh_from_db()
    assert item.title == "Publish the training calendar online"


def test_it_answers_an_unknown_action_with_400(
    items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    url = reverse("action-item-detail", args=[items["later"].pk])
    assert client_for("manager").post(url, {"action": "explode"}).status_code == 400


def test_it_keeps_items_of_deleted_elements_out_of_sight(
    cast: Cast, tree: Tree, items: dict[str, ActionItem], client_for: ClientFor
) -> None:
    from waymark.plans.services import element_delete

    element_delete(actor=cast.admin, element=tree[2])
    url = reverse("action-item-detail", args=[items["later"].pk])
    assert client_for("admin").get(url).status_code == 404
    assert "Book the training hall" not in _body(
        client_for("admin").get(reverse("action-item-list"))
    )


# -- the element page's section ------------------------------------------------------------------
def test_it_lists_an_elements_action_items_open_first_in_one_query(
    tree: Tree, items: dict[str, ActionItem], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        listed = action_items_of(tree[2])
    assert [i.title for i in listed] == [
        "Book the training hall",
        "Publish the training calendar",
        "Choose the trainers",
    ]
    html = render_to_string(
        "meetings/_element_action_items.html", {"action_items": listed, "element": tree[2]}
    )
    assert "Overdue" in html and "Contributor" in html and "Done" in html
    assert f"?element={tree[2].pk}" in html
    empty = render_to_string("meetings/_element_action_items.html", {"action_items": []})
    assert "No action items yet" in empty


def test_it_lets_a_unit_member_see_an_item_they_neither_own_nor_manage(
    cast: Cast, db: None, client_for: ClientFor
) -> None:
    colleague = make_person("colleague", cast.other, Role.VIEWER)
    item = _item(cast, None, unit=cast.other, owner=cast.outsider)
    client = Client()
    client.force_login(colleague)
    assert client.get(reverse("action-item-detail", args=[item.pk])).status_code == 200
    assert (
        client_for("viewer").get(reverse("action-item-detail", args=[item.pk])).status_code == 404
    )
