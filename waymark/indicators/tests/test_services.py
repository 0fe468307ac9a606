"""Writes for indicators, periods, targets and measurements: validation naming the field, nothing
half-saved, locking and grace, the approval workflow and who may do each step, target revisions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.core.exceptions import ConflictError
from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.core.testing import Cast, make_element, make_person, make_plan
from waymark.core.tests.builders import changes_of, row
from waymark.indicators.models import (
    Dimension,
    Indicator,
    Measurement,
    Period,
    Revision,
    Target,
    Transition,
)
from waymark.indicators.selectors import figures
from waymark.indicators.services import (
    BatchError,
    Entry,
    dimension_save,
    indicator_create,
    indicator_delete,
    indicator_restore,
    indicator_update,
    measurement_approve,
    measurement_delete,
    measurement_return,
    measurement_save,
    measurement_submit,
    measurements_save_batch,
    parse_amount,
    parse_measurement_value,
    period_lock,
    period_unlock,
    targets_set,
)
from waymark.indicators.tests.builders import (
    EVERYONE,
    approved,
    counts,
    current_plan,
    grace_through_previous_quarter,
    make_indicator,
    next_period,
    open_period,
    organisation,
    previous_period,
    refused,
)
from waymark.org.models import Organisation
from waymark.plans.models import Plan

D = datetime.date
DEFINERS = {"admin", "manager"}  # define indicators, targets, baselines
ENTERERS = {"admin", "manager", "contributor"}  # enter and submit the dept's data
REVIEWERS = {"admin", "manager"}  # approve and return the dept's data


@pytest.fixture
def now_plan(cast: Cast) -> Plan:
    return current_plan(cast)


@pytest.fixture
def indicator(cast: Cast, now_plan: Plan) -> Indicator:
    """A quarterly number reported by the plan's owner unit (dept), in a plan running now."""
    return make_indicator(cast, now_plan, "1.a", unit_of_measure="officials")


@pytest.fixture
def old_indicator(cast: Cast, plan: Plan) -> Indicator:
    """A quarterly number of the cast's 2017 plan: every period is locked."""
    return make_indicator(cast, plan, "1.a")


def save(
    actor: Any,
    indicator: Indicator,
    period: Period,
    *,
    unit: Any = None,
    submit: bool = False,
    **data: Any,
) -> Measurement:
    """measurement_save for the plan's owner unit unless another unit is named."""
    return measurement_save(
        actor=actor,
        indicator=indicator,
        period=period,
        unit=unit or indicator.plan.owner_unit,
        data=data,
        submit=submit,
    )


def submitted(cast: Cast, indicator: Indicator, value: Any = "12", by: Any = None) -> Measurement:
    return measurement_save(
        actor=by or cast.contributor,
        indicator=indicator,
        period=open_period(indicator),
        unit=indicator.plan.owner_unit,
        data={"value": value},
        submit=True,
    )


def steps(measurement: Measurement) -> list[tuple[str, str, Any, str]]:
    return [
        (t.from_status, t.to_status, t.actor, t.reason)
        for t in Transition.objects.filter(measurement=measurement).order_by("time", "id")
    ]


def unlock(cast: Cast, period: Period, hours: int = 2) -> Period:
    return period_unlock(
        actor=cast.admin,
        period=period,
        until=timezone.now() + datetime.timedelta(hours=hours),
        reason="Late survey results from Khalkhgol soum",
    )


# -- amounts -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,250.5", Decimal("1250.5")),
        ("1 250", Decimal("1250")),
        ("1\u00a0250", Decimal("1250")),
        ("12,5", Decimal("12.5")),
        ("12,50", Decimal("12.5")),
        ("1,250", Decimal("1250")),
        ("1,250,000.75", Decimal("1250000.75")),
        (" 42 ", Decimal("42")),
        ("-3.25", Decimal("-3.25")),
        (1250, Decimal("1250")),
        (0.5, Decimal("0.5")),
        (Decimal("7.0001"), Decimal("7.0001")),
    ],
)
def test_it_reads_amounts_as_people_write_them(text: Any, amount: Decimal) -> None:
    assert parse_amount(text, "value") == amount


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_it_reads_a_blank_amount_as_nothing(blank: Any) -> None:
    assert parse_amount(blank, "value") is None


@pytest.mark.parametrize(
    "text",
    ["abc", "12 kg", "1.2.3", "1,2345", "NaN", "Infinity", "1e16", "0.00001", True, "--1"],
)
def test_it_refuses_what_is_not_an_amount_naming_the_field(text: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, "target_7")
    assert list(caught.value.message_dict) == ["target_7"]


def test_it_refuses_a_negative_amount_where_none_can_be() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount("-1", "denominator", allow_negative=False)
    assert "negative" in caught.value.message_dict["denominator"][0]
    assert parse_amount("0", "denominator", allow_negative=False) == 0


