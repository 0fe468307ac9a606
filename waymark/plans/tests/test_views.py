"""The plan pages, the tracking grid and its in-place edits, as people use them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from waymark.core.models import Change
from waymark.core.testing import Cast
from waymark.plans.models import Element, Plan
from waymark.plans.numbering import renumber


def _add_actions(plan: Plan, parent: Element, cast: Cast, count: int) -> None:
    Element.objects.bulk_create(
        [
            Element(
                plan=plan,
                parent=parent,
                position=i + 10,
                title=f"Action {i}",
                responsible_unit=cast.dept,
                lead=cast.contributor,
                budget_planned=1000,
                target_date=datetime.date(2017, 6, 30),
            )
            for i in range(count)
        ]
    )
    renumber(plan)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


GRID_QUERIES = 11
# 10 + its indicators + 3 for the roll-up of what is beneath it + 4 for its progress updates
# (the updates, the schedule, the organisation, the periods) + 1 for its action items
ELEMENT_PAGE_QUERIES = 19


def test_it_uses_the_same_number_of_queries_for_the_grid_at_10_and_1000_elements(
    cast: Cast, plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    client = client_for("manager")
    url = reverse("plan-grid", args=[plan.pk])
    _add_actions(plan, tree[1], cast, 7)
    small = _queries(client, url)
    _add_actions(plan, tree[1], cast, 990)
    assert Element.objects.filter(plan=plan).count() == 1000
    large = _queries(client, url)
    assert small == large == GRID_QUERIES


def test_it_uses_the_same_number_of_queries_for_the_element_page_at_10_and_1000_elements(
    cast: Cast, plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    client = client_for("contributor")
    objective = tree[1]
    url = reverse("element-detail", args=[objective.pk])
    _add_actions(plan, objective, cast, 7)
    small = _queries(client, url)
    _add_actions(plan, objective, cast, 990)
    large = _queries(client, url)
    assert small == large == ELEMENT_PAGE_QUERIES


def test_the_grid_shows_the_rows_with_codes_totals_and_filters(
    cast: Cast, plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    response = client_for("viewer").get(reverse("plan-grid", args=[plan.pk]))
    html = response.content.decode()
    for code in ("1", "1.1", "1.1.1"):
        assert f'<td class="code">{code}</td>' in html
    assert "Train government officials" in html
    assert "₮1,500,000" in html  # the action's budget and the total
    filtered = client_for("viewer").get(
        reverse("plan-grid", args=[plan.pk]), {"state": "completed"}
    )
    assert "Train government officials" not in filtered.content.decode()
    assert "No rows match these filters" in filtered.content.decode()


def test_a_viewer_sees_no_edit_controls_in_the_grid(
    plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    html = client_for("viewer").get(reverse("plan-grid", args=[plan.pk])).content.decode()
    assert "cell-edit" not in html
    html = client_for("contributor").get(reverse("plan-grid", args=[plan.pk])).content.decode()
    assert "cell-edit" in html


def test_a_cell_edit_saves_logs_and_can_be_undone(
    cast: Cast, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    client = client_for("contributor")
    url = reverse("element-cell", args=[action.pk, "target_date"])
    form = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="target_date"' in form and 'value="2017-06-30"' in form
    saved = client.post(
        url, {"target_date": "2017-07-31", "version": action.version}, HTTP_HX_REQUEST="true"
    )
    assert "Saved" in saved.content.decode() and "Undo" in saved.content.decode()
    action.refresh_from_db()
    assert action.target_date == datetime.date(2017, 7, 31)
    change = Change.objects.filter(object_id=action.pk, action="update").first()
    assert change is not None and change.actor == cast.contributor
    assert (
        change.diff == [("target_date", "2017-06-30", "2017-07-31")]
        or "target_date" in change.changed_fields
    )
    undone = client.post(
        url,
        {"target_date": "2017-06-30", "version": action.version, "undo": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "Undone" in undone.content.decode()
    action.refresh_from_db()
    assert action.target_date == datetime.date(2017, 6, 30)


def test_a_bad_cell_value_is_refused_with_a_message_and_changes_nothing(
    tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    before = Change.objects.count()
    response = client_for("contributor").post(
        reverse("element-cell", args=[action.pk, "target_date"]),
        {"target_date": "2017-01-15", "version": action.version},
        HTTP_HX_REQUEST="true",
    )
    assert "The target date cannot be before the start date." in response.content.decode()
    action.refresh_from_db()
    assert action.target_date == datetime.date(2017, 6, 30)
    assert Change.objects.count() == before


def test_a_stale_cell_edit_is_detected_and_overwrites_nothing(
    cast: Cast, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    stale_version = action.version
    url = reverse("element-cell", args=[action.pk, "percent_complete"])
    client_for("manager").post(
        url, {"percent_complete": "40", "version": stale_version}, HTTP_HX_REQUEST="true"
    )
    response = client_for("contributor").post(
        url, {"percent_complete": "10", "version": stale_version}, HTTP_HX_REQUEST="true"
    )
    assert "Someone else changed this" in response.content.decode()
    action.refresh_from_db()
    assert action.percent_complete == 40


def test_a_viewer_cannot_post_a_cell_and_an_outsider_cannot_find_it(
    tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    url = reverse("element-cell", args=[action.pk, "state"])
    assert client_for("viewer").post(url, {"state": "completed"}).status_code == 403
    assert client_for("outsider").post(url, {"state": "completed"}).status_code == 404
    action.refresh_from_db()
    assert action.state == Element.State.NOT_STARTED


def test_the_element_form_names_the_field_of_a_lead_outside_the_unit(
    cast: Cast, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    response = client_for("manager").post(
        reverse("element-edit", args=[action.pk]),
        {
            "title": action.title,
            "state": "in_progress",
            "priority": "medium",
            "percent_complete": "10",
            "responsible_unit": cast.dept.pk,
            "lead": cast.outsider.pk,
            "version": action.version,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "lead" in form.errors and "not a member" in form.errors["lead"][0]
    action.refresh_from_db()
    assert action.lead == cast.contributor


def test_moving_an_element_through_the_page_renumbers_and_refuses_a_cycle(
    plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    goal, objective, action = tree
    client = client_for("manager")
    second = client.post(
        reverse("element-create", args=[plan.pk]),
        {"title": "Economy", "state": "not_started", "priority": "high", "percent_complete": "0"},
    )
    assert second.status_code == 302
    economy = Element.objects.get(plan=plan, title="Economy")
    assert economy.code == "2"
    refused = client.post(
        reverse("element-move", args=[goal.pk]), {"parent": objective.pk, "version": goal.version}
    )
    assert (
        refused.status_code == 200
    )  # the choice is not even offered: a field error, nothing moved
    assert "parent" in refused.context["form"].errors
    moved = client.post(
        reverse("element-move", args=[objective.pk]),
        {"parent": economy.pk, "version": objective.version},
    )
    assert moved.status_code == 302
    action.refresh_from_db()
    assert action.code == "2.1.1"


@pytest.mark.parametrize("page", ["plan-detail", "plan-grid"])
def test_an_empty_plan_shows_a_helpful_empty_state(plan: Plan, client_for: Any, page: str) -> None:
    html = client_for("manager").get(reverse(page, args=[plan.pk])).content.decode()
    assert "empty" in html and "+ Goal" in html


def test_deleting_and_restoring_from_the_trash(
    plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    goal = tree[0]
    manager = client_for("manager")
    assert manager.post(reverse("element-delete", args=[goal.pk])).status_code == 302
    assert not Element.objects.filter(plan=plan).exists()
    trash = manager.get(reverse("trash")).content.decode()
    assert (
        "Good governance" in trash and "Train government officials" not in trash
    )  # one row per deletion
    assert manager.post(reverse("trash-restore", args=["element", goal.pk])).status_code == 302
    assert [e.code for e in Element.objects.filter(plan=plan)] == ["1", "1.1", "1.1.1"]


def test_copying_a_plan_from_its_page(
    plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    response = client_for("manager").post(
        reverse("plan-copy", args=[plan.pk]), {"title": "Goals 2018", "shift_years": "1"}
    )
    copy = Plan.objects.get(title="Goals 2018")
    assert response.status_code == 302 and response["Location"] == reverse(
        "plan-detail", args=[copy.pk]
    )
    assert copy.start_date == datetime.date(2018, 1, 1)
    assert [e.code for e in Element.objects.filter(plan=copy)] == ["1", "1.1", "1.1.1"]


def test_a_cell_posted_without_javascript_saves_and_returns_to_the_grid(
    plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    action = tree[2]
    client = client_for("contributor")
    url = reverse("element-cell", args=[action.pk, "percent_complete"])
    response = client.post(url, {"percent_complete": "30", "version": action.version}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("plan-grid", args=[plan.pk]))
    assert "Saved 1.1.1." in response.content.decode()
    action.refresh_from_db()
    assert action.percent_complete == 30
    refused = client.post(url, {"percent_complete": "300", "version": action.version}, follow=True)
    assert "1.1.1:" in refused.content.decode()
    action.refresh_from_db()
    assert action.percent_complete == 30


def test_the_history_names_units_people_and_states_instead_of_ids_and_codes(
    cast: Cast, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    from waymark.core.testing import make_person
    from waymark.plans.services import element_update

    action = tree[2]
    colleague = make_person("saraa", cast.other, "contributor")
    element_update(
        actor=cast.admin,
        element=action,
        data={"responsible_unit": cast.other, "lead": colleague, "state": "in_progress"},
    )
    html = client_for("admin").get(reverse("element-detail", args=[action.pk])).content.decode()
    history = html[html.index("History") :]
    assert "Department of Administration</del> → <ins>Finance Department" in history
    assert "Contributor</del> → <ins>Saraa" in history
    assert "Not started</del> → <ins>In progress" in history


PLAN_DASHBOARD_QUERIES = 16  # the health counts come once, from the summary


def test_the_plan_dashboard_uses_the_same_number_of_queries_at_10_and_2000_elements(
    cast: Cast, plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    client = client_for("viewer")
    url = reverse("plan-detail", args=[plan.pk])
    _add_actions(plan, tree[1], cast, 7)
    small = _queries(client, url)
    _add_actions(plan, tree[1], cast, 1990)
    assert Element.objects.filter(plan=plan).count() == 2000
    large = _queries(client, url)
    assert small == large == PLAN_DASHBOARD_QUERIES


def test_the_plan_dashboard_draws_goals_heat_map_charts_and_timeline(
    cast: Cast, plan: Plan, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    goal, objective, action = tree
    page = client_for("viewer").get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert goal.title in page and objective.title in page  # the goal's card lists its objective
    assert "Health by unit and tier" in page
    assert "Timeline of actions and milestones" in page and action.code in page
    assert "Budget planned and spent" in page
    assert page.count("<svg") >= 3


def test_the_element_form_leaves_out_a_computed_percent_so_it_never_blocks_a_save(
    cast: Cast, tree: tuple[Element, Element, Element], client_for: Any
) -> None:
    from waymark.plans.services import element_update, plan_update

    goal, _objective, action = tree
    plan_update(actor=cast.admin, plan=goal.plan, data={"progress_method": "children"})
    client = client_for("manager")
    page = client.get(reverse("element-edit", args=[goal.pk])).content.decode()
    assert 'name="percent_complete"' not in page
    element_update(actor=cast.admin, element=action, data={"percent_complete": 40})
    response = client.post(
        reverse("element-edit", args=[goal.pk]),
        {"title": "Good governance, renamed", "state": "in_progress", "priority": "medium"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.percent_complete) == ("Good governance, renamed", 40)


def test_a_copied_plan_keeps_its_methods_and_weights(
    cast: Cast, tree: tuple[Element, Element, Element]
) -> None:
    from waymark.plans.services import element_update, plan_copy, plan_update

    goal = tree[0]
    plan_update(
        actor=cast.admin,
        plan=goal.plan,
        data={"progress_method": "children", "rollup_method": "weighted"},
    )
    element_update(actor=cast.admin, element=goal, data={"weight": 3})
    new = plan_copy(actor=cast.admin, plan=goal.plan, title="Next year")
    assert (new.progress_method, new.rollup_method) == ("children", "weighted")
    assert Element.objects.get(plan=new, code="1").weight == 3


def test_it_links_sorting_and_pages_with_one_question_mark(
    cast: Cast, plan: Plan, tree: Any, client_for: Any
) -> None:
    page = client_for("viewer").get(reverse("plan-grid", args=[plan.pk]) + "?sort=title")
    body = page.content.decode()
    assert 'href="?sort=-title"' in body  # Django's querystring tag writes the "?" itself
    assert 'href="??' not in body
