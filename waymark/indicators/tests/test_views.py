"""The indicator pages: My data, the indicator page, value entry, approval, periods.

The pages call the same services as the API; these tests prove what a person sees and that a
form posted from a page changes exactly what the service allows, in a fixed number of queries.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waymark.core.testing import Cast
from waymark.indicators.models import Indicator, Measurement, Period, Revision
from waymark.indicators.services import (
    dimension_save,
    measurement_approve,
    measurement_save,
    period_unlock,
    targets_set,
)
from waymark.indicators.tests.builders import current_plan, make_indicator, open_period
from waymark.plans.models import Plan

FAR = datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def live(cast: Cast) -> Plan:
    return current_plan(cast)


def owed_key(indicator: Indicator, period: Period, cast: Cast) -> str:
    return f"{indicator.pk}-{period.pk}-{cast.dept.pk}"


def _percentage(cast: Cast, plan: Plan, code: str = "1.a") -> Indicator:
    return make_indicator(
        cast, plan, code, measure_type="percentage", data_owners=[cast.contributor]
    )


# -- My data -----------------------------------------------------------------------------------
def test_it_lists_what_the_contributor_owes_with_the_previous_value_beside_it(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, "1.a", frequency="monthly")
    current = open_period(indicator)
    before = Period.objects.filter(plan=live, frequency="monthly", end__lt=current.start).last()
    assert before is not None
    period_unlock(actor=cast.admin, period=before, until=FAR, reason="late report")
    measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=before,
        unit=cast.dept,
        data={"value": "41"},
        submit=True,
    )

    page = client_for("contributor").get("/my-data/").content.decode()

    row = page[page.index(f'id="row-{owed_key(indicator, current, cast)}"') :]
    row = row[: row.index("</tr>")]
    assert current.label in row
    assert "41" in row and before.label in row  # the previous period's value, beside the entry
    assert f'id="row-{owed_key(indicator, before, cast)}"' not in page  # submitted: not owed


def test_it_saves_every_row_in_one_go_and_submits_them(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    share = _percentage(cast, live, "1.a")
    days = make_indicator(cast, live, "1.b", data_owners=[cast.contributor])
    p1, p2 = open_period(share), open_period(days)

    response = client_for("contributor").post(
        "/my-data/",
        {
            f"{owed_key(share, p1, cast)}-value": "12",
            f"{owed_key(share, p1, cast)}-denominator": "20",
            f"{owed_key(days, p2, cast)}-value": "1,250",
            f"{owed_key(days, p2, cast)}-comment": "from the soum reports",
            "submit": "1",
        },
    )

    assert response.status_code == 302
    saved = {m.indicator.code: m for m in Measurement.objects.select_related("indicator")}
    assert saved["1.a"].status == saved["1.b"].status == Measurement.Status.SUBMITTED
    assert (saved["1.a"].value, saved["1.a"].denominator) == (Decimal(12), Decimal(20))
    assert saved["1.b"].value == Decimal(1250)
    assert saved["1.b"].comment == "from the soum reports"


def test_it_saves_nothing_and_names_the_cell_when_one_value_is_bad(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    share = _percentage(cast, live, "1.a")
    days = make_indicator(cast, live, "1.b", data_owners=[cast.contributor])
    p1, p2 = open_period(share), open_period(days)

    response = client_for("contributor").post(
        "/my-data/",
        {
            f"{owed_key(days, p2, cast)}-value": "12",
            f"{owed_key(share, p1, cast)}-value": "30",
            f"{owed_key(share, p1, cast)}-denominator": "20",
            "save": "1",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert Measurement.objects.count() == 0
    error = page[page.index(f'id="err-{owed_key(share, p1, cast)}-value"') :]
    assert "cannot be larger than the denominator" in error[: error.index("</ul>")]
    good = page[page.index(f'id="err-{owed_key(days, p2, cast)}-value"') :]
    assert "<li>" not in good[: good.index("</ul>")]
    assert 'value="12"' in page  # what was typed stays in the form


def test_my_data_takes_the_same_number_of_queries_for_2_and_10_indicators(
    cast: Cast, live: Plan, client_for: Any, django_assert_num_queries: Any
) -> None:
    client = client_for("contributor")
    for n in range(2):
        make_indicator(cast, live, f"1.{n}", data_owners=[cast.contributor])
    client.get("/my-data/")
    with django_assert_num_queries(MY_DATA_QUERIES):
        assert client.get("/my-data/").status_code == 200
    for n in range(2, 10):
        make_indicator(cast, live, f"1.{n}", data_owners=[cast.contributor])
    with django_assert_num_queries(MY_DATA_QUERIES):
        page = client.get("/my-data/").content.decode()
    assert page.count('name="') > 10 * 3


MY_DATA_QUERIES = 11


def test_my_data_shows_a_helpful_empty_state_to_the_outsider(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    _percentage(cast, live)
    page = client_for("outsider").get("/my-data/").content.decode()
    assert "Nothing to report right now" in page


# -- the indicator page ------------------------------------------------------------------------
def _approved(cast: Cast, indicator: Indicator, period: Period, **data: Any) -> Measurement:
    measurement = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data=data,
        submit=True,
    )
    return measurement_approve(actor=cast.manager, measurement=measurement)


def test_the_indicator_page_shows_approved_actuals_against_targets_in_a_chart_and_a_table(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = _percentage(cast, live)
    period = open_period(indicator)
    targets_set(actor=cast.manager, indicator=indicator, targets={period: "50"})
    _approved(cast, indicator, period, value="12", denominator="20")

    page = client_for("viewer").get(f"/indicators/{indicator.pk}/").content.decode()

    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    row = page[page.index(f'<th scope="row">{period.label}') :]
    row = row[: row.index("</tr>")]
    assert "60%" in row  # 12 / 20
    assert "50%" in row  # the target
    assert "120%" in row  # % met


def test_a_submitted_value_is_not_the_actual(cast: Cast, live: Plan, client_for: Any) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    period = open_period(indicator)
    measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": "777"},
        submit=True,
    )
    page = client_for("manager").get(f"/indicators/{indicator.pk}/").content.decode()
    row = page[page.index(f'<th scope="row">{period.label}') :]
    assert "777" not in row[: row.index("</tr>")]
    assert "Awaiting approval" in page and "777" in page


def test_the_indicator_page_takes_the_same_number_of_queries_for_1_and_12_values(
    cast: Cast, live: Plan, client_for: Any, django_assert_num_queries: Any
) -> None:
    dimension = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    indicator = make_indicator(
        cast, live, frequency="monthly", data_owners=[cast.contributor], dimensions=[dimension]
    )
    periods = list(Period.objects.filter(plan=live, frequency="monthly").order_by("start"))
    for period in periods:
        period_unlock(actor=cast.admin, period=period, until=FAR, reason="back data")
    client = client_for("manager")
    _approved(cast, indicator, periods[0], value="3", breakdown={"Sex": {"Female": 1, "Male": 2}})
    with django_assert_num_queries(INDICATOR_PAGE_QUERIES):
        client.get(f"/indicators/{indicator.pk}/")
    for period in periods[1:12]:
        _approved(cast, indicator, period, value="5", breakdown={"Sex": {"Female": 2, "Male": 3}})
    with django_assert_num_queries(INDICATOR_PAGE_QUERIES):
        assert client.get(f"/indicators/{indicator.pk}/").status_code == 200


INDICATOR_PAGE_QUERIES = 20


def test_the_outsider_finds_no_indicator_and_no_value(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    measurement = _approved(cast, indicator, open_period(indicator), value="5")
    client = client_for("outsider")
    for url in (
        f"/indicators/{indicator.pk}/",
        f"/measurements/{measurement.pk}/",
        f"/measurements/{measurement.pk}/evidence/",
        f"/plans/{live.pk}/indicators/",
    ):
        assert client.get(url).status_code == 404, url


# -- one value, approval -------------------------------------------------------------------------
def test_a_value_is_entered_with_its_breakdown_and_evidence_and_the_file_is_served_to_viewers(
    cast: Cast, live: Plan, client_for: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    dimension = dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])
    indicator = make_indicator(cast, live, data_owners=[cast.contributor], dimensions=[dimension])
    period = open_period(indicator)
    names = {c: f"bd-{dimension.pk}-{i}-n" for i, c in enumerate(dimension.categories)}

    response = client_for("contributor").post(
        f"/indicators/{indicator.pk}/data/{period.pk}/{cast.dept.pk}/",
        {
            "value": "10",
            names["Female"]: "6",
            names["Male"]: "3",  # 9, not 10: flagged, not refused
            "evidence_file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes"),
            "submit": "1",
        },
    )

    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.status == Measurement.Status.SUBMITTED
    assert measurement.breakdown == {"Sex": {"Female": {"value": "6"}, "Male": {"value": "3"}}}
    detail = client_for("viewer").get(f"/measurements/{measurement.pk}/").content.decode()
    assert "differs from the total by -1" in detail
    download = client_for("viewer").get(f"/measurements/{measurement.pk}/evidence/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 minutes"


def test_the_submitter_cannot_approve_their_own_value_but_the_manager_can(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.manager])
    measurement = measurement_save(
        actor=cast.manager,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "4"},
        submit=True,
    )
    own = client_for("manager").post(f"/measurements/{measurement.pk}/approve/")
    assert own.status_code == 403
    measurement.refresh_from_db()
    assert measurement.status == Measurement.Status.SUBMITTED

    admin = client_for("admin").post(f"/measurements/{measurement.pk}/approve/")
    assert admin.status_code == 302
    measurement.refresh_from_db()
    assert measurement.status == Measurement.Status.APPROVED


def test_a_return_needs_a_reason_and_shows_it_to_the_owner(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    period = open_period(indicator)
    measurement = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": "4"},
        submit=True,
    )
    manager = client_for("manager")
    refused = manager.post(f"/measurements/{measurement.pk}/return/", {"reason": " "})
    assert refused.status_code == 200 and "Say what must be corrected." in refused.content.decode()

    manager.post(f"/measurements/{measurement.pk}/return/", {"reason": "Count the soums again"})
    measurement.refresh_from_db()
    assert measurement.status == Measurement.Status.RETURNED
    page = client_for("contributor").get("/my-data/").content.decode()
    assert "Count the soums again" in page


def test_the_review_queue_lists_what_the_manager_may_approve(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "9"},
        submit=True,
    )
    assert indicator.title in client_for("manager").get("/review/").content.decode()
    assert indicator.title not in client_for("contributor").get("/review/").content.decode()


# -- defining indicators, targets, periods ------------------------------------------------------
def test_a_manager_defines_an_indicator_from_the_form(
    cast: Cast, live: Plan, client_for: Any, tree: Any
) -> None:
    response = client_for("manager").post(
        f"/plans/{live.pk}/indicators/new/",
        {
            "code": "1.1.a",
            "title": "Share of soum officials trained",
            "measure_type": "percentage",
            "direction": "increase",
            "frequency": "quarterly",
            "aggregation": "sum",
            "numerator_at_most_denominator": "on",
            "baseline_value": "12,5",
            "target_value": "80",
            "data_owners": [cast.contributor.pk],
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="1.1.a")
    assert indicator.baseline_value == Decimal("12.5")
    assert response["Location"] == f"/indicators/{indicator.pk}/targets/"
    assert Period.objects.filter(plan=live, frequency="quarterly").count() == 12


def test_the_indicator_form_names_the_bad_field(cast: Cast, live: Plan, client_for: Any) -> None:
    response = client_for("manager").post(
        f"/plans/{live.pk}/indicators/new/",
        {
            "code": "1.a",
            "title": "Satisfaction",
            "measure_type": "ordinal",
            "scale_levels": "Poor",
            "direction": "increase",
            "frequency": "annual",
            "aggregation": "latest",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    error = page[page.index('id="id_scale_levels_error"') :]
    assert "Name at least two levels" in error[: error.index("</ul>")]
    assert not Indicator.objects.exists()


def test_changing_a_target_after_data_needs_a_reason_on_the_page_too(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    period = open_period(indicator)
    targets_set(actor=cast.manager, indicator=indicator, targets={period: "10"})
    _approved(cast, indicator, period, value="4")
    client = client_for("manager")
    url = f"/indicators/{indicator.pk}/targets/"

    refused = client.post(url, {f"target_{period.pk}": "20"})
    assert refused.status_code == 200
    assert "say why the target" in refused.content.decode()
    assert indicator.targets.get().value == Decimal(10)

    client.post(url, {f"target_{period.pk}": "20", "reason": "Budget doubled"})
    assert indicator.targets.get().value == Decimal(20)
    revision = Revision.objects.filter(kind="target").latest("id")
    assert (revision.old_value, revision.new_value, revision.reason) == (
        Decimal(10),
        Decimal(20),
        "Budget doubled",
    )
    page = client_for("viewer").get(f"/indicators/{indicator.pk}/").content.decode()
    assert "Budget doubled" in page


def test_only_an_admin_unlocks_a_period_and_the_reason_is_shown(
    cast: Cast, plan: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, plan)
    period = Period.objects.filter(plan=plan, frequency=indicator.frequency).first()
    assert period is not None
    url = f"/periods/{period.pk}/unlock/"
    assert client_for("manager").get(url).status_code == 403
    response = client_for("admin").post(
        url, {"until": "2099-01-01T12:00", "reason": "Soum data arrived late"}
    )
    assert response.status_code == 302
    page = client_for("viewer").get(f"/plans/{plan.pk}/periods/").content.decode()
    assert "Soum data arrived late" in page
    assert re.search(r"period-unlocked", page)


def test_a_unit_that_reports_on_another_units_plan_sees_its_indicator_and_only_its_own_values(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    # The finance department (the outsider's unit) reports on the department's plan, as a soum
    # reports on the aimag's: it sees the indicator it reports, not the plan or others' values.
    indicator = make_indicator(cast, live, reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)
    theirs = measurement_save(
        actor=cast.outsider, indicator=indicator, period=period, unit=cast.other, data={"value": 3}
    )
    ours = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": 9},
    )
    client = client_for("outsider")

    assert client.get(f"/plans/{live.pk}/").status_code == 404
    page = client.get(f"/indicators/{indicator.pk}/")
    assert page.status_code == 200
    assert f"/measurements/{theirs.pk}/" in page.content.decode()
    assert f"/measurements/{ours.pk}/" not in page.content.decode()
    assert client.get(f"/measurements/{theirs.pk}/").status_code == 200
    assert client.get(f"/measurements/{ours.pk}/").status_code == 404
    assert (
        f"row-{indicator.pk}-{period.pk}-{cast.other.pk}"
        in client.get("/my-data/").content.decode()
    )


def test_my_data_reports_a_value_entered_by_someone_else_since_the_page_was_opened(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor, cast.manager])
    period = open_period(indicator)
    key = owed_key(indicator, period, cast)
    client = client_for("contributor")
    assert f'name="{key}-version" value="0"' in client.get("/my-data/").content.decode()
    measurement_save(
        actor=cast.manager,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": "100", "comment": "from the soum"},
    )

    response = client.post("/my-data/", {f"{key}-value": "1", f"{key}-version": "0", "save": "1"})

    assert response.status_code == 200
    assert "Someone else changed this" in response.content.decode()
    stored = Measurement.objects.get()
    assert (stored.value, stored.comment) == (Decimal(100), "from the soum")


def test_a_data_owner_without_a_role_in_the_unit_sees_the_value_they_entered(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    from waymark.core.testing import make_person

    owner = make_person("statistician")
    indicator = make_indicator(cast, live, data_owners=[owner])
    measurement = measurement_save(
        actor=owner,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "7"},
    )
    client = client_for(None)
    client.force_login(owner)
    assert client.get(f"/measurements/{measurement.pk}/").status_code == 200
    assert client.get(f"/indicators/{indicator.pk}/").status_code == 200


def test_a_reporter_of_another_unit_sees_no_workflow_or_history_of_the_others_values(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)
    ours = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=period,
        unit=cast.dept,
        data={"value": "4242", "comment": "PRIVATE NOTE"},
        submit=True,
    )
    from waymark.indicators.services import measurement_return

    measurement_return(actor=cast.manager, measurement=ours, reason="SECRET-REASON")
    page = client_for("outsider").get(f"/indicators/{indicator.pk}/").content.decode()
    for secret in ("4242", "PRIVATE NOTE", "SECRET-REASON"):
        assert secret not in page
    assert (
        "SECRET-REASON" in client_for("viewer").get(f"/indicators/{indicator.pk}/").content.decode()
    )


def test_approving_never_redirects_to_another_site(cast: Cast, live: Plan, client_for: Any) -> None:
    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    measurement = measurement_save(
        actor=cast.contributor,
        indicator=indicator,
        period=open_period(indicator),
        unit=cast.dept,
        data={"value": "9"},
        submit=True,
    )
    response = client_for("manager").post(
        f"/measurements/{measurement.pk}/approve/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/measurements/{measurement.pk}/"


def test_an_archived_plan_takes_no_more_data(cast: Cast, live: Plan, client_for: Any) -> None:
    from waymark.plans.services import plan_update

    indicator = make_indicator(cast, live, data_owners=[cast.contributor])
    period = open_period(indicator)
    plan_update(actor=cast.admin, plan=live, data={"state": Plan.State.ARCHIVED})
    url = f"/indicators/{indicator.pk}/data/{period.pk}/{cast.dept.pk}/"
    assert client_for("contributor").post(url, {"value": "3"}).status_code == 403
    assert not Measurement.objects.exists()


def test_the_iptt_page_takes_the_same_number_of_queries_for_2_and_10_indicators(
    cast: Cast, live: Plan, client_for: Any, django_assert_num_queries: Any
) -> None:
    client = client_for("viewer")
    for n in range(2):
        make_indicator(cast, live, f"1.{n}", data_owners=[cast.contributor])
    client.get(f"/plans/{live.pk}/iptt/")
    with django_assert_num_queries(IPTT_PAGE_QUERIES):
        client.get(f"/plans/{live.pk}/iptt/")
    for n in range(2, 10):
        make_indicator(cast, live, f"1.{n}", data_owners=[cast.contributor])
    with django_assert_num_queries(IPTT_PAGE_QUERIES):
        page = client.get(f"/plans/{live.pk}/iptt/").content.decode()
    assert page.count('class="code"') >= 10


IPTT_PAGE_QUERIES = 14


def test_the_indicator_page_totals_the_reporting_units_up_the_unit_tree(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(
        cast, live, measure_type="percentage", reporting_units=[cast.dept, cast.other]
    )
    period = open_period(indicator)
    for actor, unit, n, d in (
        (cast.contributor, cast.dept, 12, 20),
        (cast.outsider, cast.other, 3, 10),
    ):
        saved = measurement_save(
            actor=actor,
            indicator=indicator,
            period=period,
            unit=unit,
            data={"value": n, "denominator": d},
            submit=True,
        )
        measurement_approve(actor=cast.admin, measurement=saved)

    page = client_for("admin").get(f"/indicators/{indicator.pk}/").content.decode()

    total = page[page.index('<tr class="rollup">') :]
    total = total[: total.index("</tr>")]
    assert cast.root.label in total
    assert "50%" in total  # (12 + 3) / (20 + 10), not the mean of 60% and 30%


def test_the_indicator_form_shows_amounts_as_people_type_them(
    cast: Cast, live: Plan, client_for: Any
) -> None:
    indicator = make_indicator(cast, live, baseline_value="35", target_value="12.5")
    page = client_for("manager").get(f"/indicators/{indicator.pk}/edit/").content.decode()
    assert 'value="35"' in page and 'value="12.5"' in page
    assert "35.0000" not in page
