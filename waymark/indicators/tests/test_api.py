"""/api/v1/indicators/, periods/, targets/, measurements/ and dimensions/ through real token
authentication, for every member of the cast.

The cast's plan covers 2017, so its periods are locked today; a test that enters data first
has the admin unlock a period with the service, as an admin would on the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.models import Change
from waymark.core.testing import Cast, make_plan
from waymark.indicators.models import (
    Indicator,
    Measurement,
    Period,
    Revision,
    Target,
    Transition,
)
from waymark.indicators.services import (
    dimension_save,
    indicator_create,
    measurement_approve,
    measurement_save,
    measurement_submit,
    period_unlock,
    targets_set,
)
from waymark.plans.models import Element, Plan

Tree = tuple[Element, Element, Element]
Api = Callable[[str | None], APIClient]


@pytest.fixture
def api(cast: Cast) -> Api:
    """api("viewer") -> an APIClient sending that cast member's token (None: anonymous)."""

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            token, _created = Token.objects.get_or_create(user=cast.everyone[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def share(cast: Cast, plan: Plan, tree: Tree) -> Indicator:
    """A quarterly percentage of the plan's action, reported by the plan's owner unit."""
    return indicator_create(
        actor=cast.admin,
        plan=plan,
        data={
            "code": "1.a",
            "title": "Share of soum officials trained",
            "measure_type": "percentage",
            "elements": [tree[2]],
        },
    )


@pytest.fixture
def days(cast: Cast, plan: Plan) -> Indicator:
    """A quarterly number: "open door" days held."""
    return indicator_create(
        actor=cast.admin,
        plan=plan,
        data={"code": "1.b", "title": "Open door days held", "unit_of_measure": "days"},
    )


def quarter(plan: Plan, n: int = 1) -> Period:
    return Period.objects.get(plan=plan, frequency="quarterly", label=f"2017-Q{n}")


def unlock(cast: Cast, period: Period) -> Period:
    return period_unlock(
        actor=cast.admin,
        period=period,
        until=timezone.now() + datetime.timedelta(days=3),
        reason="The census figures came late",
    )


@pytest.fixture
def q1(cast: Cast, plan: Plan, share: Indicator) -> Period:
    """The plan's first quarter, unlocked by the admin so it accepts data."""
    return unlock(cast, quarter(plan))


def enter(cast: Cast, who: str, indicator: Indicator, period: Period, **data: Any) -> Measurement:
    return measurement_save(
        actor=cast.everyone[who], indicator=indicator, period=period, unit=cast.dept, data=data
    )


def error_fields(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    fields: dict[str, list[str]] = response.json()["error"]["fields"]
    return fields


# -- indicators ----------------------------------------------------------------------------------
def test_it_lists_indicators_to_the_plans_members(api, plan: Plan, share: Indicator) -> None:
    for name in ("admin", "manager", "contributor", "viewer"):
        body = api(name).get("/api/v1/indicators/").json()
        assert [i["code"] for i in body["results"]] == ["1.a"], name
    row = api("viewer").get(f"/api/v1/indicators/{share.pk}/").json()
    assert row["plan"] == plan.pk
    assert row["measure_type"] == "percentage"
    assert row["shown_unit"] == "%"
    assert row["frequency"] == "quarterly"
    assert row["elements"] == [share.elements.get().pk]
    assert row["is_calculated"] is False
    assert row["url"].endswith(f"/api/v1/indicators/{share.pk}/")


def test_it_hides_indicators_from_an_outsider(api, share: Indicator) -> None:
    client = api("outsider")
    assert client.get("/api/v1/indicators/").json()["count"] == 0
    url = f"/api/v1/indicators/{share.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"title": "Mine"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    share.refresh_from_db()
    assert share.title == "Share of soum officials trained"


def test_it_lets_a_manager_create_an_indicator(api, cast: Cast, plan: Plan, tree: Tree) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    response = api("manager").post(
        "/api/v1/indicators/",
        {
            "plan": plan.pk,
            "code": "2.a",
            "title": "M&E staff trained",
            "measure_type": "number",
            "unit_of_measure": "people",
            "frequency": "semiannual",
            "baseline_value": "4",
            "target_value": 20,
            "elements": [tree[2].pk],
            "data_owners": [cast.contributor.pk],
            "reporting_units": [cast.dept.pk],
            "dimensions": [sex.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["frequency"], body["version"]) == ("2.a", "semiannual", 1)
    assert (body["baseline_value"], body["target_value"]) == ("4.0000", "20.0000")
    assert body["data_owners"] == [cast.contributor.pk]
    assert body["reporting_units"] == [cast.dept.pk]
    assert body["dimensions"] == [sex.pk]
    indicator = Indicator.objects.get(pk=body["id"])
    assert list(indicator.elements.all()) == [tree[2]]
    assert Change.objects.filter(object_id=indicator.pk, action="create").exists()
    labels = Period.objects.filter(plan=plan, frequency="semiannual").values_list(
        "label", flat=True
    )
    assert list(labels) == ["2017-H1", "2017-H2"]


@pytest.mark.parametrize("name", ["contributor", "viewer"])
def test_it_forbids_a_non_manager_to_create_an_indicator(api, plan: Plan, name: str) -> None:
    response = api(name).post(
        "/api/v1/indicators/", {"plan": plan.pk, "code": "9", "title": "X"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Indicator.objects.filter(code="9").exists()


def test_it_treats_ids_the_requester_cannot_see_as_unknown(api, cast: Cast, plan: Plan) -> None:
    response = api("outsider").post(
        "/api/v1/indicators/", {"plan": plan.pk, "code": "9", "title": "X"}, format="json"
    )
    assert set(error_fields(response)) == {"plan"}
    response = api("manager").post(
        "/api/v1/indicators/",
        {
            "plan": plan.pk,
            "code": "9",
            "title": "X",
            "reporting_units": [cast.other.pk],
            "data_owners": [cast.outsider.pk],
        },
        format="json",
    )
    assert set(error_fields(response)) == {"reporting_units", "data_owners"}
    assert not Indicator.objects.filter(code="9").exists()


def test_it_names_the_field_the_service_refuses(api, plan: Plan, share: Indicator) -> None:
    client = api("manager")
    taken = client.post(
        "/api/v1/indicators/", {"plan": plan.pk, "code": "1.a", "title": "Twin"}, format="json"
    )
    assert list(error_fields(taken)) == ["code"]
    ordinal = client.post(
        "/api/v1/indicators/",
        {"plan": plan.pk, "code": "3", "title": "Quality", "measure_type": "ordinal"},
        format="json",
    )
    assert list(error_fields(ordinal)) == ["scale_levels"]
    band = client.patch(
        f"/api/v1/indicators/{share.pk}/",
        {"direction": "maintain", "band_low": 80, "band_high": 60},
        format="json",
    )
    assert list(error_fields(band)) == ["band_high"]
    bad_type = client.patch(
        f"/api/v1/indicators/{share.pk}/", {"baseline_value": "many"}, format="json"
    )
    assert list(error_fields(bad_type)) == ["baseline_value"]


def test_it_updates_an_indicator_and_answers_409_when_it_is_stale(
    api, cast: Cast, share: Indicator
) -> None:
    client = api("manager")
    url = f"/api/v1/indicators/{share.pk}/"
    response = client.patch(
        url,
        {"title": "Officials trained (%)", "version": 1, "data_owners": [cast.viewer.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["version"], response.json()["data_owners"]) == (2, [cast.viewer.pk])
    stale = client.patch(url, {"title": "Late", "version": 1}, format="json")
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "conflict"
    assert error["current_version"] == 2
    assert error["changed"]["title"]["after"] == "Officials trained (%)"
    share.refresh_from_db()
    assert share.title == "Officials trained (%)"


def test_it_asks_why_the_baseline_changes_once_there_is_data(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    enter(cast, "contributor", share, q1, value=3, denominator=10)
    client = api("manager")
    url = f"/api/v1/indicators/{share.pk}/"
    refused = client.patch(url, {"baseline_value": 20}, format="json")
    assert list(error_fields(refused)) == ["baseline_value"]
    response = client.patch(
        url, {"baseline_value": 20, "reason": "The 2016 survey was recounted"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["baseline_value"] == "20.0000"
    assert "reason" not in response.json()
    revision = Revision.objects.get(indicator=share)
    assert (revision.kind, revision.new_value) == ("baseline", Decimal(20))
    assert revision.reason == "The 2016 survey was recounted"


def test_it_filters_indicators(
    api, plan: Plan, tree: Tree, share: Indicator, days: Indicator
) -> None:
    client = api("viewer")

    def codes(query: str) -> list[str]:
        response = client.get(f"/api/v1/indicators/?{query}")
        assert response.status_code == 200, response.content
        return [i["code"] for i in response.json()["results"]]

    assert codes(f"plan={plan.pk}") == ["1.a", "1.b"]
    assert codes(f"element={tree[2].pk}") == ["1.a"]
    assert codes("measure_type=number") == ["1.b"]
    assert codes("measure_type=number&measure_type=percentage") == ["1.a", "1.b"]
    assert codes("frequency=monthly") == []
    assert codes("code=1.b") == ["1.b"]
    assert "measure_type" in error_fields(client.get("/api/v1/indicators/?measure_type=colour"))
    assert "plan" in error_fields(client.get(f"/api/v1/indicators/?plan={plan.pk + 99}"))


def test_it_deletes_an_indicator_into_the_trash(api, share: Indicator) -> None:
    url = f"/api/v1/indicators/{share.pk}/"
    assert api("viewer").delete(url).status_code == 403
    assert api("manager").delete(url).status_code == 204
    assert api("manager").get(url).status_code == 404
    assert Indicator.all_objects.get(pk=share.pk).is_deleted


# -- periods -------------------------------------------------------------------------------------
def test_it_lists_periods_with_their_status(api, cast: Cast, plan: Plan, share: Indicator) -> None:
    future = make_plan(
        cast,
        "Plan 2099",
        start_date=datetime.date(2099, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    indicator_create(actor=cast.admin, plan=future, data={"code": "1", "title": "Later"})
    body = api("viewer").get(f"/api/v1/periods/?plan={plan.pk}&frequency=quarterly").json()
    assert [(p["label"], p["status"]) for p in body["results"]] == [
        ("2017-Q1", "locked"),
        ("2017-Q2", "locked"),
        ("2017-Q3", "locked"),
        ("2017-Q4", "locked"),
    ]
    first = body["results"][0]
    assert (first["start"], first["end"], first["grace_ends"]) == (
        "2017-01-01",
        "2017-03-31",
        "2017-04-10",
    )
    later = api("viewer").get(f"/api/v1/periods/?plan={future.pk}").json()["results"]
    assert {p["status"] for p in later} == {"upcoming"}
    assert api("outsider").get("/api/v1/periods/").json()["count"] == 0
    assert api("outsider").get(f"/api/v1/periods/{first['id']}/").status_code == 404


def test_it_lets_only_an_admin_unlock_and_lock_a_period(api, plan: Plan, share: Indicator) -> None:
    period = quarter(plan, 2)
    url = f"/api/v1/periods/{period.pk}/"
    until = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    body = {"until": until, "reason": "Soum reports arrived late", "version": 1}
    for name in ("manager", "contributor", "viewer"):
        assert api(name).post(f"{url}unlock/", body, format="json").status_code == 403, name
    assert api("outsider").post(f"{url}unlock/", body, format="json").status_code == 404
    client = api("admin")
    blank = client.post(f"{url}unlock/", {**body, "reason": " "}, format="json")
    assert list(error_fields(blank)) == ["reason"]
    past = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    late = client.post(f"{url}unlock/", {**body, "until": past}, format="json")
    assert list(error_fields(late)) == ["until"]
    response = client.post(f"{url}unlock/", body, format="json")
    assert response.status_code == 200, response.content
    opened = response.json()
    assert (opened["status"], opened["unlock_reason"], opened["version"]) == (
        "unlocked",
        "Soum reports arrived late",
        2,
    )
    assert client.post(f"{url}lock/", {"version": 1}, format="json").status_code == 409
    assert api("manager").post(f"{url}lock/", {}, format="json").status_code == 403
    response = client.post(f"{url}lock/", {"version": 2}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "locked"


# -- targets -------------------------------------------------------------------------------------
def test_it_sets_changes_and_removes_a_target(api, plan: Plan, share: Indicator) -> None:
    client = api("manager")
    period = quarter(plan)
    body = {"indicator": share.pk, "period": period.pk, "value": 40}
    created = client.post("/api/v1/targets/", body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["value"], created.json()["period_label"]) == ("40.0000", "2017-Q1")
    changed = client.post("/api/v1/targets/", {**body, "value": "45.5"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["value"] == "45.5000"
    assert changed.json()["id"] == created.json()["id"]
    listed = client.get(f"/api/v1/targets/?indicator={share.pk}").json()["results"]
    assert [t["value"] for t in listed] == ["45.5000"]
    assert (
        client.post("/api/v1/targets/", {**body, "value": None}, format="json").status_code == 204
    )
    assert not Target.objects.filter(indicator=share).exists()
    assert [  # the first setting is no revision; the change and the removal are
        (r.old_value, r.new_value) for r in Revision.objects.filter(indicator=share).order_by("id")
    ] == [(Decimal(40), Decimal("45.5")), (Decimal("45.5"), None)]


def test_it_asks_why_a_target_changes_once_there_is_data(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    targets_set(actor=cast.admin, indicator=share, targets={q1: 40})
    enter(cast, "contributor", share, q1, value=3, denominator=10)
    client = api("manager")
    body = {"indicator": share.pk, "period": q1.pk, "value": 50}
    assert list(error_fields(client.post("/api/v1/targets/", body, format="json"))) == ["reason"]
    response = client.post("/api/v1/targets/", {**body, "reason": "Budget doubled"}, format="json")
    assert response.status_code == 200, response.content
    revision = Revision.objects.filter(indicator=share).latest("id")
    assert (revision.old_value, revision.new_value, revision.reason) == (
        Decimal(40),
        Decimal(50),
        "Budget doubled",
    )


def test_it_guards_targets(api, cast: Cast, plan: Plan, share: Indicator) -> None:
    body = {"indicator": share.pk, "period": quarter(plan).pk, "value": 40}
    assert api("viewer").post("/api/v1/targets/", body, format="json").status_code == 403
    assert api("contributor").post("/api/v1/targets/", body, format="json").status_code == 403
    assert set(error_fields(api("outsider").post("/api/v1/targets/", body, format="json"))) == {
        "indicator",
        "period",
    }
    monthly = Period.objects.create(
        plan=plan,
        frequency="monthly",
        start=datetime.date(2017, 1, 1),
        end=datetime.date(2017, 1, 31),
        label="2017-01",
    )
    wrong = {**body, "period": monthly.pk}
    assert list(error_fields(api("manager").post("/api/v1/targets/", wrong))) == ["period"]
    text = {**body, "value": "forty"}
    assert list(error_fields(api("manager").post("/api/v1/targets/", text))) == ["value"]
    assert not Target.objects.exists()


def test_it_filters_targets_by_plan_and_period(
    api, cast: Cast, plan: Plan, share: Indicator, days: Indicator
) -> None:
    targets_set(actor=cast.admin, indicator=share, targets={quarter(plan, 1): 40})
    targets_set(actor=cast.admin, indicator=days, targets={quarter(plan, 2): 3})
    client = api("viewer")

    def values(query: str) -> list[str]:
        return [t["value"] for t in client.get(f"/api/v1/targets/?{query}").json()["results"]]

    assert values(f"plan={plan.pk}") == ["40.0000", "3.0000"]
    assert values(f"period={quarter(plan, 2).pk}") == ["3.0000"]
    assert values(f"indicator={share.pk}") == ["40.0000"]
    assert api("outsider").get("/api/v1/targets/").json()["count"] == 0


# -- measurements: entering values ---------------------------------------------------------------
def post_value(client: APIClient, indicator: Indicator, period: Period, unit: Any, **data: Any):
    body = {"indicator": indicator.pk, "period": period.pk, "unit": unit.pk, **data}
    return client.post("/api/v1/measurements/", body, format="json")


def test_it_refuses_a_value_for_a_locked_period(api, cast: Cast, plan: Plan, share: Indicator):
    response = post_value(
        api("contributor"), share, quarter(plan, 2), cast.dept, value=3, denominator=10
    )
    fields = error_fields(response)
    assert list(fields) == ["period"]
    assert "locked" in fields["period"][0]
    assert not Measurement.objects.exists()


def test_it_names_the_value_when_a_number_is_not_a_number(
    api, cast: Cast, plan: Plan, days: Indicator
) -> None:
    period = unlock(cast, quarter(plan))
    response = post_value(api("contributor"), days, period, cast.dept, value="twelve")
    assert list(error_fields(response)) == ["value"]
    response = post_value(api("contributor"), days, period, cast.dept, value={"n": 12})
    assert list(error_fields(response)) == ["value"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_numerator_above_its_denominator(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    response = post_value(api("contributor"), share, q1, cast.dept, value=12, denominator=10)
    fields = error_fields(response)
    assert list(fields) == ["value"]
    assert "12" in fields["value"][0] and "10" in fields["value"][0]
    response = post_value(api("contributor"), share, q1, cast.dept, value=2, denominator=0)
    assert list(error_fields(response)) == ["denominator"]
    assert not Measurement.objects.exists()


def test_it_refuses_a_date_collected_in_the_future(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    # Two days ahead: "today" is the organisation's date, which may be ahead of the server's.
    later = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = post_value(
        api("contributor"), share, q1, cast.dept, value=1, denominator=2, date_collected=later
    )
    assert list(error_fields(response)) == ["date_collected"]


def test_it_refuses_a_unit_that_does_not_report_the_indicator(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    # The plan's owner unit reports it; the root unit does not (403 from the service).
    response = post_value(api("admin"), share, q1, cast.root, value=1, denominator=2)
    assert response.status_code == 403
    # A unit the requester cannot see does not exist for them.
    response = post_value(api("manager"), share, q1, cast.other, value=1, denominator=2)
    assert list(error_fields(response)) == ["unit"]


@pytest.mark.parametrize("name", ["viewer", "outsider"])
def test_it_forbids_entering_data_without_a_role(
    api, cast: Cast, share: Indicator, q1: Period, name: str
) -> None:
    response = post_value(api(name), share, q1, cast.dept, value=1, denominator=2)
    if name == "viewer":
        assert response.status_code == 403
    else:
        assert set(error_fields(response)) == {"indicator", "period", "unit"}
    assert not Measurement.objects.exists()


def test_it_enters_a_value_then_corrects_it_with_a_second_post(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    client = api("contributor")
    created = post_value(client, share, q1, cast.dept, value=3, denominator=12)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["denominator"], body["amount"]) == ("3.0000", "12.0000", "25.0000")
    assert (body["status"], body["entered_by"], body["submitted_by"]) == (
        "draft",
        cast.contributor.pk,
        None,
    )
    assert [(t["from"], t["to"]) for t in body["transitions"]] == [("", "draft")]
    corrected = post_value(client, share, q1, cast.dept, value="4", denominator="12")
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["id"] == body["id"]
    assert corrected.json()["amount"] == "33.3333"
    assert Measurement.objects.count() == 1


def test_it_keeps_the_denominator_when_only_the_numerator_changes(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    measurement = enter(cast, "contributor", share, q1, value=3, denominator=12)
    url = f"/api/v1/measurements/{measurement.pk}/"
    response = api("contributor").patch(url, {"value": 6, "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["value"], response.json()["denominator"]) == ("6.0000", "12.0000")
    assert response.json()["amount"] == "50.0000"
    response = api("contributor").patch(url, {"comment": "From the HR register"}, format="json")
    assert (response.json()["amount"], response.json()["comment"]) == (
        "50.0000",
        "From the HR register",
    )


def test_it_keeps_a_yes_when_only_the_comment_changes(api, cast: Cast, plan: Plan) -> None:
    held = indicator_create(
        actor=cast.admin,
        plan=plan,
        data={"code": "1.c", "title": "Plan published", "measure_type": "yes_no"},
    )
    period = unlock(cast, quarter(plan))
    client = api("contributor")
    created = post_value(client, held, period, cast.dept, value=True)
    assert created.json()["value"] == "1.0000"
    url = f"/api/v1/measurements/{created.json()['id']}/"
    response = client.patch(url, {"text": "", "comment": "On the website"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == "1.0000"


def test_it_answers_409_to_a_stale_measurement_version(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    measurement = enter(cast, "contributor", share, q1, value=3, denominator=12)
    client = api("contributor")
    url = f"/api/v1/measurements/{measurement.pk}/"
    assert client.patch(url, {"value": 4, "version": 1}, format="json").status_code == 200
    stale = client.patch(url, {"value": 5, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["current_version"] == 2
    assert client.post(f"{url}submit/", {"version": 1}, format="json").status_code == 409
    measurement.refresh_from_db()
    assert (measurement.value, measurement.status) == (Decimal(4), "draft")


def test_it_stores_a_breakdown_and_names_a_bad_category(
    api, cast: Cast, plan: Plan, days: Indicator
) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    days.dimensions.add(sex)
    period = unlock(cast, quarter(plan))
    client = api("contributor")
    response = post_value(
        client, days, period, cast.dept, value=9, breakdown={"Sex": {"Female": 5, "Male": 3}}
    )
    assert response.status_code == 201, response.content
    assert response.json()["breakdown"] == {
        "Sex": {"Female": {"value": "5"}, "Male": {"value": "3"}}
    }
    response = client.patch(
        f"/api/v1/measurements/{response.json()['id']}/",
        {"breakdown": {"Sex": {"Other": 1}}},
        format="json",
    )
    assert list(error_fields(response)) == ["breakdown"]


def test_it_shows_only_the_evidence_files_name(api, cast: Cast, share: Indicator, q1: Period):
    measurement = enter(cast, "contributor", share, q1, value=3, denominator=12)
    assert (
        api("viewer").get(f"/api/v1/measurements/{measurement.pk}/").json()["evidence_file"] is None
    )
    measurement.evidence_file.save("register.pdf", ContentFile(b"%PDF-1.4"), save=True)
    body = api("viewer").get(f"/api/v1/measurements/{measurement.pk}/").json()
    assert body["evidence_file"].startswith("register")
    assert body["evidence_file"].endswith(".pdf")
    assert "/" not in body["evidence_file"]
    measurement.evidence_file.delete(save=False)


# -- measurements: the workflow ------------------------------------------------------------------
def test_it_submits_approves_and_keeps_every_step(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    created = post_value(
        api("contributor"), share, q1, cast.dept, value=5, denominator=20, submit=True
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["submitted_by"], body["late"]) == (
        "submitted",
        cast.contributor.pk,
        True,  # submitted after the period ended (in an unlock)
    )
    url = f"/api/v1/measurements/{body['id']}/"
    assert api("contributor").post(f"{url}approve/", {}, format="json").status_code == 403
    assert api("viewer").post(f"{url}approve/", {}, format="json").status_code == 403
    assert api("outsider").post(f"{url}approve/", {}, format="json").status_code == 404
    response = api("manager").post(f"{url}approve/", {"version": body["version"]}, format="json")
    assert response.status_code == 200, response.content
    approved = response.json()
    assert approved["status"] == "approved"
    steps = [(t["from"], t["to"], t["actor"]) for t in approved["transitions"]]
    assert steps == [
        ("", "draft", cast.contributor.pk),
        ("draft", "submitted", cast.contributor.pk),
        ("submitted", "approved", cast.manager.pk),
    ]
    assert all(t["time"] for t in approved["transitions"])
    # Approved values are final: no edit, no withdrawal, no second approval.
    assert list(error_fields(api("contributor").patch(url, {"value": 6}, format="json"))) == [
        "value"
    ]
    assert list(error_fields(api("contributor").delete(url))) == ["status"]
    assert list(error_fields(api("admin").post(f"{url}approve/", {}, format="json"))) == ["status"]


def test_it_lets_nobody_approve_their_own_submission(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    client = api("manager")
    created = post_value(client, share, q1, cast.dept, value=5, denominator=20, submit=True)
    assert created.status_code == 201, created.content
    url = f"/api/v1/measurements/{created.json()['id']}/"
    response = client.post(f"{url}approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "permission_denied",
        "message": "You cannot approve your own submission.",
    }
    assert Measurement.objects.get().status == "submitted"
    assert api("admin").post(f"{url}approve/", {}, format="json").status_code == 200


def test_it_returns_a_value_with_a_reason_and_takes_the_correction(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    measurement = enter(cast, "contributor", share, q1, value=5, denominator=20)
    url = f"/api/v1/measurements/{measurement.pk}/"
    assert api("manager").post(f"{url}return/", {"reason": "x"}).status_code == 400  # a draft
    response = api("contributor").post(f"{url}submit/", {"version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    no_reason = api("manager").post(f"{url}return/", {"reason": "  "}, format="json")
    assert list(error_fields(no_reason)) == ["reason"]
    assert api("manager").post(f"{url}return/", {}, format="json").status_code == 400
    assert (
        api("contributor").post(f"{url}return/", {"reason": "No"}, format="json").status_code == 403
    )
    response = api("manager").post(
        f"{url}return/", {"reason": "The denominator is last year's staff count"}, format="json"
    )
    assert response.status_code == 200, response.content
    returned = response.json()
    assert returned["status"] == "returned"
    assert returned["transitions"][-1]["reason"] == "The denominator is last year's staff count"
    corrected = api("contributor").patch(
        url, {"denominator": 25, "submit": True, "version": returned["version"]}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert (corrected.json()["status"], corrected.json()["amount"]) == ("submitted", "20.0000")
    assert [t["to"] for t in corrected.json()["transitions"]] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
    ]


def test_it_withdraws_a_draft_but_not_a_submitted_value(
    api, cast: Cast, share: Indicator, q1: Period, days: Indicator
) -> None:
    draft = enter(cast, "contributor", share, q1, value=5, denominator=20)
    assert api("viewer").delete(f"/api/v1/measurements/{draft.pk}/").status_code == 403
    assert api("contributor").delete(f"/api/v1/measurements/{draft.pk}/").status_code == 204
    assert Measurement.all_objects.get(pk=draft.pk).is_deleted
    submitted = measurement_submit(
        actor=cast.contributor, measurement=enter(cast, "contributor", days, q1, value=2)
    )
    response = api("contributor").delete(f"/api/v1/measurements/{submitted.pk}/")
    assert list(error_fields(response)) == ["status"]


# -- measurements: reading -----------------------------------------------------------------------
def test_it_lists_measurements_to_the_plans_members_only(
    api, cast: Cast, share: Indicator, q1: Period
) -> None:
    measurement = enter(cast, "contributor", share, q1, value=5, denominator=20)
    for name in ("admin", "manager", "contributor", "viewer"):
        rows = api(name).get("/api/v1/measurements/").json()["results"]
        assert [r["id"] for r in rows] == [measurement.pk], name
    assert "transitions" not in rows[0]
    client = api("outsider")
    assert client.get("/api/v1/measurements/").json()["count"] == 0
    url = f"/api/v1/measurements/{measurement.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"value": 1}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.post(f"{url}submit/", {}, format="json").status_code == 404
    assert client.post(f"{url}return/", {"reason": "x"}, format="json").status_code == 404


def test_it_filters_measurements(
    api, cast: Cast, plan: Plan, share: Indicator, days: Indicator, q1: Period
) -> None:
    q2 = unlock(cast, quarter(plan, 2))
    a = enter(cast, "contributor", share, q1, value=5, denominator=20)
    b = measurement_submit(
        actor=cast.contributor, measurement=enter(cast, "contributor", days, q2, value=2)
    )
    c = measurement_approve(
        actor=cast.manager,
        measurement=measurement_submit(
            actor=cast.contributor, measurement=enter(cast, "contributor", days, q1, value=4)
        ),
    )
    client = api("viewer")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/measurements/?{query}")
        assert response.status_code == 200, response.content
        return sorted(m["id"] for m in response.json()["results"])

    assert ids(f"indicator={days.pk}") == sorted([b.pk, c.pk])
    assert ids(f"period={q1.pk}") == sorted([a.pk, c.pk])
    assert ids(f"unit={cast.dept.pk}") == sorted([a.pk, b.pk, c.pk])
    assert ids("status=submitted&status=approved") == sorted([b.pk, c.pk])
    assert ids("status=draft") == [a.pk]
    assert ids(f"plan={plan.pk}&indicator={days.pk}&period={q2.pk}") == [b.pk]
    assert "status" in error_fields(client.get("/api/v1/measurements/?status=lost"))
    assert "unit" in error_fields(client.get(f"/api/v1/measurements/?unit={cast.other.pk}"))


def test_it_lists_dimensions_to_everyone_signed_in(api, cast: Cast) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    for name in ("viewer", "outsider"):
        rows = api(name).get("/api/v1/dimensions/").json()["results"]
        assert rows == [
            {
                "id": sex.pk,
                "url": f"http://testserver/api/v1/dimensions/{sex.pk}/",
                "name": "Sex",
                "categories": ["Female", "Male"],
                "version": 1,
            }
        ]
    assert api(None).get("/api/v1/dimensions/").status_code == 401
    assert api("admin").post("/api/v1/dimensions/", {"name": "Age"}).status_code == 405


# -- the schema ----------------------------------------------------------------------------------
def test_it_documents_indicators_periods_and_measurements_in_the_schema(api) -> None:
    response = api(None).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/indicators/",
        "/api/v1/indicators/{id}/",
        "/api/v1/periods/",
        "/api/v1/periods/{id}/unlock/",
        "/api/v1/periods/{id}/lock/",
        "/api/v1/targets/",
        "/api/v1/measurements/",
        "/api/v1/measurements/{id}/",
        "/api/v1/measurements/{id}/submit/",
        "/api/v1/measurements/{id}/approve/",
        "/api/v1/measurements/{id}/return/",
        "/api/v1/dimensions/",
    ):
        assert path in paths, path
    assert "409" in paths["/api/v1/measurements/{id}/approve/"]["post"]["responses"]
    assert "409" in paths["/api/v1/periods/{id}/unlock/"]["post"]["responses"]
    components = schema["components"]["schemas"]
    assert set(components["MeasurementStatus"]["enum"]) == {
        "draft",
        "submitted",
        "approved",
        "returned",
    }
    assert "transitions" in components["MeasurementDetail"]["properties"]
    assert set(components["Transition"]["properties"]) == {"from", "to", "actor", "time", "reason"}
    assert "status" in components["Period"]["properties"]
    filters = {p["name"] for p in paths["/api/v1/measurements/"]["get"]["parameters"]}
    assert {"indicator", "period", "unit", "status", "plan"} <= filters


# -- fixed query counts --------------------------------------------------------------------------
# Each list: organisation (middleware), token, roles, count, rows; indicators add one query per
# many-to-many (elements, data owners, reporting units, dimensions, numerator, denominator).
MEASUREMENTS_LIST_QUERIES = 5
MEASUREMENT_DETAIL_QUERIES = 5  # organisation, token, roles, the row (joined), its steps
INDICATORS_LIST_QUERIES = 11
PERIODS_LIST_QUERIES = 5
TARGETS_LIST_QUERIES = 5


@pytest.fixture
def monthly(cast: Cast, plan: Plan) -> Indicator:
    """A monthly indicator that three units report: 12 periods x 3 units = 36 cells."""
    return indicator_create(
        actor=cast.admin,
        plan=plan,
        data={
            "code": "4",
            "title": "Monthly report delivered on time",
            "frequency": "monthly",
            "reporting_units": [cast.root, cast.dept, cast.other],
        },
    )


def _cells(cast: Cast, indicator: Indicator) -> list[tuple[Period, Any]]:
    periods = Period.objects.filter(plan=indicator.plan, frequency="monthly").order_by("start")
    return [(p, u) for p in periods for u in (cast.root, cast.dept, cast.other)]


def _add_measurements(cast: Cast, indicator: Indicator, n: int) -> None:
    done = Measurement.objects.count()
    rows = [
        Measurement(
            indicator=indicator,
            period=period,
            unit=unit,
            value=Decimal(i),
            status="submitted" if i % 2 else "approved",
            entered_by=cast.contributor,
            submitted_by=cast.contributor,
            breakdown={"Sex": {"Female": {"value": "1"}}},
        )
        for i, (period, unit) in enumerate(_cells(cast, indicator)[done : done + n], start=done)
    ]
    Measurement.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_measurements_in_a_fixed_number_of_queries(
    api, cast: Cast, monthly: Indicator, count: int, django_assert_num_queries: Any
) -> None:
    _add_measurements(cast, monthly, count)
    client = api("viewer")
    with django_assert_num_queries(MEASUREMENTS_LIST_QUERIES):
        response = client.get("/api/v1/measurements/?limit=1000")
    assert response.json()["count"] == count
    with django_assert_num_queries(MEASUREMENTS_LIST_QUERIES + 1):  # + the ?indicator= lookup
        response = client.get(f"/api/v1/measurements/?indicator={monthly.pk}&limit=1000")
    assert response.json()["count"] == count


@pytest.mark.parametrize("steps", [3, 30])
def test_it_shows_a_measurement_in_a_fixed_number_of_queries(
    api, cast: Cast, monthly: Indicator, steps: int, django_assert_num_queries: Any
) -> None:
    _add_measurements(cast, monthly, 1)
    measurement = Measurement.objects.get()
    Transition.objects.bulk_create(
        Transition(measurement=measurement, from_status="draft", to_status="submitted")
        for _ in range(steps)
    )
    client = api("viewer")
    with django_assert_num_queries(MEASUREMENT_DETAIL_QUERIES):
        response = client.get(f"/api/v1/measurements/{measurement.pk}/")
    assert len(response.json()["transitions"]) == steps


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_indicators_in_a_fixed_number_of_queries(
    api, cast: Cast, plan: Plan, tree: Tree, count: int, django_assert_num_queries: Any
) -> None:
    sex = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    made = Indicator.objects.bulk_create(
        Indicator(plan=plan, code=f"{i:02}", title=f"Indicator {i}") for i in range(count)
    )
    for indicator in made:
        indicator.elements.set(tree)
        indicator.data_owners.set([cast.contributor, cast.viewer])
        indicator.reporting_units.set([cast.dept])
        indicator.dimensions.set([sex])
        indicator.numerator_of.set(made[:2])
        indicator.denominator_of.set(made[2:3])
    client = api("viewer")
    with django_assert_num_queries(INDICATORS_LIST_QUERIES):
        response = client.get("/api/v1/indicators/?limit=1000")
    rows = response.json()["results"]
    assert len(rows) == count
    assert rows[0]["elements"] == [e.pk for e in tree]
    assert set(rows[0]["data_owners"]) == {cast.contributor.pk, cast.viewer.pk}


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_periods_and_targets_in_a_fixed_number_of_queries(
    api, plan: Plan, share: Indicator, count: int, django_assert_num_queries: Any
) -> None:
    periods = Period.objects.bulk_create(
        Period(
            plan=plan,
            frequency="annual",
            start=datetime.date(1990 + i, 1, 1),
            end=datetime.date(1990 + i, 12, 31),
            label=str(1990 + i),
        )
        for i in range(count)
    )
    Target.objects.bulk_create(Target(indicator=share, period=p, value=10) for p in periods)
    client = api("viewer")
    with django_assert_num_queries(PERIODS_LIST_QUERIES):
        response = client.get("/api/v1/periods/?frequency=annual&limit=1000")
    assert response.json()["count"] == count
    assert {p["status"] for p in response.json()["results"]} == {"locked"}
    with django_assert_num_queries(TARGETS_LIST_QUERIES):
        response = client.get("/api/v1/targets/?limit=1000")
    assert response.json()["count"] == count
