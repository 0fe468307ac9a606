"""`waymark demo`: the seeds' plans, people in every role, idempotent, and the printed logins."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
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
from waymark.org.models import Membership, Organisation, Person, Unit
from waymark.plans.models import Element, Milestone, Plan

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
    for code, (title, teams, weeks) in SAYPRO_STEPS.items():
        step = steps[code]
        assert step.title == title
        assert step.description and step.resources_needed
        assert step.responsible_unit.name == teams[0]
        assert teams[0] in unit_names(step.lead)
        for team in teams[1:]:
            assert any(team in unit_names(p) for p in step.contributors.all()), (code, team)
        assert step.start_date == WEEKS[weeks[0]][0]
        assert step.target_date == WEEKS[weeks[-1]][1]
        assert plan.start_date <= step.start_date <= step.target_date <= plan.end_date
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
    Plan.objects.get(title=SAYPRO_PLAN_TITLE).delete()  # hard delete: gone entirely
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
    update = by_admin.get(object_id=element.pk, object_type__model="element", action="update")
    assert update.before is not None and update.after is not None
    assert (update.before["state"], update.after["state"]) == ("not_started", "in_progress")
    # Only the indicator data is someone else's work: entered by its owners, reviewed by managers.
    others = Change.objects.exclude(actor=admin)
    assert others.exclude(object_type__model="measurement").count() == 1  # the admin's creation
    assert {"contributor", "khishigsuren", "manager", "kagiso", "lerato"} <= set(
        others.values_list("actor__username", flat=True)
    )
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
    relocked = Period.objects.filter(unlock_reason=LOAD_REASON, unlocked_until__isnull=True)
    assert relocked.exists()
    period_changes = Change.objects.filter(object_type__model="period")
    assert period_changes.count() == 2 * relocked.count() + unlocked.count()


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
