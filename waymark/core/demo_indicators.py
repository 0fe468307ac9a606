"""Demo indicators: what the demo plans measure, with their targets and the data reported.

Dornod's 2017 action plan measures its actions over the four quarters and twelve months of 2017;
the Governor's action programme 2016-2020 (its parent plan) carries two years of quarterly data,
2016 and 2017. SayPro's February plan measures February 2024; its M&E framework 2024-2026 carries
the monthly and quarterly data from January 2024 up to the period before the one in progress on
the day the demo is loaded, so the current period is owed.

The values are entered and submitted by the indicator's data owners and approved or returned
by a manager of the reporting unit. Most are approved; some were returned and corrected, some
are still returned or waiting for approval, some are drafts, some came in late, many are broken
down by soum, sex or department, and one breakdown does not add up (Dornod's bag officials
trained in 2017-Q3, by sex). Values of the current period are left owed, so "My data" has work
to show.

Two paths write them:
- Every value with a story (returned, corrected, awaiting approval, a draft) goes through the
  services (measurement_save, measurement_return, measurement_approve) as those people. Past
  periods are locked and the services refuse data for them, so the loader unlocks each such
  period as the demo admin (period_unlock, reason "Demo data load"), writes its values and locks
  it again (period_lock): the change log shows the unlock, each step and the lock. Dornod's
  2017-Q4 and December 2017 stay unlocked for a year with a reason of their own (OPEN_REASON):
  the 2017 plan's contributors still owe their year-end values there.
- The plain approved values, about nine in ten, are written in bulk (`_bulk`): the same checks
  (who may enter and review, the value parsed in the indicator's type), the same three workflow
  steps with their actors, and one creation entry each in the change log, by the person who
  entered it. Through the services they would take some fifteen queries each and the whole
  demo twice as long.

The services stamp each step with the time of the load, which would make every past value late.
After writing, the loader backdates what the story tells, in two prepared updates: each
measurement's submitted_at (and created_at, updated_at) and its workflow steps' times, and its
`late` flag (submitted after the period's last day, in the organisation's time zone). The change
log keeps the time of the load: it records what happened to this database.

An indicator is found by its plan and code; one that exists (even in the trash) is left alone
with its data, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from waymark.core.services import record_creates
from waymark.indicators.models import Dimension, Indicator, Measurement, Period, Transition
from waymark.indicators.periods import spans
from waymark.indicators.progress import refresh_plan_indicators
from waymark.indicators.selectors import can_enter, can_review
from waymark.indicators.services import (
    dimension_save,
    indicator_create,
    measurement_approve,
    measurement_return,
    measurement_save,
    parse_measurement_value,
    period_lock,
    period_unlock,
    targets_set,
)
from waymark.org.models import Organisation, Person, Unit
from waymark.plans.models import Element, Plan

APPROVED = Measurement.Status.APPROVED
SUBMITTED = Measurement.Status.SUBMITTED
RETURNED = Measurement.Status.RETURNED
DRAFT = Measurement.Status.DRAFT
NUMBER = Indicator.MeasureType.NUMBER
PERCENTAGE = Indicator.MeasureType.PERCENTAGE
CURRENCY = Indicator.MeasureType.CURRENCY
YES_NO = Indicator.MeasureType.YES_NO
MONTHLY = Indicator.Frequency.MONTHLY
QUARTERLY = Indicator.Frequency.QUARTERLY
SUM = Indicator.AggregationRule.SUM
LATEST = Indicator.AggregationRule.LATEST
DECREASE = Indicator.Direction.DECREASE

LOAD_REASON = "Demo data load"
OPEN_REASON = (
    "Year-end figures for the 2017 report are still coming in from the soums; open for their "
    "entries and corrections."
)
OPEN_FOR = datetime.timedelta(days=365)
# (plan key, frequency, period) left unlocked after the load, with OPEN_REASON.
LEAVE_OPEN = (("dornod", QUARTERLY, "2017-Q4"), ("dornod", MONTHLY, "2017-12"))


# -- dimensions ------------------------------------------------------------------------------
SEX, SOUM, DEPARTMENT = "Sex", "Soum", "SayPro department"
FEMALE, MALE = "Female", "Male"
# Dornod's 14 soums, each with the number of its bags (Kherlen is Choibalsan, the aimag centre).
BAGS = {
    "Bayandun": 4,
    "Bayantumen": 3,
    "Bayan-Uul": 5,
    "Bulgan": 4,
    "Chuluunkhoroot": 3,
    "Choibalsan": 4,
    "Dashbalbar": 5,
    "Gurvanzagal": 3,
    "Khalkhgol": 5,
    "Kherlen": 10,
    "Kholonbuir": 4,
    "Matad": 5,
    "Sergelen": 4,
    "Tsagaan-Ovoo": 4,
}
SOUMS = tuple(BAGS)
# SayPro's departments with the number of KPIs each tracks against the strategic plan.
KPIS = {"Strategy": 5, "Communication": 6, "IT": 6, "HR Training": 5, "Programmes": 8}
DIMENSIONS = {SEX: (FEMALE, MALE), SOUM: SOUMS, DEPARTMENT: tuple(KPIS)}


# -- what the demo tells -----------------------------------------------------------------------
Amount = int | str | tuple[int, int]  # a number, "yes"/"no", or (numerator, denominator)


@dataclass(frozen=True)
class Report:
    """One reporting unit's value for one period and what became of it."""

    period: str  # the period's label: "2017-Q2", "2017-03"
    unit: str  # the reporting unit's key (demo.UNITS)
    value: Amount
    status: str = APPROVED  # approved, submitted (awaiting approval), returned, draft
    late: int = 0  # submitted this many days after the period's end; 0: on time
    breakdown: Mapping[str, Mapping[str, Amount]] = field(default_factory=dict)
    comment: str = ""
    reason: str = ""  # why a RETURNED value was returned
    # A value first submitted, returned with `first_reason` and then corrected to `value`.
    first: Amount | None = None
    first_reason: str = ""


@dataclass(frozen=True)
class Reporter:
    enters: str  # the username who enters and submits the unit's values
    reviews: str  # the username who approves or returns them


@dataclass(frozen=True)
class IndicatorSpec:
    plan: str  # the plan's key (demo.PlanSpec.key)
    elements: tuple[str, ...]  # the start of the title of each element it measures
    fields: Mapping[str, Any]  # for indicator_create
    reporters: Mapping[str, Reporter]  # reporting unit key -> who enters, who reviews
    owners: tuple[str, ...]  # data owners' usernames
    reports: Callable[[datetime.date], Iterable[Report]]  # given the day of the load
    targets: Mapping[str, int] = field(default_factory=dict)  # period label -> target
    dimensions: tuple[str, ...] = ()


