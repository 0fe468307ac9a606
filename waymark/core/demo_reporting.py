"""Demo reporting cycle: a year of progress updates and the reviews held on each demo plan.

- **Progress updates**, for every reporting period of a year: Dornod's 2017 action plan (its
  four quarters: actions and objectives report), the Governor's programme 2016-2020 (the four
  quarters of 2020, its last year), SayPro's February plan (its one month) and SayPro's M&E
  framework (the last twelve months that have ended on the day of the load). Each element's
  lead writes and submits; a manager of the element's unit (or of the plan's unit, when the lead
  is that manager) accepts. Most are accepted; a few were returned with a comment and corrected,
  a few came in late, a few never came (the completion board shows the gaps), and the periods
  still open on the day of the load are left owed, so "My updates" has work to show: Dornod's
  2017-Q4 (left unlocked by the indicator data, `demo_indicators.OPEN_REASON`) and the
  framework's current month.
- **Reviews**: two quarterly reviews and one mid-month evaluation on each plan, the Dornod
  method's five questions answered element by element, with coded reasons (a)-(e), external and
  other. Dornod's 2017-Q1 review is closed: it re-planned three actions (their new target dates
  make baseline v2, the plan as drafted kept as v1), reassigned one and added resources to
  another; the follow-up action items are done. The most recent review of each plan is left
  open, partly answered, for a user to run. SayPro's February plan has a single monthly period:
  its mid-month evaluation (9 February, closed) and the month-end review by Senior Leadership
  (29 February, recorded as a quarterly review, the kind for a full periodic review; open).

Everything is written through the services (schedule_save, update_save, update_return,
update_accept, review_create, review_item_save, review_close, action_item_complete), as the
people who did the work. Past periods are closed to updates, so the loader unlocks each one as
the demo admin (period_unlock, UNLOCK_REASON), writes its updates and locks it again.

The services stamp every step with the time of the load, which would make every past update
late and every review closed today. After writing, the loader backdates the rows it just
created to the story's dates, in a few prepared updates (`_backdate`): the updates' created,
submitted and reviewed times and their `late` flag (submitted after the due date, in the
organisation's time zone); the reviews' opening and closing times, the baselines and action
items they made, and the notifications they sent (marked read when older than two weeks). A
review's `health_then` (each element's health when the review was opened) is set from the
progress updates the review had in front of it, not from the elements' health on the day of
the load. The change log keeps the time of the load: it records what happened to this
database.

Accepting an update carries its health and percent onto the element; the stories end at the
percent each element has in `demo.py`, and an override written there (with its reason) is
put back where an accepted update replaced it.

A plan that already has a reporting schedule, a progress update or a review is left alone, as
is one whose elements no longer match the demo's (renamed or moved): a second run adds nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Max
from django.utils import timezone

from waymark.core.demo_indicators import _update_rows, wobble
from waymark.core.roles import Role
from waymark.indicators.models import Period
from waymark.indicators.services import period_lock, period_unlock
from waymark.meetings.models import ActionItem
from waymark.meetings.services import action_item_complete
from waymark.org.models import Health, Membership, Organisation, Person
from waymark.plans.models import Element, Plan
from waymark.plans.services import element_update
from waymark.reporting.models import (
    Baseline,
    Notification,
    ProgressUpdate,
    ReportingSchedule,
    Review,
    ReviewItem,
    ReviewReason,
)
from waymark.reporting.reviews import (
    latest_updates,
    review_close,
    review_create,
    review_item_save,
)
from waymark.reporting.selectors import (
    Window,
    can_review_update,
    due_date,
    grace_days,
    reporting_periods,
    window,
)
from waymark.reporting.services import schedule_save, update_accept, update_return, update_save

ON, RISK, OFF, NA = Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, Health.NOT_ASSESSED
ACCEPTED = ProgressUpdate.Status.ACCEPTED
SUBMITTED = ProgressUpdate.Status.SUBMITTED
RETURNED = ProgressUpdate.Status.RETURNED
DRAFT = ProgressUpdate.Status.DRAFT
YES, PARTLY, NO = ReviewItem.OnTrack.YES, ReviewItem.OnTrack.PARTLY, ReviewItem.OnTrack.NO
CONTINUE = ReviewItem.Decision.CONTINUE
REPLAN = ReviewItem.Decision.REPLAN
REASSIGN = ReviewItem.Decision.REASSIGN
ADD_RESOURCES = ReviewItem.Decision.ADD_RESOURCES
DROP = ReviewItem.Decision.DROP
QUARTERLY, MID_MONTH = Review.Kind.QUARTERLY, Review.Kind.MID_MONTH
UNDERESTIMATED = ReviewReason.Code.UNDERESTIMATED
WRONG_PEOPLE = ReviewReason.Code.WRONG_PEOPLE
LEADER_CAPACITY = ReviewReason.Code.LEADER_CAPACITY
PRIORITIES = ReviewReason.Code.PRIORITIES
BUDGET = ReviewReason.Code.BUDGET
EXTERNAL = ReviewReason.Code.EXTERNAL
OTHER = ReviewReason.Code.OTHER

UNLOCK_REASON = "Demo data entered after the fact: the progress updates of a past period."
# Notifications older than this are shown as read: the demo's people have seen them.
READ_AFTER = datetime.timedelta(days=14)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
HEALTH_WORDS: dict[str, str] = {
    ON: "on track",
    RISK: "at risk",
    OFF: "off track",
    NA: "not assessed",
}
WORST: dict[str, int] = {OFF: 0, RISK: 1, ON: 2, NA: 3}


# -- what the demo tells ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Story:
    """One element's progress update for one period and what became of it.

    `status` accepted (the default), submitted (waiting for the manager), returned (sent back,
    not yet corrected) or draft (written, never submitted). With `returned` and status accepted,
    a first version (`first`, the narrative as first sent) came back with that comment and was
    corrected. `late`: submitted this many days after the due date; 0: a day or three before."""

    health: str
    percent: int | None
    narrative: str
    challenges: str = ""
    solutions: str = ""
    successes: str = ""
    next_steps: str = ""
    support: str = ""
    status: str = ACCEPTED
    late: int = 0
    returned: str = ""
    first: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "health": self.health,
            "percent_complete": self.percent,
            "narrative": self.narrative,
            "challenges": self.challenges,
            "solutions": self.solutions,
            "successes": self.successes,
            "next_steps": self.next_steps,
            "support_needed": self.support,
        }


@dataclass(frozen=True)
class Answer:
    """An element's answers at a review: the five questions and the decision. `health` is its
    health when the review opened, where no progress update tells it. `done`: the outcome of
    the action item the decision made (done on `done_on`); empty leaves the item open."""

    on_track: str = YES
    reasons: Mapping[str, str] = field(default_factory=dict)
    changes: str = ""
    realistic: bool | None = None
    start: datetime.date | None = None
    target: datetime.date | None = None
    staff: bool | None = None
    budget: bool | None = None
    resources: str = ""
    decision: str = ""
    note: str = ""
    owner: str | None = None
    due: datetime.date | None = None
    new_lead: str | None = None
    health: str | None = None
    done: str = ""
    done_on: datetime.date | None = None

    def data(self, people: Mapping[str, Person]) -> dict[str, Any]:
        data: dict[str, Any] = {"on_track": self.on_track}
        optional = {
            "changes": self.changes,
            "timeline_realistic": self.realistic,
            "proposed_start": self.start,
            "proposed_target": self.target,
            "staff_sufficient": self.staff,
            "budget_sufficient": self.budget,
            "resources_note": self.resources,
            "decision": self.decision,
            "decision_note": self.note,
            "decision_owner": people.get(self.owner) if self.owner else None,
            "decision_due": self.due,
            "new_lead": people.get(self.new_lead) if self.new_lead else None,
        }
        data.update({k: v for k, v in optional.items() if v not in (None, "")})
        return data


@dataclass(frozen=True)
class ReviewSpec:
    kind: str
    period: str  # the period's label
    held_on: datetime.date
    chair: str  # username
    answers: Mapping[str, Answer]  # element code -> answers
    close: bool = True


@dataclass
class Script:
    """What happens on one plan: which tiers report, the updates, the reviews."""

    tiers: list[int]
    stories: dict[str, dict[str, Story]]  # element code -> period label -> story
    reviews: list[ReviewSpec] = field(default_factory=list)


def summary(
    children: Sequence[tuple[str, Story]],
    *,
    status: str = ACCEPTED,
    late: int = 0,
    returned: str = "",
    first: str = "",
    noun: str = "actions",
) -> Story:
    """An objective's (or outcome's) update compiled by its lead from what the elements beneath
    reported: the worst health, the average percent, one line per element."""
    reported = [(code, s) for code, s in children if s.status in (ACCEPTED, SUBMITTED)]
    health = min((s.health for _, s in reported), key=lambda h: WORST[h], default=NA)
    percents = [s.percent for _, s in reported if s.percent is not None]

    def lines(name: str) -> str:
        return "\n".join(f"{code}: {getattr(s, name)}" for code, s in reported if getattr(s, name))

    done = sum(1 for _, s in reported if s.percent == 100)
    head = f"{len(reported)} {noun} reported" + (f", {done} of them completed" if done else "")
    narrative = "\n".join(
        [head + ":"]
        + [
            f"{code} ({s.percent}%, {HEALTH_WORDS[s.health]}): {_first_sentence(s.narrative)}"
            for code, s in reported
        ]
    )
    return Story(
        health=health,
        percent=round(mean(percents)) if percents else None,
        narrative=narrative,
        challenges=lines("challenges"),
        solutions=lines("solutions"),
        successes=lines("successes"),
        next_steps=lines("next_steps"),
        support=lines("support"),
        status=status,
        late=late,
        returned=returned,
        first=first,
    )


def _first_sentence(text: str) -> str:
    head, dot, _rest = text.partition(". ")
    return head + ("." if dot else "")


def add_summaries(
    stories: dict[str, dict[str, Story]],
    parents: Sequence[str],
    labels: Sequence[str],
    *,
    marks: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    missing: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    noun: str = "actions",
) -> None:
    """Give each parent an update per period, compiled from its children's (none when none of
    them reported, or when (code, label) is in `missing`); `marks` give one a status of its own."""
    for parent in parents:
        prefix = parent + "."
        children = [c for c in stories if c.startswith(prefix) and "." not in c[len(prefix) :]]
        for label in labels:
            if (parent, label) in missing:
                continue
            reported = [(c, stories[c][label]) for c in sorted(children) if label in stories[c]]
            if not any(s.status in (ACCEPTED, SUBMITTED) for _, s in reported):
                continue
            extra = dict((marks or {}).get((parent, label), {}))
            stories.setdefault(parent, {})[label] = summary(reported, noun=noun, **extra)


# -- Dornod's 2017 action plan ---------------------------------------------------------------------
def d17(month: int, day: int) -> datetime.date:
    return datetime.date(2017, month, day)


def q17(n: int) -> str:
    return f"2017-Q{n}"


DORNOD_ACTIONS: dict[str, dict[int, Story]] = {
    "1.1.1": {
        1: Story(
            RISK,
            35,
            "Governor's order A/37 signed on 14 February: 212 officials of the 14 soums enrolled "
            "in four cohorts; the Academy of Management delivers the course. Cohort 1 (soum "
            "governors) trained 27-29 March in Choibalsan; cohort 2 (administration heads) moved "
            "to 5-7 April.",
            challenges="Soum administration heads were on dzud duty in late March, so cohort 2 "
            "slipped one week.",
            solutions="Cohort 2 rescheduled for 5-7 April with the Academy's agreement; travel "
            "allowances paid in advance.",
            next_steps="Cohort 2 on 5-7 April; invitations for cohorts 3 and 4 (bag governors and "
            "bag khural heads) by 15 May.",
        ),
        2: Story(
            ON,
            100,
            "All four cohorts trained: 201 of the 212 enrolled officials attended (95%). Cohorts "
            "3 and 4 (bag governors and bag khural heads) met 12-14 and 18-20 June. Training "
            "report sent to the Governor on 23 June.",
            challenges="11 officials could not attend (illness, the herding season); they join "
            "the 2018 course.",
            successes="Participants rated the course 4.5 of 5; soum governors asked for a "
            "follow-up session on local budgeting.",
            next_steps="Propose a course for newly appointed bag governors in the 2018 plan.",
            returned="Give the number trained against the 212 enrolled, and say who missed the "
            "course and why.",
            first="All four cohorts trained; the training report was sent to the Governor.",
        ),
    },
    "1.1.2": {
        1: Story(
            RISK,
            15,
            "Human resource development training plan approved on 17 March: four regional "
            "meetings, in Choibalsan, Khalkhgol, Matad and Dashbalbar. The Choibalsan meeting of "
            "23 March was postponed: soum officials were called to the dzud response.",
            challenges="Dzud: soum officials are on emergency duty in March and April.",
            next_steps="New date for the Choibalsan meeting; Khalkhgol meeting on 12 May.",
            support="Move 2.1 million MNT of the Q3 budget forward for the rescheduled meetings. "
            "I also run the civil service recruitment exams in April and May.",
            late=3,
        ),
        2: Story(
            RISK,
            35,
            "Enkhjargal Tserendorj took the action over after the Q1 review. Khalkhgol regional "
            "meeting held on 12 May with 46 officials of five soums. The Matad meeting of 16 June "
            "was postponed: the soum hall is under repair.",
            challenges="Matad's hall is closed until August; the Choibalsan meeting still has no "
            "date.",
            solutions="Matad meeting moved to 17 August; Choibalsan meeting to be joined to the "
            "Citizens' Khural session in September.",
            successes="Soums exchanged their practice of open budget hearings; Khalkhgol's is "
            "copied by three soums.",
            next_steps="Matad meeting on 17 August.",
        ),
        3: Story(
            RISK,
            55,
            "Matad meeting held on 17 August with 38 officials. The Choibalsan meeting could not "
            "be joined to the Khural session after all; Dashbalbar is set for 12 October. The "
            "summary of exchanged practices will not be ready by 29 September.",
            challenges="Two of the four meetings are still to be held at the target date.",
            next_steps="Dashbalbar meeting on 12 October, Choibalsan in November; summary "
            "published in December.",
            support="The 2.1 million MNT moved from Q3 went on travel; 1.4 million MNT more is "
            "needed for Dashbalbar.",
            late=4,
        ),
    },
    "1.1.3": {
        1: Story(
            ON,
            20,
            "Schedule of citizens' days posted on the soum notice boards and the aimag website "
            "on 27 January. 12 of the 14 soums held their monthly citizens' day in February and "
            "March; 486 requests registered.",
            challenges="Bayandun and Gurvanzagal held no citizens' day in March (dzud).",
            next_steps="Announce the citizens' days on local radio; monthly report from every "
            "soum.",
            support="600,000 MNT for local radio airtime, which is not in the budget.",
        ),
        2: Story(
            RISK,
            45,
            "Citizens' days held in 13 soums from April to June; “Open door day” in nine "
            "departments and agencies. 1,140 requests registered since January, 82% answered "
            "within 30 days.",
            challenges="Requests to the land office wait longer than 30 days.",
            solutions="A weekly list of overdue requests goes to the heads of department.",
            late=6,
        ),
        3: Story(
            RISK,
            70,
            "First-half report on citizens' requests sent to the Governor on 14 July. “Local "
            "administration time” on local radio every second Thursday since August. 1,960 "
            "requests registered, 79% answered within 30 days.",
            challenges="Answers from the land office are still slow; new soum officers do not "
            "yet know the 30-day rule.",
            successes="The radio hour took 140 calls in four broadcasts.",
            next_steps="Year-end report on citizens' requests by 15 December.",
            late=9,
        ),
        4: Story(
            RISK,
            85,
            "Year-end report on citizens' requests in preparation: 11 of the 14 soums have sent "
            "their December figures.",
            status=DRAFT,
        ),
    },
    "1.2.1": {
        1: Story(
            ON,
            100,
            "The 2017 aimag budget, the procurement plan and their January execution published on "
            "the glass account website on 10 March and posted on the notice boards of all 14 "
            "soums.",
            successes="The execution is now published every month, by the 10th of the next.",
        ),
    },
    "1.2.2": {
        2: Story(
            RISK,
            10,
            "Requirements for the register agreed with the registry clerks. The Cabinet "
            "Secretariat says its national petitions system may cover the aimags from 2018.",
            challenges="Whether to build our own register or join the national system is not "
            "decided.",
            support="The Governor's decision on the national system.",
        ),
        3: Story(
            OFF,
            20,
            "Work on hold since August: the software (9 million MNT) was left out of the amended "
            "2017 aimag budget. 1.2 million MNT spent on the requirements and the server.",
            next_steps="Wait for the Cabinet Secretariat's answer on the national system, "
            "expected in November.",
            support="Put the software back in the 2018 budget, or join the national system.",
        ),
    },
    "2.1.1": {
        1: Story(
            OFF,
            10,
            "Call for applications announced on 3 March: 63 applications from enterprises and "
            "herders' cooperatives by 31 March. The Fund's 2017 tranche has not come from the "
            "Ministry, so no loan can be approved.",
            challenges="No money in the Fund: the Ministry of Finance holds the aimags' tranches "
            "until the budget amendment.",
            support="The Governor to ask the Ministry when the tranche will come.",
        ),
        2: Story(
            OFF,
            15,
            "All 63 applications scored; the scoring committee cannot decide before the tranche "
            "arrives. Agreement with the partner bank signed on 20 June.",
            challenges="Still no tranche; applicants are asking whether to wait.",
            next_steps="Scoring committee within two weeks of the tranche.",
            late=4,
        ),
        3: Story(
            OFF,
            42,
            "The tranche arrived on 14 August. Scoring committee decision on 28 August: 17 "
            "projects for 1.02 billion MNT, all 17 loans paid out by 30 September. A second round "
            "opens on 1 October.",
            challenges="23 of the 40 loans remain; the second round must decide by 31 October.",
            successes="First loans to herders' cooperatives for wool and cashmere processing.",
            next_steps="Second round: applications until 20 October, decision by 31 October.",
            returned="Say how much was paid out and to how many borrowers, not only that loans "
            "were paid.",
            first="The tranche arrived and the first loans were paid out.",
        ),
        4: Story(
            OFF,
            70,
            "Second round: 31 applications, scoring committee decision on 3 November: 21 "
            "projects for 1.18 billion MNT, 19 of them paid out by 29 December.",
            challenges="Two borrowers have not yet provided the collateral the bank asks for.",
            next_steps="Pay out the last two loans in January; first repayments due in March.",
            status=SUBMITTED,
            late=2,
        ),
    },
    "2.1.2": {
        3: Story(
            ON,
            100,
            "“Made in Dornod” trade fair held on 15-17 September in Choibalsan: 84 local "
            "producers, about 6,500 visitors, sales of 212 million MNT.",
            successes="Seven producers signed supply contracts with Ulaanbaatar shops.",
            next_steps="Hold the fair again in 2018, in August before the school year.",
        ),
    },
    "2.2.1": {
        1: Story(
            RISK,
            10,
            "Data exchange with the State Registration Office agreed; tax inspectors started in "
            "Kherlen and Bayan-Uul. The first comparison shows that the land records of Bayandun "
            "and Sergelen do not match the property register.",
            challenges="Land records and the property register disagree in at least two soums.",
        ),
        2: Story(
            RISK,
            35,
            "Records of eight soums updated (4,120 properties). The land records of five soums do "
            "not match the property register; the State Registration Office reconciles them.",
            solutions="Inspectors work first in the soums whose records match.",
        ),
        3: Story(
            RISK,
            60,
            "Eleven soums done (6,380 properties); three wait for the reconciliation. New target "
            "date 15 December, set at the Q1 review.",
            next_steps="Bayandun, Sergelen and Tsagaan-Ovoo after the reconciliation.",
        ),
        4: Story(
            RISK,
            85,
            "Work continues in the remaining soums.",
            status=RETURNED,
            returned="Which soums are left, and how many properties? Say whether 15 December was "
            "met.",
        ),
    },
    "3.1.1": {
        1: Story(
            ON,
            50,
            "Training #1 on strategic planning held on 10 March with the adviser of the "
            "institutional transformation project.",
            next_steps="Training #2 on the tools to implement the plan, 28 April.",
        ),
        2: Story(
            ON,
            100,
            "Training #2 (winning conditions and planning tools to implement a strategic plan) "
            "held on 28 April. The Task Force adopted the tracking grid for the 2017 action plan "
            "and a review meeting every quarter.",
            successes="The tracking grid now holds every action of the plan, with its lead, "
            "dates and budget.",
            late=2,
        ),
    },
    "3.1.2": {
        2: Story(
            ON,
            30,
            "Content and format agreed with the Governor's Office in April. Licence data "
            "collected from the 14 soums by 9 June, with the cadastre extract of 1 June as the "
            "reference.",
            challenges="Two soums sent their data after the 31 May deadline.",
            next_steps="First draft by 14 July.",
        ),
        3: Story(
            RISK,
            75,
            "First draft on 21 July. The validation workshop moved from 25 August to 13 October: "
            "two companies had not sent their local agreements. Printing planned for December "
            "(new target 22 December, mid-month evaluation of 15 August).",
            challenges="Two companies' local agreements and payments are still missing.",
            solutions="Requests now go to the companies' head offices, with the Governor's letter.",
            next_steps="Validation workshop on 13 October; final text by 30 November.",
        ),
    },
    "3.2.1": {
        2: Story(
            ON,
            5,
            "Tender awarded on 30 May; the contractor is on site in Bayan-Uul and Dashbalbar from "
            "12 June. Seed of native grasses bought.",
        ),
        3: Story(
            OFF,
            30,
            "35 ha of the 120 done. The contractor stopped on 9 August over a payment dispute; "
            "the Finance and Treasury Department settled it on 12 September and the remaining 85 "
            "ha are re-tendered.",
            challenges="No work since 9 August; the ground freezes in November.",
            support="Inspectors' transport for the acceptance of the 35 ha.",
            late=3,
        ),
        4: Story(
            OFF,
            30,
            "Re-tender closed on 20 October without a contract: the ground froze early. The "
            "remaining 85 ha are planned for May to September 2018.",
            next_steps="Put the 85 ha in the 2018 plan and budget.",
            status=SUBMITTED,
        ),
    },
    "3.2.2": {
        1: Story(
            ON,
            100,
            "Soum rangers and 38 volunteer brigades of the 14 soums trained in February and "
            "March (412 people); fire equipment checked in every soum.",
            successes="Every brigade has a trained leader and a phone list before the fire season.",
        ),
    },
    "4.1.1": {
        2: Story(
            ON,
            20,
            "Contractor selected; works started in the Bayantumen, Dashbalbar and Matad schools. "
            "Boilers for Bayandun and Sergelen ordered.",
        ),
        3: Story(
            RISK,
            80,
            "Three of the five schools ready for the heating season. The boilers for Bayandun and "
            "Sergelen were delivered six weeks late; both schools use temporary heating until "
            "mid-November.",
            challenges="Late delivery by the boiler supplier.",
            solutions="Temporary electric heating in the dormitories; classes start on time.",
            next_steps="Install both boilers by mid-November; acceptance commission in December.",
        ),
        4: Story(
            ON,
            95,
            "Bayandun's boiler running since 14 November and Sergelen's since 21 November; "
            "acceptance commission on 5 December.",
            status=SUBMITTED,
        ),
    },
    "4.2.1": {
        1: Story(
            ON,
            10,
            "The mobile ultrasound team screened 410 citizens in Kherlen in March.",
            next_steps="Bayandun, Matad and Khalkhgol in April and May.",
        ),
        2: Story(
            ON,
            35,
            "2,150 citizens screened in six soums; 38 referred to the regional diagnostic centre.",
            successes="Nine early-stage cancers found and treated.",
        ),
        3: Story(
            RISK,
            65,
            "3,900 citizens screened in ten soums. Test kits for cervical screening ran out in "
            "August; 600 kits ordered.",
            challenges="No cervical screening from 20 August to 15 September.",
            support="600 more test kits (4.2 million MNT).",
        ),
    },
    "4.2.2": {
        2: Story(
            RISK,
            0,
            "Specifications for four ambulances sent to the Ministry of Health, which buys the "
            "vehicles for the aimags.",
            challenges="The Ministry has not confirmed its 2017 purchase.",
        ),
        4: Story(
            OFF,
            0,
            "The Ministry of Health postponed its vehicle purchase to 2018, and the aimag budget "
            "has no money set aside.",
            next_steps="Ask for the ambulances in the 2018 plan and budget.",
            status=SUBMITTED,
            late=5,
        ),
    },
    "4.3.1": {
        1: Story(
            ON,
            10,
            "The vocational training centre in Choibalsan enrolled the first 60 young people "
            "(welding, sewing, cooking).",
        ),
        2: Story(
            ON,
            25,
            "71 young people placed in jobs (54% women); 120 in training.",
            successes="Placements with the Choibalsan meat plant and two construction firms.",
            late=2,
        ),
        3: Story(
            RISK,
            50,
            "148 of the 300 young people placed in jobs. Employers in the soums offer fewer "
            "placements than promised.",
            challenges="Soum employers took 22 trainees where they had promised 60.",
            solutions="Placements in Choibalsan for trainees from the soums, with a dormitory.",
            returned="Give the number placed against the 300 of the target, and where the "
            "placements are.",
            first="Training and placements continue.",
        ),
        4: Story(
            RISK,
            60,
            "181 of the 300 placed by 15 December; 40 more trainees finish in January.",
            status=SUBMITTED,
            late=6,
        ),
    },
    "4.3.2": {
        1: Story(
            ON,
            40,
            "Aimag job fair set for 21 April in Choibalsan; 52 employers registered.",
        ),
        2: Story(
            ON,
            100,
            "Aimag job fair held on 21 April: 64 employers, about 1,300 visitors; 212 people "
            "hired on the day or within a month.",
            successes="A third of the hires came from the soums, by the fair's free bus.",
        ),
    },
}
DORNOD_OBJECTIVES = ("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3")
# Objective updates that never came, and ones with a story of their own; the others were
# accepted on time. 2017-Q4 is still open: the objectives' leads owe theirs.
DORNOD_OBJECTIVES_MISSING = {("3.2", q17(2)), ("4.2", q17(3))} | {
    (code, q17(4)) for code in DORNOD_OBJECTIVES if code != "4.3"
}
DORNOD_OBJECTIVE_MARKS: dict[tuple[str, str], dict[str, Any]] = {
    ("2.1", q17(1)): {"late": 5},
    ("3.1", q17(3)): {"late": 2},
    ("4.3", q17(4)): {"status": SUBMITTED, "late": 3},
    ("2.2", q17(2)): {
        "returned": "Say when the five soums' land records will be reconciled.",
        "first": "Work on the tax records continues.",
    },
}


def dornod_script(today: datetime.date, labels: Sequence[str]) -> Script:
    stories = {
        code: {q17(n): story for n, story in by_quarter.items()}
        for code, by_quarter in DORNOD_ACTIONS.items()
    }
    add_summaries(
        stories,
        DORNOD_OBJECTIVES,
        [q17(n) for n in (1, 2, 3, 4)],
        marks=DORNOD_OBJECTIVE_MARKS,
        missing=DORNOD_OBJECTIVES_MISSING,
    )
    return Script(tiers=[2, 3], stories=stories, reviews=DORNOD_REVIEWS)


DZUD = (
    "Soum officials were called to the dzud response in March and April: the livestock losses "
    "came first."
)
DORNOD_REVIEWS = [
    ReviewSpec(
        QUARTERLY,
        q17(1),
        d17(4, 12),
        "admin",
        {
            "1.1": Answer(PARTLY, {EXTERNAL: DZUD}, decision=CONTINUE),
            "1.1.1": Answer(
                PARTLY,
                {EXTERNAL: "Soum administration heads were on dzud duty; cohort 2 moved a week."},
                realistic=True,
                decision=CONTINUE,
                note="Cohort 2 on 5-7 April; the June cohorts stay as planned.",
            ),
            "1.1.2": Answer(
                PARTLY,
                {
                    EXTERNAL: DZUD,
                    LEADER_CAPACITY: "The lead also runs the civil service recruitment exams in "
                    "April and May and cannot follow the meetings.",
                },
                changes="The dzud response took the soum officials for two months.",
                realistic=True,
                staff=False,
                budget=False,
                resources="2.1 million MNT to move forward from Q3 for the rescheduled meetings.",
                decision=REASSIGN,
                new_lead="contributor",
                note="Enkhjargal Tserendorj, who runs the officials' training (1.1.1), leads the "
                "exchange meetings from now on; Sukhbaatar Purevdorj stays a contributor.",
                owner="manager",
                due=d17(4, 21),
                done="Handed over on 19 April with the venues, the participant lists and the "
                "budget; 2.1 million MNT moved forward from Q3.",
                done_on=d17(4, 19),
            ),
            "1.1.3": Answer(
                YES,
                budget=False,
                resources="Radio airtime for the citizens' days is not in the budget (600,000 "
                "MNT).",
                decision=ADD_RESOURCES,
                note="Release 600,000 MNT from the Governor's reserve fund for local radio "
                "airtime.",
                owner="sarangerel",
                due=d17(5, 15),
                done="600,000 MNT released from the reserve fund on 8 May (Governor's order "
                "A/92); first radio hour on 10 August.",
                done_on=d17(5, 8),
            ),
            "1.2.2": Answer(
                NO,
                {
                    PRIORITIES: "The Cabinet Secretariat plans a national petitions system; an "
                    "aimag register of our own may duplicate it.",
                },
                changes="The Cabinet Secretariat announced a national petitions system.",
                realistic=False,
                start=d17(5, 2),
                target=d17(11, 30),
                decision=REPLAN,
                note="Start after the Cabinet Secretariat's briefing of 28 April; decide then "
                "whether to build or to join.",
            ),
            "2.1": Answer(
                NO,
                {BUDGET: "The SME Development Fund has no money until the tranche comes (2.1.1)."},
                decision=CONTINUE,
                note="Follows the re-plan of 2.1.1.",
            ),
            "2.1.1": Answer(
                NO,
                {
                    BUDGET: "The SME Development Fund's 2017 tranche has not come from the "
                    "Ministry; no loan can be approved without it.",
                    EXTERNAL: "The Ministry of Finance holds the aimags' transfers until "
                    "Parliament amends the 2017 budget.",
                },
                changes="The 2017 state budget is being amended; transfers to the aimags wait.",
                realistic=False,
                target=d17(11, 30),
                staff=True,
                budget=False,
                decision=REPLAN,
                note="Score the applications now, decide within two weeks of the tranche and pay "
                "out by 30 November.",
            ),
            "2.2": Answer(
                PARTLY,
                {
                    UNDERESTIMATED: "Reconciling the land and property records is more work than "
                    "planned (2.2.1)."
                },
                decision=CONTINUE,
            ),
            "2.2.1": Answer(
                PARTLY,
                {
                    UNDERESTIMATED: "The land records of Bayandun and Sergelen do not match the "
                    "property register, and other soums may not either; reconciling them was not "
                    "planned.",
                },
                realistic=False,
                target=d17(12, 15),
                decision=REPLAN,
                note="Reconcile with the State Registration Office soum by soum; finish by 15 "
                "December.",
            ),
        },
    ),
    ReviewSpec(
        MID_MONTH,
        q17(3),
        d17(8, 15),
        "admin",
        {
            "1.1": Answer(
                PARTLY,
                {UNDERESTIMATED: "Meeting venues in the soums were not checked in time (1.1.2)."},
                decision=CONTINUE,
            ),
            "1.1.2": Answer(
                PARTLY,
                {UNDERESTIMATED: "Nobody checked the soum halls; Matad's is under repair."},
                decision=CONTINUE,
                note="Matad on 17 August; the Choibalsan meeting with the Khural session.",
            ),
            "1.1.3": Answer(
                PARTLY,
                {
                    OTHER: "Staff turnover in the soums after the summer: new officers do not yet "
                    "know the 30-day rule."
                },
                decision=CONTINUE,
                note="Brief the new soum officers at the September meeting of soum governors.",
            ),
            "1.2": Answer(
                PARTLY, {BUDGET: "No money for the register's software (1.2.2)."}, decision=CONTINUE
            ),
            "1.2.2": Answer(
                NO,
                {
                    BUDGET: "The software (9 million MNT) was left out of the amended 2017 aimag "
                    "budget."
                },
                budget=False,
                decision=CONTINUE,
                note="On hold until the Cabinet Secretariat decides on the national petitions "
                "system.",
            ),
            "2.1": Answer(
                NO,
                {EXTERNAL: "The Fund's tranche came four months late (2.1.1)."},
                decision=CONTINUE,
            ),
            "2.1.1": Answer(
                NO,
                {EXTERNAL: "The Fund's tranche arrived on 14 August, four months late."},
                decision=CONTINUE,
                note="Scoring committee on 28 August; pay out the first round in September.",
            ),
            "2.2": Answer(PARTLY, decision=CONTINUE),
            "2.2.1": Answer(
                PARTLY,
                {UNDERESTIMATED: "Five soums' land records need reconciling, not two."},
                decision=CONTINUE,
            ),
            "3.1.2": Answer(
                PARTLY,
                {
                    WRONG_PEOPLE: "The companies' data were asked of their site managers, who "
                    "may not release them; the requests should go to the head offices.",
                },
                changes="Two companies have not sent their local agreements and payments.",
                realistic=False,
                target=d17(12, 22),
                decision=REPLAN,
                note="Validation workshop on 13 October; print in December.",
                owner="nomin",
                due=d17(10, 13),
                done="Validation workshop held on 13 October with the 14 soums, 9 companies and "
                "6 civil society organisations.",
                done_on=d17(10, 13),
            ),
            "3.2": Answer(
                NO,
                {WRONG_PEOPLE: "The rehabilitation contractor stopped work (3.2.1)."},
                decision=CONTINUE,
                health=OFF,
            ),
            "3.2.1": Answer(
                NO,
                {
                    WRONG_PEOPLE: "The contractor stopped work on 9 August over a payment dispute.",
                    BUDGET: "The budget pays the contractor only after each 20 ha is inspected; "
                    "a small contractor cannot carry the costs that long.",
                },
                staff=True,
                budget=False,
                health=OFF,
                decision=ADD_RESOURCES,
                note="Settle the dispute, pay for the 35 ha done, re-tender the remaining 85 ha.",
                owner="sarangerel",
                due=d17(9, 15),
                done="41 million MNT paid for the 35 ha on 12 September; re-tender announced on "
                "18 September.",
                done_on=d17(9, 18),
            ),
            "4.2": Answer(PARTLY, decision=CONTINUE),
            "4.2.2": Answer(
                PARTLY,
                {PRIORITIES: "The Ministry of Health may postpone its vehicle purchase to 2018."},
                decision=CONTINUE,
            ),
        },
    ),
    ReviewSpec(
        QUARTERLY,
        q17(3),
        d17(10, 11),
        "admin",
        {
            "2.2.1": Answer(
                PARTLY,
                {UNDERESTIMATED: "Three soums still wait for the State Registration Office."},
                realistic=True,
                decision=CONTINUE,
            ),
            "3.2.1": Answer(
                NO,
                {
                    WRONG_PEOPLE: "The first contractor could not finish the work.",
                    EXTERNAL: "The ground freezes from November: the re-tendered work cannot "
                    "start before May.",
                },
                realistic=False,
                target=datetime.date(2018, 9, 28),
                decision=REPLAN,
                note="Finish the remaining 85 ha from May to September 2018.",
            ),
            "4.1.1": Answer(
                PARTLY,
                {
                    EXTERNAL: "The supplier delivered the Bayandun and Sergelen boilers six weeks "
                    "late."
                },
            ),
            "4.2.2": Answer(
                NO,
                {
                    PRIORITIES: "The Ministry of Health postponed its vehicle purchase to 2018.",
                    BUDGET: "The aimag budget has no money set aside for vehicles.",
                },
                budget=False,
                decision=DROP,
                note="Drop it from the 2017 plan; ask for the ambulances in the 2018 plan.",
            ),
            "1.2.2": Answer(
                NO,
                {BUDGET: "Still no money for the software in 2017."},
            ),
        },
        close=False,
    ),
]


# -- the Governor's programme 2016-2020: its last year ---------------------------------------------
def q20(n: int) -> str:
    return f"2020-Q{n}"


def d20(month: int, day: int) -> datetime.date:
    return datetime.date(2020, month, day)


PROGRAMME_OBJECTIVES: dict[str, dict[int, Story]] = {
    "1.1": {
        1: Story(
            ON,
            80,
            "1,020 requests and complaints registered in January-March, 88% answered within 30 "
            "days. Citizens' days stopped under the state of high alert from 27 January; "
            "requests now come by phone, through the 11-11 centre and on the aimag's Facebook "
            "page.",
            solutions="A duty officer in every soum answers the phone line on weekdays.",
        ),
        2: Story(
            ON,
            84,
            "1,380 requests registered in April-June, 91% answered within 30 days.",
            successes="Answers by phone are faster: seven days on average, from twelve.",
        ),
        3: Story(
            ON,
            86,
            "1,150 requests registered in July-September, 90% answered within 30 days. Citizens' "
            "days resumed in August with masks and distance.",
            next_steps="Hand the register over to the soum governors appointed after the "
            "October elections.",
            late=5,
        ),
        4: Story(
            ON,
            90,
            "1,240 requests registered in October-December, 92% answered within 30 days, despite "
            "the lockdown from 11 November. Over the term, the share answered within 30 days rose "
            "from 64% in 2016 to 92%.",
            successes="Every soum now registers requests in the same way.",
        ),
    },
    "1.2": {
        1: Story(
            OFF,
            70,
            "No course held: trainings and meetings are banned under the state of high alert "
            "since 27 January. 2,870 of the 4,100 public servants of the aimag and the soums "
            "trained since 2016 (70%).",
            challenges="No classroom training while the state of high alert lasts.",
            support="Access to the Academy of Management's online platform.",
        ),
        2: Story(
            RISK,
            74,
            "First online courses in June: 160 soum officials trained on the Academy of "
            "Management's platform. 3,030 of 4,100 trained since 2016.",
            challenges="Bag officials in remote bags have no reliable internet.",
            returned="How many of the 4,100 are trained now? Give the total since 2016.",
            first="Online courses started in June.",
        ),
        3: Story(
            RISK,
            80,
            "Classroom courses resumed in August for bag officials: 250 trained. 3,280 of 4,100 "
            "trained since 2016.",
            next_steps="Train the officials elected in October before the end of the year.",
        ),
        4: Story(
            RISK,
            85,
            "Courses moved online again with the lockdown from 11 November: 205 newly elected "
            "soum khural members trained. 3,485 of 4,100 (85%) trained in the term; the last "
            "cohorts move to the first half of 2021.",
            late=8,
        ),
    },
    "2.1": {
        1: Story(
            RISK,
            55,
            "Own revenue in January-March: 4.1 billion MNT, 12% below plan. Businesses closed in "
            "February and March under the state of high alert.",
            challenges="Tax relief for businesses under the Government's COVID-19 measures from "
            "April.",
        ),
        2: Story(
            OFF,
            55,
            "Own revenue in April-June: 3.6 billion MNT, 31% below plan: the Government exempted "
            "businesses from the social insurance and some local fees until September.",
            challenges="The relief measures cut fees the aimag counted on.",
            solutions="Property tax records updated in all 14 soums to widen the base.",
        ),
        3: Story(
            RISK,
            58,
            "Own revenue in July-September: 5.2 billion MNT, 9% below plan, as businesses "
            "reopened.",
            late=7,
        ),
        4: Story(
            RISK,
            62,
            "Own revenue for 2020: 18.9 billion MNT, 14% below plan and 24% above 2016. The "
            "programme's aim of a third more by 2020 is not met.",
            next_steps="Carry the revenue aim into the Governor's programme 2021-2024.",
        ),
    },
    "2.2": {
        1: Story(
            RISK,
            45,
            "Registered unemployed rose to 2,950 in March, from 2,480 in December: border trade "
            "with China stopped at Bichigt and Sumber.",
            challenges="Seasonal jobs in border trade and tourism lost.",
            support="Public works jobs from the Employment Promotion Fund.",
        ),
        2: Story(
            OFF,
            40,
            "Registered unemployed: 3,120 in June. Public works for 312 people in 11 soums from "
            "May.",
            successes="Public works repaired 14 km of soum roads and 9 wells.",
        ),
        3: Story(
            RISK,
            48,
            "Registered unemployed down to 2,760 in September as construction resumed; 180 young "
            "people in vocational courses.",
        ),
    },
}

PROGRAMME_REVIEWS = [
    ReviewSpec(
        QUARTERLY,
        q20(1),
        d20(4, 14),
        "admin",
        {
            "1.1": Answer(YES, decision=CONTINUE),
            "1.2": Answer(
                NO,
                {
                    EXTERNAL: "Under the state of high alert since 27 January, trainings and "
                    "meetings are banned; no course could be held in Q1.",
                },
                changes="COVID-19: the state of high alert, schools and training centres closed.",
                realistic=False,
                target=datetime.date(2021, 6, 30),
                decision=REPLAN,
                note="Move the courses online from May; train the last bag officials in the "
                "first half of 2021.",
            ),
            "2.1": Answer(
                PARTLY,
                {
                    EXTERNAL: "The Government's COVID-19 relief exempts businesses from some "
                    "taxes and fees from April to September.",
                    PRIORITIES: "The Governor moved 2.4 billion MNT of the local development "
                    "fund to the pandemic response.",
                },
                decision=CONTINUE,
            ),
            "2.2": Answer(
                PARTLY,
                {
                    EXTERNAL: "Border trade with China stopped at Bichigt and Sumber; "
                    "seasonal jobs were lost."
                },
                staff=True,
                budget=False,
                resources="Public works jobs for the registered unemployed.",
                decision=ADD_RESOURCES,
                note="Public works from the Employment Promotion Fund for 300 registered "
                "unemployed.",
                owner="erdenechimeg",
                due=d20(6, 30),
                done="Public works for 312 people in 11 soums, May to September.",
                done_on=d20(6, 26),
            ),
        },
    ),
    ReviewSpec(
        MID_MONTH,
        q20(2),
        d20(5, 15),
        "admin",
        {
            "1.1": Answer(
                PARTLY,
                {
                    WRONG_PEOPLE: "Requests are registered by soum clerks who were never trained "
                    "on the register; four soums send incomplete lists."
                },
                decision=CONTINUE,
                note="Train the soum clerks online in June.",
            ),
            "1.2": Answer(NO, decision=CONTINUE, note="First online course on 2 June."),
            "2.1": Answer(
                NO,
                {
                    BUDGET: "The revenue aim assumes the 2016 budget; the amended 2020 budget "
                    "plans a fifth less own revenue."
                },
                decision=CONTINUE,
            ),
            "2.2": Answer(PARTLY, decision=CONTINUE),
        },
    ),
    ReviewSpec(
        QUARTERLY,
        q20(3),
        d20(10, 13),
        "admin",
        {
            "1.1": Answer(
                PARTLY,
                {
                    OTHER: "Local elections on 15 October: the soum khurals change and new "
                    "governors are appointed; requests pile up during the handover."
                },
            ),
            "2.2": Answer(
                NO,
                {EXTERNAL: "The border with China is still closed to trade."},
            ),
        },
        close=False,
    ),
]


def programme_script(today: datetime.date, labels: Sequence[str]) -> Script:
    stories = {
        code: {q20(n): story for n, story in by_quarter.items()}
        for code, by_quarter in PROGRAMME_OBJECTIVES.items()
    }
    return Script(tiers=[2], stories=stories, reviews=PROGRAMME_REVIEWS)


# -- SayPro's February plan ------------------------------------------------------------------------
FEB = "2024-02"


def f24(day: int) -> datetime.date:
    return datetime.date(2024, 2, day)


SAYPRO_STEPS: dict[str, Story] = {
    "1.1": Story(
        ON,
        100,
        "The Strategy Team reviewed SayPro's strategic goals on 1-2 February: February's "
        "objectives are consistent with the long-term goals and priorities.",
        successes="Two February objectives reworded to match the strategic plan's targets.",
    ),
    "1.2": Story(
        ON,
        100,
        "Each department's February objectives checked against SayPro's objectives with the "
        "strategic alignment checklist; finished on 5 February.",
        challenges="Two departmental plans arrived after week 1.",
        solutions="Department heads completed the checklist with the program managers.",
    ),
    "2.1": Story(
        ON,
        100,
        "M&E framework revised with February's indicators and metrics; the data collection "
        "tools now track each strategic goal.",
        successes="Nine new indicators, each with a data owner and a monthly target.",
    ),
    "2.2": Story(
        ON,
        100,
        "Training on the updated M&E framework held on 8 February: 34 staff of five departments.",
        successes="Staff rated the session 4.3 of 5.",
        next_steps="A second session in March for new staff.",
    ),
    "3.1": Story(
        OFF,
        60,
        "Software options compared on 6 February and a hosted tool recommended; the licence "
        "waits for budget approval. Departments report in a shared spreadsheet meanwhile.",
        challenges="No licence yet: the purchase waits for the budget approval.",
        solutions="All departments used the shared spreadsheet with the new indicators in "
        "February.",
        next_steps="Go live in March, as decided at the mid-month evaluation.",
        support="Budget approval for the licence (Senior Leadership).",
        returned="Say what is done and what waits, and when the system will be live.",
        first="The system is being set up.",
    ),
    "3.2": Story(
        ON,
        100,
        "Reporting template and schedule agreed with the department heads on 2 February: data by "
        "the 3rd of each month, the report to Senior Leadership by the 5th.",
    ),
    "4.1": Story(
        ON,
        100,
        "Stakeholder engagement plan for February approved: 46 internal and external "
        "stakeholders, with the channel and the message for each.",
    ),
    "4.2": Story(
        RISK,
        80,
        "Four of the five weekly updates sent (2, 9, 16 and 23 February) by email, the "
        "newsletter and social media; the last one goes out with the monthly report.",
        challenges="The fifth update waits for the monthly report's figures.",
        late=2,
    ),
    "5.1": Story(
        ON,
        100,
        "Two knowledge-sharing sessions held, on 8 and 22 February: six teams presented their "
        "work, their challenges and the lessons learned.",
        successes="Lessons from both sessions collected in the session notes.",
    ),
    "6.1": Story(
        ON,
        100,
        "Mid-month evaluation held on 9 February with Senior Leadership: the monitoring "
        "system's go-live moved to March; spreadsheet reporting continues until then.",
    ),
    "6.2": Story(
        RISK,
        40,
        "Draft report to Senior Leadership on 27 February; two departments' data still missing. "
        "The final report follows the leadership review.",
        challenges="IT and Programmes sent their data late.",
        next_steps="Final report once the two departments' data are in.",
        late=1,
    ),
}

SAYPRO_REVIEWS = [
    ReviewSpec(
        MID_MONTH,
        FEB,
        f24(9),
        "thandiwe",
        {
            "1.2": Answer(
                PARTLY,
                {
                    WRONG_PEOPLE: "The cross-check was first given to program officers who did not "
                    "hold the departmental plans; department heads finish it."
                },
                decision=CONTINUE,
                health=RISK,
            ),
            "2.2": Answer(YES, decision=CONTINUE, health=ON),
            "3.1": Answer(
                NO,
                {
                    BUDGET: "The monitoring software's licence waits for budget approval.",
                    UNDERESTIMATED: "Setting up a real-time system for every department in one "
                    "week was underestimated.",
                },
                realistic=False,
                target=datetime.date(2024, 3, 29),
                budget=False,
                health=OFF,
                decision=REPLAN,
                note="Go live in March; departments report in the shared spreadsheet until then.",
                owner="pieter",
                due=datetime.date(2024, 3, 29),
                done="Hosted monitoring system live for all departments on 27 March.",
                done_on=datetime.date(2024, 3, 27),
            ),
            "4.2": Answer(YES, decision=CONTINUE, health=ON),
            "5.2": Answer(
                PARTLY,
                {OTHER: "It waits for the intranet's move to the new platform."},
                health=RISK,
                decision=CONTINUE,
                note="Collect the lessons in the session notes meanwhile.",
            ),
            "6.2": Answer(
                YES,
                health=NA,
                staff=False,
                resources="Lerato compiles the report alone.",
                decision=ADD_RESOURCES,
                note="Kagiso helps compile the data; Senior Leadership keeps its 27 February "
                "meeting for the draft.",
                owner="themba",
                due=f24(26),
                done="27 February meeting set aside; Kagiso joined the report team.",
                done_on=f24(12),
            ),
        },
    ),
    ReviewSpec(
        QUARTERLY,
        FEB,
        f24(29),
        "thandiwe",
        {
            "3.1": Answer(
                NO,
                {BUDGET: "The licence is approved for March only; no system in February."},
                health=OFF,
            ),
            "6.2": Answer(
                PARTLY,
                {
                    OTHER: "Two departments sent their data late; the draft went to Senior "
                    "Leadership on 27 February without their figures."
                },
                health=RISK,
            ),
        },
        close=False,
    ),
]


def saypro_script(today: datetime.date, labels: Sequence[str]) -> Script:
    return Script(
        tiers=[2],
        stories={code: {FEB: story} for code, story in SAYPRO_STEPS.items()},
        reviews=SAYPRO_REVIEWS,
    )


# -- SayPro's M&E framework: the last twelve months that ended -------------------------------------
DEPARTMENTS = ("Strategy", "Communication", "IT", "HR Training", "Programmes")


def _month(label: str) -> tuple[int, int]:
    year, month = label.split("-")
    return int(year), int(month)


def _next(label: str) -> tuple[str, int]:
    year, month = _month(label)
    return (MONTHS[0], year + 1) if month == 12 else (MONTHS[month], year)


def _spread(key: str, low: int, high: int) -> int:
    """A whole number in [low, high] fixed by the key."""
    return low + (wobble(key, 1000) + 1000) % (high - low + 1)


def _progress(label: str, lag: int = 0) -> int:
    """How far through the framework's 36 months (2024-2026) the label is, as a percent."""
    year, month = _month(label)
    elapsed = (year - 2024) * 12 + month
    return max(0, min(100, round(100 * elapsed / 36) - lag))


