"""In a real Chromium: sign in, open the Dornod grid, edit a cell in place, reload, see it kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from waymark.plans.models import Element

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_it_edits_a_grid_cell_in_place_and_keeps_it_after_a_reload(
    live_server: Any, page: Any, transactional_db: None
) -> None:
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    action = Element.objects.get(plan__title__startswith="Dornod", code="1.1.2")

    page.goto(f"{live_server.url}/account/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "waymark-demo")
    page.click("button[type=submit]")
    page.get_by_role("link", name="Plans", exact=True).click()
    page.get_by_role(
        "link", name="Dornod Aimag's economic and social development goals 2017"
    ).click()
    page.get_by_role("link", name="Tracking grid").first.click()
    assert "Tracking grid" in page.title()

    row = page.locator(f"#row-{action.pk}")
    row.get_by_role("button", name="Edit % complete of 1.1.2").click()
    field = row.locator("input[name=percent_complete]")
    field.fill("65")
    field.press("Enter")
    row.get_by_text("Saved").wait_for()

    page.reload()
    row = page.locator(f"#row-{action.pk}")
    assert "65%" in row.inner_text()
    action.refresh_from_db()
    assert action.percent_complete == 65

    # A bad value is refused in place, with the field's message, and nothing changes.
    row.get_by_role("button", name="Edit target date of 1.1.2").click()
    row.locator("input[name=target_date]").fill("2016-01-01")
    row.locator("input[name=target_date]").press("Enter")
    row.get_by_text("The target date cannot be before the start date.").wait_for()
    action.refresh_from_db()
    assert str(action.target_date) == "2017-09-29"
