"""Percent complete and health kept on every element by the services (plans.progress), on the
real database: from children, milestones or by hand; roll-up by average, weighted or worst;
overrides; overdue; and what /api/v1/elements/ID/ shows of it. Health from indicator data is
tested in waymark/indicators/tests/test_progress.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.models import Change
from waymark.core.testing import Cast, make_element, make_plan
from waymark.core.tests.builders import row
from waymark.org.models import Health, Person
from waymark.plans.filters import ElementFilterSet
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.progress import refresh_plan
from waymark.plans.services import (
    element_create,
    element_delete,
    element_move,
    element_restore,
    element_update,
    milestone_create,
    milestone_delete,
    milestone_restore,
    milestone_update,
    plan_update,
)

D = datetime.date
DAY = datetime.timedelta(days=1)


def stored(element: Element) -> tuple[int, str, str]:
    """(percent complete, computed health, its reason) as stored now."""
    fresh = Element.all_objects.get(pk=element.pk)
    return fresh.percent_complete, fresh.health, fresh.health_reason


def percent(element: Element) -> int:
    return stored(element)[0]


def health(element: Element) -> str:
    return stored(element)[1]


def update(cast: Cast, element: Element, **data: Any) -> Element:
    """element_update on the element as stored now, as a page or the API loads it."""
    fresh = Element.objects.get(pk=element.pk)
    return element_update(actor=cast.admin, element=fresh, data=data)


def override(cast: Cast, element: Element, value: str, reason: str = "Site visit") -> Element:
    return update(cast, element, health_override=value, health_override_reason=reason)


@pytest.fixture
def computed(cast: Cast) -> Plan:
    """A plan that takes percent complete from the children (health: plain average)."""
    return make_plan(cast, "Computed plan", progress_method=Plan.Progress.CHILDREN)


def family(
    cast: Cast, plan: Plan, *children: dict[str, Any]
) -> tuple[Element, Element, list[Element]]:
    """A goal > objective with the given actions beneath the objective."""
    goal = make_element(cast, plan, "Good governance")
    objective = make_element(cast, plan, "Capable public servants", parent=goal)
    actions = [
        make_element(cast, plan, data.pop("title", f"Action {n}"), parent=objective, **data)
        for n, data in enumerate((dict(c) for c in children), start=1)
    ]
    return goal, objective, actions


# -- percent complete --------------------------------------------------------------------------
def test_it_averages_the_childrens_percent_complete_up_the_tree(cast: Cast, computed: Plan) -> None:
    goal, objective, _actions = family(
        cast, computed, {"percent_complete": 20}, {"percent_complete": 60}, {"percent_complete": 25}
    )
    assert percent(objective) == 35
    assert percent(goal) == 35


def test_it_leaves_cancelled_children_out_of_percent_complete(cast: Cast, computed: Plan) -> None:
    _goal, objective, actions = family(
        cast, computed, {"percent_complete": 20}, {"percent_complete": 60}, {"percent_complete": 0}
    )
    assert percent(objective) == 27  # 80 / 3, rounded
    update(cast, actions[2], state=Element.State.CANCELLED)
    assert percent(objective) == 40
    update(cast, actions[2], state=Element.State.IN_PROGRESS)
    assert percent(objective) == 27


def test_it_weights_percent_complete_by_the_childrens_weight_when_the_plan_rolls_up_weighted(
    cast: Cast,
) -> None:
    plan = make_plan(
        cast, progress_method=Plan.Progress.CHILDREN, rollup_method=Plan.RollUp.WEIGHTED
    )
    _goal, objective, actions = family(
        cast, plan, {"percent_complete": 100, "weight": "3"}, {"percent_complete": 0}
    )
    assert percent(objective) == 75
    update(cast, actions[1], weight="0.5")
    assert percent(objective) == 86  # 300 / 3.5 = 85.7
    plan_update(actor=cast.admin, plan=plan, data={"rollup_method": Plan.RollUp.AVERAGE})
    assert percent(objective) == 50  # the weights no longer count


def test_it_caps_each_child_at_100_percent(cast: Cast, computed: Plan) -> None:
    _goal, objective, actions = family(
        cast, computed, {"percent_complete": 100}, {"percent_complete": 40}
    )
    assert percent(objective) == 70
    # No service stores more than 100; a row written by hand (an import, SQL) must not carry a
    # parent past its children.
    Element.objects.filter(pk=actions[0].pk).update(percent_complete=300)
    refresh_plan(computed)
    assert percent(objective) == 70
    Element.objects.filter(pk=actions[1].pk).update(percent_complete=150)
    refresh_plan(computed)
    assert percent(objective) == 100


def test_it_takes_percent_complete_from_the_milestones_done(cast: Cast) -> None:
    plan = make_plan(cast, progress_method=Plan.Progress.MILESTONES)
    goal, objective, [action] = family(cast, plan, {"title": "Train officials"})
    milestones = [
        milestone_create(actor=cast.admin, element=action, data={"title": f"Step {n}"})
        for n in range(1, 5)
    ]
    assert (percent(action), percent(objective), percent(goal)) == (0, 0, 0)
    milestone_update(actor=cast.admin, milestone=milestones[0], data={"done_date": D(2017, 3, 1)})
    assert (percent(action), percent(objective), percent(goal)) == (25, 25, 25)
    milestone_update(actor=cast.admin, milestone=milestones[1], data={"done_date": D(2017, 4, 1)})
    assert percent(action) == 50
    milestone_delete(actor=cast.admin, milestone=milestones[2])  # 2 done of 3
    assert percent(action) == 67
    milestone_restore(actor=cast.admin, milestone=Milestone.all_objects.get(pk=milestones[2].pk))
    assert percent(action) == 50
    milestone_update(actor=cast.admin, milestone=milestones[0], data={"done_date": None})
    assert (percent(action), percent(objective), percent(goal)) == (25, 25, 25)


def test_it_takes_percent_from_the_children_where_an_element_has_no_milestones(
    cast: Cast,
) -> None:
    plan = make_plan(cast, progress_method=Plan.Progress.MILESTONES)
    _goal, objective, [first, second] = family(cast, plan, {}, {"percent_complete": 30})
    done = milestone_create(
        actor=cast.admin, element=first, data={"title": "Launch", "done_date": D(2017, 2, 1)}
    )
    milestone_create(actor=cast.admin, element=first, data={"title": "Review"})
    assert percent(first) == 50
    assert percent(second) == 30  # no milestones, no children: as entered
    assert percent(objective) == 40
    # A milestone on the objective itself now decides its percent, not the children.
    milestone_create(actor=cast.admin, element=objective, data={"title": "Charter approved"})
    assert percent(objective) == 0
    milestone_delete(actor=cast.admin, milestone=done)
    assert (percent(first), percent(objective)) == (0, 0)


def test_it_leaves_entered_percent_alone_when_the_plan_is_manual(cast: Cast, plan: Plan) -> None:
    assert plan.progress_method == Plan.Progress.MANUAL
    goal, objective, [action] = family(cast, plan, {"percent_complete": 80})
    update(cast, objective, percent_complete=15)
    milestone_create(
        actor=cast.admin, element=action, data={"title": "Done", "done_date": D(2017, 2, 1)}
    )
    update(cast, action, percent_complete=90)
    assert (percent(goal), percent(objective), percent(action)) == (0, 15, 90)


@pytest.mark.parametrize(
    "method", [Plan.Progress.MANUAL, Plan.Progress.CHILDREN, Plan.Progress.MILESTONES]
)
def test_it_makes_a_completed_element_100_percent_whatever_the_method(
    cast: Cast, method: str
) -> None:
    plan = make_plan(cast, progress_method=method)
    goal, objective, [action, other] = family(cast, plan, {"percent_complete": 10}, {})
    milestone_create(actor=cast.admin, element=action, data={"title": "Not yet"})
    update(cast, action, state=Element.State.COMPLETED)
    assert percent(action) == 100
    assert row(action)["completed_date"] == timezone.localdate()
    update(cast, objective, state=Element.State.COMPLETED)
    assert percent(objective) == 100  # whatever lies beneath
    if method != Plan.Progress.MANUAL:
        assert percent(goal) == 100
    update(cast, objective, state=Element.State.IN_PROGRESS)
    expected = {"manual": 100, "children": 50, "milestones": 50}[method]
    assert percent(objective) == expected
    assert percent(other) == 0


@pytest.mark.parametrize("method", [Plan.Progress.CHILDREN, Plan.Progress.MILESTONES])
def test_it_refuses_to_enter_percent_where_the_plan_computes_it_and_changes_nothing(
    cast: Cast, method: str
) -> None:
    plan = make_plan(cast, progress_method=method)
    _goal, objective, [action] = family(cast, plan, {"percent_complete": 40})
    milestone = milestone_create(actor=cast.admin, element=action, data={"title": "Launch"})
    # The objective computes from its child (both methods); the action from its milestone
    # under "milestones" only.
    targets = [objective, action] if method == Plan.Progress.MILESTONES else [objective]
    for element in targets:
        element = Element.objects.get(pk=element.pk)
        before, changes = row(element), Change.objects.count()
        with pytest.raises(ValidationError) as caught:
            element_update(
                actor=cast.admin,
                element=element,
                data={"percent_complete": 90, "title": "Renamed too"},
            )
        assert list(caught.value.message_dict) == ["percent_complete"]
        assert "computes percent complete" in caught.value.message_dict["percent_complete"][0]
        assert row(element) == before
        assert Change.objects.count() == changes
        assert (element.percent_complete, element.title) == (
            before["percent_complete"],
            before["title"],
        )
    if method == Plan.Progress.CHILDREN:
        update(cast, action, percent_complete=90)  # a leaf is entered by hand
        assert percent(objective) == 90
    else:
        milestone_delete(actor=cast.admin, milestone=milestone)
        update(cast, action, percent_complete=90)  # no milestone left: entered by hand again
        assert percent(objective) == 90


def test_it_accepts_the_computed_percent_sent_back_unchanged(cast: Cast, computed: Plan) -> None:
    """A form posts every field: the percent it shows must not be refused."""
    _goal, objective, _actions = family(cast, computed, {"percent_complete": 40})
    objective = Element.objects.get(pk=objective.pk)
    update(cast, objective, percent_complete=40, title="Skilled public servants")
    assert row(objective)["title"] == "Skilled public servants"


def test_it_recomputes_at_once_when_the_plans_method_changes(cast: Cast, plan: Plan) -> None:
    goal, objective, [action, other] = family(
        cast, plan, {"percent_complete": 40}, {"percent_complete": 80}
    )
    update(cast, objective, percent_complete=10)
    assert (percent(goal), percent(objective)) == (0, 10)
    plan_update(actor=cast.admin, plan=plan, data={"progress_method": Plan.Progress.CHILDREN})
    assert (percent(goal), percent(objective)) == (60, 60)
    milestone_create(
        actor=cast.admin, element=action, data={"title": "Done", "done_date": D(2017, 2, 1)}
    )
    milestone_create(actor=cast.admin, element=other, data={"title": "Open"})
    plan_update(actor=cast.admin, plan=plan, data={"progress_method": Plan.Progress.MILESTONES})
    assert (percent(action), percent(other), percent(objective), percent(goal)) == (100, 0, 50, 50)
    # Back to manual: the values stay as they were last computed, and may be entered again.
    plan_update(actor=cast.admin, plan=plan, data={"progress_method": Plan.Progress.MANUAL})
    assert (percent(action), percent(objective)) == (100, 50)
    update(cast, objective, percent_complete=5)
    assert percent(objective) == 5


def test_it_recomputes_when_an_element_moves_is_deleted_or_restored(
    cast: Cast, computed: Plan
) -> None:
    goal, objective, [action, other] = family(
        cast, computed, {"percent_complete": 100}, {"percent_complete": 20}
    )
    second = make_element(cast, computed, "Open government", parent=goal)
    assert (percent(objective), percent(second), percent(goal)) == (60, 0, 30)
    element_move(actor=cast.admin, element=action, parent=second)
    assert (percent(objective), percent(second), percent(goal)) == (20, 100, 60)
    element_delete(actor=cast.admin, element=other)
    # A leaf now: it keeps the last value computed, which may now be entered by hand.
    assert (percent(objective), percent(goal)) == (20, 60)
    update(cast, objective, percent_complete=0)
    assert (percent(objective), percent(goal)) == (0, 50)
    element_restore(actor=cast.admin, element=Element.all_objects.get(pk=other.pk))
    assert (percent(objective), percent(goal)) == (20, 60)
    element_create(
        actor=cast.admin, plan=computed, parent=second, data={"title": "New", "percent_complete": 0}
    )
    assert (percent(second), percent(goal)) == (50, 35)


# -- health roll-up (children's health driven by overrides here) -------------------------------
@pytest.mark.parametrize(
    ("method", "expected", "reason"),
    [
        (Plan.RollUp.AVERAGE, Health.AT_RISK, "Average of 3: 1 on track, 1 at risk, 1 off track"),
        (Plan.RollUp.WORST, Health.OFF_TRACK, "Worst of 3: 1 on track, 1 at risk, 1 off track"),
        (
            Plan.RollUp.WEIGHTED,
            Health.ON_TRACK,  # (2*5 + 1*1 + 0*1) / 7 = 1.57
            "Weighted average of 3, score 1.57 of 2: 1 on track, 1 at risk, 1 off track",
        ),
    ],
)
def test_it_rolls_the_childrens_health_up_by_the_plans_method(
    cast: Cast, method: str, expected: str, reason: str
) -> None:
    plan = make_plan(cast, rollup_method=method)
    goal, objective, [good, risky, bad] = family(cast, plan, {"weight": "5"}, {}, {})
    override(cast, good, Health.ON_TRACK)
    override(cast, risky, Health.AT_RISK)
    override(cast, bad, Health.OFF_TRACK)
    assert stored(objective)[1:] == (expected, reason)
    assert health(goal) == expected


def test_it_leaves_children_not_assessed_out_of_the_roll_up(cast: Cast, plan: Plan) -> None:
    goal, objective, [good, _silent, _quiet] = family(cast, plan, {}, {}, {})
    assert stored(objective)[1:] == (Health.NOT_ASSESSED, "")
    assert stored(goal)[1:] == (Health.NOT_ASSESSED, "")
    override(cast, good, Health.ON_TRACK)
    assert stored(objective)[1:] == (
        Health.ON_TRACK,
        "Average of 1: 1 on track (left out: 2 not assessed)",
    )
    assert stored(goal)[1:] == (Health.ON_TRACK, "Average of 1: 1 on track")


def test_it_recomputes_health_at_once_when_the_roll_up_method_changes(
    cast: Cast, plan: Plan
) -> None:
    goal, objective, [good, bad] = family(cast, plan, {}, {})
    override(cast, good, Health.ON_TRACK)
    override(cast, bad, Health.OFF_TRACK)
    assert (health(objective), health(goal)) == (Health.AT_RISK, Health.AT_RISK)
    plan_update(actor=cast.admin, plan=plan, data={"rollup_method": Plan.RollUp.WORST})
    assert (health(objective), health(goal)) == (Health.OFF_TRACK, Health.OFF_TRACK)
    update(cast, good, weight="3")
    plan_update(actor=cast.admin, plan=plan, data={"rollup_method": Plan.RollUp.WEIGHTED})
    assert (health(objective), health(goal)) == (Health.ON_TRACK, Health.ON_TRACK)  # 6/4 = 1.5


def test_it_counts_an_override_in_the_parent_and_keeps_both_on_the_child(
    cast: Cast, plan: Plan, client_for: Callable[..., Any]
) -> None:
    _goal, objective, [action, other] = family(cast, plan, {}, {})
    override(cast, other, Health.OFF_TRACK, "Contractor left")
    override(cast, objective, Health.AT_RISK, "Waiting for the budget")
    assert row(objective)["health"] == Health.OFF_TRACK  # computed from its children
    override(cast, action, Health.ON_TRACK, "Training done early")
    objective.refresh_from_db()
    assert (objective.health, objective.health_override, objective.effective_health) == (
        Health.AT_RISK,  # average of on track and off track
        Health.AT_RISK,
        Health.AT_RISK,
    )
    override(cast, objective, Health.ON_TRACK, "The minister agreed to fund it")
    objective.refresh_from_db()
    assert (objective.health, objective.health_override, objective.effective_health) == (
        Health.AT_RISK,
        Health.ON_TRACK,
        Health.ON_TRACK,
    )
    page = client_for("viewer").get(f"/elements/{objective.pk}/").content.decode()
    assert "Average of 2: 1 on track, 1 off track" in page
    assert "The minister agreed to fund it" in page
    assert 'class="health health-on_track"' in page
    assert "(manual)" in page
    assert "Computed: At risk" in page  # the computed value, shown beside the override
    # Clearing the override shows the computed health again; it was never lost.
    update(cast, objective, health_override="", health_override_reason="")
    objective.refresh_from_db()
    assert objective.effective_health == Health.AT_RISK


# -- overdue -----------------------------------------------------------------------------------
def overdue_titles(plan: Plan, value: str) -> list[str]:
    request = RequestFactory().get("/")
    request.user = Person.objects.get(username="admin")
    filterset = ElementFilterSet(
        data={"overdue": value, "plan": plan.pk},
        queryset=Element.objects.all(),
        request=request,
    )
    assert filterset.is_valid(), filterset.errors
    return [e.title for e in filterset.qs]


def test_it_marks_an_open_action_past_its_target_date_overdue(cast: Cast, plan: Plan) -> None:
    today = timezone.localdate()
    late = make_element(cast, plan, "Late", target_date=today - DAY)
    started_late = make_element(
        cast, plan, "Started, late", target_date=today - DAY * 40, state=Element.State.IN_PROGRESS
    )
    on_hold = make_element(
        cast, plan, "On hold, late", target_date=today - DAY, state=Element.State.ON_HOLD
    )
    due_today = make_element(cast, plan, "Due today", target_date=today)
    due_later = make_element(cast, plan, "Due tomorrow", target_date=today + DAY)
    done = make_element(
        cast, plan, "Done late", target_date=today - DAY, state=Element.State.COMPLETED
    )
    undated = make_element(cast, plan, "Undated")
    overdue = [late, started_late, on_hold]
    for element in [*overdue, due_today, due_later, done, undated]:
        fresh = Element.objects.get(pk=element.pk)
        assert fresh.is_overdue is (element in overdue), element.title
    assert overdue_titles(plan, "true") == ["Late", "Started, late", "On hold, late"]
    assert overdue_titles(plan, "false") == ["Due today", "Due tomorrow", "Done late", "Undated"]


def test_it_stops_calling_an_action_overdue_once_it_is_completed(cast: Cast, plan: Plan) -> None:
    late = make_element(cast, plan, "Late", target_date=timezone.localdate() - DAY)
    assert Element.objects.get(pk=late.pk).is_overdue
    completed = update(cast, late, state=Element.State.COMPLETED)
    assert not completed.is_overdue
    assert overdue_titles(plan, "true") == []
    reopened = update(cast, completed, state=Element.State.IN_PROGRESS)
    assert reopened.is_overdue
    assert overdue_titles(plan, "true") == ["Late"]


# -- API ---------------------------------------------------------------------------------------
@pytest.fixture
def admin_api(cast: Cast) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=cast.admin)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_it_shows_computed_health_override_percent_and_overdue_in_the_api(
    cast: Cast, computed: Plan, admin_api: APIClient
) -> None:
    _goal, objective, [action, other] = family(
        cast, computed, {"percent_complete": 30}, {"percent_complete": 60}
    )
    update(cast, objective, target_date=timezone.localdate() - DAY)
    override(cast, action, Health.OFF_TRACK, "Trainers not hired")
    override(cast, other, Health.ON_TRACK, "On schedule")
    override(cast, objective, Health.OFF_TRACK, "The budget was cut")
    body = admin_api.get(f"/api/v1/elements/{objective.pk}/").json()
    assert {key: body[key] for key in FIELDS} == {
        "health": Health.AT_RISK,
        "health_reason": "Average of 2: 1 on track, 1 off track",
        "health_override": Health.OFF_TRACK,
        "health_override_reason": "The budget was cut",
        "effective_health": Health.OFF_TRACK,
        "percent_complete": 45,
        "is_overdue": True,
    }
    body = admin_api.get(f"/api/v1/elements/{action.pk}/").json()
    assert {key: body[key] for key in FIELDS} == {
        "health": Health.NOT_ASSESSED,
        "health_reason": "",
        "health_override": Health.OFF_TRACK,
        "health_override_reason": "Trainers not hired",
        "effective_health": Health.OFF_TRACK,
        "percent_complete": 30,
        "is_overdue": False,
    }


def test_it_refuses_percent_on_a_computed_element_through_the_api(
    cast: Cast, computed: Plan, admin_api: APIClient
) -> None:
    _goal, objective, _actions = family(cast, computed, {"percent_complete": 30})
    response = admin_api.patch(
        f"/api/v1/elements/{objective.pk}/", {"percent_complete": 90}, format="json"
    )
    assert response.status_code == 400
    assert "percent_complete" in response.json()["error"]["fields"]
    assert percent(objective) == 30


def test_it_ignores_health_written_to_the_api_as_it_is_computed(
    cast: Cast, plan: Plan, admin_api: APIClient
) -> None:
    _goal, objective, [action] = family(cast, plan, {})
    override(cast, action, Health.ON_TRACK)
    response = admin_api.patch(
        f"/api/v1/elements/{objective.pk}/", {"health": Health.OFF_TRACK}, format="json"
    )
    assert response.status_code == 200, response.content  # a read-only field is ignored
    assert response.json()["health"] == Health.ON_TRACK
    assert health(objective) == Health.ON_TRACK


FIELDS = (
    "health",
    "health_reason",
    "health_override",
    "health_override_reason",
    "effective_health",
    "percent_complete",
    "is_overdue",
)
