"""In a real Chromium: a contributor fills "My data" with the keyboard and submits; the manager
approves from the review queue; the indicator page then shows the approved actual."""

from __future__ import annotations

from typing import Any

import pytest

from waymark.core.testing import PASSWORD, Cast
from waymark.indicators.models import Measurement
from waymark.indicators.tests.builders import current_plan, make_indicator, open_period
from waymark.plans.tests.test_browser import page  # noqa: F401  (the Chromium page fixture)

pytestmark = pytest.mark.browser


def _sign_in(page: Any, url: str, username: str) -> None:  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{url}/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_it_fills_my_data_and_sees_the_approved_actual_on_the_indicator_page(
    live_server: Any,
    page: Any,  # noqa: F811
    transactional_db: None,
    cast: Cast,
) -> None:
    plan = current_plan(cast)
    share = make_indicator(
        cast,
        plan,
        "1.1.a",
        title="Share of soum officials trained",
        measure_type="percentage",
        data_owners=[cast.contributor],
    )
    days = make_indicator(
        cast, plan, "1.1.b", title="Open door days held", data_owners=[cast.contributor]
    )
    period = open_period(share)

    _sign_in(page, live_server.url, "contributor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My updates").click()
    page.get_by_role("link", name="Indicator data only").click()
    share_row = page.locator(f"#row-{share.pk}-{period.pk}-{cast.dept.pk}")
    days_row = page.locator(f"#row-{days.pk}-{open_period(days).pk}-{cast.dept.pk}")

    # A bad value first: nothing is saved and the cell says why.
    share_row.locator("input[name$='-value']").fill("30")
    share_row.locator("input[name$='-value']").press("Tab")
    page.keyboard.type("20")  # the focus moved to the denominator
    days_row.locator("input[name$='-value']").fill("4")
    page.get_by_role("button", name="Save and submit for approval").click()
    share_row.get_by_text("cannot be larger than the denominator").wait_for()
    assert Measurement.objects.count() == 0

    share_row.locator("input[name$='-value']").fill("12")
    page.get_by_role("button", name="Save and submit for approval").click()
    page.get_by_text("Submitted 2 values for approval.").wait_for()
    assert Measurement.objects.filter(status=Measurement.Status.SUBMITTED).count() == 2

    _sign_in(page, live_server.url, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="To approve").click()
    row = page.get_by_role("row").filter(has_text="Share of soum officials trained")
    row.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved 1.1.a").wait_for()

    page.goto(f"{live_server.url}/indicators/{share.pk}/")
    actual = page.get_by_role("row").filter(has_text=period.label).first
    assert "60%" in actual.inner_text()  # 12 / 20, approved
    assert page.locator("figure.chart svg").count() == 1


def test_approving_a_value_changes_the_health_on_the_plan_dashboard(
    live_server: Any,
    page: Any,  # noqa: F811
    transactional_db: None,
    cast: Cast,
) -> None:
    from waymark.core.testing import make_element
    from waymark.indicators.services import measurement_save, targets_set

    plan = current_plan(cast, title="Governance plan")
    goal = make_element(cast, plan, "Good governance")
    objective = make_element(cast, plan, "Capable public servants", parent=goal)
    action = make_element(cast, plan, "Train soum officials", parent=objective)
    indicator = make_indicator(
        cast,
        plan,
        "1.1.1.a",
        title="Officials trained",
        data_owners=[cast.contributor],
        elements=[action],
    )
    period = open_period(indicator)
    targets_set(actor=cast.manager, indicator=indicator, targets={period: "100"})
    measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": "40"},
        submit=True,
    )

    _sign_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    card = page.locator("article.goal").filter(has_text="Good governance")
    assert "Not assessed" in card.inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="To approve").click()
    page.get_by_role("row").filter(has_text="Officials trained").get_by_role(
        "button", name="Approve"
    ).click()
    page.get_by_text("Approved 1.1.1.a").wait_for()

    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    card = page.locator("article.goal").filter(has_text="Good governance")
    assert "Off track" in card.inner_text()  # 40 of a target of 100, rolled up to the goal
