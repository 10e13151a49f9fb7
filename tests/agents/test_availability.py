"""Rule 8: the switch, flipped by the agent, by standard hours in the agent's time zone, and by absences."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.availability import (
    AbsentError,
    agents_became_available,
    apply_schedules,
    next_boundary,
    set_taking_referrals,
)
from agents.models import Absence, Agent, ScheduleState, WeeklyHours
from tests.factories import hours_form, make_eligible_agent

pytestmark = pytest.mark.django_db
DETROIT = ZoneInfo("America/Detroit")
MONDAY, TUESDAY = 0, 1


def at(local: str) -> dt.datetime:
    """A moment given as Detroit wall-clock time (the agent's ZIP 48371 is on Detroit time)."""
    return dt.datetime.fromisoformat(local).replace(tzinfo=DETROIT)


@pytest.fixture
def agent():
    agent = make_eligible_agent(npn="3000001", state="MI", zip_code="48371")
    Agent.objects.filter(pk=agent.pk).update(taking_referrals=False)
    for day in (MONDAY, TUESDAY):
        WeeklyHours.objects.create(agent=agent, weekday=day, starts_at=dt.time(9), ends_at=dt.time(17))
    return agent


def switch(agent) -> bool:
    return Agent.objects.get(pk=agent.pk).taking_referrals


def sweep_at(local: str) -> int:
    with time_machine.travel(at(local), tick=False):
        return apply_schedules().done


def test_hours_switch_referrals_on_when_they_begin_and_off_when_they_end(agent):
    sweep_at("2027-02-01 08:59")  # a Monday
    assert switch(agent) is False

    sweep_at("2027-02-01 09:00")
    assert switch(agent) is True

    sweep_at("2027-02-01 17:00")
    assert switch(agent) is False


def test_a_manual_flip_holds_until_the_next_boundary(agent):
    sweep_at("2027-02-01 09:30")
    with time_machine.travel(at("2027-02-01 10:00"), tick=False):
        set_taking_referrals(agent, False)  # stepped away from the desk

    sweep_at("2027-02-01 10:00:30")
    assert switch(agent) is False  # the sweep does not undo it within the same hours
    sweep_at("2027-02-01 17:00")

    with time_machine.travel(at("2027-02-01 20:00"), tick=False):
        set_taking_referrals(agent, True)  # working late
    sweep_at("2027-02-01 20:00:30")
    assert switch(agent) is True
    sweep_at("2027-02-02 09:00")
    assert switch(agent) is True
    sweep_at("2027-02-02 17:00")
    assert switch(agent) is False


def test_hours_follow_the_agents_clock_across_the_daylight_saving_change(agent):
    # 13:30 UTC is 08:30 in Detroit before the change (EST) and 09:30 after it (EDT, from March 14, 2027).
    with time_machine.travel(dt.datetime(2027, 3, 8, 13, 30, tzinfo=dt.UTC), tick=False):
        apply_schedules()
    assert switch(agent) is False

    with time_machine.travel(dt.datetime(2027, 3, 15, 13, 30, tzinfo=dt.UTC), tick=False):
        apply_schedules()
    assert switch(agent) is True


def test_an_absence_keeps_the_switch_off_and_refuses_switching_on(agent):
    Absence.objects.create(agent=agent, first_day=dt.date(2027, 2, 1), last_day=dt.date(2027, 2, 1))

    sweep_at("2027-02-01 09:30")
    assert switch(agent) is False
    assert Agent.objects.get(pk=agent.pk).schedule_state == ScheduleState.ABSENT
    with time_machine.travel(at("2027-02-01 11:00"), tick=False), pytest.raises(AbsentError):
        set_taking_referrals(agent, True)

    sweep_at("2027-02-02 09:05")  # the absence ended and Tuesday's hours have begun
    assert switch(agent) is True


def test_switching_on_tells_listeners_after_commit(agent, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, agent_ids, **kwargs):
        heard.extend(agent_ids)

    agents_became_available.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sweep_at("2027-02-01 09:00")
        assert heard == [agent.pk]
        with django_capture_on_commit_callbacks(execute=True):
            set_taking_referrals(agent, False)
            set_taking_referrals(agent, True)
        assert heard == [agent.pk, agent.pk]
    finally:
        agents_became_available.disconnect(listener)


def test_two_sweeps_at_the_same_moment_change_each_agent_once(agent):
    assert sweep_at("2027-02-01 09:00") == 1
    assert sweep_at("2027-02-01 09:00") == 0


def due(agent) -> dt.datetime | None:
    return Agent.objects.get(pk=agent.pk).schedule_due_at


def test_the_sweep_next_looks_at_an_agent_at_their_next_boundary(agent):
    sweep_at("2027-02-01 08:00")  # a Monday
    assert due(agent) == at("2027-02-01 09:00")
    sweep_at("2027-02-01 09:00")
    assert due(agent) == at("2027-02-01 17:00")
    sweep_at("2027-02-02 17:00")  # Tuesday's hours end; Monday's are next
    assert due(agent) == at("2027-02-08 09:00")


def test_an_absence_is_a_boundary_at_midnight_on_the_agents_clock(agent):
    absences = [Absence(agent=agent, first_day=dt.date(2027, 2, 3), last_day=dt.date(2027, 2, 5))]
    after_hours = at("2027-02-02 18:00")

    assert next_boundary(agent, [], absences, after_hours) == at("2027-02-03 00:00")
    assert next_boundary(agent, [], absences, at("2027-02-04 12:00")) == at("2027-02-06 00:00")
    assert next_boundary(agent, [], absences, at("2027-02-06 00:00")) is None


def test_on_the_day_the_clocks_skip_an_hour_the_next_boundary_is_the_first_in_real_time():
    # March 14, 2027 in Detroit: 02:00-03:00 does not happen. 02:30 is read as 03:30 EDT (07:30 UTC),
    # later than 03:00 EDT (07:00 UTC), though it comes first on the clock face.
    agent = Agent(time_zone="America/Detroit")
    hours = [
        WeeklyHours(weekday=6, starts_at=dt.time(0), ends_at=dt.time(2, 30)),
        WeeklyHours(weekday=6, starts_at=dt.time(3), ends_at=dt.time(5)),
    ]

    boundary = next_boundary(agent, hours, [], dt.datetime(2027, 3, 14, 6, 0, tzinfo=dt.UTC))

    assert boundary == dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC)


