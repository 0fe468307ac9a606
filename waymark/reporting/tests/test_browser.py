"""In a real Chromium: a contributor who leads five actions and reports five indicators finishes
the whole period on "My updates" without leaving the page; a manager accepts from "To approve"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from waymark.core.testing import Cast, make_element
from waymark.indicators.models import Measurement
from waymark.indicators.tests.builders import current_plan, make_indicator
from waymark.indicators.tests.test_browser import _sign_in
from waymark.org.models import Health
from waymark.plans.tests.test_browser import page  # noqa: F401  (the Chromium page fixture)
from waymark.reporting.models import ProgressUpdate
from waymark.reporting.services import schedule_save

pytestmark = pytest.mark.browser


def test_it_submits_a_whole_period_from_my_updates(
    live_server: Any,
    page: Any,  # noqa: F811
    transactional_db: None,
    cast: Cast,
) -> None:
    # Monthly, with 20 grace days: on any day of the year at least one month is asked for
    # (last month's until the 25th, this month's from 14 days before it is due).
    plan = current_plan(cast, cadence="monthly")
    schedule_save(actor=cast.admin, plan=plan, data={"grace_days": 20})
    started = timezone.localdate() - datetime.timedelta(days=400)
    goal = make_element(cast, plan, "Good governance")
    actions = [
        make_element(
            cast,
            plan,
            f"Action {n}",
            parent=goal,
            lead=cast.contributor,
            responsible_unit=cast.dept,
            start_date=started,
        )
        for n in range(1, 6)
    ]
    indicators = [
        make_indicator(cast, plan, f"1.{n}", title=f"Indicator {n}", data_owners=[cast.contributor])
        for n in range(1, 6)
    ]

    _sign_in(page, live_server.url, "contributor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My updates").click()
    page.get_by_role("heading", name="Progress updates").wait_for()
    cards = page.locator("article.update-card")
    periods = cards.count() // 5
    assert periods in (1, 2) and cards.count() == 5 * periods
    for card in cards.all():
        n = int(card.locator("header h3").inner_text().split("Action ")[1])
        card.get_by_label("Health").select_option(Health.AT_RISK if n == 3 else Health.ON_TRACK)
        card.get_by_label("% complete").fill(str(n * 10))
        card.get_by_label("Progress").fill(f"Work on action {n} went as planned.")
    rows = page.locator("table.entry tbody tr")
    values = rows.count()
    assert values in (5, 10)
    for n, row in enumerate(rows.all(), start=1):
        row.locator("input[name$='-value']").fill(str(n))

    # One mistake: nothing is saved, and the card says why.
    cards.nth(1).get_by_label("% complete").fill("120")
    page.get_by_role("button", name="Save and submit everything").click()
    page.get_by_text("Give a whole number from 0 to 100.").wait_for()
    assert ProgressUpdate.objects.count() == 0 and Measurement.objects.count() == 0

    cards.nth(1).get_by_label("% complete").fill("20")
    page.get_by_role("button", name="Save and submit everything").click()
    page.get_by_text(f"Submitted: {5 * periods} updates, {values} values.").wait_for()
    page.get_by_role("heading", name="You are up to date").wait_for()
    submitted = ProgressUpdate.objects.filter(status=ProgressUpdate.Status.SUBMITTED)
    assert submitted.count() == 5 * periods
    assert (
        Measurement.objects.filter(
            status=Measurement.Status.SUBMITTED, indicator__in=indicators
        ).count()
        == values
    )

    _sign_in(page, live_server.url, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="To approve").click()
    for _ in range(periods):  # the latest period's update is the one the element shows
        row = page.get_by_role("row").filter(has_text="Action 3").first
        row.get_by_role("button", name="Accept").click()
        page.get_by_text("Accepted the").wait_for()
    actions[2].refresh_from_db()
    assert actions[2].health_override == Health.AT_RISK
    assert actions[2].percent_complete == 30
