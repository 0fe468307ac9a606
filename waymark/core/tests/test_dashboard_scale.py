"""Every dashboard takes the same number of queries at 10 and at 2,000 elements.

The 2,000 are inserted in bulk (then numbered and rolled up once, as the services would), so the
test stays quick; the pages' own query counts are pinned beside their content tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waymark.core.testing import Cast, make_element
from waymark.core.tests.test_home import HOME_QUERIES, MY_WORK_QUERIES
from waymark.indicators.tests.builders import current_plan
from waymark.org.tests.test_scorecard import SCORECARD_QUERIES
from waymark.plans.models import Element, Milestone, Plan
from waymark.plans.numbering import renumber
from waymark.plans.progress import refresh_plan


def _bulk_actions(cast: Cast, plan: Plan, under: Element, count: int) -> None:
    today = timezone.localdate()
    start = Element.objects.filter(parent=under).count()
    actions = Element.objects.bulk_create(
        [
            Element(
                plan=plan,
                parent=under,
                position=start + i + 1,
                depth=under.depth + 1,
                title=f"Action {start + i}",
                responsible_unit=cast.dept,
                lead=cast.contributor if i % 2 else None,
                state=Element.State.IN_PROGRESS,
                health_override="off_track" if i % 3 == 0 else "",
                health_override_reason="Late tender" if i % 3 == 0 else "",
                target_date=today - datetime.timedelta(days=20) if i % 2 else today,
                budget_planned=1000,
            )
            for i in range(count)
        ]
    )
    Milestone.objects.bulk_create(
        [
            Milestone(element=a, title="Checkpoint", due_date=today + datetime.timedelta(days=7))
            for a in actions[::4]
        ]
    )
    renumber(plan)
    refresh_plan(plan)


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboards_take_the_same_queries_at_10_and_2000_elements(
    cast: Cast, client_for: Any
) -> None:
    plan = current_plan(cast)
    goal = make_element(cast, plan, "Goal")
    objective = make_element(cast, plan, "Objective", parent=goal)
    pages = [
        ("admin", "/"),
        ("contributor", "/"),
        ("contributor", "/my-work/"),
        ("manager", f"/units/{cast.dept.pk}/scorecard/"),
    ]
    clients = {who: client_for(who) for who, _url in pages}
    _bulk_actions(cast, plan, objective, 8)
    for who, url in pages:  # warm the per-process caches (content types) first
        _count(clients[who], url)
    small = {(who, url): _count(clients[who], url) for who, url in pages}
    _bulk_actions(cast, plan, objective, 1990)
    assert Element.objects.filter(plan=plan).count() == 2000
    large = {(who, url): _count(clients[who], url) for who, url in pages}
    assert small == large
    # The pinned counts beside the pages' content tests hold here too (their data has more
    # sections filled, never more queries per row).
    assert max(small.values()) <= max(*HOME_QUERIES.values(), MY_WORK_QUERIES, SCORECARD_QUERIES)
