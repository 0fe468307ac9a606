"""`waymark demo`: the seeds' plans, people in every role, idempotent, and the printed logins."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from waymark.core.demo import (
    DEMO_PASSWORD,
    DORNOD_PLAN_TITLE,
    PEOPLE,
    SAYPRO_PLAN_TITLE,
    WEEKS,
)
from waymark.core.models import Change
from waymark.core.roles import Role
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
            (Change, Change.objects),
        ]
    }


def unit_names(person: Person) -> set[str]:
    return set(person.memberships.values_list("unit__name", flat=True))


def test_it_loads_the_dornod_plan_with_the_seed_grid_rows() -> None:
    demo()
    assert Plan.objects.count() == 2
    plan = Plan.objects.get(title=DORNOD_PLAN_TITLE)
    assert plan.owner_unit.name == "Dornod Aimag Governor's Office"
    assert plan.owner_unit.parent is None
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
    assert Plan.objects.count() == 2


def test_it_adds_only_what_is_missing_and_leaves_changes_alone() -> None:
    demo()
    Plan.objects.get(title=SAYPRO_PLAN_TITLE).delete()  # hard delete: gone entirely
    kept = Element.objects.get(plan__title=DORNOD_PLAN_TITLE, code="1.1.2")
    Element.objects.filter(pk=kept.pk).update(percent_complete=90)
    viewer = Person.objects.get(username="viewer")
    viewer.set_password("a-new-secret-of-their-own")
    viewer.save()

    out = demo()

    assert "1 plan," in out and "18 elements" in out
    assert Plan.objects.count() == 2
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
    assert Plan.objects.count() == 2
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
    assert Change.objects.exclude(actor=admin).count() == 1  # the admin's own creation
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
