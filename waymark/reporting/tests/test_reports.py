"""The monthly report and the review report: their content from real rows, who may open them,
their query counts, and their PDFs read back."""

from __future__ import annotations

import datetime
import io
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from pypdf import PdfReader

import waymark.urls
from waymark.core.testing import Cast, make_element, make_plan, make_tree
from waymark.indicators.models import Indicator, Measurement, Period, Target
from waymark.indicators.services import indicator_create
from waymark.meetings.models import ActionItem
from waymark.plans.models import Element, Plan
from waymark.reporting.models import ProgressUpdate, Review, ReviewItem, ReviewReason
from waymark.reporting.reports import monthly_report, quarterly_report
from waymark.reporting.selectors import reporting_periods


# -- routes: the project's, with the reporting pages until the project includes them ------------
def _routed(name: str) -> bool:
    try:
        reverse(name, urlconf="waymark.urls")
    except NoReverseMatch:
        return False
    return True


urlpatterns = list(waymark.urls.urlpatterns)
for _module, _probe in (
    ("waymark.reporting.urls", "my-updates"),
    ("waymark.reporting.urls_reports", "reason-analytics"),
):
    if not _routed(_probe):
        urlpatterns.append(path("", include(_module)))

pytestmark = pytest.mark.urls(__name__)
D = datetime.date


# -- the scene ---------------------------------------------------------------------------------
@dataclass
class Scene:
    plan: Plan
    feb: Period
    goal: Element
    objective: Element
    action: Element
    second: Element
    review: Review
    indicator: Indicator


def update(
    element: Element, period: Period, status: str, *, health: str = "on_track", **fields: Any
) -> ProgressUpdate:
    fields.setdefault("narrative", f"Work on {element.title}")
    return ProgressUpdate.objects.create(
        element=element,
        period=period,
        status=status,
        health=health,
        due_date=period.end + datetime.timedelta(days=5),
        **fields,
    )


def add_actions(cast: Cast, plan: Plan, objective: Element, n: int) -> list[Element]:
    return [
        make_element(
            cast,
            plan,
            f"Extra action {i}",
            parent=objective,
            responsible_unit=cast.dept,
            lead=cast.contributor,
        )
        for i in range(n)
    ]