def wobble(key: str, spread: int) -> int:
    """A whole number in [-spread, spread] fixed by the key: data that vary, reproducibly."""
    return zlib.crc32(key.encode()) % (2 * spread + 1) - spread


def apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` shared in proportion to the weights (largest remainder): the parts add up to the
    total, and no part exceeds its weight when the total does not exceed the weights' sum."""
    weight = sum(weights.values())
    parts = {key: total * w // weight for key, w in weights.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(weights, key=lambda key: -(total * weights[key] % weight))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def ratio_parts(numerator: int, denominators: Mapping[str, int]) -> Mapping[str, Amount]:
    """A percentage's breakdown: each category's denominator and its share of the numerator."""
    numerators = apportion(numerator, denominators)
    return {key: (numerators[key], d) for key, d in denominators.items()}


def sex_split(total: int, female_percent: int) -> Mapping[str, Amount]:
    return apportion(total, {FEMALE: female_percent, MALE: 100 - female_percent})


def quarters(*years: int) -> list[str]:
    return [f"{year}-Q{q}" for year in years for q in (1, 2, 3, 4)]


def per_period(labels: Sequence[str], values: Sequence[int]) -> dict[str, int]:
    return dict(zip(labels, values, strict=True))


def marked(reports: list[Report], label: str, unit: str, **changes: Any) -> None:
    """Give the report of `label` and `unit` a status, a delay or a story of its own."""
    for i, report in enumerate(reports):
        if (report.period, report.unit) == (label, unit):
            reports[i] = replace(report, **changes)
            return
    raise KeyError((label, unit))


def labels_until(
    frequency: str, start: datetime.date, end: datetime.date, today: datetime.date
) -> tuple[list[str], str | None]:
    """The labels of the periods of [start, end] that ended before `today`, and the label of the
    period in progress (None when the plan is over)."""
    all_spans = spans(frequency, start, end)
    closed = [s.label for s in all_spans if s.end < today]
    current = next((s.label for s in all_spans if s.start <= today <= s.end), None)
    return closed, current


# -- Dornod: the 2017 action plan --------------------------------------------------------------
GAD, LAD = "gad", "gad-local"
GAD_OFFICIALS = {soum: 8 if soum == "Kherlen" else 6 for soum in SOUMS}  # 86 soum officials
BAG_OFFICIALS = {soum: 2 * bags for soum, bags in BAGS.items()}  # 126: bag governors, khural heads
GAD_SEXES = {FEMALE: 34, MALE: 52}
LAD_SEXES = {FEMALE: 55, MALE: 71}


def officials(trained: int, by_soum: Mapping[str, int], by_sex: Mapping[str, int]) -> Any:
    return {SOUM: ratio_parts(trained, by_soum), SEX: ratio_parts(trained, by_sex)}


def officials_trained(today: datetime.date) -> list[Report]:
    return [
        Report(
            "2017-Q1",
            GAD,
            (41, 86),
            breakdown=officials(41, GAD_OFFICIALS, GAD_SEXES),
            comment="Cohort 1, 27-31 March: the 14 soum governors, the 14 administration heads "
            "and 13 soum officials.",
        ),
        Report(
            "2017-Q1",
            LAD,
            (0, 126),
            comment="The bag officials' cohorts are planned for June, after the spring "
            "movement of the herds.",
        ),
        Report(
            "2017-Q2",
            GAD,
            (84, 86),
            late=4,
            breakdown=officials(84, GAD_OFFICIALS, GAD_SEXES),
            comment="Cohort 2 ended on 7 April; two officials on sick leave join the 2018 course.",
        ),
        Report("2017-Q2", LAD, (117, 126), breakdown=officials(117, BAG_OFFICIALS, LAD_SEXES)),
        Report("2017-Q3", GAD, (84, 86), breakdown=officials(84, GAD_OFFICIALS, GAD_SEXES)),
        Report(
            "2017-Q3",
            LAD,
            (119, 126),
            # Deliberately does not add up: the sexes count 117 of the 119 (flagged, not refused).
            breakdown={
                SOUM: ratio_parts(119, BAG_OFFICIALS),
                SEX: {FEMALE: (50, 55), MALE: (67, 71)},
            },
            comment="Two Bulgan bag governors trained with the August cohort in Choibalsan.",
        ),
        # 2017-Q4: the GAD's value is owed; the LAD's was returned and waits for its correction.
        Report(
            "2017-Q4",
            LAD,
            (121, 126),
            status=RETURNED,
            late=6,
            breakdown={SOUM: ratio_parts(121, BAG_OFFICIALS)},
            reason="Bulgan's bag governors are counted in both cohorts 3 and 4: count each "
            "official once and attach the list of names.",
        ),
    ]


def soum_open_days(soum: str, month: int) -> int:
    if soum == "Kherlen":
        return 2  # the aimag centre holds one for its khoroos and one at the Governor's Office
    if month == 1:
        return 1 if soum < "M" else 0  # the schedule began on 16 January: not every soum held one
    if (month, soum) in {(3, "Bayan-Uul"), (3, "Dashbalbar"), (3, "Matad"), (4, "Matad")}:
        return 0  # officials called to the dzud response
    return 0 if wobble(f"{soum}-{month}", 12) == 12 else 1


def open_door_days(today: datetime.date) -> list[Report]:
    reports = []
    for month in range(1, 13):
        label = f"2017-{month:02d}"
        held = {soum: soum_open_days(soum, month) for soum in SOUMS}
        reports.append(Report(label, LAD, sum(held.values()), breakdown={SOUM: held}))
        if month < 12:  # December's is owed
            reports.append(Report(label, GAD, 5 if month == 1 else 8 + wobble(label, 1)))
    marked(
        reports,
        "2017-03",
        GAD,
        late=6,
        comment="Four departments sent their days after the dzud response.",
    )
    may = next(r for r in reports if (r.period, r.unit) == ("2017-05", LAD))
    assert isinstance(may.value, int)
    marked(
        reports,
        "2017-05",
        LAD,
        first=may.value + 3,
        first_reason=f"The total says {may.value + 3} but the soums add up to {may.value}: "
        "Matad's three bag meetings are not open door days. Correct the total.",
    )
    marked(reports, "2017-08", LAD, late=9, comment="Sent after the soum officials' summer leave.")
    marked(reports, "2017-12", LAD, status=SUBMITTED, late=4)
    return reports


def loans_paid(today: datetime.date) -> list[Report]:
    return [
        Report("2017-Q1", "fali", 0, comment="The call for applications closed on 31 March."),
        Report(
            "2017-Q2",
            "fali",
            0,
            comment="No loan paid out: the scoring waits for the Fund's 2017 tranche from the "
            "Ministry.",
        ),
        Report(
            "2017-Q3",
            "fali",
            17,
            late=4,
            comment="17 projects approved on 28 August for 1.02 billion MNT, all paid out by 29 "
            "September.",
        ),
        Report(
            "2017-Q4",
            "fali",
            29,
            status=SUBMITTED,
            late=5,
            comment="Second round: 12 more loans approved on 31 October.",
        ),
    ]


def land_rehabilitated(today: datetime.date) -> list[Report]:
    return [
        Report("2017-Q1", "etd", 0, comment="Work starts in May, after the tender."),
        Report("2017-Q2", "etd", 12),
        Report(
            "2017-Q3",
            "etd",
            35,
            late=9,
            comment="The contractor stopped on 14 August over a payment dispute.",
        ),
        Report(
            "2017-Q4",
            "etd",
            35,
            status=RETURNED,
            late=3,
            reason="35 ha is September's figure. Attach the inspection report of the "
            "re-tendered work, then submit the hectares done by December.",
        ),
    ]


def youth_placed(today: datetime.date) -> list[Report]:
    return [
        Report(
            "2017-Q1",
            "sdd",
            12,
            breakdown={SEX: sex_split(12, 58)},
            comment="The first graduates of the welding and sewing courses.",
        ),
        Report("2017-Q2", "sdd", 71, late=2, breakdown={SEX: sex_split(71, 54)}),
        Report("2017-Q3", "sdd", 96, breakdown={SEX: sex_split(96, 53)}),
        Report(
            "2017-Q4",
            "sdd",
            63,
            status=DRAFT,
            breakdown={SEX: sex_split(63, 52)},
            comment="So far; the results of the December job fair come next week.",
        ),
    ]


# -- Dornod: the Governor's action programme 2016-2020 ----------------------------------------
TERM = quarters(2016, 2017, 2018, 2019, 2020)
REPORTED = quarters(2016, 2017)
REQUESTS = {
    GAD: (318, 352, 301, 287, 334, 371, 326, 309),
    LAD: (512, 590, 544, 498, 561, 634, 587, 540),
}
ANSWERED_PERCENT = {GAD: (74, 77, 79, 80, 81, 84, 86, 87), LAD: (69, 72, 75, 77, 79, 81, 84, 85)}


def requests_answered(today: datetime.date) -> list[Report]:
    reports = []
    for unit in (GAD, LAD):
        for label, total, percent in zip(
            REPORTED, REQUESTS[unit], ANSWERED_PERCENT[unit], strict=True
        ):
            answered = total * percent // 100
            breakdown: dict[str, Any] = {}
            if unit == LAD:  # the soums' requests, in proportion to their bags
                by_soum = apportion(total, BAGS)
                breakdown = {SOUM: ratio_parts(answered, by_soum)}
            reports.append(Report(label, unit, (answered, total), breakdown=breakdown))
    lad_q3 = next(r for r in reports if (r.period, r.unit) == ("2016-Q3", LAD))
    assert isinstance(lad_q3.value, tuple)
    answered, total = lad_q3.value
    marked(
        reports,
        "2016-Q3",
        LAD,
        first=(answered + 38, total),
        first_reason="A request counts as answered when the written answer went out within 30 "
        "days; 38 of these were answered later.",
    )
    marked(reports, "2017-Q4", GAD, late=6)
    marked(reports, "2017-Q4", LAD, status=SUBMITTED, late=8)
    return reports


REVENUE_MILLIONS = (3_940, 4_610, 5_230, 5_780, 4_420, 5_130, 5_640, 6_310)
REVENUE_TARGET_MILLIONS = (
    *(4_200, 4_800, 5_000, 5_500),
    *(4_600, 5_300, 5_800, 6_500),
    *(4_900, 5_600, 6_100, 6_800),
    *(5_200, 5_900, 6_400, 7_100),
    *(5_500, 6_200, 6_700, 7_400),
)
MILLION = 1_000_000


def own_revenue(today: datetime.date) -> list[Report]:
    reports = [
        Report(label, "ftd-treasury", millions * MILLION)
        for label, millions in zip(REPORTED, REVENUE_MILLIONS, strict=True)
    ]
    marked(reports, "2016-Q1", "ftd-treasury", late=3)
    marked(
        reports,
        "2017-Q4",
        "ftd-treasury",
        status=SUBMITTED,
        late=9,
        comment="Before the year-end closing of the accounts; the audited figure follows in March.",
    )
    return reports


UNEMPLOYED = (3_510, 3_280, 3_150, 3_240, 3_390, 3_010, 2_870, 2_940)
UNEMPLOYED_TARGETS = (
    *(3_400, 3_250, 3_100, 3_050),
    *(3_150, 2_950, 2_850, 2_800),
    *(2_900, 2_700, 2_600, 2_550),
    *(2_650, 2_450, 2_350, 2_300),
    *(2_300, 2_150, 2_050, 2_000),
)


def unemployed(today: datetime.date) -> list[Report]:
    reports = [
        Report(label, "sdd", count, breakdown={SEX: sex_split(count, 46 + wobble(label, 2))})
        for label, count in zip(REPORTED, UNEMPLOYED, strict=True)
    ]
    marked(reports, "2017-Q2", "sdd", late=5)
    return reports


SERVANTS_TRAINED = (48, 95, 62, 40, 53, 268, 71, 58)
SERVANTS_TARGETS = (*(60, 60, 60, 60), *(60, 250, 60, 60), *([60] * 12))


def servants_trained(today: datetime.date) -> list[Report]:
    reports = [
        Report(label, GAD, count, breakdown={SEX: sex_split(count, 52 + wobble(label, 4))})
        for label, count in zip(REPORTED, SERVANTS_TRAINED, strict=True)
    ]
    marked(
        reports,
        "2017-Q2",
        GAD,
        comment="With the 160 soum and bag officials of the 2017 action plan's cohorts 2 to 4.",
    )
    marked(reports, "2016-Q4", GAD, late=7)
    return reports


# -- SayPro: the February 2024 action plan ----------------------------------------------------
def feb_staff_trained(today: datetime.date) -> list[Report]:
    return [
        Report(
            "2024-02",
            "sp-hr",
            22,
            breakdown={SEX: {FEMALE: 14, MALE: 8}},
            comment="Session of 8 February; two field officers were on leave.",
        )
    ]


def feb_report_on_time(today: datetime.date) -> list[Report]:
    return [
        Report(
            "2024-02",
            "sp-me",
            "no",
            late=4,
            comment="The report went to Senior Leadership on 4 March: two departments sent "
            "their data late.",
        )
    ]


def feb_updates_sent(today: datetime.date) -> list[Report]:
    return [
        Report(
            "2024-02",
            "sp-comms",
            4,
            comment="The fifth update went out on 1 March with the monthly report.",
        )
    ]


# -- SayPro: the M&E framework 2024-2026 (up to the day of the load) -------------------------
FRAMEWORK_START, FRAMEWORK_END = datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)
FRAMEWORK_MONTHS = [s.label for s in spans(MONTHLY, FRAMEWORK_START, FRAMEWORK_END)]
FRAMEWORK_QUARTERS = quarters(2024, 2025, 2026)
REPORTS_MISSED = {
    "2024-02": "Two departments sent their data late; the report went out on 4 March.",
    "2024-12": "Delivered on 9 January after the year-end closure.",
    "2025-06": "The monitoring system's migration delayed the data by a week.",
    "2026-01": "Delivered on 6 February: the M&E Coordinator was on leave.",
}


def reports_on_time(today: datetime.date) -> list[Report]:
    closed, _ = labels_until(MONTHLY, FRAMEWORK_START, FRAMEWORK_END, today)
    reports = [
        Report(
            label,
            "sp-me",
            "no" if label in REPORTS_MISSED else "yes",
            comment=REPORTS_MISSED.get(label, ""),
        )
        for label in closed
    ]
    if len(reports) >= 2:
        reports[-2] = replace(reports[-2], late=3)
    if reports:
        reports[-1] = replace(reports[-1], status=SUBMITTED, late=2)
    return reports


def kpis_on_track(today: datetime.date) -> list[Report]:
    closed, _ = labels_until(QUARTERLY, FRAMEWORK_START, FRAMEWORK_END, today)
    total = sum(KPIS.values())
    reports = []
    for i, label in enumerate(closed):
        on_track = min(total - 2, 14 + i + wobble(label, 1))
        reports.append(
            Report(
                label,
                "sp-me",
                (on_track, total),
                breakdown={DEPARTMENT: ratio_parts(on_track, KPIS)},
            )
        )
    if "2025-Q2" in closed:
        value = reports[closed.index("2025-Q2")].value
        assert isinstance(value, tuple)
        marked(
            reports,
            "2025-Q2",
            "sp-me",
            first=(value[0] + 1, total),
            first_reason="Communication counted its newsletter KPI as on track, but the May "
            "and June issues did not go out.",
        )
    if reports:
        reports[-1] = replace(reports[-1], late=5)
    return reports


def staff_trained(today: datetime.date) -> list[Report]:
    closed, current = labels_until(QUARTERLY, FRAMEWORK_START, FRAMEWORK_END, today)
    reports = []
    for i, label in enumerate(closed):
        trained = 22 if i == 0 else 9 + wobble(label, 4)
        reports.append(Report(label, "sp-hr", trained, breakdown={SEX: sex_split(trained, 60)}))
    if reports:
        reports[-1] = replace(reports[-1], status=SUBMITTED, late=1)
    if current:
        reports.append(
            Report(
                current,
                "sp-hr",
                5,
                status=DRAFT,
                comment="Two of the quarter's three sessions held so far.",
            )
        )
    return reports


def action_items_done(today: datetime.date) -> list[Report]:
    closed, _ = labels_until(QUARTERLY, FRAMEWORK_START, FRAMEWORK_END, today)
    reports = []
    for i, label in enumerate(closed):
        due = 22 + wobble(f"{label}-due", 6)
        percent = min(90, 55 + 2 * i + wobble(label, 3))
        reports.append(Report(label, "sp-pm", (due * percent // 100, due)))
    if "2025-Q3" in closed:
        marked(reports, "2025-Q3", "sp-pm", late=6)
    if reports:
        reports[-1] = replace(
            reports[-1],
            status=RETURNED,
            late=3,
            reason="Count only the action items due in the quarter: the six items due in "
            "October belong to the next one.",
        )
    return reports


# -- the indicators ----------------------------------------------------------------------------
def _targets(labels: Sequence[str], values: Sequence[int]) -> dict[str, int]:
    return per_period(labels, values)


Q2017 = quarters(2017)
M2017 = [f"2017-{m:02d}" for m in range(1, 13)]

INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        plan="dornod",
        elements=("To enroll all levels of government officials",),
        fields={
            "code": "1.1.1.a",
            "title": "Share of soum and bag officials trained",
            "definition": "Officials who completed the capacity building course, over the "
            "officials enrolled by the Governor's order A/37 (soum governors, administration "
            "heads, soum officials, bag governors, bags' Citizens' khural heads). A running "
            "total for the year.",
            "rationale": "Step 3 of the tracking method: a measurable indicator for each action.",
            "measure_type": PERCENTAGE,
            "frequency": QUARTERLY,
            "aggregation": LATEST,
            "cumulative": True,
            "baseline_value": 35,
            "baseline_date": datetime.date(2016, 12, 31),
            "baseline_comment": "2016: 74 of the 212 officials had had a course in the last "
            "three years.",
            "target_value": 100,
            "data_source": "Attendance sheets of the Academy of Management",
            "means_of_verification": "Signed attendance sheets; certificates issued",
            "collection_method": "Training officer's count after each cohort",
        },
        reporters={
            GAD: Reporter("contributor", "manager"),
            LAD: Reporter("khishigsuren", "manager"),
        },
        owners=("contributor", "khishigsuren"),
        dimensions=(SOUM, SEX),
        targets=_targets(Q2017, (40, 95, 100, 100)),
        reports=officials_trained,
    ),
    IndicatorSpec(
        plan="dornod",
        elements=("To organize “Day to meet citizens”",),
        fields={
            "code": "1.1.3.a",
            "title": "Number of “open door” days held",
            "definition": "Open door days, days to meet citizens and local administration "
            "times held by the soums (reported by the Local Administration Division) and by "
            "the aimag's departments and agencies (reported by the Governor's Administration "
            "Department).",
            "unit_of_measure": "days",
            "measure_type": NUMBER,
            "frequency": MONTHLY,
            "aggregation": SUM,
            "baseline_not_available": True,
            "baseline_comment": "Not counted before 2017.",
            "target_value": 278,
            "data_source": "Soum and department attendance registers",
            "means_of_verification": "Notice board photos; registers of citizens received",
            "collection_method": "Monthly count sent by each soum and department",
        },
        reporters={
            LAD: Reporter("khishigsuren", "manager"),
            GAD: Reporter("contributor", "manager"),
        },
        owners=("khishigsuren", "contributor"),
        dimensions=(SOUM,),
        targets=_targets(M2017, (14, *([24] * 11))),
        reports=open_door_days,
    ),
    IndicatorSpec(
        plan="dornod",
        elements=("To provide soft loans from the SME Development Fund",),
        fields={
            "code": "2.1.1.a",
            "title": "Soft loans paid out to local enterprises and herders' cooperatives",
            "definition": "Loans of the SME Development Fund paid out since 1 January 2017, a "
            "running total.",
            "unit_of_measure": "loans",
            "measure_type": NUMBER,
            "frequency": QUARTERLY,
            "aggregation": LATEST,
            "cumulative": True,
            "baseline_value": 26,
            "baseline_date": datetime.date(2016, 12, 31),
            "baseline_comment": "Loans paid out in 2016.",
            "target_value": 40,
            "data_source": "Partner bank's disbursement statements",
        },
        reporters={"fali": Reporter("ganzorig", "gantumur")},
        owners=("ganzorig",),
        targets=_targets(Q2017[1:], (15, 40, 40)),
        reports=loans_paid,
    ),
    IndicatorSpec(
        plan="dornod",
        elements=("To rehabilitate 120 hectares",),
        fields={
            "code": "3.2.1.a",
            "title": "Hectares of damaged land rehabilitated",
            "definition": "Land damaged by abandoned mining and gold panning, rehabilitated "
            "and accepted by the environmental inspector; a running total.",
            "unit_of_measure": "ha",
            "measure_type": NUMBER,
            "frequency": QUARTERLY,
            "aggregation": LATEST,
            "cumulative": True,
            "baseline_value": 0,
            "baseline_date": datetime.date(2016, 12, 31),
            "baseline_comment": "The aimag funded no rehabilitation before 2017.",
            "target_value": 120,
            "means_of_verification": "Inspection reports with GPS outlines of the sites",
        },
        reporters={"etd": Reporter("batbayar", "altantsetseg")},
        owners=("batbayar",),
        targets=_targets(Q2017[1:], (30, 120, 120)),
        reports=land_rehabilitated,
    ),
    IndicatorSpec(
        plan="dornod",
        elements=("To provide vocational training and job placement",),
        fields={
            "code": "4.3.1.a",
            "title": "Unemployed young people placed in jobs after vocational training",
            "unit_of_measure": "people",
            "measure_type": NUMBER,
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_value": 184,
            "baseline_date": datetime.date(2016, 12, 31),
            "baseline_comment": "Placed in 2016.",
            "target_value": 300,
            "data_source": "Labour and Welfare Office placement register",
        },
        reporters={"sdd": Reporter("bolormaa", "erdenechimeg")},
        owners=("bolormaa",),
        dimensions=(SEX,),
        targets=_targets(Q2017, (30, 80, 100, 90)),
        reports=youth_placed,
    ),
    IndicatorSpec(
        plan="dornod-programme",
        elements=("Answer every citizen's request",),
        fields={
            "code": "1.1.a",
            "title": "Share of citizens' requests and complaints answered within 30 days",
            "definition": "Requests and complaints answered in writing within 30 days of "
            "registration, over those registered in the quarter.",
            "measure_type": PERCENTAGE,
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_value": 71,
            "baseline_date": datetime.date(2015, 12, 31),
            "baseline_comment": "2015 registers of the Governor's Office and the soums.",
            "target_value": 90,
            "data_source": "Registers of citizens' requests",
        },
        reporters={
            GAD: Reporter("khishigsuren", "manager"),
            LAD: Reporter("khishigsuren", "manager"),
        },
        owners=("khishigsuren",),
        dimensions=(SOUM,),
        targets=_targets(
            TERM,
            (75, 75, 78, 78, 80, 82, 85, 85, 86, 87, 88, 88, 89, 89, 90, 90, 90, 90, 92, 92),
        ),
        reports=requests_answered,
    ),
    IndicatorSpec(
        plan="dornod-programme",
        elements=("Train every public servant",),
        fields={
            "code": "1.2.a",
            "title": "Public servants of the aimag and the soums trained",
            "unit_of_measure": "people",
            "measure_type": NUMBER,
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_value": 52,
            "baseline_date": datetime.date(2015, 12, 31),
            "baseline_comment": "2015: 210 public servants trained, about 52 a quarter.",
            "target_value": sum(SERVANTS_TARGETS),
        },
        reporters={GAD: Reporter("sukhbaatar", "manager")},
        owners=("sukhbaatar",),
        dimensions=(SEX,),
        targets=_targets(TERM, SERVANTS_TARGETS),
        reports=servants_trained,
    ),
    IndicatorSpec(
        plan="dornod-programme",
        elements=("Raise the aimag's own budget revenue",),
        fields={
            "code": "2.1.a",
            "title": "The aimag's own budget revenue",
            "definition": "Taxes, fees and other revenue of the aimag and soum budgets, "
            "without transfers from the state budget.",
            "measure_type": CURRENCY,
            "currency": "MNT",
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_value": 4_600 * MILLION,
            "baseline_date": datetime.date(2015, 12, 31),
            "baseline_comment": "2015: 18.4 billion MNT, 4.6 billion a quarter.",
            "target_value": sum(REVENUE_TARGET_MILLIONS) * MILLION,
            "data_source": "Treasury reports",
        },
        reporters={"ftd-treasury": Reporter("munkhbat", "sarangerel")},
        owners=("munkhbat",),
        targets=_targets(TERM, [m * MILLION for m in REVENUE_TARGET_MILLIONS]),
        reports=own_revenue,
    ),
    IndicatorSpec(
        plan="dornod-programme",
        elements=("Bring the number of registered unemployed",),
        fields={
            "code": "2.2.a",
            "title": "Registered unemployed citizens",
            "definition": "Citizens registered as unemployed at the end of the quarter.",
            "unit_of_measure": "people",
            "measure_type": NUMBER,
            "direction": DECREASE,
            "frequency": QUARTERLY,
            "aggregation": LATEST,
            "baseline_value": 3_420,
            "baseline_date": datetime.date(2015, 12, 31),
            "baseline_comment": "Registered on 31 December 2015.",
            "target_value": 2_000,
            "data_source": "Labour and Welfare Office register",
        },
        reporters={"sdd": Reporter("bolormaa", "erdenechimeg")},
        owners=("bolormaa",),
        dimensions=(SEX,),
        targets=_targets(TERM, UNEMPLOYED_TARGETS),
        reports=unemployed,
    ),
    IndicatorSpec(
        plan="saypro",
        elements=("Train Staff on Updated M&E Tools",),
        fields={
            "code": "2.2.a",
            "title": "Staff trained on the updated M&E tools",
            "unit_of_measure": "staff",
            "measure_type": NUMBER,
            "frequency": MONTHLY,
            "aggregation": SUM,
            "baseline_value": 0,
            "target_value": 24,
            "data_source": "Participant list and attendance sheet",
        },
        reporters={"sp-hr": Reporter("ayanda", "thandiwe")},
        owners=("ayanda", "kagiso"),
        dimensions=(SEX,),
        targets={"2024-02": 24},
        reports=feb_staff_trained,
    ),
    IndicatorSpec(
        plan="saypro",
        elements=("Review and Finalize Monthly Report",),
        fields={
            "code": "6.2.a",
            "title": "Monthly report delivered on time",
            "definition": "The monthly report reached Senior Leadership by the last working day "
            "of the month.",
            "measure_type": YES_NO,
            "frequency": MONTHLY,
            "aggregation": SUM,
            "baseline_not_available": True,
            "target_value": 1,
        },
        reporters={"sp-me": Reporter("kagiso", "lerato")},
        owners=("kagiso",),
        targets={"2024-02": 1},
        reports=feb_report_on_time,
    ),
    IndicatorSpec(
        plan="saypro",
        elements=("Share Strategic Updates with Key Stakeholders",),
        fields={
            "code": "4.2.a",
            "title": "Weekly strategic updates sent to stakeholders",
            "unit_of_measure": "updates",
            "measure_type": NUMBER,
            "frequency": MONTHLY,
            "aggregation": SUM,
            "baseline_value": 2,
            "baseline_date": datetime.date(2024, 1, 31),
            "baseline_comment": "January 2024: two updates, without a weekly rhythm.",
            "target_value": 5,
            "means_of_verification": "Newsletter archive; email log",
        },
        reporters={"sp-comms": Reporter("nomsa", "thandiwe")},
        owners=("nomsa",),
        targets={"2024-02": 5},
        reports=feb_updates_sent,
    ),
    IndicatorSpec(
        plan="saypro-framework",
        elements=("Monthly performance report delivered",),
        fields={
            "code": "1.1.a",
            "title": "Monthly report delivered on time",
            "definition": "The monthly performance report reached Senior Leadership by the "
            "last working day of the month.",
            "measure_type": YES_NO,
            "frequency": MONTHLY,
            "aggregation": SUM,
            "baseline_not_available": True,
            "baseline_comment": "Delivery dates were not recorded before 2024.",
            "target_value": 33,
            "means_of_verification": "Date of the email to Senior Leadership",
        },
        reporters={"sp-me": Reporter("kagiso", "lerato")},
        owners=("kagiso", "lerato"),
        targets=dict.fromkeys(FRAMEWORK_MONTHS, 1),
        reports=reports_on_time,
    ),
    IndicatorSpec(
        plan="saypro-framework",
        elements=("Departments compare their KPIs",),
        fields={
            "code": "1.2.a",
            "title": "Share of departmental KPIs on track",
            "definition": "Departmental KPIs at or above their quarter's target, over the KPIs "
            "the departments track against the strategic plan.",
            "measure_type": PERCENTAGE,
            "frequency": QUARTERLY,
            "aggregation": LATEST,
            "baseline_value": 48,
            "baseline_date": datetime.date(2023, 12, 31),
            "baseline_comment": "2023 annual review: 13 of 27 KPIs on track.",
            "target_value": 80,
            "data_source": "Departments' pre-meeting reports",
        },
        reporters={"sp-me": Reporter("kagiso", "lerato")},
        owners=("kagiso",),
        dimensions=(DEPARTMENT,),
        targets=_targets(FRAMEWORK_QUARTERS, (60, 60, 65, 65, 70, 70, 72, 72, 75, 75, 80, 80)),
        reports=kpis_on_track,
    ),
    IndicatorSpec(
        plan="saypro-framework",
        elements=("Staff trained on the M&E framework",),
        fields={
            "code": "2.1.a",
            "title": "Number of M&E staff trained",
            "definition": "Staff who completed a session on the M&E framework and its tools "
            "in the quarter.",
            "unit_of_measure": "staff",
            "measure_type": NUMBER,
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_value": 0,
            "baseline_comment": "No M&E training in 2023.",
            "target_value": 134,
            "data_source": "HR training records",
        },
        reporters={"sp-hr": Reporter("ayanda", "thandiwe")},
        owners=("ayanda",),
        dimensions=(SEX,),
        targets=_targets(FRAMEWORK_QUARTERS, (24, *([10] * 11))),
        reports=staff_trained,
    ),
    IndicatorSpec(
        plan="saypro-framework",
        elements=("Action items of the collaborative meetings",),
        fields={
            "code": "3.1.a",
            "title": "Share of meeting action items completed on time",
            "definition": "Action items agreed in the collaborative meetings and due in the "
            "quarter that were completed by their deadline.",
            "measure_type": PERCENTAGE,
            "frequency": QUARTERLY,
            "aggregation": SUM,
            "baseline_not_available": True,
            "target_value": 80,
            "data_source": "Action item tracker",
        },
        reporters={"sp-pm": Reporter("tebogo", "zanele")},
        owners=("tebogo",),
        targets=_targets(FRAMEWORK_QUARTERS, (*([70] * 4), *([75] * 4), *([80] * 4))),
        reports=action_items_done,
    ),
)


# -- the loader --------------------------------------------------------------------------------
@dataclass
class _Work:
    indicator: Indicator
    period: Period
    unit: Unit
    reporter: Reporter
    report: Report


def load_indicators(
    *,
    admin: Person,
    plans: Mapping[str, Plan],
    units: Mapping[str, Unit],
    people: Mapping[str, Person],
    created: Counter[str],
) -> None:
    """Add the demo's dimensions, and each missing indicator with its targets and data."""
    _IndicatorLoader(admin=admin, plans=plans, units=units, people=people, created=created).run()


class _IndicatorLoader:
    def __init__(
        self,
        *,
        admin: Person,
        plans: Mapping[str, Plan],
        units: Mapping[str, Unit],
        people: Mapping[str, Person],
        created: Counter[str],
    ) -> None:
        self.admin = admin
        self.plans = plans
        self.units = units
        self.people = people
        self.created = created
        self.org = Organisation.get()
        self.today = timezone.localdate()
        self.now = timezone.now()
        try:
            self.zone = ZoneInfo(self.org.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.periods: dict[tuple[int, str], dict[str, Period]] = {}
        self.elements: dict[int, list[Element]] = {}
        self.work: list[_Work] = []
        # Each measurement's workflow steps as the story dates them, in the order written.
        self.steps: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
        self.unlocked: set[int] = set()

    def run(self) -> None:
        dimensions = self._dimensions()
        new: list[tuple[Indicator, IndicatorSpec]] = []
        for spec in INDICATORS:
            indicator = self._indicator(spec, dimensions)
            if indicator is not None:
                new.append((indicator, spec))
        if not new:
            return
        # The permission checks and breakdowns read these for every value: load them once.
        fresh = (
            Indicator.objects.filter(pk__in=[i.pk for i, _ in new])
            .select_related("plan__owner_unit")
            .prefetch_related("reporting_units", "data_owners", "dimensions")
            .in_bulk()
        )
        for indicator, spec in new:
            self._plan_work(fresh[indicator.pk], spec)
        self._write({spec.plan for _, spec in new})
        self._backdate()
        # Values written in bulk bypassed the services: assess every indicator and roll up.
        for plan in {indicator.plan for indicator, _ in new}:
            refresh_plan_indicators(plan)

    # -- definitions ---------------------------------------------------------------------------
    def _dimensions(self) -> dict[str, Dimension]:
        found = {d.name: d for d in Dimension.objects.filter(name__in=list(DIMENSIONS))}
        for name, categories in DIMENSIONS.items():
            if name not in found:
                found[name] = dimension_save(
                    actor=self.admin, name=name, categories=list(categories)
                )
                self.created["dimensions"] += 1
        return found

    def _indicator(
        self, spec: IndicatorSpec, dimensions: Mapping[str, Dimension]
    ) -> Indicator | None:
        plan = self.plans.get(spec.plan)
        if plan is None or plan.is_deleted:
            return None
        if Indicator.all_objects.filter(plan=plan, code=spec.fields["code"]).exists():
            return None  # there (perhaps in the trash, perhaps changed): leave it as it is
        indicator = indicator_create(
            actor=self.admin,
            plan=plan,
            data={
                **spec.fields,
                "elements": self._elements(plan, spec.elements),
                "data_owners": [self.people[u] for u in spec.owners if u in self.people],
                "reporting_units": [self.units[key] for key in spec.reporters],
                "dimensions": [dimensions[name] for name in spec.dimensions],
            },
        )
        self.created["indicators"] += 1
        periods = self._periods(plan, indicator.frequency)
        targets = {periods[label]: v for label, v in spec.targets.items() if label in periods}
        self.created["targets"] += len(
            targets_set(actor=self.admin, indicator=indicator, targets=targets)
        )
        return indicator

    def _elements(self, plan: Plan, starts: Sequence[str]) -> list[Element]:
        """The plan's elements whose titles start so (an element renamed since is left out)."""
        if plan.pk not in self.elements:
            self.elements[plan.pk] = list(Element.objects.filter(plan=plan))
        return [e for e in self.elements[plan.pk] if any(e.title.startswith(s) for s in starts)]

    def _periods(self, plan: Plan, frequency: str) -> dict[str, Period]:
        key = (plan.pk, frequency)
        if key not in self.periods:
            periods = list(Period.objects.filter(plan=plan, frequency=frequency))
            for period in periods:
                period.plan = plan  # the unlocks and their change entries read it
            self.periods[key] = {p.label: p for p in periods}
        return self.periods[key]

    def _plan_work(self, indicator: Indicator, spec: IndicatorSpec) -> None:
        periods = self._periods(indicator.plan, indicator.frequency)
        for report in spec.reports(self.today):
            period = periods.get(report.period)
            if period is None or period.start > self.today:
                continue  # not a period of this plan (another fiscal year), or not begun
            self.work.append(
                _Work(
                    indicator=indicator,
                    period=period,
                    unit=self.units[report.unit],
                    reporter=spec.reporters[report.unit],
                    report=report,
                )
            )

    # -- values --------------------------------------------------------------------------------
    def _write(self, plan_keys: set[str]) -> None:
        """Plain approved values in bulk; the others through the services, period by period."""
        plain = [w for w in self.work if w.report.status == APPROVED and w.report.first is None]
        self._bulk(plain)
        told = [
            w for w in self.work if not (w.report.status == APPROVED and w.report.first is None)
        ]
        by_period: dict[int, list[_Work]] = defaultdict(list)
        for work in told:
            by_period[work.period.pk].append(work)
        keep_open = self._keep_open(plan_keys)
        periods = sorted(
            {w.period.pk: w.period for w in told}.values(),
            key=lambda p: (p.start, p.plan_id, p.frequency),
        )
        for period in periods:
            opened = self._open(period, keep=period.pk in keep_open)
            for work in by_period[period.pk]:
                self._report(work)
            if opened and period.pk not in keep_open:
                period_lock(actor=self.admin, period=period)
        for period in keep_open.values():
            self._open(period, keep=True)

    def _keep_open(self, plan_keys: set[str]) -> dict[int, Period]:
        result = {}
        for plan_key, frequency, label in LEAVE_OPEN:
            plan = self.plans.get(plan_key)
            if plan_key in plan_keys and plan is not None:
                period = self._periods(plan, frequency).get(label)
                if period is not None:
                    result[period.pk] = period
        return result

    def _open(self, period: Period, *, keep: bool) -> bool:
        """Unlock a locked period: for the load (an hour), or left open (with OPEN_REASON)."""
        if period.pk in self.unlocked or period.accepts_data(self.org.grace_days):
            return False
        if period.status(self.org.grace_days, self.today) != Period.Status.LOCKED:
            return False  # upcoming
        period_unlock(
            actor=self.admin,
            period=period,
            until=self.now + (OPEN_FOR if keep else datetime.timedelta(hours=1)),
            reason=OPEN_REASON if keep else LOAD_REASON,
        )
        self.unlocked.add(period.pk)
        return True

    def _enterer(self, work: _Work) -> Person:
        person = self.people.get(work.reporter.enters)
        if person is None or not can_enter(person, work.indicator, work.unit):
            return self.admin  # a demo person who has since moved elsewhere
        return person

    def _reviewer(self, measurement: Measurement, username: str) -> Person | None:
        """The demo's reviewer, else the admin, if they may review the value; else nobody."""
        candidates = [self.people.get(username), self.admin]
        return next(
            (p for p in candidates if p is not None and can_review(p, measurement, org=self.org)),
            None,
        )

    def _bulk(self, works: Sequence[_Work]) -> None:
        """Values submitted and approved with nothing to tell, a hundred or so: written in a few
        inserts instead of fifteen queries each (the services take five seconds for them). The
        same checks run (who may enter and review, the value in the indicator's type); the rows
        carry the same workflow steps, and the change log their creation by the person who
        entered them."""
        rows: list[tuple[Measurement, list[tuple[str, Person, datetime.datetime]]]] = []
        for work in works:
            enters = self._enterer(work)
            at = self._submitted_at(work.period, work.report)
            data = self._data(work.indicator, work.report.value, work.report, at)
            measurement = Measurement(
                indicator=work.indicator,
                period=work.period,
                unit=work.unit,
                **parse_measurement_value(work.indicator, data),
                date_collected=data["date_collected"],
                comment=work.report.comment,
                breakdown={
                    name: {c: {k: str(v) for k, v in cell.items()} for c, cell in cells.items()}
                    for name, cells in data.get("breakdown", {}).items()
                },
                status=APPROVED,
                entered_by=enters,
                submitted_by=enters,
                submitted_at=at,
            )
            steps: list[tuple[str, Person, datetime.datetime]] = [
                (DRAFT, enters, at - datetime.timedelta(minutes=25)),
                (SUBMITTED, enters, at),
            ]
            reviewer = self._reviewer(measurement, work.reporter.reviews)
            if reviewer is None:
                measurement.status = SUBMITTED  # nobody may approve it: it waits
            else:
                days = 1 + wobble(f"{work.period.label}{work.unit.pk}", 1) % 3
                steps.append((APPROVED, reviewer, self._later(at, days=days, hours=2)))
            rows.append((measurement, steps))
        Measurement.objects.bulk_create([m for m, _ in rows], batch_size=500)
        Transition.objects.bulk_create(
            [
                Transition(
                    measurement=m,
                    from_status=steps[i - 1][0] if i else "",
                    to_status=status,
                    actor=actor,
                )
                for m, steps in rows
                for i, (status, actor, _) in enumerate(steps)
            ],
            batch_size=500,
        )
        by_actor: dict[Person, list[tuple[Model, Model | None]]] = defaultdict(list)
        for m, steps in rows:
            self.steps[m.pk] = [(status, at) for status, _, at in steps]
            by_actor[steps[0][1]].append((m, m.indicator))
        for actor, created in by_actor.items():
            record_creates(actor=actor, created=created)

    def _report(self, work: _Work) -> None:
        """A value with a story, through the services: entered, submitted, perhaps returned and
        corrected, then approved, returned or left waiting (or a draft)."""
        indicator, period, unit, report = work.indicator, work.period, work.unit, work.report
        enters = self._enterer(work)
        at = self._submitted_at(period, report)
        first = report.first if report.first is not None else report.value
        measurement = measurement_save(
            actor=enters,
            indicator=indicator,
            period=period,
            unit=unit,
            data=self._data(indicator, first, report, at),
            submit=report.status != DRAFT,
        )
        steps = self.steps[measurement.pk]
        if report.status == DRAFT:
            steps.append((DRAFT, at))
            return
        steps += [(DRAFT, at - datetime.timedelta(minutes=25)), (SUBMITTED, at)]
        if report.first is not None and self._review(work, measurement, report.first_reason):
            at = self._later(steps[-1][1], days=1, hours=1)
            measurement = measurement_save(
                actor=enters,
                indicator=indicator,
                period=period,
                unit=unit,
                data=self._value(report.value),
                submit=True,
            )
            steps.append((SUBMITTED, at))
        if report.status in (APPROVED, RETURNED):
            self._review(work, measurement, report.reason if report.status == RETURNED else "")

    def _review(self, work: _Work, measurement: Measurement, reason: str) -> bool:
        """Approve the measurement, or return it with the reason; False when nobody may."""
        actor = self._reviewer(measurement, work.reporter.reviews)
        if actor is None:
            return False
        steps = self.steps[measurement.pk]
        days = 1 + wobble(f"{work.period.label}{work.unit.pk}", 1) % 3
        at = self._later(steps[-1][1], days=days, hours=2)
        if reason:
            measurement_return(actor=actor, measurement=measurement, reason=reason)
            steps.append((RETURNED, at))
        else:
            measurement_approve(actor=actor, measurement=measurement)
            steps.append((APPROVED, at))
        return True

    def _value(self, value: Amount) -> dict[str, Any]:
        if isinstance(value, tuple):
            return {"value": value[0], "denominator": value[1]}
        return {"value": value}

    def _data(
        self, indicator: Indicator, value: Amount, report: Report, at: datetime.datetime
    ) -> dict[str, Any]:
        data = {
            **self._value(value),
            "date_collected": min(at.astimezone(self.zone).date(), self.today),
            "comment": report.comment,
        }
        # Only the dimensions the indicator has, with categories they know (a dimension that
        # existed before the demo may have others).
        known = {d.name: set(d.categories) for d in indicator.dimensions.all()}
        breakdown = {
            name: {category: self._value(cell) for category, cell in cells.items()}
            for name, cells in report.breakdown.items()
            if name in known and set(cells) <= known[name]
        }
        if breakdown:
            data["breakdown"] = breakdown
        return data

    def _submitted_at(self, period: Period, report: Report) -> datetime.datetime:
        """On time: in the period's last three days; late: `late` days after its end."""
        key = f"{period.plan_id}-{period.label}-{report.unit}"
        if report.late:
            day = period.end + datetime.timedelta(days=report.late)
        else:
            day = max(period.start, period.end - datetime.timedelta(days=1 + wobble(key, 1)))
        at = datetime.datetime.combine(
            day, datetime.time(13 + wobble(key, 3), 5 * (3 + wobble(key + "m", 3))), self.zone
        )
        return min(at, self.now - datetime.timedelta(hours=1))

    def _later(self, at: datetime.datetime, *, days: int, hours: int) -> datetime.datetime:
        return min(
            at + datetime.timedelta(days=days, hours=hours),
            self.now - datetime.timedelta(minutes=30),
        )

    # -- the story's dates ---------------------------------------------------------------------
    def _backdate(self) -> None:
        """Date each measurement and its workflow steps as the story tells them (the services
        stamp them with the time of the load)."""
        rows = []
        ends = dict(
            Measurement.all_objects.filter(pk__in=list(self.steps)).values_list("pk", "period__end")
        )
        for pk, steps in self.steps.items():
            submitted = [at for status, at in steps if status == SUBMITTED]
            last = submitted[-1] if submitted else None
            late = last is not None and last.astimezone(self.zone).date() > ends[pk]
            rows.append((steps[0][1], steps[-1][1], last, late, pk))
        self.created["measurements"] += len(rows)
        _update_rows(Measurement, ["created_at", "updated_at", "submitted_at", "late"], rows)
        transitions = Transition.objects.filter(measurement_id__in=list(self.steps)).order_by(
            "measurement_id", "id"
        )
        by_measurement: dict[int, list[int]] = defaultdict(list)
        for pk, measurement_id in transitions.values_list("pk", "measurement_id"):
            by_measurement[measurement_id].append(pk)
        _update_rows(
            Transition,
            ["time"],
            [
                (at, pk)
                for measurement_id, pks in by_measurement.items()
                for pk, (_, at) in zip(pks, self.steps[measurement_id], strict=False)
            ],
        )


def _update_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Set `fields` of many rows, each (value, ..., pk), in one prepared statement (bulk_update
    builds a CASE per field and row, a hundred times slower here)."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [cast("Field[Any, Any]", meta.get_field(name)) for name in fields]
    assert meta.pk is not None
    # Identifiers from the model's meta, quoted; every value is a parameter.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(f"{quote(str(f.column))} = %s" for f in columns),
        quote(str(meta.pk.column)),
    )
    params = [
        [f.get_db_prep_save(value, connection) for f, value in zip(columns, row, strict=False)]
        + [row[-1]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