# -- values in the indicator's type ------------------------------------------------------------
YES_NO = Indicator(measure_type=Indicator.MeasureType.YES_NO)
SCALE = Indicator(measure_type=Indicator.MeasureType.ORDINAL, scale_levels=["Poor", "Fair", "Good"])
SHARE = Indicator(measure_type=Indicator.MeasureType.PERCENTAGE)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("yes", 1),
        ("Yes", 1),
        (" y ", 1),
        ("тийм", 1),
        (True, 1),
        (1, 1),
        ("no", 0),
        ("FALSE", 0),
        ("үгүй", 0),
        (False, 0),
        ("0", 0),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_yes_and_no_in_english_and_mongolian(raw: Any, value: int | None) -> None:
    parsed = parse_measurement_value(YES_NO, {"value": raw})
    assert parsed["value"] == (None if value is None else Decimal(value))


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_it_refuses_an_answer_that_is_neither_yes_nor_no(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_measurement_value(YES_NO, {"value": raw})
    assert list(caught.value.message_dict) == ["value"]


@pytest.mark.parametrize(
    ("raw", "level"),
    [("Poor", 1), ("Fair", 2), (" Good ", 3), ("1", 1), ("3", 3), (2, 2), ("2.0", 2), ("", None)],
)
def test_it_reads_an_ordinal_level_by_name_or_by_number(raw: Any, level: int | None) -> None:
    parsed = parse_measurement_value(SCALE, {"value": raw})
    assert parsed["value"] == (None if level is None else Decimal(level))


@pytest.mark.parametrize("raw", ["Excellent", "0", "4", "2.5", "-1", "abc", "Infinity"])
def test_it_refuses_a_level_the_scale_does_not_have_and_names_the_levels(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_measurement_value(SCALE, {"value": raw})
    assert "Poor, Fair, Good" in caught.value.message_dict["value"][0]


def test_it_keeps_a_percentage_as_numerator_and_denominator() -> None:
    parsed = parse_measurement_value(SHARE, {"value": "45", "denominator": "60"})
    assert (parsed["value"], parsed["denominator"]) == (Decimal(45), Decimal(60))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"value": "61", "denominator": "60"}, "value"),
        ({"value": "5", "denominator": "0"}, "denominator"),
        ({"value": "5"}, "denominator"),
        ({"denominator": "60"}, "value"),
        ({"value": "abc", "denominator": "60"}, "value"),
        ({"value": "-1", "denominator": "60"}, "value"),
    ],
)
def test_it_refuses_an_impossible_percentage_naming_the_field(
    data: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_measurement_value(SHARE, data)
    assert field in caught.value.message_dict


def test_it_names_both_numbers_when_the_numerator_exceeds_the_denominator() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_measurement_value(SHARE, {"value": "61", "denominator": "60"})
    assert "61" in caught.value.message_dict["value"][0]
    assert "60" in caught.value.message_dict["value"][0]


def test_it_takes_a_larger_numerator_where_the_ratio_may_exceed_one() -> None:
    growth = Indicator(
        measure_type=Indicator.MeasureType.PERCENTAGE, numerator_at_most_denominator=False
    )
    parsed = parse_measurement_value(growth, {"value": "120", "denominator": "100"})
    assert parsed["value"] == Decimal(120)


# -- indicators --------------------------------------------------------------------------------
def test_it_creates_an_indicator_with_its_links_and_periods_and_logs_it(
    cast: Cast, plan: Plan, tree: Any
) -> None:
    _, objective, action = tree
    indicator = indicator_create(
        actor=cast.manager,
        plan=plan,
        data={
            "code": " 1.1.a ",
            "title": "Share of soum officials trained",
            "measure_type": "percentage",
            "frequency": "semiannual",
            "elements": [objective, action],
            "data_owners": [cast.contributor],
            "baseline_value": "35,5",
            "target_value": "80",
        },
    )
    stored = row(indicator)
    assert (stored["code"], stored["baseline_value"], stored["target_value"]) == (
        "1.1.a",
        Decimal("35.5"),
        Decimal(80),
    )
    assert set(indicator.elements.all()) == {objective, action}
    assert list(indicator.data_owners.all()) == [cast.contributor]
    assert [p.label for p in Period.objects.filter(plan=plan, frequency="semiannual")] == [
        "2017-H1",
        "2017-H2",
    ]
    [change] = changes_of(indicator)
    assert change.action == Change.Action.CREATE
    assert change.actor == cast.manager
    assert change.related_id == plan.pk
    assert change.after is not None and change.after["elements"] == sorted(
        [objective.pk, action.pk]
    )


def test_it_gives_an_indicator_the_plans_cadence_when_no_frequency_is_given(cast: Cast) -> None:
    monthly = make_plan(cast, "Monthly plan", cadence=Plan.Cadence.MONTHLY)
    assert make_indicator(cast, monthly).frequency == Indicator.Frequency.MONTHLY
    quarterly = make_plan(cast, "Quarterly plan")
    assert make_indicator(cast, quarterly).frequency == Indicator.Frequency.QUARTERLY


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_managers_of_the_plans_unit_define_indicators(
    cast: Cast, plan: Plan, who: str
) -> None:
    before = counts()
    data = {"code": "1.a", "title": "Open door days held"}
    if who in DEFINERS:
        indicator_create(actor=cast.everyone[who], plan=plan, data=data)
        assert Indicator.objects.filter(plan=plan).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            indicator_create(actor=cast.everyone[who], plan=plan, data=data)
        assert counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": " "}, "code"),
        ({"title": ""}, "title"),
        ({"measure_type": "colour"}, "measure_type"),
        ({"direction": "sideways"}, "direction"),
        ({"frequency": "weekly"}, "frequency"),
        ({"aggregation": "median"}, "aggregation"),
        ({"calculation": "product"}, "calculation"),
        ({"measure_type": "ordinal", "scale_levels": ["Good"]}, "scale_levels"),
        ({"measure_type": "ordinal", "scale_levels": ["Good", "  "]}, "scale_levels"),
        ({"measure_type": "ordinal", "scale_levels": "Poor, Good"}, "scale_levels"),
        ({"measure_type": "currency", "currency": "XYZ"}, "currency"),
        ({"direction": "maintain"}, "band_low"),
        ({"direction": "maintain", "band_low": "90", "band_high": "80"}, "band_high"),
        ({"baseline_value": "abc"}, "baseline_value"),
        ({"target_value": "1,2345"}, "target_value"),
        ({"baseline_date": "yesterday"}, "baseline_date"),
        ({"calculation": "sum"}, "numerator_of"),
        ({"version": 9}, "version"),
    ],
)
def test_it_refuses_a_bad_indicator_naming_the_field_and_writes_nothing(
    cast: Cast, plan: Plan, data: dict[str, Any], field: str
) -> None:
    with refused(field):
        make_indicator(cast, plan, **data)


def test_it_keeps_codes_unique_within_a_plan_only(cast: Cast, plan: Plan) -> None:
    make_indicator(cast, plan, "1.a")
    with refused("code") as errors:
        make_indicator(cast, plan, "1.a")
    assert "1.a" in errors["code"][0]
    other_plan = make_plan(cast, "Department plan")
    assert make_indicator(cast, other_plan, "1.a").code == "1.a"


def test_it_refuses_a_code_taken_by_another_indicator_when_renaming(cast: Cast, plan: Plan) -> None:
    make_indicator(cast, plan, "1.a")
    second = make_indicator(cast, plan, "1.b")
    with refused("code", second):
        indicator_update(actor=cast.manager, indicator=second, data={"code": "1.a"})


