"""The organisation home and the personal home ("my work"): what they show, to whom, and in a
fixed number of queries whatever the number of elements."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.core.models import Change
from waymark.core.testing import Cast, make_element, make_plan
from waymark.indicators.services import measurement_save
from waymark.indicators.tests.builders import current_plan, make_indicator, open_period
from waymark.plans.models import Element, Plan
from waymark.plans.services import milestone_create

DAY = datetime.timedelta(days=1)


def section(page: str, anchor: str) -> str:
    """The part of the page from the section with this id to the end of that section."""
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def live(cast: Cast) -> Plan:
    """A plan running now (last year to next year), owned by the dept."""
    return current_plan(cast)


def grow(cast: Cast, plan: Plan, n: int, *, under: Element | None = None) -> Element:
    """`n` actions under an objective (a new goal and objective unless `under` is given): every
    other one overdue and led by the contributor, every third with the viewer as contributor
    and off track by hand, every fifth completed, every fourth with a milestone due next week.
    Returns the objective."""
    today = timezone.localdate()
    if under is None:
        goal = make_element(cast, plan, "Grown goal", percent_complete=30)
        under = make_element(cast, plan, "Grown objective", parent=goal)
    start = Element.objects.filter(parent=under).count()
    for i in range(start, start + n):
        data: dict[str, Any] = {
            "responsible_unit": cast.dept,
            "target_date": today - 20 * DAY if i % 2 == 0 else today + 60 * DAY,
            "state": Element.State.COMPLETED if i % 5 == 4 else Element.State.IN_PROGRESS,
            "budget_planned": "1000",
        }
        if i % 2 == 0:
            data["lead"] = cast.contributor
        if i % 3 == 0:
            data["contributors"] = [cast.viewer]
            data["health_override"] = "off_track"
            data["health_override_reason"] = "Late tender"
        action = make_element(cast, plan, f"Grown action {i}", parent=under, **data)
        if i % 4 == 0:
            milestone_create(
                actor=cast.admin,
                element=action,
                data={"title": f"Checkpoint {i}", "due_date": today + 7 * DAY},
            )
    return under


# -- organisation home ---------------------------------------------------------------------------
def test_it_shows_every_active_plan_with_its_progress_and_health(
    cast: Cast, plan: Plan, client_for: Any
) -> None:
    make_element(cast, plan, "First goal", percent_complete=40)
    make_element(
        cast,
        plan,
        "Second goal",
        percent_complete=80,
        health_override="off_track",
        health_override_reason="Funding cut",
    )
    make_element(cast, plan, "Dropped goal", state=Element.State.CANCELLED)
    make_plan(cast, "A draft plan", state=Plan.State.DRAFT)

    response = client_for("viewer").get(reverse("home"))

    page = response.content.decode()
    [shown] = response.context["plans"]
    assert shown.pk == plan.pk and shown.percent == 60  # cancelled goals are left out
    assert shown.health_counts == [("off_track", 1), ("not_assessed", 2)]
    card = page[page.index(plan.title) :]
    card = card[: card.index("</article>")]
    assert '<span class="pct">60%</span>' in card
    assert "Off track" in card and "Not assessed" in card
    assert "A draft plan" not in section(page, "plans")


def test_it_says_what_appears_when_there_is_nothing_yet(cast: Cast, client_for: Any) -> None:
    page = client_for("viewer").get(reverse("home")).content.decode()

    assert "No active plans" in page
    assert "Nothing is overdue" in section(page, "overdue")
    assert "No milestone falls due in the next 30 days" in section(page, "milestones")
    assert "Nothing changed in the last 7 days" in section(page, "changes")


def test_it_lists_overdue_actions_the_longest_overdue_first_with_their_count(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    today = timezone.localdate()
    late = make_element(cast, live, "Late action", target_date=today - 10 * DAY)
    later = make_element(cast, live, "Later action", target_date=today - 40 * DAY)
    make_element(cast, live, "Done action", target_date=today - 40 * DAY, state="completed")
    make_element(cast, live, "Future action", target_date=today + 10 * DAY)

    response = client_for("contributor").get(reverse("home"))

    overdue = response.context["overdue"]
    assert overdue.count == 2 and overdue.items == [later, late]
    table = section(response.content.decode(), "overdue")
    assert "Late action" in table and "Later action" in table
    assert "Done action" not in table and "Future action" not in table
    assert reverse("element-detail", args=[late.pk]) in table


def test_it_lists_open_milestones_due_in_the_next_30_days(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    today = timezone.localdate()
    action = make_element(cast, live, "Action with checkpoints")
    for title, due, done in [
        ("Due in four weeks", today + 28 * DAY, None),
        ("Due in two days", today + 2 * DAY, None),
        ("Due in six weeks", today + 42 * DAY, None),
        ("Already done", today + 3 * DAY, today),
        ("Missed last week", today - 7 * DAY, None),
    ]:
        milestone_create(
            actor=cast.admin,
            element=action,
            data={"title": title, "due_date": due, "done_date": done},
        )

    response = client_for("viewer").get(reverse("home"))

    milestones = response.context["milestones"]
    assert [m.title for m in milestones.items] == ["Due in two days", "Due in four weeks"]
    listed = section(response.content.decode(), "milestones")
    assert "Due in two days" in listed and "Due in six weeks" not in listed
    assert reverse("element-detail", args=[action.pk]) in listed


def test_it_counts_the_last_weeks_changes_and_links_the_latest(
    cast: Cast, plan: Plan, client_for: Any
) -> None:
    old = make_element(cast, plan, "Changed long ago")
    Change.objects.update(time=timezone.now() - 10 * DAY)
    fresh = make_element(cast, plan, "Changed today")
    milestone_create(actor=cast.admin, element=fresh, data={"title": "Checkpoint"})

    response = client_for("viewer").get(reverse("home"))

    changes = response.context["changes"]
    assert changes.count == 2  # the element and its milestone; the older ones are left out
    assert [c.object_repr for c in changes.latest] == ["Checkpoint", str(fresh)]
    listed = section(response.content.decode(), "changes")
    # A milestone has no page of its own: its entry links to its element.
    assert listed.count(f'href="{reverse("element-detail", args=[fresh.pk])}"') == 2
    assert "Changed long ago" not in listed and old.pk
    assert "just now" in listed and "Admin" in listed


def test_it_counts_the_data_owed_and_the_approvals_waiting(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    owed = make_indicator(cast, live, "1.a", data_owners=[cast.contributor])
    submitted = make_indicator(cast, live, "1.b", data_owners=[cast.contributor])
    measurement_save(
        actor=cast.contributor,
        indicator=submitted,
        period=open_period(submitted),
        unit=cast.dept,
        data={"value": "5"},
        submit=True,
    )

    contributor = client_for("contributor").get(reverse("home"))
    manager = client_for("manager").get(reverse("home"))

    assert contributor.context["data_due"] == 1 and contributor.context["approvals"] == 0
    assert manager.context["approvals"] == 1
    assert 'href="/my-updates/"' in contributor.content.decode()
    assert 'href="/review/"' in manager.content.decode()
    assert 'href="/review/"' not in contributor.content.decode()  # no approvals, no manager
    assert owed.pk


def test_the_outsider_sees_nothing_of_the_dept(cast: Cast, live: Plan, client_for: Any) -> None:
    grow(cast, live, 4)

    response = client_for("outsider").get(reverse("home"))

    page = response.content.decode()
    assert live.title not in page and "Grown" not in page and "Checkpoint 0" not in page
    assert response.context["overdue"].count == 0
    assert response.context["milestones"].count == 0
    assert response.context["changes"].count == 0
    assert response.context["plans"] == []


def test_the_outsider_sees_a_plan_of_the_dept_their_unit_works_on(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    make_element(cast, live, "Shared action", responsible_unit=cast.other)

    response = client_for("outsider").get(reverse("home"))

    assert [p.pk for p in response.context["plans"]] == [live.pk]
    assert response.context["changes"].count >= 1


@pytest.mark.parametrize("name", ["admin", "contributor"])
def test_home_takes_the_same_number_of_queries_for_10_and_200_elements(
    cast: Cast, live: Plan, client_for: Any, django_assert_num_queries: Any, name: str
) -> None:
    client = client_for(name)
    make_indicator(cast, live, "1.a", data_owners=[cast.contributor])
    objective = grow(cast, live, 10)
    client.get(reverse("home"))
    with django_assert_num_queries(HOME_QUERIES[name]):
        small = client.get(reverse("home"))
    grow(cast, live, 190, under=objective)
    with django_assert_num_queries(HOME_QUERIES[name]):
        large = client.get(reverse("home"))
    assert large.context["overdue"].count > small.context["overdue"].count == 4
    assert large.context["milestones"].count > small.context["milestones"].count == 2


# The admin also reads who is an organisation admin (for the nav) and the data they owe; the
# contributor, who leads elements, reads their schedules, periods and updates (7 for "To report"
# and approvals: updates owed, action items, updates waiting).
HOME_QUERIES = {"admin": 30, "contributor": 30}


# -- my work -------------------------------------------------------------------------------------
def test_my_work_lists_what_i_lead_or_contribute_to_while_open(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    grow(cast, live, 6)

    contributor = client_for("contributor").get(reverse("my-work"))
    viewer = client_for("viewer").get(reverse("my-work"))

    led = contributor.context["mine"].items
    # The contributor leads 0, 2 and 4; 4 is completed.
    assert [e.title for e in led] == ["Grown action 0", "Grown action 2"]
    assert contributor.context["overdue_count"] == 2
    page = section(contributor.content.decode(), "mine")
    assert "You lead" in page and "Overdue" in page and "Not assessed" in page
    # The viewer contributes to 0 and 3 (off track by hand).
    assert [e.title for e in viewer.context["mine"].items] == ["Grown action 0", "Grown action 3"]
    assert "You contribute" in section(viewer.content.decode(), "mine")
    assert "Off track" in section(viewer.content.decode(), "mine")


def test_my_work_shows_my_milestones_overdue_ones_included(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    today = timezone.localdate()
    mine = make_element(cast, live, "Mine", responsible_unit=cast.dept, lead=cast.contributor)
    theirs = make_element(cast, live, "Theirs")
    for element, title, due in [
        (mine, "Missed", today - 3 * DAY),
        (mine, "Soon", today + 5 * DAY),
        (mine, "Far off", today + 90 * DAY),
        (theirs, "Not mine", today + 5 * DAY),
    ]:
        milestone_create(actor=cast.admin, element=element, data={"title": title, "due_date": due})

    response = client_for("contributor").get(reverse("my-work"))

    assert [m.title for m in response.context["milestones"].items] == ["Missed", "Soon"]
    listed = section(response.content.decode(), "milestones")
    assert "Overdue" in listed and "Not mine" not in listed


def test_my_work_lists_the_data_i_owe_and_the_approvals_waiting_for_me(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    owed = make_indicator(cast, live, "1.a", data_owners=[cast.contributor])
    submitted = make_indicator(cast, live, "1.b", data_owners=[cast.contributor])
    measurement = measurement_save(
        actor=cast.contributor,
        indicator=submitted,
        period=open_period(submitted),
        unit=cast.dept,
        data={"value": "5"},
        submit=True,
    )

    contributor = client_for("contributor").get(reverse("my-work"))
    manager = client_for("manager").get(reverse("my-work"))

    data = section(contributor.content.decode(), "owed")
    assert owed.title in data and submitted.title not in data
    assert 'href="/my-data/"' in data
    assert 'id="waiting"' not in contributor.content.decode()  # a contributor approves nothing
    waiting = section(manager.content.decode(), "waiting")
    assert reverse("measurement-detail", args=[measurement.pk]) in waiting
    assert 'href="/review/"' in waiting


def test_my_work_says_what_will_appear_when_there_is_nothing(cast: Cast, client_for: Any) -> None:
    page = client_for("outsider").get(reverse("my-work")).content.decode()

    assert "Nothing assigned to you" in section(page, "mine")
    assert "Nothing to report right now" in section(page, "owed")
    assert "No milestone of yours is coming up" in section(page, "milestones")


def test_my_work_shows_the_outsider_nothing_of_the_dept(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    grow(cast, live, 4)
    make_indicator(cast, live, "1.a", data_owners=[cast.contributor])

    response = client_for("outsider").get(reverse("my-work"))

    assert response.context["mine"].count == 0 and response.context["owed"].count == 0
    assert "Grown" not in response.content.decode()


def test_the_nav_links_my_work_after_home(cast: Cast, client_for: Any) -> None:
    page = client_for("viewer").get(reverse("my-work")).content.decode()

    nav = page[page.index('<nav class="nav"') : page.index("</nav>")]
    assert nav.index(">Home<") < nav.index(">My work<") < nav.index(">Plans<")
    assert 'href="/my-work/" aria-current="page"' in nav


def test_my_work_takes_the_same_number_of_queries_for_10_and_200_elements(
    cast: Cast, live: Plan, client_for: Any, django_assert_num_queries: Any
) -> None:
    client = client_for("contributor")
    indicator = make_indicator(cast, live, "1.a", data_owners=[cast.contributor])
    make_indicator(cast, live, "1.b", data_owners=[cast.contributor])
    objective = grow(cast, live, 10)
    measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "5"},
        submit=True,
    )
    client.get(reverse("my-work"))
    with django_assert_num_queries(MY_WORK_QUERIES):
        small = client.get(reverse("my-work"))
    grow(cast, live, 190, under=objective)
    with django_assert_num_queries(MY_WORK_QUERIES):
        large = client.get(reverse("my-work"))
    assert large.context["mine"].count > small.context["mine"].count >= 4
    assert large.context["milestones"].count > small.context["milestones"].count >= 2


MY_WORK_QUERIES = 23  # 6 of them for the updates owed and waiting