def on_the_page_at(local: str, client, agent, path: str, data: dict | None = None) -> None:
    """The agent, logged in, sends a form in the portal at that moment."""
    with time_machine.travel(at(local), tick=False):
        client.force_login(agent.user)
        response = client.post(path, data or {})
    assert response.status_code == 302 and "login" not in response["Location"]


def test_hours_changed_on_the_page_take_effect_at_the_next_sweep_not_the_old_boundary(client, agent):
    sweep_at("2027-02-01 07:00")  # before Monday's hours: the next look was to be at 09:00

    hours = hours_form({0: [("07:00", "12:00")]})
    on_the_page_at("2027-02-01 07:10", client, agent, "/agents/availability/", hours)

    assert switch(agent) is True  # applied as it is saved: the header and the switch agree at once


def test_an_absence_added_during_hours_switches_referrals_off_at_the_next_sweep(client, agent):
    sweep_at("2027-02-01 10:00")
    assert switch(agent) is True

    absence = {"absence-first_day": "2027-02-01", "absence-last_day": "2027-02-03"}
    on_the_page_at("2027-02-01 10:05", client, agent, "/agents/availability/absences/", absence)
    sweep_at("2027-02-01 10:05:30")
    assert switch(agent) is False

    removal = f"/agents/availability/absences/{Absence.objects.get(agent=agent).pk}/remove/"
    on_the_page_at("2027-02-01 10:10", client, agent, removal)
    sweep_at("2027-02-01 10:10:30")
    assert switch(agent) is True


def test_moving_to_another_time_zone_moves_the_hours(client, agent):
    sweep_at("2027-02-01 10:00")  # Monday's hours in Detroit: the next look was to be at 17:00
    assert switch(agent) is True
    profile = {
        "profile-cell_phone": "313-555-0199",
        "profile-contact_method": "email_only",
        "profile-zip_code": "90012",  # Los Angeles, three hours behind
        "profile-portal_language": "en",
    }
    on_the_page_at("2027-02-01 10:05", client, agent, "/agents/profile/", profile)
    sweep_at("2027-02-01 10:05:30")  # 07:05 in Los Angeles

    assert switch(agent) is False
    sweep_at("2027-02-01 12:00")  # 09:00 in Los Angeles
    assert switch(agent) is True


def test_a_sweep_costs_the_same_few_queries_however_many_agents_are_due(django_assert_num_queries):
    def agents_with_hours(count: int, first_npn: int) -> None:
        for number in range(count):
            agent = make_eligible_agent(npn=str(first_npn + number), state="MI", zip_code="48371")
            WeeklyHours.objects.create(agent=agent, weekday=MONDAY, starts_at=dt.time(9), ends_at=dt.time(17))

    agents_with_hours(2, 3100000)
    # In a savepoint: lock and read the due agents, their hours and absences; set the next look and
    # the new state, each once for all the agents they share it with.
    with django_assert_num_queries(7):
        assert sweep_at("2027-02-01 09:00") == 2
    agents_with_hours(20, 3200000)
    with django_assert_num_queries(7):
        assert sweep_at("2027-02-01 09:00:30") == 20
    with django_assert_num_queries(3):  # nobody due: one indexed read
        assert sweep_at("2027-02-01 09:01") == 0
