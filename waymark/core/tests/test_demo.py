"""`waymark demo`: the seeds' plans, people in every role, idempotent, and the printed logins."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from waymark.core.demo import (
    DEMO_PASSWORD,
    DORNOD_PLAN_TITLE,
    DORNOD_PROGRAMME_TITLE,
    PEOPLE,
    PLANS,
    SAYPRO_FRAMEWORK_TITLE,
    SAYPRO_PLAN_TITLE,
    WEEKS,
)
from waymark.core.demo_indicators import LOAD_REASON, OPEN_REASON
from waymark.core.demo_reporting import UNLOCK_REASON
from waymark.core.models import Change
from waymark.core.roles import Role
from waymark.indicators import selectors
from waymark.indicators.models import (
    Dimension,
    Indicator,
    Measurement,
    Period,
    Revision,
    Target,
    Transition,
)
from waymark.indicators.selectors import last_reason
from waymark.meetings.models import ActionItem
from waymark.org.models import Membership, Organisation, Person, Unit
from waymark.plans.models import Element, Milestone, Plan
from waymark.reporting.analytics import reason_counts
from waymark.reporting.models import (
    Baseline,
    Notification,
    ProgressUpdate,
    ReportingSchedule,
    Review,
    ReviewItem,
    ReviewReason,
)
from waymark.reporting.reviews import baseline_comparison, needs_decision
from waymark.reporting.selectors import (
    completion_board,
    reporting_periods,
    updates_awaiting,
    updates_owed_by,
)

pytestmark = pytest.mark.django_db

SEED_ACTIONS = {
    "1.1.1": "To enroll all levels of government officials in capacity building training, "
    "seminars (Soum governor, Administration head, Bag governor, Bag's Citizen's khural head, "
    "government officials)",
    "1.1.2": "To organize training to develop human resource and meeting to exchange practices",
    "1.1.3": "To organize “Day to meet citizens”, “Open door day”, “Local administration time” "
    "in soum, department, division, agency levels",
}

# SayPro's seed: code -> (title, teams assigned (responsible first), weeks)
SAYPRO_STEPS = {
    "1.1": ("Conduct a Review of Organizational Strategic Goals", ["Strategy Team"], (1,)),
    "1.2": (
        "Cross-Check Departmental Goals with Organizational Objectives",
        ["Program Managers"],
        (1,),
    ),
    "2.1": ("Update M&E Framework for February Reporting", ["M&E Team"], (1,)),
    "2.2": ("Train Staff on Updated M&E Tools", ["M&E Team", "HR Training Department"], (2,)),
    "3.1": (
        "Establish a Centralized Performance Monitoring System",
        ["IT Department", "M&E Team"],
        (2,),
    ),
    "3.2": ("Create a Reporting Schedule and Template", ["M&E Team"], (1,)),
    "4.1": (
        "Develop Stakeholder Engagement Plan for February",
        ["Communication Team", "Program Managers"],
        (1,),
    ),
    "4.2": (
        "Share Strategic Updates with Key Stakeholders",
        ["Communication Team"],
        (1, 2, 3, 4, 5),
    ),
    "5.1": ("Organize Knowledge-Sharing Sessions", ["Program Managers", "M&E Team"], (2, 4)),
    "5.2": ("Document and Share Best Practices", ["M&E Team", "Program Managers"], (4,)),
    "6.1": ("Conduct Mid-Month Evaluation", ["M&E Team", "Senior Leadership"], (2,)),
    "6.2": ("Review and Finalize Monthly Report", ["M&E Team", "Senior Leadership"], (5,)),
}
SAYPRO_AREAS = [
    "Internal Strategy Review and Alignment",
    "Monitoring and Evaluation (M&E) System Strengthening",
    "Performance Monitoring and Reporting System Setup",
    "Stakeholder Engagement and Communication Strategy",
    "Knowledge Sharing and Learning",
    "Evaluation and Adjustment",
]


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: manager.count()
        for model, manager in [
            (Unit, Unit.objects),
            (Person, Person.objects),
            (Membership, Membership.objects),
            (Plan, Plan.all_objects),
            (Element, Element.all_objects),
            (Milestone, Milestone.all_objects),
            (Dimension, Dimension.objects),
            (Indicator, Indicator.all_objects),
            (Period, Period.objects),
            (Target, Target.objects),
            (Revision, Revision.objects),
            (Measurement, Measurement.all_objects),
            (Transition, Transition.objects),
            (Change, Change.objects),
            (ReportingSchedule, ReportingSchedule.objects),
            (ProgressUpdate, ProgressUpdate.all_objects),
            (Review, Review.all_objects),
            (ReviewItem, ReviewItem.objects),
            (ReviewReason, ReviewReason.objects),
            (Baseline, Baseline.objects),
            (ActionItem, ActionItem.all_objects),
            (Notification, Notification.objects),
        ]
    }


def unit_names(person: Person) -> set[str]:
    return set(person.memberships.values_list("unit__name", flat=True))


def test_it_loads_the_dornod_plan_with_the_seed_grid_rows() -> None:
    demo()
    assert Plan.objects.count() == len(PLANS) == 4
    plan = Plan.objects.get(title=DORNOD_PLAN_TITLE)
    assert plan.owner_unit.name == "Dornod Aimag Governor's Office"
    assert plan.owner_unit.parent is None
    assert plan.parent is not None and plan.parent.title == DORNOD_PROGRAMME_TITLE
    assert (plan.kind, plan.cadence, plan.tiers) == (
        "annual",
        "quarterly",
        ["Goal", "Objective", "Action"],
    )
    assert (plan.start_date, plan.end_date) == (
        datetime.date(2017, 1, 1),
        datetime.date(2017, 12, 31),
    )
    assert plan.vision and plan.mission
    rows = {
        e.code: e
        for e in Element.objects.filter(plan=plan).select_related("responsible_unit", "lead")
    }
    assert 20 <= len(rows) <= 35
    assert rows["1"].title == "Local governance"
    for code, title in SEED_ACTIONS.items():
        assert rows[code].title == title
        assert rows[code].tier == "Action"
    for code in ("1.1.1", "1.1.2"):
        assert rows[code].responsible_unit.short_name == "GAD"
        assert rows[code].lead is not None
        assert rows[code].decision_points
        assert rows[code].target_date is not None
        assert rows[code].budget_planned
    assert rows["1.1.2"].state == Element.State.IN_PROGRESS  # "Active" in the seed grid
    assert rows["1.1.3"].responsible_unit.parent.short_name == "GAD"

    org = Organisation.get()
    assert (org.name, org.default_currency, org.time_zone, org.fiscal_year_start_month) == (
        "Dornod Aimag Governor's Office",
        "MNT",
        "Asia/Ulaanbaatar",
        1,
    )


def test_it_models_the_booklet_of_extractive_industries_with_milestones() -> None:
    demo()
    booklet = Element.objects.get(title__contains="Booklet of extractive industries")
    assert booklet.plan.title == DORNOD_PLAN_TITLE
    assert booklet.responsible_unit.name == "Environment and extractive industry Task Force"
    assert booklet.lead is not None and booklet.contributors.exists()
    milestones = list(booklet.milestones.order_by("due_date"))
    assert len(milestones) >= 4
    assert "soums" in milestones[0].title and milestones[0].done_date and milestones[0].decision
    assert "Validation workshop" in milestones[2].title and milestones[2].decision
    assert milestones[-1].done_date is None and milestones[-1].is_overdue


def test_it_spreads_states_health_priorities_and_budgets_realistically() -> None:
    demo()
    actions = Element.objects.filter(plan__title=DORNOD_PLAN_TITLE, depth=3)
    assert set(actions.values_list("state", flat=True)) == set(Element.State.values)
    overrides = actions.exclude(health_override="")
    assert {"at_risk", "off_track"} <= set(overrides.values_list("health_override", flat=True))
    assert all(e.health_override_reason for e in overrides)
    for e in actions.filter(state=Element.State.COMPLETED):
        assert e.completed_date and e.percent_complete == 100
    assert actions.filter(state=Element.State.IN_PROGRESS, completed_date__isnull=True).exists()
    assert any(e.is_overdue for e in actions)
    assert actions.filter(quick_win=True).count() >= 3
    assert set(actions.values_list("priority", flat=True)) >= {"high", "medium"}
    assert actions.filter(budget_planned__gt=0, budget_spent__gt=0).count() >= 10
    assert actions.exclude(resources_needed="").count() >= 10
    assert (
        Milestone.objects.filter(element__plan__title=DORNOD_PLAN_TITLE, done_date__isnull=False)
        .exclude(decision="")
        .exists()
    )


def test_it_loads_the_saypro_plan_with_six_areas_and_twelve_steps() -> None:
    demo()
    plan = Plan.objects.get(title=SAYPRO_PLAN_TITLE)
    assert plan.owner_unit.name == "SayPro" and plan.owner_unit.parent is None
    assert plan.parent is not None and plan.parent.title == SAYPRO_FRAMEWORK_TITLE
    assert (plan.cadence, plan.tiers) == ("monthly", ["Area", "Action step"])
    assert plan.start_date.month == plan.end_date.month == 2
    elements = Element.objects.filter(plan=plan)
    assert list(elements.filter(depth=1).values_list("title", flat=True)) == SAYPRO_AREAS
    steps = {e.code: e for e in elements.filter(depth=2).select_related("responsible_unit", "lead")}
    assert len(steps) == 12
    drafted = {
        int(pk): (
            datetime.date.fromisoformat(e["start_date"]),
            datetime.date.fromisoformat(e["target_date"]),
        )
        for pk, e in Baseline.objects.get(plan=plan, number=1).entries.items()
        if e["start_date"]
    }
    moved = [e.code for e in steps.values() if (e.start_date, e.target_date) != drafted[e.pk]]
    assert moved == ["3.1"]
    for code, (title, teams, weeks) in SAYPRO_STEPS.items():
        step = steps[code]
        assert step.title == title
        assert step.description and step.resources_needed
        assert step.responsible_unit.name == teams[0]
        assert teams[0] in unit_names(step.lead)
        for team in teams[1:]:
            assert any(team in unit_names(p) for p in step.contributors.all()), (code, team)
        # The seed's timeline is the plan as drafted (baseline v1): the mid-month evaluation
        # moved the monitoring system's go-live (3.1) to March.
        start, target = drafted[step.pk]
        assert start == WEEKS[weeks[0]][0]
        assert target == WEEKS[weeks[-1]][1]
        assert plan.start_date <= start <= target <= plan.end_date
        assert "Timeline: " in step.notes
    assert "Week 2 and Week 4 (February)" in steps["5.1"].notes
    assert "Ongoing (Weekly throughout February)" in steps["4.2"].notes
    assert "Week 5 (End of February)" in steps["6.2"].notes


def test_it_has_people_in_every_role() -> None:
    demo()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    admin = Person.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert Membership.objects.get(person=admin).unit.name == "Dornod Aimag Governor's Office"
    assert Membership.objects.get(person=admin).role == Role.ADMIN
    for role in ("manager", "contributor", "viewer"):
        membership = Membership.objects.get(person__username=role)
        assert (membership.role, membership.unit.short_name) == (role, "GAD")
    assert Person.objects.count() == len(PEOPLE)
    units_with_roles = Membership.objects.values("unit").distinct().count()
    assert units_with_roles >= 10
    assert Unit.objects.filter(parent__name="SayPro").count() == 7


def test_it_is_idempotent() -> None:
    demo()
    before = counts()
    out = demo()
    assert counts() == before
    assert "nothing was added" in out
    assert Plan.objects.count() == 4


def test_it_adds_only_what_is_missing_and_leaves_changes_alone() -> None:
    demo()
    saypro = Plan.objects.get(title=SAYPRO_PLAN_TITLE)
    Review.all_objects.filter(plan=saypro).delete()  # a review keeps its period (PROTECT)
    saypro.delete()  # hard delete: gone entirely
    kept = Element.objects.get(plan__title=DORNOD_PLAN_TITLE, code="1.1.2")
    Element.objects.filter(pk=kept.pk).update(percent_complete=90)
    viewer = Person.objects.get(username="viewer")
    viewer.set_password("a-new-secret-of-their-own")
    viewer.save()

    out = demo()

    assert "1 plan," in out and "18 elements" in out and "3 indicators" in out
    assert "dimension" not in out
    assert Plan.objects.count() == 4
    again = Plan.objects.get(title=SAYPRO_PLAN_TITLE)
    assert again.parent is not None and again.parent.title == SAYPRO_FRAMEWORK_TITLE
    assert Measurement.objects.filter(indicator__plan=again, status="approved").count() == 3
    # The plan made again gets its progress updates and reviews again; the others keep theirs.
    assert ProgressUpdate.objects.filter(element__plan=again).count() == 11
    assert Review.objects.filter(plan=again).count() == 2
    assert Review.objects.count() == 11
    assert Element.objects.get(pk=kept.pk).percent_complete == 90
    viewer_line = next(line for line in out.splitlines() if line.split()[:1] == ["viewer"])
    assert "(changed)" in viewer_line and DEMO_PASSWORD not in viewer_line


def test_it_skips_with_if_empty_when_a_unit_exists() -> None:
    Unit.objects.create(name="Somebody's unit", path="/1/")
    out = demo("--if-empty")
    assert len(out.strip().splitlines()) == 1
    assert "not loaded" in out
    assert not Plan.objects.exists() and not Person.objects.exists()


def test_it_skips_with_if_empty_after_loading_and_loads_an_empty_database() -> None:
    demo("--if-empty")
    assert Plan.objects.count() == 4
    before = counts()
    out = demo("--if-empty")
    assert "not loaded" in out
    assert counts() == before


def test_it_prints_every_login_with_the_password_and_where_to_sign_in() -> None:
    out = demo("--url", "https://waymark.example.org/")
    assert "https://waymark.example.org/" in out
    lines = out.splitlines()
    for person in PEOPLE:
        line = next(line for line in lines if line.split()[:1] == [person.username])
        assert DEMO_PASSWORD in line
        assert person.first_name in line
    assert "admin" in out and "manager" in out and "superuser" in out


def test_it_logs_the_changes_as_the_admin() -> None:
    demo()
    admin = Person.objects.get(username="admin")
    by_admin = Change.objects.filter(actor=admin)
    kinds = set(by_admin.values_list("object_type__model", "action"))
    for kind in [
        ("unit", "create"),
        ("person", "create"),
        ("membership", "create"),
        ("plan", "create"),
        ("element", "create"),
        ("element", "update"),
        ("milestone", "create"),
        ("organisation", "update"),
    ]:
        assert kind in kinds
    element = Element.objects.get(plan__title=DORNOD_PLAN_TITLE, code="1.1.2")
    update = (
        by_admin.filter(object_id=element.pk, object_type__model="element", action="update")
        .order_by("id")
        .first()
    )
    assert update is not None and update.before is not None and update.after is not None
    assert (update.before["state"], update.after["state"]) == ("not_started", "in_progress")
    # Someone else's work: the indicator data (entered by its owners, reviewed by managers), the
    # progress updates (written by the leads, accepted by managers, whose acceptance carries the
    # health and percent onto the element) and SayPro's reviews (run by its COO, with the
    # baselines and action items they make).
    others = Change.objects.exclude(actor=admin)
    theirs = {"measurement", "progressupdate", "element", "review", "reviewitem", "baseline"}
    theirs.add("actionitem")
    assert others.exclude(object_type__model__in=theirs).count() == 1  # the admin's creation
    assert {"contributor", "khishigsuren", "manager", "kagiso", "lerato", "thandiwe"} <= set(
        others.values_list("actor__username", flat=True)
    )
    assert others.filter(object_type__model="element", actor__username="manager").exists()
    # One load, one request id: the whole demo reads as one batch of work in the change log.
    assert Change.objects.order_by().values("request_id").distinct().count() == 1


def test_it_lets_the_admin_sign_in_with_the_printed_password() -> None:
    out = demo()
    admin_line = next(line for line in out.splitlines() if line.split()[:1] == ["admin"])
    password = admin_line.split()[1]
    assert authenticate(username="admin", password=password) == Person.objects.get(username="admin")
    assert authenticate(username="manager", password=password) is not None
    assert authenticate(username="admin", password="wrong") is None


def test_its_help_explains_the_options() -> None:
    from waymark.core.management.commands.demo import Command

    help_text = Command().create_parser("waymark", "demo").format_help()
    assert "--if-empty" in help_text and "--url" in help_text
    assert DEMO_PASSWORD in help_text


# -- indicators --------------------------------------------------------------------------------
def indicator(plan_title: str, code: str) -> Indicator:
    return Indicator.objects.get(plan__title=plan_title, code=code)


def test_it_measures_every_plan_with_approved_data_owned_by_demo_people() -> None:
    demo()
    for title in (
        DORNOD_PLAN_TITLE,
        DORNOD_PROGRAMME_TITLE,
        SAYPRO_PLAN_TITLE,
        SAYPRO_FRAMEWORK_TITLE,
    ):
        indicators = Indicator.objects.filter(plan__title=title)
        assert indicators.count() >= 3, title
        for ind in indicators:
            assert ind.elements.exists() and ind.data_owners.exists(), ind
            assert ind.target_value is not None and ind.targets.exists(), ind
            assert ind.baseline_value is not None or ind.baseline_not_available, ind
            approved = ind.measurements.filter(status=Measurement.Status.APPROVED)
            assert approved.exists(), ind
    trained = indicator(DORNOD_PLAN_TITLE, "1.1.1.a")
    assert trained.title == "Share of soum and bag officials trained"
    assert (trained.measure_type, trained.frequency) == ("percentage", "quarterly")
    assert trained.elements.get().code == "1.1.1"
    assert set(trained.reporting_units.values_list("short_name", flat=True)) == {"GAD", "LAD"}
    assert set(trained.dimensions.values_list("name", flat=True)) == {"Soum", "Sex"}
    assert trained.targets.count() == 4
    open_days = indicator(DORNOD_PLAN_TITLE, "1.1.3.a")
    assert "open door" in open_days.title and open_days.frequency == "monthly"
    assert open_days.elements.get().code == "1.1.3"
    assert Indicator.objects.filter(
        plan__title=SAYPRO_PLAN_TITLE,
        title="Monthly report delivered on time",
        measure_type="yes_no",
    ).exists()
    assert Indicator.objects.filter(title="Number of M&E staff trained").exists()
    # Percentages keep numerator and denominator.
    assert not trained.measurements.filter(denominator__isnull=True).exists()


def test_it_holds_two_years_of_data_in_the_parent_plans() -> None:
    demo()
    requests = indicator(DORNOD_PROGRAMME_TITLE, "1.1.a")
    labels = set(
        requests.measurements.filter(status=Measurement.Status.APPROVED).values_list(
            "period__label", flat=True
        )
    )
    assert {f"{y}-Q{q}" for y in (2016, 2017) for q in (1, 2, 3, 4)} - {"2017-Q4"} <= labels
    assert requests.targets.count() == 20  # every quarter of the programme's term
    on_time = indicator(SAYPRO_FRAMEWORK_TITLE, "1.1.a")
    months = on_time.measurements.values_list("period__start", flat=True)
    assert len(months) >= 24 and min(months) == datetime.date(2024, 1, 1)


def test_it_tells_returned_submitted_late_draft_and_disaggregated_values() -> None:
    demo()
    counts = Counter(Measurement.objects.values_list("status", flat=True))
    assert counts["approved"] > 4 * (counts["returned"] + counts["submitted"] + counts["draft"])
    assert counts["returned"] >= 3 and counts["submitted"] >= 4 and counts["draft"] >= 2
    for m in Measurement.objects.filter(status=Measurement.Status.RETURNED):
        assert last_reason(m), m
    # Returned once, corrected, then approved: the workflow keeps every step.
    corrected = Measurement.objects.filter(
        status="approved", transitions__to_status="returned"
    ).distinct()
    assert corrected.count() >= 2
    for m in corrected:
        steps = list(m.transitions.values_list("to_status", flat=True))
        assert steps == ["draft", "submitted", "returned", "submitted", "approved"]
    # Late: submitted after the period's last day; the steps carry the story's dates.
    zone = ZoneInfo(Organisation.get().time_zone)
    submitted = Measurement.objects.filter(submitted_at__isnull=False).select_related("period")
    late = [m for m in submitted if m.late]
    assert len(late) >= 10
    for m in submitted:
        assert (m.submitted_at.astimezone(zone).date() > m.period.end) == m.late, m
    loan = Measurement.objects.get(indicator__code="2.1.1.a", period__label="2017-Q3")
    assert loan.late and loan.submitted_at.astimezone(zone).date() == datetime.date(2017, 10, 4)
    assert all(t.time.year in (2017, 2018) for t in loan.transitions.all())
    by_soum = Measurement.objects.filter(breakdown__has_key="Soum")
    by_sex = Measurement.objects.filter(breakdown__has_key="Sex")
    assert by_soum.count() >= 10 and by_sex.count() >= 10
    assert by_soum.filter(breakdown__has_key="Sex").exists()


def test_its_figures_give_actuals_and_flag_the_breakdown_that_does_not_add_up() -> None:
    demo()
    trained = indicator(DORNOD_PLAN_TITLE, "1.1.1.a")
    periods = list(Period.objects.filter(plan=trained.plan, frequency="quarterly"))
    cells = selectors.figures([trained], periods)[trained.pk]
    by_label = {cell.period.label: cell for cell in cells.values()}
    q2 = by_label["2017-Q2"]
    assert q2.actual is not None and (q2.actual.numerator, q2.actual.denominator) == (201, 212)
    assert q2.target == 95 and not q2.flags
    assert set(q2.breakdown) == {"Soum", "Sex"} and len(q2.breakdown["Soum"]) == 14
    assert [(dimension, diff) for _, dimension, diff in by_label["2017-Q3"].flags] == [("Sex", -2)]
    assert by_label["2017-Q4"].actual is None  # nothing approved yet
    life = selectors.life_of_plan(trained, cells)  # the latest per unit: 203 of 212
    assert life is not None and (life.numerator, life.denominator) == (203, 212)
    flagged = [
        (ind.code, cell.period.label)
        for ind in Indicator.objects.all()
        for cell in selectors.figures([ind], list(Period.objects.filter(plan=ind.plan)))[
            ind.pk
        ].values()
        if cell.flags
    ]
    assert flagged == [("1.1.1.a", "2017-Q3")]


def test_it_leaves_values_owed_and_awaiting_review_for_the_demo_logins() -> None:
    demo()
    owed = selectors.data_owed_by(Person.objects.get(username="contributor"))
    rows = {(d.indicator.code, d.period.label, d.unit.short_name): d for d in owed}
    assert ("1.1.1.a", "2017-Q4", "GAD") in rows and rows[
        ("1.1.1.a", "2017-Q4", "GAD")
    ].measurement is None
    returned = rows[("1.1.1.a", "2017-Q4", "LAD")].measurement
    assert returned is not None and returned.status == "returned"
    assert ("1.1.3.a", "2017-12", "GAD") in rows
    awaiting = selectors.awaiting_review_by(Person.objects.get(username="manager"))
    assert awaiting.filter(indicator__code="1.1.3.a", period__label="2017-12").exists()
    # The year-end periods stay open, with a reason; the load's own unlocks are locked again.
    unlocked = Period.objects.filter(unlocked_until__gt=timezone.now())
    assert sorted(unlocked.values_list("label", flat=True)) == ["2017-12", "2017-Q4"]
    assert set(unlocked.values_list("unlock_reason", flat=True)) == {OPEN_REASON}
    relocked = Period.objects.filter(
        unlock_reason__in=[LOAD_REASON, UNLOCK_REASON], unlocked_until__isnull=True
    )
    assert relocked.filter(unlock_reason=LOAD_REASON).exists()
    assert relocked.filter(unlock_reason=UNLOCK_REASON).exists()
    # Each unlock for the load is followed by its lock; the periods left open were unlocked once.
    for period in Period.objects.filter(unlock_reason__gt=""):
        changes = list(
            Change.objects.filter(object_type__model="period", object_id=period.pk).order_by("id")
        )
        locks = [c for c in changes if c.after and c.after.get("unlocked_until") is None]
        assert len(changes) == 2 * len(locks) + (period in unlocked), period


def test_a_second_load_adds_no_indicator_data() -> None:
    demo()
    before = counts()
    assert before["Indicator"] == 16 and before["Measurement"] > 120
    demo()
    assert counts() == before
    assert (
        not Period.objects.filter(unlocked_until__gt=timezone.now())
        .exclude(unlock_reason=OPEN_REASON)
        .exists()
    )


# -- the reporting cycle -------------------------------------------------------------------------
@pytest.fixture(scope="class")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo loaded once for the class: each test runs in a savepoint of this transaction,
    which is rolled back at the end (the demo takes seconds to load)."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo()
        yield
        transaction.set_rollback(True)


def plan_titled(title: str) -> Plan:
    return Plan.objects.get(title=title)


def local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(ZoneInfo(Organisation.get().time_zone)).date()


@pytest.mark.usefixtures("loaded")
class TestReportingCycle:
    def test_it_reports_progress_on_every_plan_for_a_year_of_periods(self) -> None:
        today = timezone.localdate()
        labels = {
            title: set(
                ProgressUpdate.objects.filter(element__plan__title=title).values_list(
                    "period__label", flat=True
                )
            )
            for title in (
                DORNOD_PLAN_TITLE,
                DORNOD_PROGRAMME_TITLE,
                SAYPRO_PLAN_TITLE,
                SAYPRO_FRAMEWORK_TITLE,
            )
        }
        assert labels[DORNOD_PLAN_TITLE] == {f"2017-Q{q}" for q in (1, 2, 3, 4)}
        assert labels[DORNOD_PROGRAMME_TITLE] == {f"2020-Q{q}" for q in (1, 2, 3, 4)}
        assert labels[SAYPRO_PLAN_TITLE] == {"2024-02"}
        framework = plan_titled(SAYPRO_FRAMEWORK_TITLE)
        ended = [p.label for p in reporting_periods(framework) if p.end < today]
        assert sorted(labels[SAYPRO_FRAMEWORK_TITLE]) == ended[-12:]

        statuses = Counter(ProgressUpdate.objects.values_list("status", flat=True))
        assert statuses["accepted"] > 5 * (statuses["submitted"] + statuses["returned"])
        assert statuses["submitted"] >= 5 and statuses["returned"] >= 1 and statuses["draft"] >= 1
        for update in ProgressUpdate.objects.select_related("element", "period"):
            assert update.narrative and update.health != "not_assessed", update
            assert update.author_id is not None
            if update.status != "draft":
                assert update.submitted_at is not None
                # Dated as told, and late when submitted after the due date.
                submitted = local(update.submitted_at)
                assert (
                    update.period.start
                    <= submitted
                    <= update.due_date + datetime.timedelta(days=10)
                ), update
                assert update.late == (submitted > update.due_date), update
            if update.status == "accepted":
                assert update.reviewed_by_id not in (None, update.submitted_by_id), update
        assert ProgressUpdate.objects.filter(late=True).count() >= 10
        # Returned with a comment, corrected and accepted: the change log keeps each step.
        steps: dict[int, list[str]] = {}
        for pk, after in (
            Change.objects.filter(object_type__model="progressupdate")
            .order_by("id")
            .values_list("object_id", "after")
        ):
            steps.setdefault(int(pk), []).append((after or {}).get("status", ""))
        corrected = [s for s in steps.values() if "returned" in s and s[-1] == "accepted"]
        assert len(corrected) >= 5
        # Written, submitted, returned, corrected (still returned), submitted again, accepted.
        assert ["draft", "submitted", "returned", "returned", "submitted", "accepted"] in corrected

    def test_it_leaves_gaps_on_the_completion_board(self) -> None:
        plan = plan_titled(DORNOD_PLAN_TITLE)
        periods = {p.label: p for p in reporting_periods(plan)}
        for label in ("2017-Q1", "2017-Q2", "2017-Q3"):
            board = completion_board(plan, periods[label])
            assert board.total.owed >= 15 and 0 < board.total.missing <= 3, label
        year_end = completion_board(plan, periods["2017-Q4"])
        assert year_end.total.missing > year_end.total.done > 0
        assert year_end.total.late > 0

    def test_it_closed_the_first_dornod_review_and_its_decisions_moved_target_dates(
        self,
    ) -> None:
        plan = plan_titled(DORNOD_PLAN_TITLE)
        review = Review.objects.filter(plan=plan, kind="quarterly").order_by("held_on").first()
        assert review is not None
        assert (review.period.label, review.held_on, review.state) == (
            "2017-Q1",
            datetime.date(2017, 4, 12),
            "closed",
        )
        assert review.closed_at is not None and local(review.closed_at) == review.held_on
        v1, v2 = Baseline.objects.filter(review=review).order_by("number")
        assert (v1.number, v2.number) == (1, 2)
        replanned = review.items.filter(decision="replan").select_related("element")
        assert replanned.count() == 3
        for item in replanned:
            element = item.element
            assert element.target_date == item.proposed_target
            drafted = datetime.date.fromisoformat(v1.entries[str(element.pk)]["target_date"])
            assert drafted < element.target_date  # moved later than the plan as drafted
            assert v2.entries[str(element.pk)]["target_date"] == element.target_date.isoformat()
            assert item.reasons.exists() and item.applied_at is not None
        comparison = baseline_comparison(plan, v1)
        assert comparison.slipped >= 3 and comparison.largest is not None
        # The other decisions: a new lead, more money, each followed up as a done action item.
        reassigned = review.items.get(decision="reassign")
        assert reassigned.element.lead == reassigned.new_lead
        assert reassigned.new_lead is not None and reassigned.new_lead.username == "contributor"
        assert review.items.filter(decision="add_resources").exists()
        actions = ActionItem.objects.filter(review_item__review=review)
        assert actions.count() == 2
        for action in actions:
            assert action.status == "done" and action.outcome and action.done_at is not None
            assert action.done_at.year == 2017
        assert Notification.objects.filter(
            person=reassigned.new_lead, kind="assigned", created_at__year=2017
        ).exists()

    def test_it_holds_two_quarterly_reviews_and_a_mid_month_evaluation_on_every_plan(
        self,
    ) -> None:
        for plan in Plan.objects.all():
            reviews = list(Review.objects.filter(plan=plan).order_by("held_on"))
            kinds = Counter(r.kind for r in reviews)
            if plan.title == SAYPRO_PLAN_TITLE:  # one month: a mid-month and a month-end review
                assert kinds == {"quarterly": 1, "mid_month": 1}
                assert [r.held_on.day for r in reviews] == [9, 29]
            else:
                assert kinds == {"quarterly": 2, "mid_month": 1}, plan
            *past, latest = reviews
            assert latest.state == "open", plan  # left for a user to run
            assert {r.state for r in past} == {"closed"}, plan
            for review in past:
                for item in review.items.all():
                    assert item.decision or not needs_decision(item), item
            answered = latest.items.exclude(on_track="")
            assert answered.exists() and latest.items.filter(on_track="").exists()
            assert ReviewReason.objects.filter(item__review=latest).exists()
            assert all(
                r.held_on < timezone.localdate() + datetime.timedelta(days=1) for r in reviews
            )

    def test_it_gives_the_reason_analytics_every_code_across_units_tiers_and_years(
        self,
    ) -> None:
        counts = reason_counts(Person.objects.get(username="admin"))
        assert all(code.count >= 2 for code in counts.by_code), counts.by_code
        assert len(counts.by_year) >= 3 and {"2017", "2020", "2024"} <= {
            row.label for row in counts.by_year
        }
        assert len(counts.by_unit) >= 8
        assert len(counts.by_tier) >= 3
        assert len(counts.by_period) >= 6
        assert all(code.recent for code in counts.by_code)  # each said in words
        assert not ReviewReason.objects.filter(text="").exists()

    def test_it_leaves_updates_owed_today_for_the_demo_logins(self) -> None:
        def owed(username: str) -> set[tuple[str, str, str]]:
            person = Person.objects.get(username=username)
            return {
                (d.element.code, d.period.label, d.update.status if d.update else "")
                for d in updates_owed_by(person)
            }

        assert ("1.1.2", "2017-Q4", "") in owed("contributor")  # reassigned to her in April
        assert {("1.1", "2017-Q4", ""), ("1.2.2", "2017-Q4", "")} <= owed("manager")
        assert ("2.2.1", "2017-Q4", "returned") in owed("munkhbat")
        assert ("1.1.3", "2017-Q4", "draft") in owed("khishigsuren")
        assert updates_awaiting(Person.objects.get(username="admin")).exists()
        today = timezone.localdate()
        framework = plan_titled(SAYPRO_FRAMEWORK_TITLE)
        current = [p for p in reporting_periods(framework) if p.start <= today <= p.end]
        if current:  # the framework runs to the end of 2026
            assert ("1.1", current[0].label, "") in owed("lerato")

    def test_its_updates_end_where_the_demo_plans_stand(self) -> None:
        """The last accepted update carries its percent onto the element: the stories end at
        the demo's percent, and the demo's health overrides keep their reasons."""
        spec = next(s for s in PLANS if s.key == "dornod")
        progress: dict[str, dict[str, Any]] = {}

        def walk(nodes: Any, prefix: str) -> None:
            for i, node in enumerate(nodes, start=1):
                progress[f"{prefix}{i}"] = dict(node.progress)
                walk(node.children, f"{prefix}{i}.")

        walk(spec.elements, "")
        actions = Element.objects.filter(plan__title=DORNOD_PLAN_TITLE, depth=3)
        for element in actions:
            told = progress[element.code]
            percent = 100 if told.get("state") == "completed" else told.get("percent_complete", 0)
            assert element.percent_complete == percent, element
            if told.get("health_override"):
                assert element.health_override == told["health_override"], element
                assert element.health_override_reason == told["health_override_reason"]
        # Where the demo gave no override, an accepted update's health stands in, with why.
        screening = actions.get(code="4.2.1")
        assert screening.health_override == "at_risk"
        assert "2017-Q3 progress update" in screening.health_override_reason

    def test_a_second_load_adds_no_reporting_data(self) -> None:
        before = counts()
        assert before["ProgressUpdate"] > 150 and before["Review"] == 11
        out = demo()
        assert "nothing was added" in out
        assert counts() == before
        assert not Period.objects.filter(
            unlocked_until__gt=timezone.now(), unlock_reason=UNLOCK_REASON
        ).exists()