def report_story(label: str) -> Story:
    """1.1: the monthly performance report to Senior Leadership."""
    _, month = _month(label)
    name, next_year = _next(label)
    late = [d for d in DEPARTMENTS if _spread(f"{label}{d}", 0, 9) == 0]
    day = 4 if late else _spread(label + "day", 2, 4)
    if late:
        narrative = (
            f"The {MONTHS[month - 1]} report went to Senior Leadership on {day} {name} "
            f"{next_year}; {5 - len(late)} of five departments sent their data by the 3rd, "
            f"{' and '.join(late)} later."
        )
        return Story(
            RISK,
            _progress(label, 4),
            narrative,
            challenges=f"{' and '.join(late)} sent {'their' if len(late) > 1 else 'its'} "
            "figures after the 3rd.",
            solutions="Late figures go into the next report; department heads are reminded on "
            "the 1st.",
            next_steps=f"The {name} report by the 5th of the month after.",
        )
    return Story(
        ON,
        _progress(label),
        f"The {MONTHS[month - 1]} report went to Senior Leadership on {day} {name} {next_year}, "
        "with the KPIs of all five departments.",
        successes="Leadership decided on the report's figures at its monthly meeting.",
    )


def kpi_story(label: str) -> Story:
    """1.2: departments compare their KPIs with the strategic plan's targets every quarter."""
    year, month = _month(label)
    if month % 3 == 0:
        compared = _spread(label + "kpi", 4, 5)
        off = _spread(label + "off", 2, 7)
        story = Story(
            ON if compared == 5 else RISK,
            _progress(label, 0 if compared == 5 else 5),
            f"Quarterly comparison for Q{month // 3} {year}: "
            f"{'all five' if compared == 5 else 'four of five'} departments compared their "
            f"KPIs with the strategic plan's targets; {off} KPIs are below target.",
            challenges="" if compared == 5 else "Programmes had not finished its comparison.",
            next_steps="Departments explain the KPIs below target at the quarterly review.",
        )
        return story
    aligned = _spread(label + "aligned", 1, 4)
    return Story(
        ON,
        _progress(label),
        f"Preparing the quarter's KPI comparison: {aligned} KPI definitions aligned with the "
        "strategic plan's; the comparison template sent to the departments.",
    )


