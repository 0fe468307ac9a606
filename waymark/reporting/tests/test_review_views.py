"""The review and baseline pages (waymark/reporting/review_views.py): who may open, answer and
close a review and take a baseline, what each page shows, that a form posted from a page
changes what the service allows, and the number of queries each page takes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import include, path

from waymark.core.testing import Cast, make_element, make_plan
from waymark.plans.models import Element, Plan
from waymark.reporting.models import Baseline, Review, ReviewItem
from waymark.reporting.reviews import baseline_take, review_close
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.tests.test_reviews import Scene, answer, make_scene, open_review
from waymark.urls import urlpatterns as site_urlpatterns

# The review pages' routes beside the site's (harmless once the site includes them itself).
urlpatterns = [*site_urlpatterns, path("", include("waymark.reporting.urls_reviews"))]
pytestmark = pytest.mark.urls(__name__)

D = datetime.date
ROLES = ("admin", "manager", "contributor", "viewer", "outsider", None)


@pytest.fixture
def scene(cast: Cast) -> Scene:
    return make_scene(cast)


def statuses(client_for: Any, method: str, url: str, data: Any = None) -> dict[str | None, int]:
    answers = {}
    for who in ROLES:
        client: Client = client_for(who)
        response = getattr(client, method)(url, data or {})
        answers[who] = response.status_code
    return answers


def expect(
    admin: int, manager: int, contributor: int, viewer: int, outsider: int, anon: int
) -> dict[str | None, int]:
    return dict(zip(ROLES, (admin, manager, contributor, viewer, outsider, anon), strict=True))


READ = expect(200, 200, 200, 200, 404, 302)
RUN = expect(200, 200, 403, 403, 404, 302)
POST_ONLY = expect(405, 405, 405, 405, 405, 302)


# -- who may open what -------------------------------------------------------------------------
def test_the_pages_answer_each_member_of_the_cast_as_expected(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    item = ReviewItem.objects.filter(review=review).first()
    assert item is not None
    plan = scene.plan.pk
    assert statuses(client_for, "get", f"/plans/{plan}/reviews/") == READ
    assert statuses(client_for, "get", f"/plans/{plan}/reviews/new/") == RUN
    assert statuses(client_for, "get", f"/reviews/{review.pk}/") == READ
    assert statuses(client_for, "get", f"/reviews/{review.pk}/items/{item.pk}/") == POST_ONLY
    assert statuses(client_for, "get", f"/reviews/{review.pk}/close/") == POST_ONLY
    assert statuses(client_for, "get", f"/plans/{plan}/baselines/") == READ


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider", None])
def test_those_who_may_not_act_change_nothing(scene: Scene, client_for: Any, who: str) -> None:
    review = open_review(scene)
    item = ReviewItem.objects.get(review=review, element=scene.train)
    client = client_for(who)
    expected = {"contributor": 403, "viewer": 403, "outsider": 404, None: 302}[who]
    posts = [
        (f"/plans/{scene.plan.pk}/reviews/new/", {"kind": "quarterly"}),
        (f"/reviews/{review.pk}/items/{item.pk}/", {f"item-{item.pk}-on_track": "no"}),
        (f"/reviews/{review.pk}/close/", {}),
        (f"/plans/{scene.plan.pk}/baselines/", {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == expected, url
    assert Review.objects.count() == 1
    assert ReviewItem.objects.get(pk=item.pk).on_track == ""
    assert not Baseline.objects.exists()


def test_a_deleted_plans_reviews_are_gone(scene: Scene, client_for: Any) -> None:
    review = open_review(scene)
    Plan.objects.filter(pk=scene.plan.pk).update(deleted_at=datetime.datetime.now(datetime.UTC))
    assert client_for("admin").get(f"/reviews/{review.pk}/").status_code == 404


# -- the plan's reviews ------------------------------------------------------------------------
def test_the_list_shows_each_review_with_its_counts_and_the_form_to_managers(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    page = client_for("manager").get(f"/plans/{scene.plan.pk}/reviews/").content.decode()
    row = page[page.index(f'href="/reviews/{review.pk}/"') :]
    row = row[: row.index("</tr>")]
    assert "Quarterly review" in row and "2017-Q2" in row and "2017-07-10" in row
    assert [n in row for n in ('class="num">5<', ">1<", 'class="num">1<')] == [True] * 3
    assert f'action="/plans/{scene.plan.pk}/reviews/new/"' in page
    viewer_page = client_for("viewer").get(f"/plans/{scene.plan.pk}/reviews/").content.decode()
    assert "Open the review" not in viewer_page


def test_the_list_says_what_a_review_is_when_there_is_none(scene: Scene, client_for: Any) -> None:
    page = client_for("viewer").get(f"/plans/{scene.plan.pk}/reviews/").content.decode()
    assert "No reviews yet" in page
    assert "A manager of the plan's unit opens reviews." in page


def test_the_form_proposes_the_current_period_of_a_running_plan(
    cast: Cast, client_for: Any
) -> None:
    today = datetime.date.today()
    plan = make_plan(cast, start_date=D(today.year, 1, 1), end_date=D(today.year, 12, 31))
    make_element(cast, plan, "Goal")
    current = next(p for p in reporting_periods(plan) if p.start <= today <= p.end)
    page = client_for("manager").get(f"/plans/{plan.pk}/reviews/").content.decode()
    assert f'<option value="{current.pk}" selected>' in page


def test_a_manager_opens_a_review_from_the_form(scene: Scene, client_for: Any) -> None:
    response = client_for("manager").post(
        f"/plans/{scene.plan.pk}/reviews/new/",
        {"kind": "quarterly", "period": scene.q2.pk, "unit": "", "held_on": "2017-07-10"},
    )
    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reviews/{review.pk}/"
    assert (review.kind, review.period, review.unit, review.held_on) == (
        "quarterly",
        scene.q2,
        None,
        D(2017, 7, 10),
    )
    assert review.items.count() == 5


def test_the_form_shows_the_services_refusal_by_its_field(scene: Scene, client_for: Any) -> None:
    open_review(scene)
    response = client_for("manager").post(
        f"/plans/{scene.plan.pk}/reviews/new/",
        {"kind": "quarterly", "period": scene.q2.pk, "unit": "", "held_on": "2017-07-10"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "exists already; close it first" in page
    assert Review.objects.count() == 1


# -- one review --------------------------------------------------------------------------------
def test_the_review_page_lists_the_agenda_off_track_first_with_the_latest_update(
    scene: Scene, client_for: Any
) -> None:
    from waymark.reporting.models import ProgressUpdate

    ProgressUpdate.objects.create(
        element=scene.train,
        period=scene.q2,
        status="submitted",
        narrative="Two of nine soums trained",
        challenges="The budget came late",
        due_date=D(2017, 7, 5),
    )
    review = open_review(scene)
    page = client_for("viewer").get(f"/reviews/{review.pk}/").content.decode()
    agenda = page[page.index('id="agenda-h"') : page.index('id="items-h"')]
    assert agenda.index("1.1.1") < agenda.index("1.1.2") < agenda.index("1.1.3")
    assert "Off track" in agenda and "Needed" in agenda
    card = page[
        page.index(f'id="item-{ReviewItem.objects.get(review=review, element=scene.train).pk}"') :
    ]
    assert "Two of nine soums trained" in card and "The budget came late" in card
    # A viewer reads; the form and the close button are for those who run the review.
    assert "Save the answers" not in page and "Close the review and apply decisions" not in page


def test_a_manager_answers_an_element_from_its_form(scene: Scene, client_for: Any) -> None:
    review = open_review(scene)
    item = ReviewItem.objects.get(review=review, element=scene.train)
    client = client_for("manager")
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert f'action="/reviews/{review.pk}/items/{item.pk}/"' in page
    p = f"item-{item.pk}"
    response = client.post(
        f"/reviews/{review.pk}/items/{item.pk}/",
        {
            f"{p}-version": "1",
            f"{p}-on_track": "no",
            f"{p}-reason_e": "on",
            f"{p}-reason_e_text": "The budget came in June",
            f"{p}-changes": "A new governor",
            f"{p}-timeline_realistic": "no",
            f"{p}-proposed_target": "2017-09-30",
            f"{p}-staff_sufficient": "yes",
            f"{p}-budget_sufficient": "no",
            f"{p}-decision": "replan",
            f"{p}-decision_owner": str(scene.cast.manager.pk),
            f"{p}-decision_due": "2017-08-15",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/reviews/{review.pk}/#item-{item.pk}"
    item.refresh_from_db()
    assert (item.on_track, item.decision, item.proposed_target) == ("no", "replan", D(2017, 9, 30))
    assert (item.staff_sufficient, item.budget_sufficient, item.timeline_realistic) == (
        True,
        False,
        False,
    )
    assert dict(item.reasons.values_list("code", "text")) == {"e": "The budget came in June"}
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "re-plan 1 element" in page and "create 1 action item" in page


def test_a_refused_answer_is_shown_beside_its_field_and_nothing_is_saved(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    item = ReviewItem.objects.get(review=review, element=scene.train)
    p = f"item-{item.pk}"
    response = client_for("manager").post(
        f"/reviews/{review.pk}/items/{item.pk}/",
        {f"{p}-on_track": "no", f"{p}-reason_other": "on", f"{p}-decision": "replan"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    card = page[page.index(f'id="item-{item.pk}"') :]
    card = card[: card.index("</article>")]
    assert "Explain “Other” in a few words." in card
    assert "A re-plan needs the new target date." in card
    assert "<details open>" in card
    assert ReviewItem.objects.get(pk=item.pk).version == 1


def test_closing_from_the_page_applies_the_decisions_and_shows_the_outcome(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    client = client_for("manager")
    response = client.post(f"/reviews/{review.pk}/close/", {"version": review.version})
    assert response.status_code == 200
    assert "Decide on 1.1.1 before closing" in response.content.decode()
    assert Review.objects.get().state == "open"

    answer(
        scene,
        review,
        scene.train,
        on_track="no",
        decision="replan",
        proposed_target="2017-09-30",
        decision_owner=scene.cast.contributor,
        decision_due="2017-08-01",
    )
    review.refresh_from_db()  # the answer moved the review's version
    response = client.post(f"/reviews/{review.pk}/close/", {"version": review.version})
    assert response.status_code == 302
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "closed; its decisions are applied" in page
    assert "1 element re-planned" in page and "2017-09-30" in page
    v2 = Baseline.objects.get(number=2)
    assert f"/plans/{scene.plan.pk}/baselines/?against={v2.pk}" in page
    assert 'id="action-items"' in page and "Carry out the new plan for 1.1.1" in page
    assert "Save the answers" not in page  # closed: read only
    assert Element.objects.get(pk=scene.train.pk).target_date == D(2017, 9, 30)


def test_an_answer_posted_after_the_review_closed_is_refused_with_a_message(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    item = ReviewItem.objects.get(review=review, element=scene.train)
    review_close(actor=scene.cast.manager, review=review)
    client = client_for("manager")
    response = client.post(
        f"/reviews/{review.pk}/items/{item.pk}/", {f"item-{item.pk}-decision": "drop"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This review is closed; its answers can no longer be changed." in page
    assert ReviewItem.objects.get(pk=item.pk).decision == "continue"


def test_a_units_manager_may_open_a_review_of_the_units_part_only(
    scene: Scene, client_for: Any
) -> None:
    from waymark.core.roles import Role
    from waymark.core.testing import make_person

    cast = scene.cast
    fin_manager = make_person("finmanager", cast.other, Role.MANAGER)
    make_element(
        cast,
        scene.plan,
        "Audit the soum budgets",
        parent=scene.objective,
        responsible_unit=cast.other,
    )
    client = Client()
    client.force_login(fin_manager)
    page = client.get(f"/plans/{scene.plan.pk}/reviews/").content.decode()
    assert "The whole plan</option>" not in page
    assert f'<option value="{cast.other.pk}">Finance Department</option>' in page
    assert "Department of Administration</option>" not in page
    response = client.post(
        f"/plans/{scene.plan.pk}/reviews/new/",
        {"kind": "quarterly", "period": scene.q2.pk, "unit": "", "held_on": "2017-07-10"},
    )
    assert response.status_code == 200 and not Review.objects.exists()  # the unit is required
    response = client.post(
        f"/plans/{scene.plan.pk}/reviews/new/",
        {
            "kind": "quarterly",
            "period": scene.q2.pk,
            "unit": cast.other.pk,
            "held_on": "2017-07-10",
        },
    )
    assert Review.objects.get().unit == cast.other


def test_a_stale_close_is_refused(scene: Scene, client_for: Any) -> None:
    review = open_review(scene)
    answer(scene, review, scene.train, on_track="no", decision="continue")
    Review.objects.filter(pk=review.pk).update(version=5)
    response = client_for("manager").post(f"/reviews/{review.pk}/close/", {"version": "1"})
    assert "Someone else changed this" in response.content.decode()
    assert Review.objects.get().state == "open"


# -- baselines ---------------------------------------------------------------------------------
def test_the_baselines_page_says_what_a_baseline_is_when_there_is_none(
    scene: Scene, client_for: Any
) -> None:
    page = client_for("viewer").get(f"/plans/{scene.plan.pk}/baselines/").content.decode()
    assert "No baseline yet" in page
    assert "Take baseline v1" not in page
    assert (
        "Take baseline v1"
        in client_for("manager").get(f"/plans/{scene.plan.pk}/baselines/").content.decode()
    )


def test_a_manager_takes_baselines_and_the_second_needs_a_reason(
    scene: Scene, client_for: Any
) -> None:
    client = client_for("manager")
    url = f"/plans/{scene.plan.pk}/baselines/"
    assert client.post(url, {"reason": ""}).status_code == 302
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Say why the plan is baselined again" in response.content.decode()
    assert client.post(url, {"reason": "Budget revision"}).status_code == 302
    assert list(Baseline.objects.values_list("number", "reason")) == [
        (1, ""),
        (2, "Budget revision"),
    ]


def test_the_comparison_shows_the_slipped_elements_first_with_a_summary_and_a_chart(
    scene: Scene, client_for: Any
) -> None:
    review = open_review(scene)
    answer(
        scene, review, scene.train, on_track="no", decision="replan", proposed_target="2017-09-30"
    )
    answer(
        scene,
        review,
        scene.open_days,
        on_track="no",
        decision="replan",
        proposed_target="2017-10-31",
    )
    review_close(actor=scene.cast.manager, review=review)

    page = client_for("viewer").get(f"/plans/{scene.plan.pk}/baselines/").content.decode()
    assert (
        "v1" in page and "v2" in page and "Quarterly review 2017-Q2: re-planned 2 elements" in page
    )
    assert "2 of 3 elements slipped, by 62 days on average." in page
    assert "The largest: 1.1.1, 92 days later." in page
    table = page[page.index("Target now") :]
    assert table.index("1.1.1") < table.index("1.1.2") < table.index("1.1.3")
    assert "92 days later" in table and "as planned" in table
    assert "<title>" in page and "<desc>" in page  # the chart and its text alternative
    v2 = Baseline.objects.get(number=2)
    page = (
        client_for("viewer")
        .get(f"/plans/{scene.plan.pk}/baselines/?against={v2.pk}")
        .content.decode()
    )
    assert "None of the 3 elements with dates slipped." in page


# -- queries -----------------------------------------------------------------------------------
def _plan_of(cast: Cast, n: int) -> Plan:
    plan = make_plan(cast, f"Plan of {n}")
    goal = make_element(cast, plan, "Goal")
    objective = make_element(cast, plan, "Objective", parent=goal)
    for i in range(n - 2):
        make_element(
            cast,
            plan,
            f"Action {i}",
            parent=objective,
            responsible_unit=cast.dept,
            lead=cast.contributor,
            target_date=D(2017, 6, 1 + i % 28),
        )
    return plan


def _review_of(cast: Cast, plan: Plan) -> Review:
    from waymark.reporting.reviews import review_create

    return review_create(
        actor=cast.manager, plan=plan, period=reporting_periods(plan)[1], kind="quarterly"
    )


LIST_QUERIES = 10
DETAIL_QUERIES = 10
CLOSED_DETAIL_QUERIES = 10
BASELINES_QUERIES = 8


@pytest.mark.parametrize("n", [5, 50])
def test_the_pages_take_the_same_number_of_queries_for_5_and_50_elements(
    cast: Cast, client_for: Any, django_assert_num_queries: Any, n: int
) -> None:
    plan = _plan_of(cast, n)
    review = _review_of(cast, plan)
    baseline_take(actor=cast.manager, plan=plan)
    Element.objects.filter(plan=plan, depth=3).update(target_date=D(2017, 9, 1))
    client = client_for("manager")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(f"/plans/{plan.pk}/reviews/").status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert page.count("Save the answers on") == n
    with django_assert_num_queries(BASELINES_QUERIES):
        page = client.get(f"/plans/{plan.pk}/baselines/").content.decode()
    assert f"{n - 2} of {n - 2} elements slipped" in page
    for item in ReviewItem.objects.filter(review=review):
        item.decision = "continue"
        item.save()
    review_close(actor=cast.manager, review=review)
    with django_assert_num_queries(CLOSED_DETAIL_QUERIES):
        assert client.get(f"/reviews/{review.pk}/").status_code == 200