@pytest.fixture
def scene(cast: Cast) -> Scene:
    """A monthly plan of the department: goal 1 > objective 1.1 > actions 1.1.1 (led by the
    contributor) and 1.1.2 (led by the manager). For February 2017: the action's update is
    accepted, on track, asking for support; the objective's is submitted late, at risk, with a
    challenge; the second action's is only a draft (it did not report). An indicator of the
    action: target 10, actual 8 approved (and a draft value that does not count). A mid-month
    evaluation of February: the second action off track for (a) and (e), re-planned by the
    manager by 15 March, with an open action item due 1 March."""
    plan = make_plan(cast, "Monthly plan 2017", cadence=Plan.Cadence.MONTHLY)
    goal, objective, action = make_tree(cast, plan)
    second = make_element(
        cast,
        plan,
        "Equip the training room",
        parent=objective,
        responsible_unit=cast.dept,
        lead=cast.manager,
    )
    feb = next(p for p in reporting_periods(plan) if p.label == "2017-02")
    update(
        action,
        feb,
        ProgressUpdate.Status.ACCEPTED,
        percent_complete=40,
        narrative="Trained 120 officials in three soums",
        successes="All soums took part",
        support_needed="Two more trainers from the ministry",
    )
    update(
        objective,
        feb,
        ProgressUpdate.Status.SUBMITTED,
        health="at_risk",
        late=True,
        challenges="Roads closed by snow",
        solutions="Moved the sessions online",
    )
    update(second, feb, ProgressUpdate.Status.DRAFT, narrative="Not finished yet")

    indicator = indicator_create(
        actor=cast.admin,
        plan=plan,
        data={
            "code": "1.a",
            "title": "Officials trained",
            "elements": [action],
            "frequency": "monthly",
        },
    )
    ind_feb = Period.objects.get(plan=plan, frequency="monthly", label="2017-02")
    Target.objects.create(indicator=indicator, period=ind_feb, value=Decimal(10))
    Measurement.objects.create(
        indicator=indicator,
        period=ind_feb,
        unit=cast.dept,
        value=Decimal(8),
        status=Measurement.Status.APPROVED,
    )
    Measurement.objects.create(
        indicator=indicator, period=ind_feb, unit=cast.other, value=Decimal(50)
    )

    review = Review.objects.create(
        plan=plan,
        period=feb,
        kind=Review.Kind.MID_MONTH,
        held_on=D(2017, 2, 15),
        chair=cast.manager,
        summary="Training goes well; the room is late.",
    )
    ReviewItem.objects.create(review=review, element=action, on_track=ReviewItem.OnTrack.YES)
    late_item = ReviewItem.objects.create(
        review=review,
        element=second,
        health_then="off_track",
        on_track=ReviewItem.OnTrack.NO,
        changes="The supplier went bankrupt",
        timeline_realistic=False,
        proposed_target=D(2017, 5, 31),
        staff_sufficient=True,
        budget_sufficient=False,
        decision=ReviewItem.Decision.REPLAN,
        decision_note="Order from the second supplier",
        decision_owner=cast.manager,
        decision_due=D(2017, 3, 15),
    )
    ReviewReason.objects.create(item=late_item, code="a", text="Delivery takes three months")
    ReviewReason.objects.create(item=late_item, code="e", text="The desks cost twice as much")
    ActionItem.objects.create(
        title="Ask the finance department for the difference",
        owner=cast.contributor,
        unit=cast.dept,
        element=second,
        review_item=late_item,
        due_date=D(2017, 3, 1),
    )
    return Scene(plan, feb, goal, objective, action, second, review, indicator)


