"""Demo data: the Dornod Aimag Governor's Office with its 2017 action plan (under the Governor's
action programme 2016-2020), and SayPro with its February action plan (under its M&E framework
2024-2026), the people who work on them (one in every role) and their logins; and the plans'
indicators with their targets and data (`demo_indicators.py`).

`load_demo()` adds whatever part of the demo is missing and never changes or deletes anything
that exists: units are found by name under their parent, people by username, plans by title,
indicators by plan and code. Running it twice changes nothing the second time. The
organisation, people and plans are written through the services with the demo admin as actor,
the indicator data as the people who enter and review it, so the change log reads like real
work; the whole load is one transaction and one request id.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from waymark.core.context import new_request_id, reset_request_id, set_request_id
from waymark.core.demo_indicators import load_indicators
from waymark.core.demo_reporting import load_reporting
from waymark.core.roles import ROLE_RANK, Role
from waymark.core.services import record_create
from waymark.org.models import Membership, Organisation, Person, Unit
from waymark.org.services import membership_set, organisation_update, person_invite, unit_create
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_create, element_update, milestone_create, plan_create

# One published password for every demo login: this is demo data, not an installation to keep.
DEMO_PASSWORD = "waymark-demo"  # noqa: S105
# A fixed salt makes the demo hash reproducible, so a run can tell (without hashing again per
# person) whether a demo login still has the demo password before printing it.
DEMO_SALT = "waymarkdemosalt"
ADMIN_USERNAME = "admin"
DORNOD_PLAN_TITLE = "Dornod Aimag's economic and social development goals 2017"
DORNOD_PROGRAMME_TITLE = "Dornod Aimag Governor's action programme 2016-2020"
SAYPRO_PLAN_TITLE = "SayPro February action plan"
SAYPRO_FRAMEWORK_TITLE = "SayPro M&E framework 2024-2026"

NOT_STARTED = Element.State.NOT_STARTED
IN_PROGRESS = Element.State.IN_PROGRESS
ON_HOLD = Element.State.ON_HOLD
COMPLETED = Element.State.COMPLETED
CANCELLED = Element.State.CANCELLED
HIGH, LOW = Element.Priority.HIGH, Element.Priority.LOW
AT_RISK, OFF_TRACK = "at_risk", "off_track"


# -- the organisation --------------------------------------------------------
ORGANISATION = {
    "name": "Dornod Aimag Governor's Office",
    "default_currency": "MNT",
    "time_zone": "Asia/Ulaanbaatar",
    "fiscal_year_start_month": 1,
}

# key, name, short name, parent key (None: a top-level unit)
UNITS: tuple[tuple[str, str, str, str | None], ...] = (
    ("root", "Dornod Aimag Governor's Office", "Governor's Office", None),
    ("gad", "Governor's Administration Department", "GAD", "root"),
    ("gad-local", "Local Administration Division", "LAD", "gad"),
    ("ftd", "Finance and Treasury Department", "FTD", "root"),
    ("ftd-treasury", "Treasury Division", "Treasury", "ftd"),
    ("fali", "Food, Agriculture and Light Industry Department", "FALI", "root"),
    ("etd", "Environment and Tourism Department", "ETD", "root"),
    ("eitf", "Environment and extractive industry Task Force", "Task Force", "root"),
    ("sdd", "Social Development Department", "SDD", "root"),
    ("eca", "Education, Culture and Arts Department", "ECA", "root"),
    ("health", "Health Department", "HD", "root"),
    ("saypro", "SayPro", "SayPro", None),
    ("sp-strategy", "Strategy Team", "Strategy", "saypro"),
    ("sp-me", "M&E Team", "M&E", "saypro"),
    ("sp-comms", "Communication Team", "Comms", "saypro"),
    ("sp-it", "IT Department", "IT", "saypro"),
    ("sp-hr", "HR Training Department", "HR Training", "saypro"),
    ("sp-pm", "Program Managers", "PM", "saypro"),
    ("sp-lead", "Senior Leadership", "Leadership", "saypro"),
)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    job_title: str
    roles: tuple[tuple[str, str], ...]  # (unit key, role)
    domain: str = "dornod.example"

    @property
    def email(self) -> str:
        return f"{self.username}@{self.domain}"


def _dornod(username: str, first: str, last: str, job: str, *roles: tuple[str, str]) -> DemoPerson:
    return DemoPerson(username, first, last, job, roles)


def _saypro(username: str, first: str, last: str, job: str, *roles: tuple[str, str]) -> DemoPerson:
    return DemoPerson(username, first, last, job, roles, domain="saypro.example")


A, M, C, V = Role.ADMIN, Role.MANAGER, Role.CONTRIBUTOR, Role.VIEWER
PEOPLE: tuple[DemoPerson, ...] = (
    _dornod("admin", "Oyunchimeg", "Dorj", "Head of policy planning and M&E", ("root", A)),
    _dornod(
        "manager",
        "Bat-Erdene",
        "Gantulga",
        "Head of the Governor's Administration Department",
        ("gad", M),
    ),
    _dornod(
        "contributor", "Enkhjargal", "Tserendorj", "Public service training officer", ("gad", C)
    ),
    _dornod("viewer", "Tumurbaatar", "Ganbold", "Public relations officer", ("gad", V)),
    _dornod("sukhbaatar", "Sukhbaatar", "Purevdorj", "Human resource officer", ("gad", C)),
    _dornod(
        "khishigsuren", "Khishigsuren", "Lkhagva", "Local administration officer", ("gad-local", C)
    ),
    _dornod("narantuya", "Narantuya", "Batjargal", "Deputy Governor", ("root", V)),
    _dornod(
        "sarangerel",
        "Sarangerel",
        "Baatar",
        "Head of the Finance and Treasury Department",
        ("ftd", M),
    ),
    _dornod("munkhbat", "Munkhbat", "Erdenebat", "Revenue officer", ("ftd-treasury", C)),
    _dornod(
        "gantumur",
        "Gantumur",
        "Batsaikhan",
        "Head of the Food, Agriculture and Light Industry Department",
        ("fali", M),
    ),
    _dornod("ganzorig", "Ganzorig", "Tumendemberel", "SME and cooperatives officer", ("fali", C)),
    _dornod(
        "altantsetseg",
        "Altantsetseg",
        "Sodnom",
        "Head of the Environment and Tourism Department",
        ("etd", M),
        ("eitf", C),
    ),
    _dornod("batbayar", "Batbayar", "Chuluun", "Environmental inspector", ("etd", C)),
    _dornod(
        "tsogtbaatar",
        "Tsogtbaatar",
        "Damdin",
        "Head of the Environment and extractive industry Task Force",
        ("eitf", M),
    ),
    _dornod("nomin", "Nomin", "Altangerel", "Mining and petroleum officer", ("eitf", C)),
    _dornod(
        "erdenechimeg",
        "Erdenechimeg",
        "Ochir",
        "Head of the Social Development Department",
        ("sdd", M),
    ),
    _dornod("bolormaa", "Bolormaa", "Jamiyan", "Employment officer", ("sdd", C)),
    _dornod(
        "undral",
        "Undral",
        "Sanjaa",
        "Head of the Education, Culture and Arts Department",
        ("eca", M),
    ),
    _dornod("saruul", "Saruul", "Munkhjargal", "School inspector", ("eca", V)),
    _dornod(
        "otgonbayar", "Otgonbayar", "Khurelbaatar", "Head of the Health Department", ("health", M)
    ),
    _dornod("ariunaa", "Ariunaa", "Shagdar", "Public health officer", ("health", C)),
    _saypro("thandiwe", "Thandiwe", "Mokoena", "Chief Operations Officer", ("saypro", M)),
    _saypro("themba", "Themba", "Mthembu", "Executive Director", ("sp-lead", M)),
    _saypro("sipho", "Sipho", "Ndlovu", "Strategy Lead", ("sp-strategy", M)),
    _saypro("lerato", "Lerato", "Dlamini", "M&E Coordinator", ("sp-me", M)),
    _saypro("kagiso", "Kagiso", "Molefe", "M&E Officer", ("sp-me", C)),
    _saypro("nomsa", "Nomsa", "Khumalo", "Communications Manager", ("sp-comms", M)),
    _saypro("pieter", "Pieter", "van der Merwe", "IT Manager", ("sp-it", A)),
    _saypro("ayanda", "Ayanda", "Zulu", "HR Training Officer", ("sp-hr", C)),
    _saypro("zanele", "Zanele", "Mahlangu", "Senior Program Manager", ("sp-pm", M)),
    _saypro("tebogo", "Tebogo", "Sithole", "Program Manager", ("sp-pm", C)),
    _saypro("anele", "Anele", "Nkosi", "Board liaison", ("saypro", V)),
)


# -- plans -----------------------------------------------------------------
@dataclass(frozen=True)
class Stone:
    """A milestone: due, and when done, the date and the decision recorded."""

    title: str
    due: datetime.date
    done: datetime.date | None = None
    decision: str = ""


@dataclass(frozen=True)
class Node:
    """An element to create. `fields` are written at creation (the plan as drafted); `progress`
    afterwards with element_update (the tracking), so the change log shows both steps."""

    title: str
    unit: str | None = None
    lead: str | None = None
    contributors: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    progress: Mapping[str, Any] = field(default_factory=dict)
    milestones: tuple[Stone, ...] = ()
    children: tuple[Node, ...] = ()


@dataclass(frozen=True)
class PlanSpec:
    key: str  # how the indicators name the plan
    owner: str
    fields: Mapping[str, Any]
    elements: tuple[Node, ...]
    parent: str | None = None  # the key of the plan this one is aligned to


def d(month: int, day: int) -> datetime.date:
    return datetime.date(2017, month, day)


def feb(day: int) -> datetime.date:
    return datetime.date(2024, 2, day)


def lines(*items: str) -> str:
    return "\n".join(items)


# The Governor's medium-term programme: the 2017 plan is its second year. Its indicators carry
# the two years of quarterly data (2016 and 2017) that an annual plan cannot hold.
TERM_START, TERM_END = datetime.date(2016, 1, 1), datetime.date(2020, 12, 31)


def objective(title: str, unit: str, lead: str, percent: int, **fields: Any) -> Node:
    """An objective of a multi-year plan: the whole term, under way."""
    return Node(
        title,
        unit=unit,
        lead=lead,
        fields={"start_date": TERM_START, "target_date": TERM_END, **fields},
        progress={"state": IN_PROGRESS, "percent_complete": percent},
    )


DORNOD_PROGRAMME = PlanSpec(
    key="dornod-programme",
    owner="root",
    fields={
        "title": DORNOD_PROGRAMME_TITLE,
        "kind": Plan.Kind.STRATEGIC,
        "start_date": TERM_START,
        "end_date": TERM_END,
        "cadence": Plan.Cadence.QUARTERLY,
        "tiers": ["Goal", "Objective"],
        "state": Plan.State.ACTIVE,
        "vision": (
            "Dornod, the eastern gateway of Mongolia: a prosperous, green and well-governed "
            "aimag where every citizen, in Choibalsan and in the 14 soums, lives a safe and "
            "healthy life."
        ),
        "mission": (
            "The Governor's programme for the term, approved by the aimag Citizens' "
            "Representative Khural; each year's action plan carries it out."
        ),
    },
    elements=(
        Node(
            "Open, accountable and capable local government",
            unit="gad",
            lead="manager",
            fields={"policy_area": "Local governance", "priority": HIGH},
            children=(
                objective(
                    "Answer every citizen's request and complaint within 30 days",
                    "gad-local",
                    "khishigsuren",
                    45,
                    policy_area="Local governance",
                ),
                objective(
                    "Train every public servant of the aimag and the soums at least once in "
                    "the term",
                    "gad",
                    "sukhbaatar",
                    50,
                    policy_area="Local governance",
                ),
            ),
        ),
        Node(
            "A growing local economy that creates jobs",
            unit="ftd",
            lead="sarangerel",
            fields={"policy_area": "Economy"},
            children=(
                objective(
                    "Raise the aimag's own budget revenue by a third by 2020",
                    "ftd-treasury",
                    "munkhbat",
                    35,
                    policy_area="Economy",
                ),
                objective(
                    "Bring the number of registered unemployed citizens down to 2,000",
                    "sdd",
                    "bolormaa",
                    40,
                    policy_area="Social development",
                ),
            ),
        ),
    ),
)


DORNOD_PLAN = PlanSpec(
    key="dornod",
    parent="dornod-programme",
    owner="root",
    fields={
        "title": DORNOD_PLAN_TITLE,
        "kind": Plan.Kind.ANNUAL,
        "start_date": d(1, 1),
        "end_date": d(12, 31),
        "cadence": Plan.Cadence.QUARTERLY,
        # Goals and objectives take their progress from the actions beneath them.
        "progress_method": Plan.Progress.CHILDREN,
        "tiers": ["Goal", "Objective", "Action"],
        "state": Plan.State.ACTIVE,
        "vision": (
            "Dornod, the eastern gateway of Mongolia: a prosperous, green and well-governed "
            "aimag where every citizen, in Choibalsan and in the 14 soums, lives a safe and "
            "healthy life."
        ),
        "mission": (
            "Open, accountable and citizen-centred local government that uses the aimag's "
            "natural resources responsibly and invests them in its people."
        ),
        "values": "Openness; accountability to citizens; teamwork; responsibility to future "
        "generations.",
    },
    elements=(
        Node(
            "Local governance",
            unit="gad",
            lead="manager",
            fields={"policy_area": "Local governance", "priority": HIGH},
            children=(
                Node(
                    "Increase the administrative capacity of local government",
                    unit="gad",
                    lead="manager",
                    fields={"policy_area": "Local governance", "priority": HIGH},
                    children=(
                        Node(
                            "To enroll all levels of government officials in capacity building "
                            "training, seminars (Soum governor, Administration head, Bag "
                            "governor, Bag's Citizen's khural head, government officials)",
                            unit="gad",
                            lead="contributor",
                            contributors=("sukhbaatar",),
                            fields={
                                "description": "Four cohorts of two to three days in "
                                "Choibalsan for the officials of all 14 soums and their bags.",
                                "policy_area": "Local governance",
                                "priority": HIGH,
                                "start_date": d(2, 1),
                                "target_date": d(6, 30),
                                "budget_planned": "18500000",
                                "decision_points": lines(
                                    "Approve the list of officials to enrol, per soum and level "
                                    "(Governor's order)",
                                    "Choose the training provider",
                                    "Release the training budget from the local development fund",
                                ),
                                "resources_needed": "Trainers from the Academy of Management; "
                                "training hall in Choibalsan; travel allowances for soum "
                                "officials; handouts",
                                "tags": ["training"],
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(6, 23),
                                "budget_spent": "17240000",
                            },
                            milestones=(
                                Stone(
                                    "Governor's order on the training plan signed",
                                    d(2, 15),
                                    d(2, 14),
                                    "Order A/37: 212 officials from 14 soums in four "
                                    "cohorts; the Academy of Management delivers the course.",
                                ),
                                Stone(
                                    "Cohorts 1 and 2: soum governors and administration heads",
                                    d(3, 31),
                                    d(4, 7),
                                ),
                                Stone(
                                    "Cohorts 3 and 4: bag governors and bag khural heads",
                                    d(6, 15),
                                    d(6, 20),
                                ),
                                Stone(
                                    "Training report to the Governor",
                                    d(6, 30),
                                    d(6, 23),
                                    "Repeat the course in 2018 for newly appointed bag governors.",
                                ),
                            ),
                        ),
                        Node(
                            "To organize training to develop human resource and meeting to "
                            "exchange practices",
                            unit="gad",
                            lead="sukhbaatar",
                            contributors=("contributor",),
                            fields={
                                "policy_area": "Local governance",
                                "start_date": d(3, 1),
                                "target_date": d(9, 29),
                                "budget_planned": "12000000",
                                "decision_points": lines(
                                    "Agree the themes of the exchange meetings with the soum "
                                    "governors",
                                    "Choose the host soums of the regional meetings",
                                    "Decide whether to join the Q3 meeting to the Citizens' "
                                    "Khural session",
                                ),
                                "resources_needed": "Meeting venues in the host soums; transport "
                                "for participants; a facilitator",
                                "tags": ["training"],
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 55,
                                "budget_spent": "6300000",
                                "health_override": AT_RISK,
                                "health_override_reason": "Two of the four exchange meetings "
                                "were postponed: soum officials were called to the dzud response "
                                "in March and April. The remaining meetings need new dates and "
                                "2.1 million MNT moved from Q3.",
                            },
                            milestones=(
                                Stone(
                                    "Human resource development training plan approved",
                                    d(3, 15),
                                    d(3, 17),
                                    "Four regional meetings: Choibalsan, "
                                    "Khalkhgol, Matad and Dashbalbar.",
                                ),
                                Stone("Regional meeting in Khalkhgol soum", d(5, 12), d(5, 12)),
                                Stone("Regional meeting in Matad soum", d(6, 16)),
                                Stone("Summary of the exchanged practices published", d(9, 29)),
                            ),
                        ),
                        Node(
                            "To organize “Day to meet citizens”, “Open door day”, “Local "
                            "administration time” in soum, department, division, agency levels",
                            unit="gad-local",
                            lead="khishigsuren",
                            fields={
                                "policy_area": "Local governance",
                                "quick_win": True,
                                "start_date": d(1, 16),
                                "target_date": d(12, 15),
                                "budget_planned": "3500000",
                                "decision_points": lines(
                                    "Fix the monthly citizens' day of each soum and department",
                                    "Decide how requests are registered and answered (within 30 "
                                    "days)",
                                ),
                                "resources_needed": "Notice boards; the aimag website; local "
                                "radio airtime",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 70,
                                "budget_spent": "2100000",
                            },
                            milestones=(
                                Stone(
                                    "Schedule posted on soum notice boards and the website",
                                    d(1, 31),
                                    d(1, 27),
                                ),
                                Stone(
                                    "First-half report on citizens' requests",
                                    d(7, 10),
                                    d(7, 14),
                                    "Add a “Local administration time” on local "
                                    "radio every second Thursday.",
                                ),
                                Stone("Year-end report on citizens' requests", d(12, 15)),
                            ),
                        ),
                    ),
                ),
                Node(
                    "Make the aimag administration open and accountable to citizens",
                    unit="gad",
                    lead="manager",
                    fields={"policy_area": "Local governance"},
                    children=(
                        Node(
                            "To publish the aimag budget, procurement plan and their execution "
                            "on the glass account website and soum notice boards",
                            unit="ftd",
                            lead="munkhbat",
                            fields={
                                "policy_area": "Local governance",
                                "priority": HIGH,
                                "quick_win": True,
                                "start_date": d(1, 9),
                                "target_date": d(3, 31),
                                "budget_planned": "800000",
                                "resources_needed": "Finance officers' time; soum notice boards",
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(3, 10),
                                "budget_spent": "650000",
                            },
                        ),
                        Node(
                            "To introduce an electronic register of citizens' petitions and "
                            "complaints in the Governor's Office",
                            unit="gad",
                            lead="manager",
                            fields={
                                "policy_area": "Local governance",
                                "start_date": d(4, 3),
                                "target_date": d(10, 31),
                                "budget_planned": "9000000",
                                "decision_points": "Build our own register or join the national "
                                "petitions system",
                                "resources_needed": "Software; a server; training for registry "
                                "clerks",
                            },
                            progress={
                                "state": ON_HOLD,
                                "percent_complete": 20,
                                "budget_spent": "1200000",
                                "health_override": OFF_TRACK,
                                "health_override_reason": "The software was left out of the "
                                "amended 2017 aimag budget; work is on hold until the Cabinet "
                                "Secretariat says whether its national petitions system will "
                                "cover the aimags.",
                            },
                        ),
                    ),
                ),
            ),
        ),
        Node(
            "Economy",
            unit="ftd",
            lead="sarangerel",
            fields={"policy_area": "Economy"},
            children=(
                Node(
                    "Support small and medium enterprises, herders' cooperatives and local "
                    "production",
                    unit="fali",
                    lead="gantumur",
                    fields={"policy_area": "Economy", "priority": HIGH},
                    children=(
                        Node(
                            "To provide soft loans from the SME Development Fund to 40 local "
                            "enterprises and herders' cooperatives",
                            unit="fali",
                            lead="ganzorig",
                            contributors=("sarangerel",),
                            fields={
                                "policy_area": "Economy",
                                "priority": HIGH,
                                "start_date": d(2, 15),
                                "target_date": d(9, 30),
                                "budget_planned": "2400000000",
                                "decision_points": lines(
                                    "Approve the selection criteria and the scoring committee",
                                    "Approve the list of borrowers",
                                    "Decide whether to open a second round in Q4",
                                ),
                                "resources_needed": "The Fund's 2017 tranche from the Ministry; "
                                "a partner bank; scoring committee",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 42,
                                "budget_spent": "1020000000",
                                "health_override": OFF_TRACK,
                                "health_override_reason": "Only 17 of 40 loans paid out by 30 "
                                "September: the Fund's tranche from the Ministry arrived in "
                                "August, four months late.",
                            },
                            milestones=(
                                Stone("Call for applications announced", d(3, 1), d(3, 3)),
                                Stone(
                                    "Scoring committee decision, first round",
                                    d(5, 15),
                                    d(8, 28),
                                    "17 projects approved for 1.02 billion MNT; a "
                                    "second round opens on 1 October.",
                                ),
                                Stone("Scoring committee decision, second round", d(10, 31)),
                            ),
                        ),
                        Node(
                            "To organize the “Made in Dornod” trade fair of local producers in "
                            "Choibalsan",
                            unit="fali",
                            lead="ganzorig",
                            fields={
                                "policy_area": "Economy",
                                "quick_win": True,
                                "start_date": d(7, 3),
                                "target_date": d(9, 15),
                                "budget_planned": "15000000",
                                "resources_needed": "Exhibition hall; stands; advertising",
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(9, 17),
                                "budget_spent": "13800000",
                            },
                        ),
                    ),
                ),
                Node(
                    "Increase the aimag's own budget revenue",
                    unit="ftd",
                    lead="sarangerel",
                    fields={"policy_area": "Economy"},
                    children=(
                        Node(
                            "To update the immovable property tax records of all 14 soums",
                            unit="ftd-treasury",
                            lead="munkhbat",
                            fields={
                                "policy_area": "Economy",
                                "start_date": d(3, 1),
                                "target_date": d(10, 31),
                                "budget_planned": "6000000",
                                "decision_points": "Agree the data exchange with the State "
                                "Registration Office",
                                "resources_needed": "Tax inspectors' travel to the soums; "
                                "registry extracts",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 60,
                                "budget_spent": "3900000",
                                "health_override": AT_RISK,
                                "health_override_reason": "The land records of five soums do "
                                "not match the property register; the State Registration Office "
                                "must reconcile them first.",
                            },
                        ),
                        Node(
                            "To introduce cashless payment of local fees and fines at the "
                            "Citizen Service Centre",
                            unit="ftd",
                            lead="sarangerel",
                            fields={
                                "policy_area": "Economy",
                                "priority": LOW,
                                "start_date": d(4, 1),
                                "target_date": d(8, 31),
                                "budget_planned": "7500000",
                            },
                            progress={
                                "state": CANCELLED,
                                "notes": "Cancelled by the Governor on 12 June 2017: the "
                                "Ministry of Finance rolls out a national payment gateway for "
                                "local fees in 2018, and an aimag system would duplicate it.",
                            },
                        ),
                    ),
                ),
            ),
        ),
        Node(
            "Environment and extractive industries",
            unit="eitf",
            lead="tsogtbaatar",
            fields={"policy_area": "Environment and extractive industries", "priority": HIGH},
            children=(
                Node(
                    "Make information on extractive industries transparent and usable for "
                    "decisions",
                    unit="eitf",
                    lead="tsogtbaatar",
                    fields={
                        "policy_area": "Environment and extractive industries",
                        "priority": HIGH,
                    },
                    children=(
                        Node(
                            "To build the capacity of the Environment and extractive industry "
                            "Task Force to plan and monitor the implementation of the plan",
                            unit="eitf",
                            lead="tsogtbaatar",
                            fields={
                                "policy_area": "Environment and extractive industries",
                                "start_date": d(2, 20),
                                "target_date": d(4, 28),
                                "budget_planned": "4200000",
                                "resources_needed": "Adviser of the institutional transformation "
                                "project; interpreter; training room",
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(4, 28),
                                "budget_spent": "3950000",
                            },
                            milestones=(
                                Stone("Training #1: strategic planning", d(3, 10), d(3, 10)),
                                Stone(
                                    "Training #2: winning conditions and planning tools to "
                                    "implement a strategic plan",
                                    d(4, 28),
                                    d(4, 28),
                                    "Adopt the tracking grid for the 2017 action plan and "
                                    "hold a review meeting every quarter.",
                                ),
                            ),
                        ),
                        Node(
                            "To produce the Booklet of extractive industries of Dornod Aimag",
                            unit="eitf",
                            lead="nomin",
                            contributors=("altantsetseg", "munkhbat"),
                            fields={
                                "description": "A practical booklet for soum governors, "
                                "citizens and investors: every mineral and petroleum licence "
                                "in the aimag (holder, area, mineral, status), the companies' "
                                "local agreements and rehabilitation duties, their payments to "
                                "the aimag and soum budgets, and whom to contact.",
                                "policy_area": "Environment and extractive industries",
                                "priority": HIGH,
                                "start_date": d(4, 3),
                                "target_date": d(9, 29),
                                "budget_planned": "14800000",
                                "decision_points": lines(
                                    "Agree the content and format with the Governor's Office",
                                    "Decide which licence data may be published",
                                    "Approve the final text after the validation workshop",
                                    "Decide the print run and the distribution list",
                                ),
                                "resources_needed": "Licence data from the cadastre and the 14 "
                                "soums; a designer; printing of 1,000 copies; a venue for the "
                                "validation workshop",
                                "tags": ["booklet", "transparency"],
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 75,
                                "budget_spent": "9600000",
                                "health_override": AT_RISK,
                                "health_override_reason": "The validation workshop moved from "
                                "August to October because two companies had not sent their "
                                "data; printing is now planned for December.",
                            },
                            milestones=(
                                Stone(
                                    "Licence data collected from the 14 soums",
                                    d(5, 31),
                                    d(6, 9),
                                    "Use the cadastre extract of 1 June 2017 as the "
                                    "reference; soums add the local agreements.",
                                ),
                                Stone("First draft of the booklet", d(7, 14), d(7, 21)),
                                Stone(
                                    "Validation workshop with soums, companies and civil society",
                                    d(8, 25),
                                    d(10, 13),
                                    "Add a chapter on the "
                                    "rehabilitation of abandoned sites; publish the amounts "
                                    "of the companies' local agreements.",
                                ),
                                Stone(
                                    "Booklet printed and distributed to soums, bags and the "
                                    "public library",
                                    d(9, 29),
                                ),
                            ),
                        ),
                        Node(
                            "To hold public hearings with herders in Matad soum on the "
                            "environmental management plans of the Tamsag basin oil fields",
                            unit="eitf",
                            lead="nomin",
                            fields={
                                "policy_area": "Environment and extractive industries",
                                "start_date": d(10, 2),
                                "target_date": d(11, 30),
                                "budget_planned": "2500000",
                                "decision_points": "Agree the hearing dates with the Matad soum "
                                "governor and the operator",
                                "resources_needed": "Transport to Matad; copies of the plans",
                            },
                        ),
                    ),
                ),
                Node(
                    "Protect the eastern steppe and develop eco-tourism",
                    unit="etd",
                    lead="altantsetseg",
                    fields={"policy_area": "Environment and extractive industries"},
                    children=(
                        Node(
                            "To rehabilitate 120 hectares of land damaged by abandoned mining "
                            "and gold panning",
                            unit="etd",
                            lead="batbayar",
                            fields={
                                "policy_area": "Environment and extractive industries",
                                "priority": HIGH,
                                "start_date": d(5, 1),
                                "target_date": d(9, 30),
                                "budget_planned": "96000000",
                                "decision_points": "Select the contractor (tender)",
                                "resources_needed": "Contractor; seeds of native grasses; "
                                "inspectors' transport",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 30,
                                "budget_spent": "41000000",
                                "health_override": OFF_TRACK,
                                "health_override_reason": "Only 35 ha done: the contractor "
                                "stopped in August over a payment dispute and the work is "
                                "being re-tendered.",
                            },
                        ),
                        Node(
                            "To train soum rangers and volunteer brigades in steppe fire "
                            "prevention before the spring fire season",
                            unit="etd",
                            lead="batbayar",
                            fields={
                                "policy_area": "Environment and extractive industries",
                                "quick_win": True,
                                "start_date": d(2, 13),
                                "target_date": d(3, 31),
                                "budget_planned": "5600000",
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(3, 29),
                                "budget_spent": "5100000",
                            },
                        ),
                    ),
                ),
            ),
        ),
        Node(
            "Social development",
            unit="sdd",
            lead="erdenechimeg",
            fields={"policy_area": "Social development"},
            children=(
                Node(
                    "Improve access to quality education",
                    unit="eca",
                    lead="undral",
                    fields={"policy_area": "Social development"},
                    children=(
                        Node(
                            "To renovate the heating systems of five soum schools and "
                            "dormitories before the heating season",
                            unit="eca",
                            lead="undral",
                            fields={
                                "policy_area": "Social development",
                                "priority": HIGH,
                                "start_date": d(5, 15),
                                "target_date": d(9, 15),
                                "budget_planned": "380000000",
                                "resources_needed": "Boilers; contractor; technical supervision",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 80,
                                "budget_spent": "301000000",
                                "health_override": AT_RISK,
                                "health_override_reason": "The boilers for Bayandun and "
                                "Sergelen arrived late; both schools use temporary heating "
                                "until mid-November.",
                            },
                        ),
                    ),
                ),
                Node(
                    "Improve the quality and reach of public health services",
                    unit="health",
                    lead="otgonbayar",
                    fields={"policy_area": "Social development"},
                    children=(
                        Node(
                            "To screen citizens aged 40 to 65 for early detection of liver and "
                            "cervical cancer",
                            unit="health",
                            lead="ariunaa",
                            fields={
                                "policy_area": "Social development",
                                "start_date": d(3, 1),
                                "target_date": d(11, 30),
                                "budget_planned": "45000000",
                                "resources_needed": "Mobile ultrasound team; test kits",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 65,
                                "budget_spent": "27000000",
                            },
                        ),
                        Node(
                            "To equip four soum hospitals with ambulance vehicles",
                            unit="health",
                            lead="otgonbayar",
                            fields={
                                "policy_area": "Social development",
                                "priority": HIGH,
                                "start_date": d(6, 1),
                                "target_date": d(10, 31),
                                "budget_planned": "260000000",
                            },
                            progress={
                                "health_override": OFF_TRACK,
                                "health_override_reason": "The Ministry of Health postponed "
                                "its vehicle purchase to 2018 and the aimag budget has no "
                                "money set aside.",
                            },
                        ),
                    ),
                ),
                Node(
                    "Increase employment and support vulnerable households",
                    unit="sdd",
                    lead="erdenechimeg",
                    fields={"policy_area": "Social development"},
                    children=(
                        Node(
                            "To provide vocational training and job placement for 300 "
                            "unemployed young people",
                            unit="sdd",
                            lead="bolormaa",
                            fields={
                                "policy_area": "Social development",
                                "start_date": d(3, 1),
                                "target_date": d(12, 15),
                                "budget_planned": "60000000",
                                "resources_needed": "Vocational training centre in Choibalsan; "
                                "employers' placements",
                            },
                            progress={
                                "state": IN_PROGRESS,
                                "percent_complete": 50,
                                "budget_spent": "34000000",
                            },
                        ),
                        Node(
                            "To hold the aimag job fair with employers from Choibalsan and the "
                            "soums",
                            unit="sdd",
                            lead="bolormaa",
                            fields={
                                "policy_area": "Social development",
                                "quick_win": True,
                                "start_date": d(3, 1),
                                "target_date": d(4, 21),
                                "budget_planned": "4000000",
                            },
                            progress={
                                "state": COMPLETED,
                                "completed_date": d(4, 21),
                                "budget_spent": "3700000",
                            },
                        ),
                    ),
                ),
            ),
        ),
    ),
)


# SayPro's February 2024 (the plan's weeks are calendar weeks, Monday to Friday; February 2024
# starts on a Thursday, so week 1 is 1-2 February and week 5, "end of February", 26-29).
WEEKS = {
    1: (feb(1), feb(2)),
    2: (feb(5), feb(9)),
    3: (feb(12), feb(16)),
    4: (feb(19), feb(23)),
    5: (feb(26), feb(29)),
}


def step(
    title: str,
    description: str,
    assigned_to: str,
    timeline: str,
    resources: str,
    *,
    weeks: tuple[int, ...],
    unit: str,
    lead: str,
    contributors: tuple[str, ...] = (),
    fields: Mapping[str, Any] | None = None,
    progress: Mapping[str, Any] | None = None,
    milestones: tuple[Stone, ...] = (),
) -> Node:
    """An action step as the seed writes it; `weeks` gives its start and target dates."""
    return Node(
        title,
        unit=unit,
        lead=lead,
        contributors=contributors,
        fields={
            "description": description,
            "resources_needed": resources,
            "start_date": WEEKS[weeks[0]][0],
            "target_date": WEEKS[weeks[-1]][1],
            "notes": f"Assigned to: {assigned_to}\nTimeline: {timeline}",
            "tags": [f"week {w}" for w in weeks] if len(weeks) < 5 else ["weekly"],
            **(fields or {}),
        },
        progress=progress or {},
        milestones=milestones,
    )


DEPARTMENT_HEADS = ("sipho", "nomsa", "pieter")
ALL_WEEKS = (1, 2, 3, 4, 5)

# SayPro's M&E framework: the monthly action plans (February's among them) report into it, and
# its indicators hold the monthly and quarterly data of three years, up to the current period.
SAYPRO_FRAMEWORK = PlanSpec(
    key="saypro-framework",
    owner="saypro",
    fields={
        "title": SAYPRO_FRAMEWORK_TITLE,
        "kind": Plan.Kind.STRATEGIC,
        "start_date": datetime.date(2024, 1, 1),
        "end_date": datetime.date(2026, 12, 31),
        "cadence": Plan.Cadence.MONTHLY,
        "tiers": ["Outcome", "Output"],
        "state": Plan.State.ACTIVE,
        "vision": (
            "Every department of SayPro compares its results with the targets of the strategic "
            "plan, and leadership decides on timely, reliable data."
        ),
        "mission": (
            "An M&E framework whose indicators and KPIs track the progress of the strategic "
            "plan against its targets, month by month and quarter by quarter."
        ),
    },
    elements=(
        Node(
            "Leadership decides on timely and reliable performance data",
            unit="sp-me",
            lead="lerato",
            children=(
                Node(
                    "Monthly performance report delivered to Senior Leadership on time",
                    unit="sp-me",
                    lead="lerato",
                    contributors=("kagiso",),
                    progress={"state": IN_PROGRESS},
                ),
                Node(
                    "Departments compare their KPIs with the strategic plan's targets every "
                    "quarter",
                    unit="sp-me",
                    lead="kagiso",
                    contributors=DEPARTMENT_HEADS,
                    progress={"state": IN_PROGRESS},
                ),
            ),
        ),
        Node(
            "Staff use the M&E tools with confidence",
            unit="sp-hr",
            lead="ayanda",
            children=(
                Node(
                    "Staff trained on the M&E framework and its tools",
                    unit="sp-hr",
                    lead="ayanda",
                    contributors=("kagiso",),
                    progress={"state": IN_PROGRESS},
                ),
            ),
        ),
        Node(
            "Meetings end in decisions that are carried out",
            unit="sp-pm",
            lead="zanele",
            children=(
                Node(
                    "Action items of the collaborative meetings completed on time",
                    unit="sp-pm",
                    lead="tebogo",
                    contributors=("lerato",),
                    progress={"state": IN_PROGRESS},
                ),
            ),
        ),
    ),
)

SAYPRO_PLAN = PlanSpec(
    key="saypro",
    parent="saypro-framework",
    owner="saypro",
    fields={
        "title": SAYPRO_PLAN_TITLE,
        "kind": Plan.Kind.DEPARTMENTAL,
        "start_date": feb(1),
        "end_date": feb(29),
        "cadence": Plan.Cadence.MONTHLY,
        "tiers": ["Area", "Action step"],
        "state": Plan.State.ACTIVE,
        "vision": (
            "Improved alignment between February's activities and SayPro's long-term strategic "
            "goals, with clear accountability, transparent communication and a culture of "
            "learning."
        ),
        "mission": (
            "To ensure that the activities, initiatives, and strategies outlined for the month "
            "of February align with the overall goals and strategic vision of SayPro, fostering "
            "consistent and impactful results."
        ),
    },
    elements=(
        Node(
            "Internal Strategy Review and Alignment",
            children=(
                step(
                    "Conduct a Review of Organizational Strategic Goals",
                    "Review SayPro's current organizational strategy to ensure that the "
                    "objectives outlined for February are consistent with the broader long-term "
                    "goals and priorities.",
                    "SayPro Strategy Team",
                    "Week 1 (February)",
                    "Organizational strategic documents, internal strategy meeting",
                    weeks=(1,),
                    unit="sp-strategy",
                    lead="sipho",
                    progress={"state": COMPLETED, "completed_date": feb(2)},
                ),
                step(
                    "Cross-Check Departmental Goals with Organizational Objectives",
                    "Ensure that each department's objectives for February are clearly aligned "
                    "with SayPro's overarching goals and strategic priorities.",
                    "Department Heads & Program Managers",
                    "Week 1 (February)",
                    "Departmental plans, strategic alignment checklist",
                    weeks=(1,),
                    unit="sp-pm",
                    lead="zanele",
                    contributors=DEPARTMENT_HEADS,
                    progress={"state": COMPLETED, "completed_date": feb(5)},
                ),
            ),
        ),
        Node(
            "Monitoring and Evaluation (M&E) System Strengthening",
            children=(
                step(
                    "Update M&E Framework for February Reporting",
                    "Revise the existing M&E framework to include specific indicators and "
                    "metrics aligned with February's objectives. Ensure that data collection "
                    "tools are properly designed for tracking performance related to strategic "
                    "goals.",
                    "M&E Coordinators",
                    "Week 1 (February)",
                    "M&E framework, data collection tools, previous reports",
                    weeks=(1,),
                    unit="sp-me",
                    lead="lerato",
                    fields={"priority": HIGH},
                    progress={"state": COMPLETED, "completed_date": feb(2)},
                ),
                step(
                    "Train Staff on Updated M&E Tools",
                    "Conduct training for all relevant staff members on the updated M&E "
                    "framework, ensuring they understand new indicators, data collection "
                    "procedures, and reporting expectations.",
                    "M&E Team, HR Training Department",
                    "Week 2 (February)",
                    "Training materials, M&E team resources, participant list",
                    weeks=(2,),
                    unit="sp-me",
                    lead="kagiso",
                    contributors=("ayanda",),
                    progress={"state": COMPLETED, "completed_date": feb(9)},
                    milestones=(
                        Stone("Participant list confirmed with department heads", feb(5), feb(5)),
                        Stone("Training session held", feb(8), feb(8)),
                    ),
                ),
            ),
        ),
        Node(
            "Performance Monitoring and Reporting System Setup",
            children=(
                step(
                    "Establish a Centralized Performance Monitoring System",
                    "Set up a centralized, digital system to collect, analyze, and report "
                    "performance data in real-time. Ensure that the system is accessible to all "
                    "relevant stakeholders.",
                    "IT Department, M&E Team",
                    "Week 2 (February)",
                    "Software tools, IT support, M&E framework",
                    weeks=(2,),
                    unit="sp-it",
                    lead="pieter",
                    contributors=("lerato",),
                    fields={"priority": HIGH},
                    progress={
                        "state": IN_PROGRESS,
                        "percent_complete": 60,
                        "health_override": OFF_TRACK,
                        "health_override_reason": "The monitoring software is not licensed yet: "
                        "the purchase waits for budget approval. Departments report in a shared "
                        "spreadsheet meanwhile.",
                    },
                    milestones=(
                        Stone(
                            "Software options compared and one recommended",
                            feb(6),
                            feb(6),
                            "Recommend a hosted tool; keep the shared spreadsheet until it "
                            "is live.",
                        ),
                        Stone("System live for all departments", feb(9)),
                    ),
                ),
                step(
                    "Create a Reporting Schedule and Template",
                    "Develop a standardized template for reporting progress on strategic goals, "
                    "and establish a reporting schedule that ensures timely updates and "
                    "reviews.",
                    "M&E Team, Department Heads",
                    "Week 1 (February)",
                    "Reporting template, stakeholder communication plan",
                    weeks=(1,),
                    unit="sp-me",
                    lead="lerato",
                    contributors=DEPARTMENT_HEADS,
                    fields={"quick_win": True},
                    progress={"state": COMPLETED, "completed_date": feb(2)},
                ),
            ),
        ),
        Node(
            "Stakeholder Engagement and Communication Strategy",
            children=(
                step(
                    "Develop Stakeholder Engagement Plan for February",
                    "Create a plan outlining how SayPro will engage with internal and external "
                    "stakeholders throughout the month of February. Ensure that the plan aligns "
                    "with the strategic priorities and communicates key goals and progress "
                    "updates.",
                    "SayPro Communication Team, Program Managers",
                    "Week 1 (February)",
                    "Stakeholder contact list, communication tools",
                    weeks=(1,),
                    unit="sp-comms",
                    lead="nomsa",
                    contributors=("tebogo",),
                    fields={"quick_win": True},
                    progress={"state": COMPLETED, "completed_date": feb(2)},
                ),
                step(
                    "Share Strategic Updates with Key Stakeholders",
                    "Share progress updates, milestones, and key performance indicators (KPIs) "
                    "with internal and external stakeholders to ensure transparency and "
                    "alignment.",
                    "SayPro Communication Team",
                    "Ongoing (Weekly throughout February)",
                    "Email, newsletters, social media platforms, reports",
                    weeks=ALL_WEEKS,
                    unit="sp-comms",
                    lead="nomsa",
                    progress={"state": IN_PROGRESS, "percent_complete": 80},
                    milestones=(
                        Stone("Weekly update 1 sent", feb(2), feb(2)),
                        Stone("Weekly update 2 sent", feb(9), feb(9)),
                        Stone("Weekly update 3 sent", feb(16), feb(16)),
                        Stone("Weekly update 4 sent", feb(23), feb(23)),
                        Stone("Weekly update 5 sent", feb(29)),
                    ),
                ),
            ),
        ),
        Node(
            "Knowledge Sharing and Learning",
            children=(
                step(
                    "Organize Knowledge-Sharing Sessions",
                    "Facilitate regular knowledge-sharing sessions where teams present updates "
                    "on their work, discuss challenges, and share lessons learned to improve "
                    "future actions.",
                    "Program Managers, MEL Team",
                    "Week 2 and Week 4 (February)",
                    "Meeting space, digital platforms, presentation tools",
                    weeks=(2, 4),
                    unit="sp-pm",
                    lead="tebogo",
                    contributors=("kagiso",),
                    progress={"state": COMPLETED, "completed_date": feb(22)},
                    milestones=(
                        Stone("Knowledge-sharing session 1", feb(8), feb(8)),
                        Stone("Knowledge-sharing session 2", feb(22), feb(22)),
                    ),
                ),
                step(
                    "Document and Share Best Practices",
                    "Capture lessons learned from the February initiatives and document them "
                    "for internal knowledge management. Share these insights across departments "
                    "for continuous improvement.",
                    "M&E Team, Program Managers",
                    "Week 4 (February)",
                    "Documentation tools, internal newsletter, intranet",
                    weeks=(4,),
                    unit="sp-me",
                    lead="kagiso",
                    contributors=("zanele",),
                    fields={"priority": LOW},
                    progress={
                        "health_override": AT_RISK,
                        "health_override_reason": "Waits for the intranet's move to the new "
                        "platform; lessons are collected in the session notes meanwhile.",
                    },
                ),
            ),
        ),
        Node(
            "Evaluation and Adjustment",
            children=(
                step(
                    "Conduct Mid-Month Evaluation",
                    "Carry out a mid-month evaluation to assess progress on alignment with "
                    "strategic goals. Adjust any activities or objectives that are not meeting "
                    "expectations.",
                    "M&E Team, Senior Leadership",
                    "Week 2 (February)",
                    "Performance reports, evaluation tools",
                    weeks=(2,),
                    unit="sp-me",
                    lead="lerato",
                    contributors=("themba",),
                    progress={"state": COMPLETED, "completed_date": feb(9)},
                    milestones=(
                        Stone(
                            "Mid-month evaluation meeting",
                            feb(9),
                            feb(9),
                            "Move the monitoring system's go-live to March and keep the "
                            "spreadsheet reporting until then.",
                        ),
                    ),
                ),
                step(
                    "Review and Finalize Monthly Report",
                    "At the end of February, prepare a comprehensive report on the alignment of "
                    "activities with strategic goals, the effectiveness of M&E systems, and "
                    "stakeholder engagement. Present this report to the senior leadership team "
                    "for review and decision-making.",
                    "M&E Team, Senior Leadership",
                    "Week 5 (End of February)",
                    "Data analysis tools, report templates, presentation materials",
                    weeks=(5,),
                    unit="sp-me",
                    lead="lerato",
                    contributors=("themba",),
                    fields={"priority": HIGH},
                    progress={"state": IN_PROGRESS, "percent_complete": 40},
                    milestones=(
                        Stone("Draft report to Senior Leadership", feb(27), feb(27)),
                        Stone("Senior leadership review and decisions", feb(29)),
                    ),
                ),
            ),
        ),
    ),
)

# Parents first: a plan names its parent by key.
PLANS = (DORNOD_PROGRAMME, DORNOD_PLAN, SAYPRO_FRAMEWORK, SAYPRO_PLAN)


# -- the loader ------------------------------------------------------------
@dataclass
class Login:
    username: str
    name: str
    password: str | None  # None: the person no longer has the demo password
    roles: list[str]


@dataclass
class DemoResult:
    created: Counter[str]
    logins: list[Login]

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def database_has_data() -> bool:
    """True when any unit or plan exists (then `waymark demo --if-empty` does nothing)."""
    return Unit.objects.exists() or Plan.all_objects.exists()


def load_demo() -> DemoResult:
    """Add the missing parts of the demo; return what was created and the demo logins."""
    token = set_request_id(new_request_id())
    try:
        with transaction.atomic():
            loader = _Loader()
            loader.run()
        return DemoResult(created=loader.created, logins=demo_logins(loader.demo_hash))
    finally:
        reset_request_id(token)


class _Loader:
    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.units: dict[str, Unit] = {}
        self.people: dict[str, Person] = {}
        self.admin: Person
        self.demo_hash = demo_password_hash()
        self.new_people: list[int] = []
        self.plans: dict[str, Plan] = {}

    def run(self) -> None:
        self.admin = self._admin()
        self._units()
        self._organisation()
        self._people()
        paths = self._membership_paths()
        for spec in PLANS:
            self._plan(spec, paths)
        load_indicators(
            admin=self.admin,
            plans=self.plans,
            units=self.units,
            people=self.people,
            created=self.created,
        )
        load_reporting(admin=self.admin, plans=self.plans, people=self.people, created=self.created)

    # -- organisation and people --------------------------------------------
    def _admin(self) -> Person:
        admin = Person.objects.filter(username__iexact=ADMIN_USERNAME).first()
        if admin is None:
            spec = PEOPLE[0]
            admin = Person.objects.create_superuser(
                username=ADMIN_USERNAME,
                email=spec.email,
                password=None,
                first_name=spec.first_name,
                last_name=spec.last_name,
                job_title=spec.job_title,
            )
            admin.password = self.demo_hash
            admin.save(update_fields=["password"])
            # Nobody could create the first admin through a service; the log says "system".
            record_create(actor=None, obj=admin)
            self.created["people"] += 1
        self.people[ADMIN_USERNAME] = admin
        return admin

    def _units(self) -> None:
        for key, name, short_name, parent_key in UNITS:
            parent = self.units[parent_key] if parent_key else None
            # Matched as unit_create matches names: case-insensitively, in Python (not SQL).
            siblings = Unit.objects.filter(parent=parent)
            unit = next((u for u in siblings if u.name.casefold() == name.casefold()), None)
            if unit is None:
                unit = unit_create(
                    actor=self.admin, name=name, short_name=short_name, parent=parent
                )
                self.created["units"] += 1
            self.units[key] = unit
        root = self.units["root"]
        if not Membership.objects.filter(person=self.admin, unit=root).exists() and (
            self.created["people"] or self.created["units"]
        ):
            # The admin created now (or of the root created now) is admin of the root unit.
            membership_set(actor=self.admin, person=self.admin, unit=root, role=Role.ADMIN)
            self.created["memberships"] += 1

    def _organisation(self) -> None:
        org = Organisation.get()
        if org.name == Organisation().name:  # never configured: take the demo's settings
            organisation_update(actor=self.admin, data=ORGANISATION)

    def _people(self) -> None:
        for spec in PEOPLE[1:]:
            person = Person.objects.filter(username__iexact=spec.username).first()
            if person is None:
                unit_key, role = spec.roles[0]
                person = person_invite(
                    actor=self.admin,
                    username=spec.username,
                    data={
                        "first_name": spec.first_name,
                        "last_name": spec.last_name,
                        "email": spec.email,
                        "job_title": spec.job_title,
                    },
                    unit=self.units[unit_key],
                    role=role,
                    base_url="",
                    send=False,
                )
                for unit_key, role in spec.roles[1:]:
                    membership_set(
                        actor=self.admin, person=person, unit=self.units[unit_key], role=role
                    )
                self.new_people.append(person.pk)
                self.created["people"] += 1
                self.created["memberships"] += len(spec.roles)
            self.people[spec.username] = person
        # Passwords are not part of the change log; one hash serves every new demo login.
        Person.objects.filter(pk__in=self.new_people).update(password=self.demo_hash)

    def _membership_paths(self) -> dict[int, list[str]]:
        paths: dict[int, list[str]] = defaultdict(list)
        rows = Membership.objects.filter(person__in=list(self.people.values())).values_list(
            "person_id", "unit__path"
        )
        for person_id, path in rows:
            paths[person_id].append(path)
        return paths

    # -- plans ---------------------------------------------------------------
    def _plan(self, spec: PlanSpec, paths: dict[int, list[str]]) -> None:
        existing = Plan.all_objects.filter(title=spec.fields["title"]).first()
        if existing is not None:
            self.plans[spec.key] = existing
            return  # the demo plan is there (perhaps in the trash): leave it as it is
        data = {**spec.fields, "owner_unit": self.units[spec.owner]}
        parent = self.plans.get(spec.parent) if spec.parent else None
        if parent is not None and not parent.is_deleted:
            data["parent"] = parent
        plan = plan_create(actor=self.admin, data=data)
        self.plans[spec.key] = plan
        self.created["plans"] += 1
        for node in spec.elements:
            self._element(plan, node, None, paths)

    def _element(
        self, plan: Plan, node: Node, parent: Element | None, paths: dict[int, list[str]]
    ) -> None:
        unit = self.units[node.unit] if node.unit else None
        data: dict[str, Any] = {"title": node.title, **node.fields}
        if unit is not None:
            data["responsible_unit"] = unit
            lead = self.people[node.lead] if node.lead else None
            # A person who existed before the demo may sit elsewhere; then the row has no lead.
            if lead is not None and _in_tree(paths.get(lead.pk, []), unit):
                data["lead"] = lead
        if node.contributors:
            data["contributors"] = [self.people[u] for u in node.contributors]
        if node.children:
            data.update(_rolled_up(node))
        element = element_create(actor=self.admin, plan=plan, parent=parent, data=data)
        self.created["elements"] += 1
        for stone in node.milestones:
            milestone_create(
                actor=self.admin,
                element=element,
                data={
                    "title": stone.title,
                    "due_date": stone.due,
                    "done_date": stone.done,
                    "decision": stone.decision,
                },
            )
            self.created["milestones"] += 1
        for child in node.children:
            self._element(plan, child, element, paths)
        if node.progress:
            element_update(actor=self.admin, element=element, data=dict(node.progress))


def _in_tree(paths: list[str], unit: Unit) -> bool:
    """The person has a role in the unit, in a unit below it, or one inherited from above."""
    return any(unit.path.startswith(p) or p.startswith(unit.path) for p in paths)


def _leaves(node: Node) -> Iterator[Node]:
    if not node.children:
        yield node
    for child in node.children:
        yield from _leaves(child)


def _rolled_up(node: Node) -> dict[str, Any]:
    """A goal's or objective's state from its actions: completed when all of them are done."""
    states = [leaf.progress.get("state", NOT_STARTED) for leaf in _leaves(node)]
    if all(s in (COMPLETED, CANCELLED) for s in states) and COMPLETED in states:
        done = [
            leaf.progress["completed_date"]
            for leaf in _leaves(node)
            if leaf.progress.get("state") == COMPLETED
        ]
        return {"state": COMPLETED, "completed_date": max(done)}
    if any(s != NOT_STARTED for s in states):
        return {"state": IN_PROGRESS}
    return {"state": NOT_STARTED}


def demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD, DEMO_SALT)


def demo_logins(demo_hash: str | None = None) -> list[Login]:
    """Every demo person who exists, with their roles and (if unchanged) the demo password."""
    usernames = [p.username for p in PEOPLE]
    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    roles: dict[int, list[str]] = defaultdict(list)
    memberships = Membership.objects.filter(person__in=list(people.values())).select_related("unit")
    for m in sorted(memberships, key=lambda m: -ROLE_RANK[m.role]):
        roles[m.person_id].append(f"{m.get_role_display().lower()} of {m.unit.name}")
    demo_hash = demo_hash or demo_password_hash()
    logins = []
    for username in usernames:
        person = people.get(username)
        if person is None:
            continue
        person_roles = roles[person.pk]
        if person.is_superuser:
            person_roles = [*person_roles, "superuser"]
        logins.append(
            Login(
                username=username,
                name=person.name,
                password=DEMO_PASSWORD if person.password == demo_hash else None,
                roles=person_roles,
            )
        )
    return logins


def render_report(result: DemoResult, *, url: str) -> str:
    """What `waymark demo` prints: what it added, then the logins and where to use them."""
    created = result.created
    if result.changed:
        parts = [
            f"{created[key]} {key if created[key] != 1 else singular}"
            for key, singular in (
                ("units", "unit"),
                ("people", "person"),
                ("memberships", "membership"),
                ("plans", "plan"),
                ("elements", "element"),
                ("milestones", "milestone"),
                ("dimensions", "dimension"),
                ("indicators", "indicator"),
                ("targets", "target"),
                ("measurements", "measurement"),
                ("reporting schedules", "reporting schedule"),
                ("progress updates", "progress update"),
                ("reviews", "review"),
            )
            if created[key]
        ]
        head = "Loaded the Waymark demo: " + ", ".join(parts) + "."
    else:
        head = "The Waymark demo is already loaded; nothing was added."
    rows = [("USERNAME", "PASSWORD", "NAME", "ROLE")]
    for login in result.logins:
        rows.append(
            (
                login.username,
                login.password or "(changed)",
                login.name,
                "; ".join(login.roles) or "no role",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    table = [
        "  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    ]
    return "\n".join(
        [
            head,
            "",
            f"Sign in at {url} with any of these demo logins "
            f"(every one's password is {DEMO_PASSWORD}):",
            "",
            *table,
            "",
            "Plans: " + "; ".join(f"“{spec.fields['title']}”" for spec in PLANS) + ".",
        ]
    )
