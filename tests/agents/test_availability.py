"""Rule 8: the switch, flipped by the agent, by standard hours in the agent's time zone, and by absences."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.availability import AbsentError, agents_became_available, apply_schedules, set_taking_referrals
from agents.models import Absence, Agent, ScheduleState, WeeklyHours
from tests.factories import make_eligible_agent

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
        return apply_schedules()


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