def test_it_keeps_an_ordinal_indicators_named_levels_lowest_first(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(
        cast, plan, measure_type="ordinal", scale_levels=[" Poor", "", "Fair ", "Good"]
    )
    assert row(indicator)["scale_levels"] == ["Poor", "Fair", "Good"]


def test_it_takes_a_band_with_only_one_bound(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(cast, plan, direction="maintain", band_high="5")
    assert (row(indicator)["band_low"], row(indicator)["band_high"]) == (None, Decimal(5))


def test_it_gives_a_currency_indicator_the_organisations_currency(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(cast, plan, measure_type="currency")
    assert row(indicator)["currency"] == "MNT"
    assert make_indicator(cast, plan, "1.b", measure_type="currency", currency="usd").currency == (
        "USD"
    )


def test_it_clears_the_baseline_when_none_is_available(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(
        cast, plan, baseline_value="12", baseline_date=D(2016, 12, 31), baseline_not_available=True
    )
    assert (row(indicator)["baseline_value"], row(indicator)["baseline_date"]) == (None, None)


def test_it_refuses_elements_of_another_plan(cast: Cast, plan: Plan, tree: Any) -> None:
    other_plan = make_plan(cast, "Department plan")
    foreign = make_element(cast, other_plan, "Foreign goal")
    with refused("elements"):
        make_indicator(cast, plan, elements=[tree[2], foreign])
    indicator = make_indicator(cast, plan, elements=[tree[2]])
    with refused("elements", indicator):
        indicator_update(actor=cast.admin, indicator=indicator, data={"elements": [foreign]})
    assert list(indicator.elements.all()) == [tree[2]]


def test_it_makes_a_calculated_ratio_a_percentage_of_indicators_of_its_plan(
    cast: Cast, plan: Plan
) -> None:
    trained = make_indicator(cast, plan, "1.a")
    staff = make_indicator(cast, plan, "1.b")
    share = make_indicator(
        cast,
        plan,
        "1.c",
        measure_type="number",
        calculation="ratio",
        numerator_of=[trained],
        denominator_of=[staff],
    )
    assert row(share)["measure_type"] == Indicator.MeasureType.PERCENTAGE
    assert list(share.numerator_of.all()) == [trained]
    assert list(share.denominator_of.all()) == [staff]


def test_it_makes_a_calculated_sum_a_number(cast: Cast, plan: Plan) -> None:
    a, b = make_indicator(cast, plan, "1.a"), make_indicator(cast, plan, "1.b")
    total = make_indicator(
        cast, plan, "1.c", measure_type="percentage", calculation="sum", numerator_of=[a, b]
    )
    assert row(total)["measure_type"] == Indicator.MeasureType.NUMBER


def test_it_refuses_components_of_another_plan_or_frequency(cast: Cast, plan: Plan) -> None:
    trained = make_indicator(cast, plan, "1.a")
    staff = make_indicator(cast, plan, "1.b")
    monthly = make_indicator(cast, plan, "1.m", frequency="monthly")
    foreign = make_indicator(cast, make_plan(cast, "Department plan"), "9.z")
    with refused("denominator_of"):
        make_indicator(cast, plan, "1.c", calculation="ratio", numerator_of=[trained])
    with refused("numerator_of"):
        make_indicator(
            cast, plan, "1.c", calculation="ratio", numerator_of=[foreign], denominator_of=[staff]
        )
    with refused("denominator_of") as errors:
        make_indicator(
            cast, plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[monthly]
        )
    assert "1.m" in errors["denominator_of"][0]
    share = make_indicator(
        cast, plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[staff]
    )
    with refused("numerator_of", share):
        indicator_update(actor=cast.admin, indicator=share, data={"numerator_of": [share]})


def test_it_keeps_a_calculated_indicator_at_its_components_frequency(
    cast: Cast, plan: Plan
) -> None:
    trained, staff = make_indicator(cast, plan, "1.a"), make_indicator(cast, plan, "1.b")
    share = make_indicator(
        cast, plan, "1.c", calculation="ratio", numerator_of=[trained], denominator_of=[staff]
    )
    with refused("numerator_of", share):
        indicator_update(actor=cast.admin, indicator=share, data={"frequency": "monthly"})


def test_it_changes_the_frequency_while_there_is_no_data(cast: Cast, plan: Plan) -> None:
    indicator = make_indicator(cast, plan)
    indicator_update(actor=cast.manager, indicator=indicator, data={"frequency": "monthly"})
    assert row(indicator)["frequency"] == "monthly"
    assert Period.objects.filter(plan=plan, frequency="monthly").count() == 12


def test_it_refuses_to_change_the_frequency_once_data_exists(
    cast: Cast, indicator: Indicator
) -> None:
    save(cast.contributor, indicator, open_period(indicator), value="3")
    with refused("frequency", indicator):
        indicator_update(
            actor=cast.admin, indicator=indicator, data={"frequency": "monthly", "title": "New"}
        )


def test_it_changes_other_fields_after_data_without_a_reason(
    cast: Cast, indicator: Indicator
) -> None:
    save(cast.contributor, indicator, open_period(indicator), value="3")
    indicator_update(
        actor=cast.manager, indicator=indicator, data={"title": "Officials trained", "code": "1.b"}
    )
    assert (row(indicator)["title"], row(indicator)["code"]) == ("Officials trained", "1.b")


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider"])
def test_it_lets_only_managers_change_or_delete_an_indicator(
    cast: Cast, old_indicator: Indicator, who: str
) -> None:
    before, stored = counts(), row(old_indicator)
    with pytest.raises(PermissionDenied):
        indicator_update(actor=cast.everyone[who], indicator=old_indicator, data={"title": "Mine"})
    with pytest.raises(PermissionDenied):
        indicator_delete(actor=cast.everyone[who], indicator=old_indicator)
    assert (counts(), row(old_indicator)) == (before, stored)


def test_it_sends_a_deleted_indicator_to_the_trash_with_its_data_and_restores_it(
    cast: Cast, indicator: Indicator
) -> None:
    kept = save(cast.contributor, indicator, open_period(indicator), value="3")
    indicator_delete(actor=cast.manager, indicator=indicator)
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    assert row(indicator)["deleted_by_id"] == cast.manager.pk
    assert row(kept)["deleted_at"] is None  # the data waits with its indicator
    assert changes_of(indicator)[-1].action == Change.Action.DELETE
    restored = indicator_restore(actor=cast.manager, indicator=indicator)
    assert not restored.is_deleted
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert changes_of(indicator)[-1].action == Change.Action.RESTORE
    assert Measurement.objects.get(pk=kept.pk).value == Decimal(3)


def test_it_frees_a_deleted_indicators_code_and_then_refuses_its_restore(
    cast: Cast, plan: Plan, old_indicator: Indicator
) -> None:
    indicator_delete(actor=cast.admin, indicator=old_indicator)
    make_indicator(cast, plan, old_indicator.code)
    old_indicator.refresh_from_db()
    with refused("code", old_indicator):
        indicator_restore(actor=cast.admin, indicator=old_indicator)


def test_it_refuses_to_restore_an_indicator_that_is_not_deleted(
    cast: Cast, old_indicator: Indicator
) -> None:
    with refused("indicator", old_indicator):
        indicator_restore(actor=cast.admin, indicator=old_indicator)


# -- locking and grace -------------------------------------------------------------------------
def test_it_refuses_a_value_for_a_locked_period_naming_the_period(
    cast: Cast, old_indicator: Indicator
) -> None:
    q1 = Period.objects.get(plan=old_indicator.plan, label="2017-Q1")
    with refused("period") as errors:
        save(cast.admin, old_indicator, q1, value="5")
    assert "2017-Q1" in errors["period"][0]
    assert "locked" in errors["period"][0]


def test_it_refuses_a_value_for_a_period_that_has_not_started(
    cast: Cast, indicator: Indicator
) -> None:
    upcoming = next_period(indicator)
    with refused("period") as errors:
        save(cast.contributor, indicator, upcoming, value="5")
    assert upcoming.label in errors["period"][0]


def test_it_refuses_a_period_of_another_frequency_or_plan(
    cast: Cast, indicator: Indicator, old_indicator: Indicator
) -> None:
    month = Period.objects.create(
        plan=indicator.plan, frequency="monthly", start=D(2030, 1, 1), end=D(2030, 1, 31)
    )
    with refused("period"):
        save(cast.contributor, indicator, month, value="5")
    with refused("period"):  # a 2017 quarter is not a period of the running plan
        save(
            cast.contributor, indicator, Period.objects.filter(plan=old_indicator.plan)[0], value=5
        )


def test_it_takes_data_in_the_grace_days_and_marks_it_late(
    cast: Cast, indicator: Indicator
) -> None:
    grace_through_previous_quarter()
    in_grace = previous_period(indicator)
    assert in_grace.accepts_data(Organisation.get().grace_days)
    late = save(cast.contributor, indicator, in_grace, value="4", submit=True)
    on_time = save(cast.contributor, indicator, open_period(indicator), value="5", submit=True)
    assert (row(late)["late"], row(on_time)["late"]) == (True, False)


def test_it_locks_the_previous_period_after_the_grace_days(
    cast: Cast, indicator: Indicator
) -> None:
    organisation(grace_days=0)
    with refused("period"):
        save(cast.contributor, indicator, previous_period(indicator), value="4")


def test_it_lets_an_admin_unlock_a_locked_period_with_a_reason_for_a_set_time(
    cast: Cast, old_indicator: Indicator
) -> None:
    q2 = Period.objects.get(plan=old_indicator.plan, label="2017-Q2")
    until = timezone.now() + datetime.timedelta(days=3)
    period_unlock(actor=cast.admin, period=q2, until=until, reason=" Census correction ")
    stored = row(q2)
    assert (stored["unlocked_until"], stored["unlock_reason"], stored["unlocked_by_id"]) == (
        until,
        "Census correction",
        cast.admin.pk,
    )
    assert q2.status(10) == Period.Status.UNLOCKED
    change = changes_of(q2, Change.Action.UPDATE)[-1]
    assert change.actor == cast.admin
    assert "unlock_reason" in change.changed_fields
    measurement = save(cast.contributor, old_indicator, q2, value="7", submit=True)
    assert row(measurement)["status"] == Measurement.Status.SUBMITTED
    assert row(measurement)["late"] is True


@pytest.mark.parametrize("who", ["manager", "contributor", "viewer", "outsider"])
def test_it_lets_only_an_admin_unlock_or_lock_a_period(
    cast: Cast, old_indicator: Indicator, who: str
) -> None:
    q1 = Period.objects.get(plan=old_indicator.plan, label="2017-Q1")
    stored, before = row(q1), counts()
    with pytest.raises(PermissionDenied):
        period_unlock(
            actor=cast.everyone[who],
            period=q1,
            until=timezone.now() + datetime.timedelta(days=1),
            reason="Please",
        )
    with pytest.raises(PermissionDenied):
        period_lock(actor=cast.everyone[who], period=q1)
    assert (row(q1), counts()) == (stored, before)


@pytest.mark.parametrize(
    ("reason", "hours", "field"),
    [(" ", 2, "reason"), ("", 2, "reason"), ("Census", -1, "until"), ("Census", 0, "until")],
)
def test_it_needs_a_reason_and_a_time_in_the_future_to_unlock(
    cast: Cast, old_indicator: Indicator, reason: str, hours: int, field: str
) -> None:
    q1 = Period.objects.get(plan=old_indicator.plan, label="2017-Q1")
    with refused(field, q1):
        period_unlock(
            actor=cast.admin,
            period=q1,
            until=timezone.now() + datetime.timedelta(hours=hours),
            reason=reason,
        )


def test_it_ends_the_unlock_when_locked_again(cast: Cast, old_indicator: Indicator) -> None:
    q1 = unlock(cast, Period.objects.get(plan=old_indicator.plan, label="2017-Q1"))
    draft = save(cast.contributor, old_indicator, q1, value="7")
    period_lock(actor=cast.admin, period=q1)
    assert row(q1)["unlocked_until"] is None
    with refused("period", draft):
        save(cast.contributor, old_indicator, q1, value="8")
    with refused("period", draft):
        measurement_submit(actor=cast.contributor, measurement=draft)


# -- entering data -----------------------------------------------------------------------------
def test_it_saves_a_draft_with_everything_it_carries_and_logs_it(
    cast: Cast, indicator: Indicator
) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    measurement = save(
        cast.contributor,
        indicator,
        open_period(indicator),
        value="1,250",
        date_collected=yesterday.isoformat(),
        comment=" From the soum reports ",
        evidence_link="https://example.org/report.pdf",
    )
    stored = row(measurement)
    assert stored["value"] == Decimal(1250)
    assert stored["date_collected"] == yesterday
    assert stored["comment"] == "From the soum reports"
    assert stored["status"] == Measurement.Status.DRAFT
    assert stored["entered_by_id"] == cast.contributor.pk
    assert stored["unit_id"] == cast.dept.pk
    [change] = changes_of(measurement)
    assert (change.action, change.actor, change.related_id) == (
        Change.Action.CREATE,
        cast.contributor,
        indicator.pk,
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_contributors_of_the_reporting_unit_enter_data_not_viewers_or_outsiders(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    before = counts()
    if who in ENTERERS:
        measurement = save(cast.everyone[who], indicator, open_period(indicator), value="3")
        assert row(measurement)["value"] == Decimal(3)
    else:
        with pytest.raises(PermissionDenied):
            save(cast.everyone[who], indicator, open_period(indicator), value="3")
        assert counts() == before


def test_it_lets_a_data_owner_enter_data_whatever_their_role(cast: Cast, now_plan: Plan) -> None:
    indicator = make_indicator(cast, now_plan, data_owners=[cast.viewer])
    measurement = save(cast.viewer, indicator, open_period(indicator), value="3", submit=True)
    assert row(measurement)["submitted_by_id"] == cast.viewer.pk


def test_it_lets_each_reporting_unit_enter_only_its_own_data(cast: Cast, now_plan: Plan) -> None:
    indicator = make_indicator(cast, now_plan, reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)
    save(cast.contributor, indicator, period, value="3")
    save(cast.outsider, indicator, period, value="4", unit=cast.other)
    before = counts()
    with pytest.raises(PermissionDenied):
        save(cast.contributor, indicator, period, value="5", unit=cast.other)
    with pytest.raises(PermissionDenied):
        save(cast.outsider, indicator, period, value="5", unit=cast.dept)
    with pytest.raises(PermissionDenied):  # not a reporting unit, even for the admin
        save(cast.admin, indicator, period, value="5", unit=cast.root)
    assert counts() == before
    assert sorted(Measurement.objects.values_list("unit_id", "value")) == sorted(
        [(cast.dept.pk, Decimal(3)), (cast.other.pk, Decimal(4))]
    )


def test_it_lets_nobody_enter_a_calculated_indicator(cast: Cast, now_plan: Plan) -> None:
    a, b = make_indicator(cast, now_plan, "1.a"), make_indicator(cast, now_plan, "1.b")
    total = make_indicator(cast, now_plan, "1.c", calculation="sum", numerator_of=[a, b])
    with pytest.raises(PermissionDenied):
        save(cast.admin, total, open_period(total), value="3")
    assert not Measurement.objects.exists()


def test_it_corrects_the_draft_when_saved_again(cast: Cast, indicator: Indicator) -> None:
    first = save(cast.contributor, indicator, open_period(indicator), value="3")
    second = save(cast.manager, indicator, open_period(indicator), value="4", comment="Recount")
    assert second.pk == first.pk
    assert (row(first)["value"], row(first)["version"]) == (Decimal(4), 2)
    assert Measurement.objects.count() == 1
    assert changes_of(first)[-1].action == Change.Action.UPDATE


def test_it_treats_a_stale_correction_as_a_conflict_and_writes_nothing(
    cast: Cast, indicator: Indicator
) -> None:
    draft = save(cast.contributor, indicator, open_period(indicator), value="3")
    save(cast.manager, indicator, open_period(indicator), value="4")
    before = counts()
    with pytest.raises(ConflictError):
        measurement_save(
            actor=cast.contributor,
            indicator=indicator,
            period=open_period(indicator),
            unit=cast.dept,
            data={"value": "5"},
            version=1,
        )
    assert (row(draft)["value"], counts()) == (Decimal(4), before)


@pytest.fixture
def sex(cast: Cast) -> Dimension:
    return dimension_save(actor=cast.admin, name="Sex", categories=["Female", "Male"])


def test_it_keeps_a_clean_breakdown_by_the_indicators_dimensions(
    cast: Cast, now_plan: Plan, sex: Dimension
) -> None:
    indicator = make_indicator(cast, now_plan, dimensions=[sex])
    measurement = save(
        cast.contributor,
        indicator,
        open_period(indicator),
        value="21",
        breakdown={"Sex": {"Female": "12", "Male": {"value": "9,0"}}},
    )
    assert row(measurement)["breakdown"] == {
        "Sex": {"Female": {"value": "12"}, "Male": {"value": "9"}}
    }


def test_it_saves_a_breakdown_that_does_not_add_up(
    cast: Cast, now_plan: Plan, sex: Dimension
) -> None:
    indicator = make_indicator(cast, now_plan, dimensions=[sex])
    measurement = save(
        cast.contributor,
        indicator,
        open_period(indicator),
        value="21",
        breakdown={"Sex": {"Female": "12", "Male": "7"}},
        submit=True,
    )
    assert row(measurement)["status"] == Measurement.Status.SUBMITTED


def test_it_needs_each_categorys_denominator_in_a_percentages_breakdown(
    cast: Cast, now_plan: Plan, sex: Dimension
) -> None:
    indicator = make_indicator(cast, now_plan, measure_type="percentage", dimensions=[sex])
    with refused("breakdown.Sex.Female"):
        save(
            cast.contributor,
            indicator,
            open_period(indicator),
            value="10",
            denominator="20",
            breakdown={"Sex": {"Female": {"value": "4"}}},
        )
    measurement = save(
        cast.contributor,
        indicator,
        open_period(indicator),
        value="10",
        denominator="20",
        breakdown={"Sex": {"Female": {"value": "4", "denominator": "9"}}},
    )
    assert row(measurement)["breakdown"] == {"Sex": {"Female": {"value": "4", "denominator": "9"}}}


TOMORROW = "tomorrow"


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("number", {"value": "abc"}, "value"),
        ("number", {"value": "12 people"}, "value"),
        ("percentage", {"value": "61", "denominator": "60"}, "value"),
        ("percentage", {"value": "6", "denominator": "0"}, "denominator"),
        ("yes_no", {"value": "perhaps"}, "value"),
        ("ordinal", {"value": "Excellent"}, "value"),
        ("number", {"value": "3", "date_collected": TOMORROW}, "date_collected"),
        ("number", {"value": "3", "date_collected": "31 March"}, "date_collected"),
        ("number", {"value": "3", "evidence_link": "file:///c:/report.pdf"}, "evidence_link"),
        ("number", {"value": "3", "breakdown": {"Age group": {"0-14": "3"}}}, "breakdown"),
        ("number", {"value": "3", "breakdown": {"Sex": {"Other": "3"}}}, "breakdown"),
        ("number", {"value": "3", "breakdown": {"Sex": ["Female"]}}, "breakdown"),
        ("number", {"value": "3", "breakdown": {"Sex": {"Female": "x"}}}, "breakdown.Sex.Female"),
        ("number", {"value": "3", "status": "approved"}, "status"),
    ],
)
def test_it_refuses_bad_input_naming_the_field_and_half_saves_nothing(
    cast: Cast,
    now_plan: Plan,
    sex: Dimension,
    kind: str,
    data: dict[str, Any],
    field: str,
) -> None:
    extra: dict[str, Any] = {"scale_levels": ["Low", "High"]} if kind == "ordinal" else {}
    indicator = make_indicator(cast, now_plan, measure_type=kind, dimensions=[sex], **extra)
    if data.get("date_collected") == TOMORROW:
        data = {**data, "date_collected": timezone.localdate() + datetime.timedelta(days=1)}
    period = open_period(indicator)
    with refused(field):
        save(cast.contributor, indicator, period, **data)
    good = {"number": "3", "percentage": "6", "yes_no": "yes", "ordinal": "High"}[kind]
    draft = save(cast.contributor, indicator, period, value=good, denominator="10")
    with refused(field, draft):  # a correction of a stored draft leaves it as it was
        save(cast.contributor, indicator, period, **data)


# -- the workflow ------------------------------------------------------------------------------
def test_it_keeps_every_step_of_the_workflow_with_who_and_why(
    cast: Cast, indicator: Indicator
) -> None:
    measurement = save(cast.contributor, indicator, open_period(indicator), value="3")
    measurement_submit(actor=cast.contributor, measurement=measurement)
    measurement_return(actor=cast.manager, measurement=measurement, reason=" Attach the list ")
    save(cast.contributor, indicator, open_period(indicator), value="4", submit=True)
    measurement_approve(actor=cast.manager, measurement=Measurement.objects.get())
    assert steps(measurement) == [
        ("", "draft", cast.contributor, ""),
        ("draft", "submitted", cast.contributor, ""),
        ("submitted", "returned", cast.manager, "Attach the list"),
        ("returned", "submitted", cast.contributor, ""),
        ("submitted", "approved", cast.manager, ""),
    ]
    stored = row(measurement)
    assert (stored["status"], stored["value"]) == (Measurement.Status.APPROVED, Decimal(4))
    updates = changes_of(measurement, Change.Action.UPDATE)
    assert [c.actor for c in updates] == [
        cast.contributor,  # submitted
        cast.manager,  # returned
        cast.contributor,  # corrected
        cast.contributor,  # submitted again
        cast.manager,  # approved
    ]


def test_it_records_who_submitted_and_when(cast: Cast, indicator: Indicator) -> None:
    started = timezone.now()
    measurement = submitted(cast, indicator)
    stored = row(measurement)
    assert stored["status"] == Measurement.Status.SUBMITTED
    assert stored["submitted_by_id"] == cast.contributor.pk
    assert stored["submitted_at"] >= started
    assert stored["late"] is False


def test_it_refuses_to_submit_an_empty_value_and_saves_nothing(
    cast: Cast, indicator: Indicator
) -> None:
    with refused("value"):
        save(cast.contributor, indicator, open_period(indicator), comment="Later", submit=True)
    draft = save(cast.contributor, indicator, open_period(indicator), comment="Later")
    with refused("value", draft):
        measurement_submit(actor=cast.contributor, measurement=draft)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_those_who_enter_submit_and_no_one_else(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    draft = save(cast.contributor, indicator, open_period(indicator), value="3")
    if who in ENTERERS:
        measurement_submit(actor=cast.everyone[who], measurement=draft)
        assert row(draft)["status"] == Measurement.Status.SUBMITTED
    else:
        before, stored = counts(), row(draft)
        with pytest.raises(PermissionDenied):
            measurement_submit(actor=cast.everyone[who], measurement=draft)
        assert (counts(), row(draft)) == (before, stored)


def test_it_refuses_to_edit_or_resubmit_a_submitted_value(cast: Cast, indicator: Indicator) -> None:
    measurement = submitted(cast, indicator)
    with refused("value", measurement) as errors:
        save(cast.contributor, indicator, open_period(indicator), value="99")
    assert "submitted" in errors["value"][0]
    with refused("status", measurement):
        measurement_submit(actor=cast.contributor, measurement=measurement)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_managers_of_the_unit_approve_and_return_and_no_one_else(
    cast: Cast, indicator: Indicator, who: str
) -> None:
    measurement = submitted(cast, indicator)
    actor = cast.everyone[who]
    if who in REVIEWERS:
        measurement_approve(actor=actor, measurement=measurement)
        assert row(measurement)["status"] == Measurement.Status.APPROVED
        measurement_return(actor=actor, measurement=measurement, reason="Wrong quarter")
        assert row(measurement)["status"] == Measurement.Status.RETURNED
    else:
        before, stored = counts(), row(measurement)
        with pytest.raises(PermissionDenied):
            measurement_approve(actor=actor, measurement=measurement)
        with pytest.raises(PermissionDenied):
            measurement_return(actor=actor, measurement=measurement, reason="Wrong quarter")
        assert (counts(), row(measurement)) == (before, stored)


def test_it_lets_a_manager_of_the_reporting_unit_or_of_the_plans_unit_review(
    cast: Cast, now_plan: Plan
) -> None:
    finance_head = make_person("finance_head", cast.other, Role.MANAGER)
    indicator = make_indicator(cast, now_plan, reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)
    theirs = save(cast.outsider, indicator, period, value="4", unit=cast.other, submit=True)
    ours = save(cast.contributor, indicator, period, value="3", submit=True)
    measurement_approve(actor=finance_head, measurement=theirs)
    with pytest.raises(PermissionDenied):  # finance manages its own unit, not the dept
        measurement_approve(actor=finance_head, measurement=ours)
    measurement_return(actor=cast.manager, measurement=theirs, reason="Recount")  # the plan's
    assert row(theirs)["status"] == Measurement.Status.RETURNED
    corrected = save(cast.outsider, indicator, period, value="5", unit=cast.other)
    assert (corrected.pk, row(theirs)["value"]) == (theirs.pk, Decimal(5))


def test_it_lets_nobody_approve_their_own_submission(cast: Cast, indicator: Indicator) -> None:
    own = submitted(cast, indicator, by=cast.manager)
    before, stored = counts(), row(own)
    with pytest.raises(PermissionDenied) as caught:
        measurement_approve(actor=cast.manager, measurement=own)
    assert "own" in str(caught.value)
    assert (counts(), row(own)) == (before, stored)
    measurement_approve(actor=cast.admin, measurement=own)
    assert row(own)["status"] == Measurement.Status.APPROVED


def test_a_manager_may_return_their_own_submission_to_correct_it(
    cast: Cast, indicator: Indicator
) -> None:
    own = submitted(cast, indicator, by=cast.manager)
    measurement_return(actor=cast.manager, measurement=own, reason="Typed the wrong soum")
    assert row(own)["status"] == Measurement.Status.RETURNED


def test_it_allows_self_approval_when_the_organisation_does(
    cast: Cast, indicator: Indicator
) -> None:
    organisation(allow_self_approval=True)
    own = submitted(cast, indicator, by=cast.manager)
    measurement_approve(actor=cast.manager, measurement=own)
    assert row(own)["status"] == Measurement.Status.APPROVED
    assert steps(own)[-1] == ("submitted", "approved", cast.manager, "")


def test_it_never_lets_a_contributor_approve_even_with_self_approval(
    cast: Cast, indicator: Indicator
) -> None:
    organisation(allow_self_approval=True)
    own = submitted(cast, indicator, by=cast.contributor)
    with pytest.raises(PermissionDenied):
        measurement_approve(actor=cast.contributor, measurement=own)


def test_it_needs_a_reason_to_return_a_value(cast: Cast, indicator: Indicator) -> None:
    measurement = submitted(cast, indicator)
    with refused("reason", measurement):
        measurement_return(actor=cast.manager, measurement=measurement, reason="  ")


def test_it_approves_only_a_submitted_value(cast: Cast, indicator: Indicator) -> None:
    draft = save(cast.contributor, indicator, open_period(indicator), value="3")
    with refused("status", draft):
        measurement_approve(actor=cast.manager, measurement=draft)
    with refused("status", draft):
        measurement_return(actor=cast.manager, measurement=draft, reason="Why")
    measurement_submit(actor=cast.contributor, measurement=draft)
    measurement_approve(actor=cast.manager, measurement=draft)
    with refused("status", draft):
        measurement_approve(actor=cast.admin, measurement=draft)


def test_it_returns_an_approved_value_for_correction(cast: Cast, indicator: Indicator) -> None:
    measurement = approved(cast, indicator, open_period(indicator), {"value": "3"})
    measurement_return(actor=cast.manager, measurement=measurement, reason="Double counted")
    save(cast.contributor, indicator, open_period(indicator), value="2")
    assert row(measurement)["value"] == Decimal(2)
    assert row(measurement)["status"] == Measurement.Status.RETURNED


def test_it_approves_after_the_period_locks(cast: Cast, old_indicator: Indicator) -> None:
    q1 = unlock(cast, Period.objects.get(plan=old_indicator.plan, label="2017-Q1"))
    measurement = save(cast.contributor, old_indicator, q1, value="3", submit=True)
    period_lock(actor=cast.admin, period=q1)
    measurement_approve(actor=cast.manager, measurement=measurement)
    assert row(measurement)["status"] == Measurement.Status.APPROVED


def test_it_counts_only_approved_values_in_the_actual(cast: Cast, now_plan: Plan) -> None:
    indicator = make_indicator(cast, now_plan, reporting_units=[cast.dept, cast.other])
    period = open_period(indicator)

    def actual() -> Decimal | None:
        return figures([indicator], [period])[indicator.pk][period.pk].actual_amount

    draft = save(cast.contributor, indicator, period, value="3")
    theirs = save(cast.outsider, indicator, period, value="4", unit=cast.other, submit=True)
    assert actual() is None
    measurement_submit(actor=cast.contributor, measurement=draft)
    assert actual() is None
    measurement_approve(actor=cast.manager, measurement=draft)
    assert actual() == Decimal(3)
    measurement_approve(actor=cast.manager, measurement=theirs)
    assert actual() == Decimal(7)
    measurement_return(actor=cast.manager, measurement=theirs, reason="Recount")
    assert actual() == Decimal(3)


def test_it_withdraws_only_a_draft_or_returned_value_to_the_trash(
    cast: Cast, indicator: Indicator
) -> None:
    draft = save(cast.contributor, indicator, open_period(indicator), value="3")
    measurement_delete(actor=cast.contributor, measurement=draft)
    assert row(draft)["deleted_at"] is not None
    assert changes_of(draft)[-1].action == Change.Action.DELETE
    again = save(cast.contributor, indicator, open_period(indicator), value="4")
    assert again.pk != draft.pk  # a new value may follow a withdrawn one
    measurement_submit(actor=cast.contributor, measurement=again)
    with refused("status", again):
        measurement_delete(actor=cast.contributor, measurement=again)
    with pytest.raises(PermissionDenied):
        measurement_delete(actor=cast.viewer, measurement=again)


# -- targets and baselines ---------------------------------------------------------------------
def test_it_sets_targets_freely_before_data_exists_and_keeps_their_changes(
    cast: Cast, old_indicator: Indicator
) -> None:
    q1, q2, *_ = Period.objects.filter(plan=old_indicator.plan).order_by("start")
    targets_set(actor=cast.manager, indicator=old_indicator, targets={q1: "10", q2: "1,200"})
    targets_set(actor=cast.manager, indicator=old_indicator, targets={q1: "12", q2: "1,200"})
    assert dict(Target.objects.values_list("period__label", "value")) == {
        "2017-Q1": Decimal(12),
        "2017-Q2": Decimal(1200),
    }
    assert [
        (r.period, r.old_value, r.new_value, r.reason)
        for r in Revision.objects.filter(kind=Revision.Kind.TARGET).order_by("id")
    ] == [(q1, Decimal(10), Decimal(12), "")]  # first settings are no revision
    target = Target.objects.get(period=q1)
    assert [c.action for c in changes_of(target)] == [Change.Action.CREATE, Change.Action.UPDATE]


def test_it_removes_a_target_left_blank(cast: Cast, old_indicator: Indicator) -> None:
    q1 = Period.objects.get(plan=old_indicator.plan, label="2017-Q1")
    [target] = targets_set(actor=cast.admin, indicator=old_indicator, targets={q1: "10"})
    assert targets_set(actor=cast.admin, indicator=old_indicator, targets={q1: " "}) == []
    assert not Target.objects.exists()
    assert changes_of(target)[-1].action == Change.Action.DELETE
    assert Revision.objects.order_by("id").last().new_value is None  # type: ignore[union-attr]


def test_it_saves_none_of_the_targets_when_one_is_bad(cast: Cast, old_indicator: Indicator) -> None:
    q1, q2, *_ = Period.objects.filter(plan=old_indicator.plan).order_by("start")
    with refused(f"target_{q2.pk}"):
        targets_set(actor=cast.admin, indicator=old_indicator, targets={q1: "10", q2: "ten"})


def test_it_needs_a_period_of_the_indicator_for_a_target(
    cast: Cast, old_indicator: Indicator, indicator: Indicator
) -> None:
    with refused("period"):
        targets_set(
            actor=cast.admin, indicator=old_indicator, targets={open_period(indicator): "10"}
        )


@pytest.mark.parametrize("who", ["contributor", "viewer", "outsider"])
def test_it_lets_only_managers_set_targets(cast: Cast, old_indicator: Indicator, who: str) -> None:
    q1 = Period.objects.get(plan=old_indicator.plan, label="2017-Q1")
    before = counts()
    with pytest.raises(PermissionDenied):
        targets_set(actor=cast.everyone[who], indicator=old_indicator, targets={q1: "10"})
    assert counts() == before


@pytest.fixture
def with_data(cast: Cast, indicator: Indicator) -> Indicator:
    """The running indicator with a baseline, a life-of-plan target, a target and one value."""
    indicator_update(
        actor=cast.manager,
        indicator=indicator,
        data={"baseline_value": "40", "target_value": "100"},
    )
    targets_set(actor=cast.manager, indicator=indicator, targets={open_period(indicator): "25"})
    save(cast.contributor, indicator, open_period(indicator), value="20")
    return indicator


def test_it_changes_a_target_only_with_a_reason_once_data_exists(
    cast: Cast, with_data: Indicator
) -> None:
    period = open_period(with_data)
    target = Target.objects.get(indicator=with_data, period=period)
    with refused(f"target_{period.pk}", target) as errors:
        targets_set(actor=cast.manager, indicator=with_data, targets={period: "30"})
    assert period.label in errors[f"target_{period.pk}"][0]
    with refused(f"target_{next_period(with_data).pk}"):  # a new target is a change too
        targets_set(actor=cast.manager, indicator=with_data, targets={next_period(with_data): "9"})
    targets_set(
        actor=cast.manager,
        indicator=with_data,
        targets={period: "30"},
        reason=" Budget cut in half ",
    )
    assert row(target)["value"] == Decimal(30)
    revision = Revision.objects.filter(kind=Revision.Kind.TARGET).order_by("id").last()
    assert revision is not None
    assert (revision.old_value, revision.new_value, revision.reason, revision.actor) == (
        Decimal(25),
        Decimal(30),
        "Budget cut in half",
        cast.manager,
    )


def test_it_needs_no_reason_for_an_unchanged_target(cast: Cast, with_data: Indicator) -> None:
    period = open_period(with_data)
    revisions = Revision.objects.count()
    targets_set(actor=cast.manager, indicator=with_data, targets={period: "25.0"})
    assert Revision.objects.count() == revisions


@pytest.mark.parametrize(
    ("field", "kind", "old", "new"),
    [
        ("baseline_value", Revision.Kind.BASELINE, Decimal(40), Decimal(45)),
        ("target_value", Revision.Kind.LIFE_TARGET, Decimal(100), Decimal(90)),
    ],
)
def test_it_changes_a_baseline_or_life_target_only_with_a_reason_once_data_exists(
    cast: Cast, with_data: Indicator, field: str, kind: str, old: Decimal, new: Decimal
) -> None:
    with refused(field, with_data):
        indicator_update(
            actor=cast.manager, indicator=with_data, data={field: str(new), "title": "Changed too"}
        )
    indicator_update(
        actor=cast.manager, indicator=with_data, data={field: str(new)}, reason="Census 2020"
    )
    assert row(with_data)[field] == new
    revision = Revision.objects.filter(indicator=with_data, kind=kind).order_by("id").last()
    assert revision is not None
    assert (revision.old_value, revision.new_value, revision.reason, revision.actor) == (
        old,
        new,
        "Census 2020",
        cast.manager,
    )


def test_it_needs_a_reason_to_drop_the_baseline_after_data(
    cast: Cast, with_data: Indicator
) -> None:
    with refused("baseline_value", with_data):
        indicator_update(
            actor=cast.manager, indicator=with_data, data={"baseline_not_available": True}
        )


def test_it_changes_a_baseline_before_data_without_a_reason_and_keeps_the_old_one(
    cast: Cast, indicator: Indicator
) -> None:
    indicator_update(actor=cast.manager, indicator=indicator, data={"baseline_value": "40"})
    indicator_update(actor=cast.manager, indicator=indicator, data={"baseline_value": "41"})
    assert row(indicator)["baseline_value"] == Decimal(41)
    assert [
        (r.old_value, r.new_value)
        for r in Revision.objects.filter(kind=Revision.Kind.BASELINE).order_by("id")
    ] == [(None, Decimal(40)), (Decimal(40), Decimal(41))]


# -- many values at once -----------------------------------------------------------------------
@pytest.fixture
def three(cast: Cast, now_plan: Plan) -> list[Indicator]:
    return [
        make_indicator(cast, now_plan, "1.a"),
        make_indicator(cast, now_plan, "1.b", measure_type="percentage"),
        make_indicator(cast, now_plan, "1.c", measure_type="yes_no"),
    ]


def entries(cast: Cast, indicators: list[Indicator], values: list[dict[str, Any]]) -> list[Entry]:
    return [
        Entry(
            key=f"row {n}",
            indicator=indicator,
            period=open_period(indicator),
            unit=cast.dept,
            data=data,
        )
        for n, (indicator, data) in enumerate(zip(indicators, values, strict=True), start=2)
    ]


def test_it_saves_and_submits_every_value_of_a_batch(cast: Cast, three: list[Indicator]) -> None:
    saved = measurements_save_batch(
        actor=cast.contributor,
        entries=entries(
            cast, three, [{"value": "3"}, {"value": "4", "denominator": "8"}, {"value": "yes"}]
        ),
        submit=True,
    )
    assert [row(m)["status"] for m in saved] == [Measurement.Status.SUBMITTED] * 3
    assert [row(m)["value"] for m in saved] == [Decimal(3), Decimal(4), Decimal(1)]


def test_it_saves_nothing_of_a_batch_with_one_bad_value_and_names_its_key_and_field(
    cast: Cast, three: list[Indicator]
) -> None:
    before = counts()
    with pytest.raises(BatchError) as caught:
        measurements_save_batch(
            actor=cast.contributor,
            entries=entries(
                cast, three, [{"value": "3"}, {"value": "9", "denominator": "8"}, {"value": "yes"}]
            ),
            submit=True,
        )
    assert list(caught.value.errors) == ["row 3"]
    assert list(caught.value.errors["row 3"]) == ["value"]
    assert "9" in caught.value.errors["row 3"]["value"][0]
    assert counts() == before
    assert not Measurement.all_objects.exists()
    assert str(caught.value).startswith("Nothing was saved")


def test_it_reports_every_bad_value_of_a_batch_at_once(
    cast: Cast, three: list[Indicator], old_indicator: Indicator
) -> None:
    locked = Period.objects.get(plan=old_indicator.plan, label="2017-Q4")
    batch = [
        *entries(
            cast, three, [{"value": "abc"}, {"value": "4", "denominator": "0"}, {"value": "yes"}]
        ),
        Entry(
            key="row 5", indicator=old_indicator, period=locked, unit=cast.dept, data={"value": 1}
        ),
        Entry(
            key="row 6",
            indicator=three[0],
            period=open_period(three[0]),
            unit=cast.other,
            data={"value": "1"},
        ),
    ]
    before = counts()
    with pytest.raises(BatchError) as caught:
        measurements_save_batch(actor=cast.contributor, entries=batch)
    assert {key: sorted(fields) for key, fields in caught.value.errors.items()} == {
        "row 2": ["value"],
        "row 3": ["denominator"],
        "row 5": ["period"],
        "row 6": ["value"],
    }
    assert "2017-Q4" in caught.value.errors["row 5"]["period"][0]
    assert counts() == before


def test_it_leaves_stored_drafts_as_they_were_when_a_batch_is_refused(
    cast: Cast, three: list[Indicator]
) -> None:
    draft = save(cast.contributor, three[0], open_period(three[0]), value="3")
    before = counts()
    with pytest.raises(BatchError):
        measurements_save_batch(
            actor=cast.contributor,
            entries=entries(cast, three, [{"value": "5"}, {"value": "1"}, {"value": "maybe"}]),
        )
    assert row(draft)["value"] == Decimal(3)
    assert counts() == before


def test_it_reports_a_stale_value_in_a_batch_on_its_key(cast: Cast, three: list[Indicator]) -> None:
    draft = save(cast.contributor, three[0], open_period(three[0]), value="3")
    save(cast.manager, three[0], open_period(three[0]), value="4")
    [entry] = entries(cast, three[:1], [{"value": "5"}])
    entry.version = draft.version
    with pytest.raises(BatchError) as caught:
        measurements_save_batch(actor=cast.contributor, entries=[entry])
    assert list(caught.value.errors) == ["row 2"]
    assert row(draft)["value"] == Decimal(4)


# -- dimensions --------------------------------------------------------------------------------
def test_it_lets_an_admin_define_a_dimension_and_its_categories(cast: Cast) -> None:
    dimension = dimension_save(
        actor=cast.admin, name=" Age group ", categories=["0-14", " 15-64 ", "", "65+"]
    )
    assert (row(dimension)["name"], row(dimension)["categories"]) == (
        "Age group",
        ["0-14", "15-64", "65+"],
    )
    dimension_save(actor=cast.admin, dimension=dimension, name="Age", categories=["<15", "15+"])
    assert row(dimension)["categories"] == ["<15", "15+"]
    assert [c.action for c in changes_of(dimension)] == [Change.Action.CREATE, Change.Action.UPDATE]


@pytest.mark.parametrize(
    ("name", "categories", "field"),
    [
        (" ", ["Female", "Male"], "name"),
        ("Sex", ["Female"], "categories"),
        ("Sex", [], "categories"),
    ],
)
def test_it_refuses_a_dimension_without_name_or_two_categories(
    cast: Cast, name: str, categories: list[str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        dimension_save(actor=cast.admin, name=name, categories=categories)
    assert field in caught.value.message_dict
    assert not Dimension.objects.exists()


def test_it_refuses_a_second_dimension_of_the_same_name(cast: Cast, sex: Dimension) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        dimension_save(actor=cast.admin, name="Sex", categories=["F", "M"])
    assert "name" in caught.value.message_dict
    age = dimension_save(actor=cast.admin, name="Age", categories=["<15", "15+"])
    with pytest.raises(ValidationError) as caught:
        dimension_save(actor=cast.admin, dimension=age, name="Sex", categories=["<15", "15+"])
    assert "name" in caught.value.message_dict
    assert Dimension.objects.count() == 2
    assert counts()["changes"] == before["changes"] + 1


@pytest.mark.parametrize("who", ["manager", "contributor", "viewer", "outsider"])
def test_it_lets_only_an_organisation_admin_define_dimensions(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        dimension_save(actor=cast.everyone[who], name="Sex", categories=["Female", "Male"])
    assert not Dimension.objects.exists()


# -- found in review -----------------------------------------------------------------------------
def test_a_calculation_refuses_a_percentage_as_one_of_its_parts(cast: Cast) -> None:
    plan = current_plan(cast)
    share = make_indicator(cast, plan, "1.a", measure_type="percentage")
    count = make_indicator(cast, plan, "1.b")
    with pytest.raises(ValidationError) as caught:
        make_indicator(
            cast, plan, "1.c", calculation="ratio", numerator_of=[share], denominator_of=[count]
        )
    assert "numerator_of" in caught.value.message_dict


def test_an_indicator_used_in_a_calculation_cannot_be_deleted(cast: Cast) -> None:
    plan = current_plan(cast)
    a = make_indicator(cast, plan, "1.a")
    b = make_indicator(cast, plan, "1.b")
    make_indicator(cast, plan, "1.c", calculation="sum", numerator_of=[a, b])
    with pytest.raises(ValidationError) as caught:
        indicator_delete(actor=cast.admin, indicator=b)
    assert "1.c" in caught.value.message_dict["indicator"][0]
    assert Indicator.objects.filter(pk=b.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scale_levels": ["Bad", "Fair", "Good"]}, "scale_levels"),
        ({"measure_type": "number"}, "measure_type"),
    ],
)
def test_what_stored_levels_mean_cannot_change_once_there_is_data(
    cast: Cast, data: dict[str, Any], field: str
) -> None:
    plan = current_plan(cast)
    scale = make_indicator(
        cast,
        plan,
        "1.a",
        measure_type="ordinal",
        scale_levels=["Poor", "Fair", "Good"],
        aggregation="latest",
        data_owners=[cast.contributor],
    )
    measurement_save(
        actor=cast.contributor,
        indicator=scale,
        period=open_period(scale),
        unit=cast.dept,
        data={"value": "Good"},
    )
    with pytest.raises(ValidationError) as caught:
        indicator_update(actor=cast.admin, indicator=scale, data=data)
    assert field in caught.value.message_dict
    scale.refresh_from_db()
    assert (scale.measure_type, scale.scale_levels) == ("ordinal", ["Poor", "Fair", "Good"])