def training_story(label: str) -> Story:
    """2.1: staff trained on the M&E framework and its tools."""
    _, month = _month(label)
    trained = _spread(label + "trained", 0, 14)
    if trained < 3:
        return Story(
            RISK,
            _progress(label, 6),
            f"No M&E training session in {MONTHS[month - 1]}: the trainer was on leave.",
            challenges="Eleven new staff are waiting for their M&E training.",
            next_steps="Two sessions next month.",
            support="A second trainer from the M&E Team.",
        )
    return Story(
        ON,
        _progress(label, 2),
        f"{trained} staff trained on the M&E framework and its tools in {MONTHS[month - 1]}.",
        successes="New staff enter their first KPI data within a month of the training.",
    )


def actions_story(label: str) -> Story:
    """3.1: action items of the collaborative meetings completed on time."""
    _, month = _month(label)
    total = _spread(label + "total", 18, 30)
    done = total - _spread(label + "open", 1, 8)
    share = round(100 * done / total)
    return Story(
        ON if share >= 80 else RISK,
        _progress(label, 0 if share >= 80 else 7),
        f"{done} of the {total} action items due in {MONTHS[month - 1]} completed on time "
        f"({share}%).",
        challenges=""
        if share >= 80
        else "Owners of the open items were travelling to the provincial offices.",
        solutions="" if share >= 80 else "Open items are read out first at the next meeting.",
    )


