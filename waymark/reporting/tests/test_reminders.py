"""Reminders against a fixed calendar: who is reminded of what, on which day, exactly once.

The plan of the shared cast runs through 2017 in quarters. Its action 1.1.1 (lead: the
contributor, unit: the Department of Administration, whose manager is the cast's manager) owes
a progress update for 2017-Q1, due a few days after 31 March; the organisation's defaults
remind 7 and 1 days before, on the day, 3 days after, and tell the manager after 7 days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from waymark.core.roles import Role
from waymark.core.testing import Cast, make_element, make_person, make_plan
from waymark.indicators.models import Period
from waymark.meetings.models import ActionItem
from waymark.org.models import Organisation, Person
from waymark.org.services import organisation_update, unit_create
from waymark.plans.models import Element, Plan
from waymark.reporting.models import Notification, OutgoingEmail, Reminder
from waymark.reporting.reminders import Planned, plan_reminders, run_reminders
from waymark.reporting.selectors import reporting_periods
from waymark.reporting.services import slot_of, update_save

D = datetime.date
DAY = datetime.timedelta(days=1)


@dataclass
class Owed:
    action: Element
    period: Period
    due: datetime.date  # when the action's 2017-Q1 update falls due

    @property
    def subject(self) -> str:
        return f"update:{self.action.pk}:{self.period.pk}"


def q1(plan: Plan) -> Period:
    return next(p for p in reporting_periods(plan) if p.start == D(2017, 1, 1))


@pytest.fixture
def owed(cast: Cast, tree: tuple[Element, Element, Element]) -> Owed:
    action = tree[2]
    period = q1(action.plan)
    return Owed(action, period, slot_of(action, period, today=D(2017, 3, 1)).due)


def stages(planned: list[Planned], person: Person | None = None) -> list[tuple[str, str, int]]:
    return sorted(
        (p.person.username, p.stage, p.days)
        for p in planned
        if not p.skipped and (person is None or p.person == person)
    )


def settings_of(cast: Cast, **data: Any) -> None:
    organisation_update(actor=cast.admin, data=data)


# -- scheduling ------------------------------------------------------------------------------
def test_it_reminds_the_lead_7_and_1_days_before_on_the_day_and_3_days_after(
    cast: Cast, owed: Owed
) -> None:
    expected = {
        owed.due - 7 * DAY: [("contributor", "before", 7)],
        owed.due - DAY: [("contributor", "before", 1)],
        owed.due: [("contributor", "due", 0)],
        owed.due + 3 * DAY: [("contributor", "after", 3)],
    }
    for day, wanted in expected.items():
        assert stages(plan_reminders(today=day)) == wanted, day


def test_it_says_what_is_owed_and_when_and_links_to_it(cast: Cast, owed: Owed) -> None:
    (before,) = [p for p in plan_reminders(today=owed.due - 7 * DAY) if not p.skipped]
    assert before.subject == owed.subject
    assert before.due_date == owed.due
    assert "Progress update on 1.1.1 Train government officials for 2017-Q1" in before.text
    assert "due in 7 days" in before.text
    assert before.url.startswith(f"/elements/{owed.action.pk}/")
    (late,) = [p for p in plan_reminders(today=owed.due + 3 * DAY) if not p.skipped]
    assert "3 days overdue" in late.text
    (today,) = [p for p in plan_reminders(today=owed.due) if not p.skipped]
    assert "due today" in today.text


def test_it_escalates_to_the_units_manager_after_the_escalation_days(
    cast: Cast, owed: Owed
) -> None:
    assert stages(plan_reminders(today=owed.due + 6 * DAY)) == [("contributor", "after", 3)]
    planned = plan_reminders(today=owed.due + 7 * DAY)
    assert stages(planned, cast.manager) == [("manager", "escalation", 7)]
    (escalation,) = [p for p in planned if p.person == cast.manager]
    assert "owed by Contributor" in escalation.text
    assert "7 days overdue" in escalation.text
    # Nobody else: not the viewer, not the admin of the office above, not the outsider.
    assert {p.person.username for p in planned if not p.skipped} == {"contributor", "manager"}


def test_it_escalates_to_the_nearest_unit_above_that_has_a_manager(cast: Cast, plan: Plan) -> None:
    division = unit_create(actor=cast.admin, name="Training Division", parent=cast.dept)
    lead = make_person("saraa", division, Role.CONTRIBUTOR)
    action = make_element(cast, plan, "Train soum officials", responsible_unit=division, lead=lead)
    period = q1(plan)
    due = slot_of(action, period, today=D(2017, 3, 1)).due
    planned = plan_reminders(today=due + 7 * DAY)
    assert ("manager", "escalation", 7) in stages(planned, cast.manager)
    # A manager of the division itself comes first.
    make_person("boss", division, Role.MANAGER)
    planned = plan_reminders(today=due + 7 * DAY)
    assert {p.person.username for p in planned if p.stage == "escalation"} == {"boss"}


def test_a_manager_who_owes_it_is_not_told_about_themselves(cast: Cast, plan: Plan) -> None:
    action = make_element(
        cast, plan, "Publish the budget", responsible_unit=cast.dept, lead=cast.manager
    )
    due = slot_of(action, q1(plan), today=D(2017, 3, 1)).due
    planned = [p for p in plan_reminders(today=due + 7 * DAY) if p.stage == "escalation"]
    assert planned == []  # nobody manages the office above: no escalation rather than a loop
    top = make_person("governor", cast.root, Role.MANAGER)
    planned = [p for p in plan_reminders(today=due + 7 * DAY) if p.stage == "escalation"]
    assert [p.person for p in planned] == [top]


def test_it_sends_nothing_when_reminders_are_off(cast: Cast, owed: Owed) -> None:
    settings_of(cast, reminders_enabled=False)
    for offset in range(-10, 12):
        assert plan_reminders(today=owed.due + offset * DAY) == []


def test_it_follows_the_organisations_own_days(cast: Cast, owed: Owed) -> None:
    settings_of(
        cast,
        reminder_days_before="3",
        remind_on_due_date=False,
        reminder_days_after=0,
        escalation_days=2,
    )
    sent: dict[datetime.date, list[tuple[str, str, int]]] = {}
    for offset in range(-10, 12):
        day = owed.due + offset * DAY
        if found := stages(plan_reminders(today=day)):
            sent[day] = found
    assert sent[owed.due - 3 * DAY] == [("contributor", "before", 3)]
    assert owed.due not in sent
    assert sent[owed.due + 2 * DAY] == [("manager", "escalation", 2)]


def test_a_missed_day_fires_the_most_urgent_stage_once_and_skips_the_others(
    cast: Cast, owed: Owed
) -> None:
    # Cron did not run on the 7-days-before day: on the day before, only "in 1 day" is sent.
    result = run_reminders(today=owed.due - DAY)
    assert [(p.stage, p.days) for p in result.new] == [("before", 1)]
    assert result.skipped == 1
    ledger = set(
        Reminder.objects.filter(subject=owed.subject).values_list("stage", "days", "notification")
    )
    assert ("before", 7, None) in ledger  # recorded as done, with no message
    assert Notification.objects.filter(person=cast.contributor).count() == 1


def test_a_missed_stage_still_fires_later_while_it_is_relevant(cast: Cast, owed: Owed) -> None:
    result = run_reminders(today=owed.due - 5 * DAY)  # the 7-day run was missed
    assert [(p.stage, p.days) for p in result.new] == [("before", 7)]
    assert "due in 5 days" in result.new[0].text


def test_a_reminder_before_the_due_date_is_never_sent_after_it(cast: Cast, owed: Owed) -> None:
    settings_of(cast, remind_on_due_date=False, reminder_days_after=0, escalation_days=0)
    result = run_reminders(today=owed.due + DAY)
    assert result.new == []
    assert result.skipped == 2  # 7 and 1 days before: past, recorded, not sent
    assert not Notification.objects.exists()


def test_a_submitted_update_stops_the_reminders(cast: Cast) -> None:
    # Updates are written in their real window, so this plan runs around the real today.
    now = timezone.localdate()
    plan = make_plan(cast, "Running plan", start_date=now - 400 * DAY, end_date=now + 400 * DAY)
    action = make_element(
        cast, plan, "Open a service centre", lead=cast.contributor, responsible_unit=cast.dept
    )
    slot_period = next(p for p in reporting_periods(plan) if p.start <= now <= p.end)
    due = slot_of(action, slot_period).due
    subject = f"update:{action.pk}:{slot_period.pk}"
    assert subject in {p.subject for p in plan_reminders(today=due - DAY)}
    update_save(
        actor=cast.contributor,
        element=action,
        period=slot_period,
        data={"health": "on_track", "narrative": "The centre opened in March."},
        submit=True,
    )
    assert subject not in {p.subject for p in plan_reminders(today=due - DAY)}
    assert subject not in {p.subject for p in plan_reminders(today=due + 7 * DAY)}


def test_an_update_in_draft_is_still_owed(cast: Cast) -> None:
    now = timezone.localdate()
    plan = make_plan(cast, "Running plan", start_date=now - 400 * DAY, end_date=now + 400 * DAY)
    action = make_element(
        cast, plan, "Open a service centre", lead=cast.contributor, responsible_unit=cast.dept
    )
    period = next(p for p in reporting_periods(plan) if p.start <= now <= p.end)
    update_save(
        actor=cast.contributor, element=action, period=period, data={"narrative": "Half done"}
    )
    due = slot_of(action, period).due
    assert f"update:{action.pk}:{period.pk}" in {p.subject for p in plan_reminders(today=due)}


def test_reminders_stop_when_the_update_window_closes(cast: Cast, owed: Owed) -> None:
    grace = Organisation.get().grace_days
    assert stages(plan_reminders(today=owed.due + grace * DAY))  # still taken, still reminded
    assert plan_reminders(today=owed.due + (grace + 1) * DAY) == []


# -- indicator data and action items ---------------------------------------------------------
def test_it_reminds_the_units_contributor_of_indicator_data_and_escalates_to_its_manager(
    cast: Cast, plan: Plan
) -> None:
    from waymark.indicators.tests.scenarios import make_indicator

    indicator = make_indicator(cast, plan, "1.a", measure_type="number")
    period = Period.objects.get(plan=plan, frequency=indicator.frequency, start=D(2017, 1, 1))
    subject = f"data:{indicator.pk}:{period.pk}:{cast.dept.pk}"
    on_time = [p for p in plan_reminders(today=D(2017, 3, 24)) if p.subject == subject]
    # Not the manager, the admin or the viewer: the contributors of the reporting unit.
    assert stages(on_time) == [("contributor", "before", 7)]
    assert on_time[0].url == f"/indicators/{indicator.pk}/data/{period.pk}/{cast.dept.pk}/"
    assert "Data for 1.a Indicator 1.a, 2017-Q1, GAD" in on_time[0].text
    late = [p for p in plan_reminders(today=D(2017, 4, 7)) if p.subject == subject]
    assert stages(late) == [("contributor", "after", 3), ("manager", "escalation", 7)]


def test_an_indicators_data_owner_is_the_one_reminded(cast: Cast, plan: Plan) -> None:
    from waymark.indicators.tests.scenarios import make_indicator

    owner = make_person("tsetseg", cast.other, Role.VIEWER)
    indicator = make_indicator(cast, plan, "1.b", measure_type="number", data_owners=[owner])
    planned = [
        p
        for p in plan_reminders(today=D(2017, 3, 31))
        if p.subject.startswith(f"data:{indicator.pk}:")
    ]
    assert stages(planned) == [("tsetseg", "due", 0)]


def test_it_reminds_an_action_items_owner_and_stops_when_it_is_done(cast: Cast) -> None:
    item = ActionItem.objects.create(
        title="Send the training list to the soums",
        owner=cast.contributor,
        unit=cast.dept,
        due_date=D(2017, 5, 10),
    )
    planned = [p for p in plan_reminders(today=D(2017, 5, 9)) if p.subject == f"action:{item.pk}"]
    assert stages(planned) == [("contributor", "before", 1)]
    assert "Send the training list to the soums" in planned[0].text
    escalated = [
        p for p in plan_reminders(today=D(2017, 5, 17)) if p.subject == f"action:{item.pk}"
    ]
    assert stages(escalated) == [("contributor", "after", 3), ("manager", "escalation", 7)]
    item.status = ActionItem.Status.DONE
    item.save()
    assert [
        p for p in plan_reminders(today=D(2017, 5, 17)) if p.subject == f"action:{item.pk}"
    ] == []


# -- the run: exactly once, one digest a day ---------------------------------------------------
def test_running_twice_the_same_day_sends_nothing_new(cast: Cast, owed: Owed) -> None:
    first = run_reminders(today=owed.due + 7 * DAY)
    assert {p.person.username for p in first.new} == {"contributor", "manager"}
    counts = (Reminder.objects.count(), Notification.objects.count(), OutgoingEmail.objects.count())
    second = run_reminders(today=owed.due + 7 * DAY)
    assert second.new == [] and second.emails_queued == 0
    assert counts == (
        Reminder.objects.count(),
        Notification.objects.count(),
        OutgoingEmail.objects.count(),
    )


def test_each_reminder_is_an_inbox_notification_in_every_language(cast: Cast, owed: Owed) -> None:
    run_reminders(today=owed.due + 7 * DAY)
    mine = Notification.objects.get(person=cast.contributor)
    assert mine.kind == Notification.Kind.OVERDUE
    assert set(mine.messages) == {"en", "mn"}
    assert mine.due_date == owed.due
    theirs = Notification.objects.get(person=cast.manager)
    assert theirs.kind == Notification.Kind.ESCALATION
    assert Reminder.objects.get(person=cast.manager).notification == theirs


def test_one_digest_per_person_per_day_even_when_run_three_times(cast: Cast, owed: Owed) -> None:
    day = owed.due - 7 * DAY
    run_reminders(today=day)
    # Something else falls due for the contributor later that day...
    item = ActionItem.objects.create(
        title="Book the training hall", owner=cast.contributor, unit=cast.dept, due_date=day
    )
    second = run_reminders(today=day)
    assert [p.subject for p in second.new] == [f"action:{item.pk}"]  # in the inbox at once
    run_reminders(today=day)
    digests = OutgoingEmail.objects.filter(person=cast.contributor)
    assert digests.count() == 1  # ...but no second mail that day
    assert "Book the training hall" not in digests.get().body
    # The next day's digest carries it.
    run_reminders(today=day + DAY)
    latest = OutgoingEmail.objects.filter(person=cast.contributor).latest("id")
    assert latest.digest_date == day + DAY
    assert "Book the training hall" in latest.body
    assert Reminder.objects.filter(digest__isnull=True, notification__isnull=False).count() == 0


def test_the_digest_lists_every_pending_reminder_with_its_link(cast: Cast, owed: Owed) -> None:
    ActionItem.objects.create(
        title="Book the training hall",
        owner=cast.contributor,
        unit=cast.dept,
        due_date=owed.due - 7 * DAY,
    )
    result = run_reminders(today=owed.due - 7 * DAY, site="https://waymark.example.org")
    assert result.emails_queued == 1
    digest = OutgoingEmail.objects.get(person=cast.contributor)
    assert digest.to == "contributor@example.org"
    assert digest.subject == "My organisation: 2 things need your attention"
    assert "Hello Contributor," in digest.body
    assert "1.1.1 Train government officials" in digest.body
    assert "Book the training hall" in digest.body
    assert f"https://waymark.example.org/elements/{owed.action.pk}/" in digest.body
    assert digest.reminders.count() == 2


def test_a_thing_done_before_the_digest_is_left_out_of_it(cast: Cast, owed: Owed) -> None:
    day = owed.due - 7 * DAY
    run_reminders(today=day)
    item = ActionItem.objects.create(
        title="Book the training hall", owner=cast.contributor, unit=cast.dept, due_date=day + DAY
    )
    run_reminders(today=day)  # reminded in the inbox; the day's digest is already out
    item.status = ActionItem.Status.DONE
    item.save()
    run_reminders(today=day + DAY)
    assert OutgoingEmail.objects.filter(person=cast.contributor).count() == 1


def test_nobody_without_an_email_address_is_mailed(cast: Cast, owed: Owed) -> None:
    Person.objects.filter(pk=cast.contributor.pk).update(email="")
    result = run_reminders(today=owed.due - 7 * DAY)
    assert len(result.new) == 1 and result.emails_queued == 0
    assert Notification.objects.filter(person=cast.contributor).count() == 1


def test_the_digest_is_in_the_persons_language(cast: Cast, owed: Owed) -> None:
    Person.objects.filter(pk=cast.contributor.pk).update(language="mn")
    run_reminders(today=owed.due - 7 * DAY)
    notification = Notification.objects.get(person=cast.contributor)
    assert "4-р сар" in notification.messages["mn"]  # noqa: RUF001 (April, in Mongolian)
    body = OutgoingEmail.objects.get(person=cast.contributor).body
    assert notification.messages["mn"] in body
    assert notification.messages["en"] not in body


def test_today_is_the_organisations_date_not_the_servers(cast: Cast) -> None:
    from waymark.reporting.reminders import local_today

    evening_utc = datetime.datetime(2017, 3, 28, 20, 0, tzinfo=datetime.UTC)
    assert local_today(Organisation.get(), evening_utc) == D(2017, 3, 29)  # Ulaanbaatar, UTC+8
    settings_of(cast, time_zone="Europe/London")
    assert local_today(Organisation.get(), evening_utc) == D(2017, 3, 28)
    assert run_reminders(now=evening_utc).today == D(2017, 3, 28)