def pdf_text(content: bytes) -> str:
    """The PDF's text read back, its lines joined with single spaces (table cells wrap)."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# -- the monthly report's content ----------------------------------------------------------------
def test_it_gathers_the_periods_submitted_and_accepted_updates_by_goal_and_objective(
    scene: Scene,
) -> None:
    report = monthly_report(scene.plan, scene.feb)

    assert [u.element for u in report.updates] == [scene.objective, scene.action]
    assert [u.element for u in report.late] == [scene.objective]
    assert report.accepted == 1
    [section] = report.sections
    assert section.goal == scene.goal
    [group] = section.groups
    assert group.objective == scene.objective
    assert [u.element for u in group.updates] == [scene.objective, scene.action]
    assert report.health_reported == [("on_track", 1), ("at_risk", 1)]


def test_it_lists_the_elements_that_did_not_report(scene: Scene) -> None:
    report = monthly_report(scene.plan, scene.feb)

    # The second action wrote only a draft; the goal has no lead and no update. The objective
    # has no lead either, but it did report.
    assert report.not_reported == [scene.goal, scene.second]
    assert report.board is not None
    assert (report.board.total.owed, report.board.total.done) == (2, 1)


def test_it_collects_support_needed_and_challenges(scene: Scene) -> None:
    report = monthly_report(scene.plan, scene.feb)

    assert [(u.element, u.support_needed) for u in report.support] == [
        (scene.action, "Two more trainers from the ministry")
    ]
    assert [(u.element, u.challenges) for u in report.challenges] == [
        (scene.objective, "Roads closed by snow")
    ]


def test_it_shows_each_indicators_target_actual_and_percent_met(scene: Scene) -> None:
    [row] = monthly_report(scene.plan, scene.feb).indicators

    assert row.indicator == scene.indicator
    assert row.period is not None and row.period.label == "2017-02"
    assert row.target == Decimal(10)
    assert row.actual is not None and row.actual.amount == Decimal(8)  # the draft does not count
    assert row.met == Decimal(80)


def test_it_includes_the_periods_reviews_with_decisions_reasons_and_action_items(
    cast: Cast, scene: Scene
) -> None:
    report = monthly_report(scene.plan, scene.feb)

    [block] = report.reviews
    assert block.review == scene.review
    [decision] = block.decisions
    assert decision.element == scene.second
    assert (decision.decision_owner, decision.decision_due) == (cast.manager, D(2017, 3, 15))
    assert {c.code: c.count for c in block.given} == {"a": 1, "e": 1}
    [action_item] = block.action_items
    assert action_item.is_overdue
    assert block.open_actions == 1

    march = next(p for p in reporting_periods(scene.plan) if p.label == "2017-03")
    assert monthly_report(scene.plan, march).reviews == []


def test_it_takes_a_review_held_during_the_month_for_another_period(
    cast: Cast, scene: Scene
) -> None:
    q1 = Period.objects.get(plan=scene.plan, frequency="monthly", label="2017-01")
    held_in_feb = Review.objects.create(
        plan=scene.plan, period=q1, kind=Review.Kind.QUARTERLY, held_on=D(2017, 2, 20)
    )
    report = monthly_report(scene.plan, scene.feb)
    assert [b.review for b in report.reviews] == [scene.review, held_in_feb]


# -- the review report's content -----------------------------------------------------------------
def test_it_reports_a_review_with_its_answers_and_the_periods_figures(scene: Scene) -> None:
    report = quarterly_report(scene.review)

    assert report.review == scene.review
    [block] = report.reviews
    assert [i.element for i in block.items] == [scene.action, scene.second]
    assert block.items[1].changes == "The supplier went bankrupt"
    assert [u.element for u in report.updates] == [scene.objective, scene.action]
    assert report.indicators[0].met == Decimal(80)


def test_it_reads_the_last_update_of_each_element_over_a_quarter(cast: Cast, scene: Scene) -> None:
    months = {p.label: p for p in reporting_periods(scene.plan)}
    update(
        scene.action,
        months["2017-03"],
        ProgressUpdate.Status.SUBMITTED,
        percent_complete=70,
        narrative="March",
    )
    quarter = Period.objects.create(
        plan=scene.plan,
        frequency="quarterly",
        start=D(2017, 1, 1),
        end=D(2017, 3, 31),
        label="2017-Q1",
    )
    review = Review.objects.create(
        plan=scene.plan, period=quarter, kind=Review.Kind.QUARTERLY, held_on=D(2017, 4, 10)
    )

    report = quarterly_report(review)

    by_element = {u.element: u for u in report.updates}
    assert by_element[scene.action].narrative == "March"
    assert by_element[scene.objective].period == scene.feb
    assert report.board is not None and report.board.period == months["2017-03"]


def test_it_keeps_a_units_review_to_that_units_elements(cast: Cast, scene: Scene) -> None:
    elsewhere = make_element(
        cast,
        scene.plan,
        "Audit the training budget",
        parent=scene.objective,
        responsible_unit=cast.other,
        lead=cast.outsider,
    )
    update(elsewhere, scene.feb, ProgressUpdate.Status.ACCEPTED)
    review = Review.objects.create(
        plan=scene.plan, unit=cast.dept, period=scene.feb, kind=Review.Kind.MID_MONTH
    )

    report = quarterly_report(review)

    assert elsewhere not in [u.element for u in report.updates]
    assert elsewhere in [u.element for u in monthly_report(scene.plan, scene.feb).updates]


def test_it_reads_a_report_in_a_fixed_number_of_queries(
    cast: Cast, scene: Scene, django_assert_num_queries: Any
) -> None:
    plan = Plan.objects.select_related("owner_unit").get(pk=scene.plan.pk)
    with django_assert_num_queries(REPORT_QUERIES):
        monthly_report(plan, scene.feb)
    for element in add_actions(cast, scene.plan, scene.objective, 8):
        update(element, scene.feb, ProgressUpdate.Status.ACCEPTED, support_needed="More")
        item = ReviewItem.objects.create(review=scene.review, element=element)
        ReviewReason.objects.create(item=item, code="b", text="Slow")
    plan = Plan.objects.select_related("owner_unit").get(pk=scene.plan.pk)  # nothing cached
    with django_assert_num_queries(REPORT_QUERIES):
        report = monthly_report(plan, scene.feb)
    assert len(report.updates) == 10


# Reviews, plan summary (3), goals and objectives, reporting periods, updates, the completion
# board (schedule, elements, organisation, periods x2, updates), review items (+ reasons),
# action items, indicators (+ elements, numerators, denominators), periods, measurements,
# targets.
REPORT_QUERIES = 23


# -- pages and access ------------------------------------------------------------------------------
ROLES = [
    ("admin", 200),
    ("manager", 200),
    ("contributor", 200),
    ("viewer", 200),
    ("outsider", 404),
    (None, 302),
]


@pytest.mark.parametrize(("name", "status"), ROLES)
def test_it_opens_the_monthly_report_for_the_plans_viewers_only(
    client_for: Any, scene: Scene, name: str | None, status: int
) -> None:
    url = reverse("plan-monthly-report", args=[scene.plan.pk])
    assert client_for(name).get(url, {"period": scene.feb.pk}).status_code == status


@pytest.mark.parametrize(("name", "status"), ROLES)
def test_it_opens_the_review_report_for_the_plans_viewers_only(
    client_for: Any, scene: Scene, name: str | None, status: int
) -> None:
    url = reverse("review-report", args=[scene.review.pk])
    assert client_for(name).get(url).status_code == status


@pytest.mark.parametrize(("name", "status"), [("viewer", 200), ("outsider", 404), (None, 302)])
def test_it_serves_the_pdfs_to_the_plans_viewers_only(
    client_for: Any, scene: Scene, name: str | None, status: int
) -> None:
    client = client_for(name)
    monthly = reverse("plan-monthly-report-pdf", args=[scene.plan.pk])
    assert client.get(monthly, {"period": scene.feb.pk}).status_code == status
    review = reverse("review-report-pdf", args=[scene.review.pk])
    assert client.get(review).status_code == status


def test_it_shows_the_monthly_report_page(client_for: Any, scene: Scene) -> None:
    response = client_for("viewer").get(
        reverse("plan-monthly-report", args=[scene.plan.pk]), {"period": scene.feb.pk}
    )
    page = response.content.decode()

    assert "Monthly report: 2017-02" in page
    assert "Trained 120 officials in three soums" in page
    assert "Two more trainers from the ministry" in page
    assert "Roads closed by snow" in page
    assert "Equip the training room" in page  # not reported
    assert "Order from the second supplier" in page
    assert "Ask the finance department for the difference" in page
    assert 'class="badge late"' in page
    assert 'media="print"' in page
    assert reverse("plan-monthly-report-pdf", args=[scene.plan.pk]) in page
    assert page.count("<desc>") == 2  # health now and health reported, each described
    assert 'id="activate-serie' not in page  # two charts, no repeated ids


def test_it_opens_the_latest_ended_period_by_default_and_refuses_another_plans(
    client_for: Any, cast: Cast, scene: Scene
) -> None:
    client = client_for("viewer")
    url = reverse("plan-monthly-report", args=[scene.plan.pk])
    assert client.get(url).context["report"].period.label == "2017-12"

    other = make_plan(cast, "Another plan")
    foreign = reporting_periods(other)[0]
    assert client.get(url, {"period": foreign.pk}).status_code == 404
    assert client.get(url, {"period": "February"}).status_code == 404


def test_it_shows_the_review_report_page(client_for: Any, scene: Scene) -> None:
    page = (
        client_for("contributor")
        .get(reverse("review-report", args=[scene.review.pk]))
        .content.decode()
    )

    assert "Mid-month evaluation: 2017-02" in page
    assert "Training goes well; the room is late." in page
    assert "The supplier went bankrupt" in page
    assert "Delivery takes three months" in page
    assert "Re-plan" in page
    assert "2017-03-15" in page
    assert "Why elements are off track" in page
    assert page.count("<svg") == 3  # health now, health reported, reasons


def test_it_renders_the_pages_in_a_fixed_number_of_queries(
    cast: Cast, scene: Scene, client_for: Any, django_assert_num_queries: Any
) -> None:
    client = client_for("viewer")
    monthly = reverse("plan-monthly-report", args=[scene.plan.pk]) + f"?period={scene.feb.pk}"
    review = reverse("review-report", args=[scene.review.pk])
    client.get(monthly)
    client.get(review)
    with django_assert_num_queries(MONTHLY_PAGE_QUERIES):
        client.get(monthly)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        client.get(review)

    for element in add_actions(cast, scene.plan, scene.objective, 8):
        update(element, scene.feb, ProgressUpdate.Status.SUBMITTED, challenges="Snow", late=True)
        item = ReviewItem.objects.create(
            review=scene.review, element=element, decision="continue", decision_owner=cast.viewer
        )
        ReviewReason.objects.create(item=item, code="c", text="Slow")
        ActionItem.objects.create(
            title=f"Follow up {element.code}", unit=cast.dept, review_item=item, owner=cast.admin
        )
    with django_assert_num_queries(MONTHLY_PAGE_QUERIES):
        client.get(monthly)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        client.get(review)


# The report's queries, plus the request's (organisation, session, person, memberships), the
# plan, and its reporting periods for the picker (organisation, periods ensured, periods).
MONTHLY_PAGE_QUERIES = REPORT_QUERIES + 8
# The report's queries, plus the request's four and the review.
REVIEW_PAGE_QUERIES = REPORT_QUERIES + 4


# -- PDFs ----------------------------------------------------------------------------------------
def test_it_writes_the_monthly_report_as_a_real_pdf(client_for: Any, scene: Scene) -> None:
    response = client_for("viewer").get(
        reverse("plan-monthly-report-pdf", args=[scene.plan.pk]), {"period": scene.feb.pk}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="monthly-plan-2017-monthly-report-2017-02.pdf"'
    )
    text = pdf_text(b"".join(response.streaming_content))
    assert "Monthly report: 2017-02" in text
    assert "Trained 120 officials" in text
    assert "Equip the training room" in text
    assert "Officials trained" in text
    assert "Order from the second supplier" in text
    assert "Health now" in text  # the SVG chart is drawn, with its words
    assert "Download PDF" not in text  # no buttons, forms or navigation on paper
    assert "Sign out" not in text


def test_it_writes_the_review_report_as_a_real_pdf(client_for: Any, scene: Scene) -> None:
    response = client_for("manager").get(reverse("review-report-pdf", args=[scene.review.pk]))

    assert response["Content-Disposition"] == (
        'attachment; filename="monthly-plan-2017-mid-month-evaluation-2017-02.pdf"'
    )
    text = pdf_text(b"".join(response.streaming_content))
    assert "Mid-month evaluation: 2017-02" in text
    assert "The supplier went bankrupt" in text
    assert "Why elements are off track" in text
    assert "(e) Inappropriate budget" in text


def test_it_keeps_a_mongolian_title_in_the_pdfs_file_name(cast: Cast, client_for: Any) -> None:
    plan = make_plan(cast, "Дорнод аймгийн 2017 оны төлөвлөгөө", cadence="monthly")
    response = client_for("viewer").get(reverse("plan-monthly-report-pdf", args=[plan.pk]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "2017-12.pdf" in disposition
    assert "Дорнод аймгийн" in pdf_text(b"".join(response.streaming_content))


def test_it_answers_503_saying_what_to_install_when_weasyprint_cannot_run(
    client_for: Any, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed

    response = client_for("viewer").get(reverse("review-report-pdf", args=[scene.review.pk]))

    assert response.status_code == 503
    page = response.content.decode()
    assert "requirements.txt" in page
    assert reverse("review-report", args=[scene.review.pk]) in page