FRAMEWORK_OUTPUTS: dict[str, Callable[[str], Story]] = {
    "1.1": report_story,
    "1.2": kpi_story,
    "2.1": training_story,
    "3.1": actions_story,
}


def framework_script(today: datetime.date, labels: Sequence[str]) -> Script:
    """The last twelve months whose periods ended before today; two quarterly reviews (the last
    two quarters that ended) and a mid-month evaluation between them."""
    stories: dict[str, dict[str, Story]] = defaultdict(dict)
    for label in labels:
        _, month = _month(label)
        for code, tell in FRAMEWORK_OUTPUTS.items():
            if (code, month) in (("2.1", 12), ("3.1", 4)):
                continue  # never came: the holidays; a reporter on leave
            story = tell(label)
            extra: dict[str, Any] = {}
            if (code, month) in (("1.2", 6), ("3.1", 2)):
                extra = {
                    "returned": "Name the departments or owners behind the figures, and what "
                    "happens next.",
                    "first": "Figures as in the dashboard.",
                }
            elif label == labels[-1] and code in ("1.2", "3.1"):
                extra = {"status": SUBMITTED}
            elif _spread(f"{label}{code}late", 0, 6) == 0:
                extra = {"late": _spread(f"{label}{code}days", 1, 5)}
            stories[code][label] = replace(story, **extra)
    add_summaries(
        stories,
        ["1", "2", "3"],
        labels,
        missing={("3", labels[len(labels) // 2])} if labels else set(),
        marks={("2", labels[-1]): {"status": SUBMITTED}} if labels else None,
        noun="outputs",
    )
    return Script(tiers=[1, 2], stories=dict(stories), reviews=framework_reviews(today, labels))


def framework_reviews(today: datetime.date, labels: Sequence[str]) -> list[ReviewSpec]:
    quarter_ends = [label for label in labels if _month(label)[1] % 3 == 0]
    if len(quarter_ends) < 2:
        return []
    first, second = quarter_ends[-2:]
    middle = labels[labels.index(first) + 2]

    def after(label: str, days: int) -> datetime.date:
        year, month = _month(label)
        start = datetime.date(year + month // 12, month % 12 + 1, 1)
        return min(start + datetime.timedelta(days=days - 1), today)

    year, month = _month(middle)
    mid_day = min(datetime.date(year, month, 14), today)
    first_held = after(first, 10)
    return [
        ReviewSpec(
            QUARTERLY,
            first,
            first_held,
            "thandiwe",
            {
                "1.1": Answer(YES, decision=CONTINUE),
                "1.2": Answer(
                    PARTLY,
                    {
                        UNDERESTIMATED: "Departments' KPI definitions differ from the strategic "
                        "plan's; matching them takes longer than planned."
                    },
                    decision=CONTINUE,
                    note="Kagiso meets each department head before the next comparison.",
                ),
                "2.1": Answer(
                    PARTLY,
                    {BUDGET: "The training budget for new staff was cut in the mid-year revision."},
                    budget=False,
                    decision=ADD_RESOURCES,
                    note="Restore two training sessions a month from the operations budget.",
                    owner="thandiwe",
                    due=first_held + datetime.timedelta(days=30),
                    done="Two training sessions a month restored from the operations budget.",
                    done_on=min(first_held + datetime.timedelta(days=24), today),
                ),
                "3.1": Answer(
                    PARTLY,
                    {
                        LEADER_CAPACITY: "Program managers chair most collaborative meetings and "
                        "have no time left to follow up their action items."
                    },
                    staff=False,
                    decision=ADD_RESOURCES,
                    note="A meeting secretary in each programme keeps the action item list and "
                    "reminds the owners every week.",
                    owner="zanele",
                    due=first_held + datetime.timedelta(days=21),
                    # Not done: the demo's action item tracker shows it overdue.
                ),
                "1": Answer(YES, decision=CONTINUE),
                "2": Answer(PARTLY, decision=CONTINUE),
                "3": Answer(PARTLY, decision=CONTINUE),
            },
        ),
        ReviewSpec(
            MID_MONTH,
            middle,
            mid_day,
            "thandiwe",
            {
                "1.1": Answer(
                    PARTLY,
                    {
                        WRONG_PEOPLE: "IT and Programmes send their figures after the 3rd: the "
                        "people who compile them do not own the data."
                    },
                    decision=CONTINUE,
                    note="Each department names its data owner in the M&E framework.",
                ),
                "3.1": Answer(YES, decision=CONTINUE),
            },
        ),
        ReviewSpec(
            QUARTERLY,
            second,
            after(second, 10),
            "thandiwe",
            {
                "3.1": Answer(
                    PARTLY,
                    {
                        PRIORITIES: "Two programmes were merged; their meetings and action lists "
                        "are being combined."
                    },
                ),
                "2.1": Answer(
                    PARTLY,
                    {
                        OTHER: "The new learning platform is not live yet; the training moves "
                        "online when it is."
                    },
                ),
            },
            close=False,
        ),
    ]


# -- the loader ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanScript:
    key: str  # demo.PlanSpec.key
    build: Callable[[datetime.date, Sequence[str]], Script]
    # Which of the plan's periods report: the plan's year, or the last twelve that ended.
    year: int | None = None


SCRIPTS = (
    PlanScript("dornod", dornod_script, year=2017),
    PlanScript("dornod-programme", programme_script, year=2020),
    PlanScript("saypro", saypro_script, year=2024),
    PlanScript("saypro-framework", framework_script),
)


def load_reporting(
    *,
    admin: Person,
    plans: Mapping[str, Plan],
    people: Mapping[str, Person],
    created: Counter[str],
) -> None:
    """Add the reporting schedules, progress updates and reviews of the demo plans that have
    none yet."""
    _ReportingLoader(admin=admin, plans=plans, people=people, created=created).run()


@dataclass
class _Times:
    """When an update was written, (last) submitted and accepted or returned, as told."""

    created: datetime.datetime
    submitted: datetime.datetime | None = None
    reviewed: datetime.datetime | None = None


class _ReportingLoader:
    def __init__(
        self,
        *,
        admin: Person,
        plans: Mapping[str, Plan],
        people: Mapping[str, Person],
        created: Counter[str],
    ) -> None:
        self.admin = admin
        self.plans = plans
        self.people = people
        self.created = created
        self.org = Organisation.get()
        self.today = timezone.localdate()
        self.now = timezone.now()
        try:
            self.zone = ZoneInfo(self.org.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.times: dict[int, _Times] = {}
        self.review_times: dict[int, tuple[datetime.datetime, datetime.datetime | None]] = {}
        self.done_times: dict[int, datetime.datetime] = {}
        self.notification_times: list[tuple[int, int, datetime.datetime]] = []
        self.last_notification = self._last_notification()
        self.reviewers: dict[tuple[int, int], Person | None] = {}
        self.to_accept: list[tuple[datetime.date, ProgressUpdate, Person]] = []

    def run(self) -> None:
        for script in SCRIPTS:
            plan = self.plans.get(script.key)
            if plan is None or plan.is_deleted or self._has_reporting(plan):
                continue
            elements = self._elements(plan, script.key)
            if elements is None:
                continue  # changed since the demo was loaded: leave it alone
            self._plan(plan, script, elements)
        self._backdate()

    # -- one plan ----------------------------------------------------------------------------------
    def _has_reporting(self, plan: Plan) -> bool:
        return (
            ReportingSchedule.objects.filter(plan=plan).exists()
            or ProgressUpdate.all_objects.filter(element__plan=plan).exists()
            or Review.all_objects.filter(plan=plan).exists()
        )

    def _elements(self, plan: Plan, key: str) -> dict[str, Element] | None:
        """The plan's elements by code, when they are still the demo's (same codes and titles)."""
        from waymark.core.demo import PLANS, Node  # here: demo.py imports this module

        spec = next(s for s in PLANS if s.key == key)
        expected: dict[str, str] = {}

        def walk(nodes: Sequence[Node], prefix: str) -> None:
            for i, node in enumerate(nodes, start=1):
                code = f"{prefix}{i}"
                expected[code] = node.title
                walk(node.children, code + ".")

        walk(spec.elements, "")
        elements = self._load_elements(plan)
        if {code: e.title for code, e in elements.items()} != expected:
            return None
        return elements

    def _load_elements(self, plan: Plan) -> dict[str, Element]:
        elements = {
            e.code: e
            for e in Element.objects.filter(plan=plan).select_related("responsible_unit", "lead")
        }
        for element in elements.values():
            element.plan = plan
        return elements

    def _plan(self, plan: Plan, spec: PlanScript, elements: dict[str, Element]) -> None:
        periods = reporting_periods(plan)
        for period in periods:
            period.plan = plan  # the unlocks and their change entries read it
        if spec.year is not None:
            chosen = [p for p in periods if p.start.year == spec.year and p.end < self.today]
        else:
            chosen = [p for p in periods if p.end < self.today][-12:]
        labels = [p.label for p in chosen]
        script = spec.build(self.today, labels)
        schedule = schedule_save(
            actor=self.admin, plan=plan, data={"reporting_tiers": script.tiers}
        )
        self.created["reporting schedules"] += 1
        by_label = {p.label: p for p in periods}
        overrides = {
            e.pk: (e.health_override, e.health_override_reason)
            for e in elements.values()
            if e.health_override
        }
        events: list[tuple[datetime.date, int, Callable[[], None]]] = []
        for period in chosen:
            events.append(
                (
                    due_date(schedule, period, max(script.tiers)),
                    0,
                    self._period_writer(plan, period, script, schedule),
                )
            )
        for review in script.reviews:
            if review.period in by_label:
                events.append(
                    (review.held_on, 1, self._review_writer(plan, by_label[review.period], review))
                )
        for _, _, write in sorted(events, key=lambda e: (e[0], e[1])):
            write()
        self._accept()
        self._restore(plan, overrides)

    def _accept(self) -> None:
        """Accept the plan's updates, the latest period first: an accepted update carries its
        health and percent onto the element only when no later one was accepted, so the element
        changes (and the plan rolls up) once, not once per period. Until then they wait as
        submitted, which is all a review reads of them."""
        for _, update, reviewer in sorted(self.to_accept, key=lambda a: a[0], reverse=True):
            update_accept(actor=reviewer, update=update)
        self.to_accept = []

    def _period_writer(
        self, plan: Plan, period: Period, script: Script, schedule: ReportingSchedule
    ) -> Callable[[], None]:
        return lambda: self._period(plan, period, script, schedule)

    def _review_writer(self, plan: Plan, period: Period, spec: ReviewSpec) -> Callable[[], None]:
        return lambda: self._review(plan, period, spec)

    # -- progress updates --------------------------------------------------------------------------
    def _period(
        self, plan: Plan, period: Period, script: Script, schedule: ReportingSchedule
    ) -> None:
        """Every update of the period, lowest tier first: written, submitted, returned and
        corrected, accepted, as each story tells. A closed period is unlocked meanwhile."""
        elements = self._load_elements(plan)  # a review may have changed leads and dates
        told = [
            (elements[code], stories[period.label])
            for code, stories in script.stories.items()
            if period.label in stories and code in elements
        ]
        told.sort(key=lambda pair: (-pair[0].depth, pair[0].sort_key))
        due = due_date(schedule, period, max(script.tiers))
        unlocked = False
        if window(period, due, grace_days(schedule, self.org), self.today) == Window.CLOSED:
            period_unlock(
                actor=self.admin,
                period=period,
                until=self.now + datetime.timedelta(hours=1),
                reason=UNLOCK_REASON,
            )
            unlocked = True
        for element, story in told:
            self._update(element, period, story)
        if unlocked:
            period_lock(actor=self.admin, period=period)

    def _update(self, element: Element, period: Period, story: Story) -> None:
        author = element.lead
        if author is None:
            return
        final = story.data()
        corrected = bool(story.returned) and story.status == ACCEPTED
        first = {**final, "narrative": story.first or story.narrative} if corrected else final
        submit = story.status != DRAFT
        update = update_save(
            actor=author, element=element, period=period, data=first, submit=submit
        )
        self.created["progress updates"] += 1
        at = self._submitted_at(update.due_date, story, period)
        if not submit:
            self.times[update.pk] = _Times(created=at)
            return
        # A corrected update was first sent two days before its final version.
        sent = at - datetime.timedelta(days=2) if corrected else at
        times = _Times(created=sent - datetime.timedelta(minutes=40), submitted=sent)
        self.times[update.pk] = times
        reviewer = self._reviewer(element, author, update)
        if reviewer is None:
            return  # nobody may accept it: it waits
        if story.returned:
            times.reviewed = self._later(sent, days=1, hours=1)
            update = update_return(actor=reviewer, update=update, comment=story.returned)
            self._notified(times.reviewed)
            if not corrected:
                return
            update = update_save(
                actor=author, element=element, period=period, data=final, submit=True
            )
            times.submitted = at
        if story.status == ACCEPTED:
            self.to_accept.append((period.start, update, reviewer))
            days = _spread(f"{element.pk}-{period.pk}", 1, 3)
            times.reviewed = self._later(at, days=days, hours=3)

    def _submitted_at(self, due: datetime.date, story: Story, period: Period) -> datetime.datetime:
        """On time: one to three days before the due date; late: `late` days after it."""
        key = f"{period.pk}-{due}-{story.narrative[:20]}"
        day = (
            due + datetime.timedelta(days=story.late)
            if story.late
            else due - datetime.timedelta(days=_spread(key, 1, 3))
        )
        at = datetime.datetime.combine(
            day, datetime.time(_spread(key + "h", 9, 17), 5 * _spread(key + "m", 0, 11)), self.zone
        )
        return min(at, self.now - datetime.timedelta(hours=2))

    def _later(self, at: datetime.datetime, *, days: int, hours: int) -> datetime.datetime:
        return min(
            at + datetime.timedelta(days=days, hours=hours),
            self.now - datetime.timedelta(minutes=30),
        )

    def _reviewer(self, element: Element, author: Person, update: ProgressUpdate) -> Person | None:
        """A manager of the element's unit, the nearest first, else of the plan's unit, else the
        demo admin: the first who may accept the author's update."""
        key = (element.pk, author.pk)
        if key not in self.reviewers:
            units = [u for u in (element.responsible_unit, element.plan.owner_unit) if u]
            paths: list[str] = []
            for unit in units:
                parts = [p for p in unit.path.split("/") if p]
                paths += ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]
            managers = Membership.objects.filter(
                unit__path__in=paths, role__in=[Role.MANAGER, Role.ADMIN]
            ).select_related("person", "unit")
            ranked = sorted(managers, key=lambda m: (paths.index(m.unit.path), m.person_id))
            candidates = [m.person for m in ranked if m.person.is_active] + [self.admin]
            self.reviewers[key] = next(
                (
                    p
                    for p in candidates
                    if p.pk != author.pk and can_review_update(p, update, accepting=True)
                ),
                None,
            )
        return self.reviewers[key]

    def _restore(self, plan: Plan, overrides: Mapping[int, tuple[str, str]]) -> None:
        """Put back an override (and its reason) written in demo.py that an accepted update's
        health replaced: the demo's elements keep the health they were given."""
        for element in Element.objects.filter(pk__in=list(overrides)):
            health, reason = overrides[element.pk]
            if (element.health_override, element.health_override_reason) != (health, reason):
                element.plan = plan
                element_update(
                    actor=self.admin,
                    element=element,
                    data={"health_override": health, "health_override_reason": reason},
                )

    # -- reviews -----------------------------------------------------------------------------------
    def _review(self, plan: Plan, period: Period, spec: ReviewSpec) -> None:
        chair = self.people.get(spec.chair) or self.admin
        review = review_create(
            actor=chair,
            plan=plan,
            period=period,
            kind=spec.kind,
            held_on=spec.held_on,
            chair=chair,
        )
        self.created["reviews"] += 1
        opened = self._at(spec.held_on, 9, 30)
        items = {
            item.element.code: item
            for item in ReviewItem.objects.filter(review=review).select_related("element")
        }
        self._health_then(review, items, spec)
        for code, item in sorted(items.items(), key=lambda pair: pair[1].element.sort_key):
            item.review = review
            answer = spec.answers.get(code)
            if answer is None and spec.close and item.health_then == ON:
                answer = Answer(YES, decision=CONTINUE)
            elif answer is None and spec.close and item.health_then in (RISK, OFF):
                answer = Answer(PARTLY if item.health_then == RISK else NO, decision=CONTINUE)
            if answer is None:
                continue
            review_item_save(
                actor=chair,
                item=item,
                data=answer.data(self.people),
                reasons=dict(answer.reasons),
            )
        closed: datetime.datetime | None = None
        if spec.close:
            review_close(actor=chair, review=review)
            closed = self._at(spec.held_on, 16, 15)
            self._notified(closed)
            self._complete(review, spec, chair)
        self.review_times[review.pk] = (opened, closed)

    def _health_then(
        self, review: Review, items: Mapping[str, ReviewItem], spec: ReviewSpec
    ) -> None:
        """Each element's health as the review found it: as told, else its latest progress
        update's, else not assessed (nothing reported yet, or not started by the period's end).
        review_create records the health on the day of the load, which is not the story's."""
        updates = latest_updates(review)
        healths: dict[str, list[int]] = defaultdict(list)
        for code, item in items.items():
            element = item.element
            answer = spec.answers.get(code)
            started = not (element.start_date and element.start_date > review.period.end)
            if answer is not None and answer.health:
                health = answer.health
            elif started and element.pk in updates:
                health = updates[element.pk].health
            else:
                health = NA
            item.health_then = health
            healths[health].append(item.pk)
        for health, pks in healths.items():
            ReviewItem.objects.filter(pk__in=pks).update(health_then=health)

    def _complete(self, review: Review, spec: ReviewSpec, chair: Person) -> None:
        """Mark done the action items the review made whose story says they were done."""
        actions = ActionItem.objects.filter(review_item__review=review).select_related(
            "review_item__element", "owner", "unit", "element"
        )
        for action in actions:
            assert action.review_item is not None
            answer = spec.answers.get(action.review_item.element.code)
            if answer is None or not answer.done or answer.done_on is None:
                continue
            actor = action.owner or chair
            action_item_complete(actor=actor, item=action, outcome=answer.done)
            self.done_times[action.pk] = self._at(answer.done_on, 15, 0)

    # -- the story's dates -------------------------------------------------------------------------
    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        at = datetime.datetime.combine(day, datetime.time(hour, minute), self.zone)
        return min(at, self.now - datetime.timedelta(minutes=20))

    def _last_notification(self) -> int:
        return Notification.objects.aggregate(last=Max("id"))["last"] or 0

    def _notified(self, at: datetime.datetime) -> None:
        """The notifications sent since the last call were sent at `at`."""
        last = self._last_notification()
        if last > self.last_notification:
            self.notification_times.append((self.last_notification, last, at))
            self.last_notification = last

    def _backdate(self) -> None:
        """Date the rows written above as the story tells (the services stamp the load's time)."""
        if self.times:
            dues = dict(
                ProgressUpdate.objects.filter(pk__in=list(self.times)).values_list("pk", "due_date")
            )
            rows = []
            for pk, t in self.times.items():
                last = max(x for x in (t.created, t.submitted, t.reviewed) if x is not None)
                late = (
                    t.submitted is not None and t.submitted.astimezone(self.zone).date() > dues[pk]
                )
                rows.append((t.created, last, t.submitted, t.reviewed, late, pk))
            _update_rows(
                ProgressUpdate,
                ["created_at", "updated_at", "submitted_at", "reviewed_at", "late"],
                rows,
            )
        for pk, (opened, closed) in self.review_times.items():
            last = closed or opened
            Review.objects.filter(pk=pk).update(
                created_at=opened, updated_at=last, closed_at=closed
            )
            ReviewItem.objects.filter(review_id=pk).update(created_at=opened, updated_at=last)
            if closed is not None:
                ReviewItem.objects.filter(review_id=pk, applied_at__isnull=False).update(
                    applied_at=closed
                )
                Baseline.objects.filter(review_id=pk).update(taken_at=closed)
                ActionItem.all_objects.filter(review_item__review_id=pk).update(
                    created_at=closed, updated_at=closed
                )
        if self.done_times:
            _update_rows(
                ActionItem,
                ["done_at", "updated_at"],
                [(at, at, pk) for pk, at in self.done_times.items()],
            )
        for after, upto, at in self.notification_times:
            read = at if at < self.now - READ_AFTER else None
            Notification.objects.filter(pk__gt=after, pk__lte=upto).update(
                created_at=at, read_at=read
            )
