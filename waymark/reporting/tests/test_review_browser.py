"""In a real Chromium: a manager opens the second quarter's review of the 2017 plan, answers the
five questions for the element that is off track (an inappropriate budget, a re-plan with a new
target date, who and by when), closes the review, and finds the new target date and the new
baseline that keeps the original."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import include, path

from waymark.core.testing import Cast
from waymark.indicators.tests.test_browser import _sign_in
from waymark.meetings.models import ActionItem
from waymark.plans.models import Element
from waymark.plans.tests.test_browser import page  # noqa: F401  (the Chromium page fixture)
from waymark.reporting.models import Baseline, Review, ReviewItem
from waymark.reporting.tests.test_reviews import make_scene
from waymark.urls import urlpatterns as site_urlpatterns

# The review pages' routes beside the site's (harmless once the site includes them itself).
urlpatterns = [*site_urlpatterns, path("", include("waymark.reporting.urls_reviews"))]
pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]


def test_it_runs_a_quarterly_review_to_its_decisions(
    live_server: Any,
    page: Any,  # noqa: F811
    transactional_db: None,
    cast: Cast,
) -> None:
    scene = make_scene(cast)
    url = live_server.url

    _sign_in(page, url, "manager")
    page.goto(f"{url}/plans/{scene.plan.pk}/reviews/")
    page.get_by_text("No reviews yet").wait_for()
    form = page.locator("#new-review")
    form.get_by_label("Kind").select_option(label="Quarterly review")
    form.get_by_label("Period").select_option(str(scene.q2.pk))
    form.get_by_label("Held on").fill("2017-07-10")
    form.get_by_role("button", name="Open the review").click()
    page.get_by_text("Quarterly review 2017-Q2 opened").wait_for()

    review = Review.objects.get()
    item = ReviewItem.objects.get(review=review, element=scene.train)
    # The agenda starts with the element that is off track; its questions are open.
    first_row = page.locator("section[aria-labelledby=agenda-h] tbody tr").first
    assert "Train government officials" in first_row.inner_text()
    card = page.locator(f"#item-{item.pk}")
    card.get_by_role("group", name="1. Is it on track against the timeline?").get_by_label(
        "No"
    ).check()
    card.get_by_role("checkbox", name="(e) Inappropriate budget").check()
    card.get_by_label("Explain: (e) Inappropriate budget").fill(
        "The training budget arrived in June"
    )
    card.get_by_role("group", name="4. Is the timeline realistic?").get_by_label("No").check()
    card.get_by_label("Proposed target date").fill("2017-09-30")
    card.get_by_role("combobox", name="Decision").select_option("replan")
    card.get_by_role("combobox", name="Who").select_option(label="Manager")
    card.get_by_label("By when").fill("2017-08-15")
    card.get_by_role("button", name="Save the answers on 1.1.1").click()
    page.get_by_text("Saved the answers on 1.1.1.").wait_for()

    close = page.locator("#close")
    assert "re-plan 1 element" in close.inner_text()
    assert "create 1 action item" in close.inner_text()
    close.get_by_role("button", name="Close the review and apply decisions").click()
    page.get_by_text("closed; its decisions are applied").wait_for()

    outcome = page.locator("section[aria-labelledby=outcome-h]")
    assert "1.1.1 → 2017-09-30" in outcome.inner_text()
    assert "Carry out the new plan for 1.1.1" in outcome.inner_text()
    assert page.get_by_role("button", name="Save the answers on 1.1.1").count() == 0

    outcome.get_by_role("link", name="baseline v2").click()
    page.get_by_role("heading", name="Baselines").wait_for()
    versions = page.locator("table").first.inner_text()
    assert "v1" in versions and "Quarterly review 2017-Q2: re-planned 1 element" in versions
    page.get_by_role("link", name="Compare with v1").click()
    comparison = page.locator("#comparison")
    comparison.get_by_text("1 of 3 elements slipped, by 92 days on average.").wait_for()
    first = comparison.locator("tbody tr").first.inner_text()
    assert "1.1.1" in first and "2017-06-30" in first and "2017-09-30" in first
    assert "92 days later" in first

    first_link = comparison.locator("tbody tr").first.get_by_role("link")
    first_link.click()
    page.get_by_text("2017-09-30").first.wait_for()

    assert Element.objects.get(pk=scene.train.pk).target_date == datetime.date(2017, 9, 30)
    assert list(Baseline.objects.values_list("number", flat=True)) == [1, 2]
    assert ActionItem.objects.get().owner == cast.manager
