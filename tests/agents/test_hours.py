"""Standard hours that fit real weeks: split shifts, ranges past midnight, "copy Monday", "add a range",
and a page that says what saving will do to the switch before it does it. Ana is in Miami (Eastern)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.availability import apply_schedules, next_boundary
from agents.models import Agent, ScheduleState
from tests.factories import hours_form, make_eligible_agent

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2027, 3, 15)  # daylight time in Miami (UTC-4)
MIAMI = ZoneInfo("America/New_York")


def eastern(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), MIAMI)


@pytest.fixture
def clock():
    with time_machine.travel(eastern(MONDAY, 7), tick=False) as traveller:
        yield traveller


@pytest.fixture
def registered(clock, client):
    """Ana, logged in on Monday morning (the session lives in the travelled time)."""
    agent = make_eligible_agent()
    client.force_login(agent.user)
    return agent


def switch_at(clock, agent, moment: dt.datetime) -> bool:
    clock.move_to(moment)
    apply_schedules()
    return Agent.objects.get(pk=agent.pk).taking_referrals


def save(client, ranges: dict, confirmed: bool = True):
    return client.post("/agents/availability/", hours_form(ranges, confirmed=confirmed))


def test_a_split_shift_is_on_in_each_range_and_off_between(clock, client, registered):
    assert save(client, {0: [("09:00", "12:00"), ("13:00", "17:00")]}).status_code == 302

    assert switch_at(clock, registered, eastern(MONDAY, 9, 30)) is True
    assert switch_at(clock, registered, eastern(MONDAY, 12, 30)) is False
    assert switch_at(clock, registered, eastern(MONDAY, 13, 30)) is True
    assert switch_at(clock, registered, eastern(MONDAY, 17, 30)) is False


def test_a_range_that_ends_before_it_starts_runs_past_midnight(clock, client, registered):
    friday, saturday = MONDAY + dt.timedelta(days=4), MONDAY + dt.timedelta(days=5)
    save(client, {4: [("18:00", "02:00")]})

    assert switch_at(clock, registered, eastern(friday, 17)) is False
    assert switch_at(clock, registered, eastern(friday, 23)) is True
    assert switch_at(clock, registered, eastern(saturday, 1, 30)) is True  # still Friday's shift
    assert switch_at(clock, registered, eastern(saturday, 2, 30)) is False

    agent = Agent.objects.get(pk=registered.pk)
    hours = list(agent.weekly_hours.all())
    assert next_boundary(agent, hours, [], eastern(friday, 20)) == eastern(saturday, 2)
    assert next_boundary(agent, hours, [], eastern(saturday, 1)) == eastern(saturday, 2)


def test_the_page_shows_each_day_once_with_its_ranges(client, registered):
    save(client, {0: [("09:00", "12:00"), ("13:00", "17:00")]})

    page = client.get("/agents/availability/").content.decode()

    assert page.count("<legend") >= 7 and "Monday from" not in page
    assert 'name="d0_0_start"' in page and 'value="09:00"' in page and 'value="13:00"' in page
    assert "Times are in your time zone, Eastern Time (from ZIP code" in page


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({0: [("09:00", "09:00")]}, "The range is empty: give an end other than the start."),
        ({1: [("09:00", "")]}, "Give both times, or neither."),
        ({2: [("09:00", "17:00"), ("16:00", "18:00")]}, "This range overlaps another range of the day."),
        ({3: [("18:00", "02:00"), ("20:00", "21:00")]}, "This range overlaps another range of the day."),
        ({4: [("9 in the morning", "17:00")]}, "Enter a valid time."),
    ],
)
def test_bad_ranges_are_refused_next_to_the_range_and_nothing_is_saved(client, registered, ranges, message):
    response = client.post("/agents/availability/", hours_form(ranges))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not registered.weekly_hours.exists()


def test_copy_monday_fills_the_weekdays_without_saving(client, registered):
    data = hours_form({0: [("08:00", "12:00"), ("13:00", "16:00")]}, confirmed=False) | {"copy_weekdays": "1"}

    page = client.post("/agents/availability/", data).content.decode()

    assert "copied to Tuesday through Friday" in page
    for day in range(5):
        assert f'name="d{day}_1_start" value="13:00"' in page
    assert 'name="d5_0_start" value="13:00"' not in page and 'name="d5_1_start"' not in page
    assert not registered.weekly_hours.exists()


def test_add_a_range_gives_the_day_one_more_keeping_what_was_typed(client, registered):
    data = hours_form({2: [("09:00", "12:00")]}, confirmed=False) | {"add_range": "2"}

    page = client.post("/agents/availability/", data).content.decode()

    assert 'name="d2_0_start" value="09:00"' in page and 'name="d2_1_start"' in page
    assert 'name="slots_2" value="2"' in page
    assert not registered.weekly_hours.exists()


def test_saving_hours_that_switch_you_off_says_so_first_then_saves_when_confirmed(clock, client, registered):
    Agent.objects.filter(pk=registered.pk).update(taking_referrals=True)
    clock.move_to(eastern(MONDAY + dt.timedelta(days=1), 20))  # Tuesday evening
    client.force_login(registered.user)

    first = save(client, {0: [("09:00", "17:00")]}, confirmed=False)

    page = first.content.decode()
    assert first.status_code == 200 and "Before you save" in page
    assert "Your hours have not begun: you will stop taking referrals now, and start again Monday 9 a.m. EDT." in page
    assert not registered.weekly_hours.exists() and Agent.objects.get(pk=registered.pk).taking_referrals

    page = client.post("/agents/availability/", hours_form({0: [("09:00", "17:00")]}), follow=True).content.decode()
    assert "You are not taking referrals; your hours begin Monday 9 a.m. EDT." in page
    assert "Off: your hours begin Monday 9 a.m. EDT." in page  # the header's switch agrees
    agent = Agent.objects.get(pk=registered.pk)
    assert (agent.taking_referrals, agent.schedule_state) == (False, ScheduleState.OUT_OF_HOURS)
    home = client.get("/agents/").content.decode()
    assert "Off: your hours begin Monday 9 a.m. EDT." in home
    assert "Your standard hours have not begun" in home


def test_saving_hours_that_switch_you_on_says_until_when(clock, client, registered):
    Agent.objects.filter(pk=registered.pk).update(taking_referrals=False)
    clock.move_to(eastern(MONDAY, 10))

    page = save(client, {0: [("09:00", "17:00")]}, confirmed=False).content.decode()
    assert "Your hours have begun: you will start taking referrals now, until Monday 5 p.m. EDT." in page
    save(client, {0: [("09:00", "17:00")]})

    page = client.get("/agents/availability/").content.decode()
    assert "On: you are taking referrals until Monday 5 p.m. EDT, when your hours end." in page


def test_hours_that_change_nothing_now_save_at_once(clock, client, registered):
    Agent.objects.filter(pk=registered.pk).update(taking_referrals=True)
    clock.move_to(eastern(MONDAY, 10))

    response = save(client, {0: [("09:00", "17:00")], 1: [("09:00", "17:00")]}, confirmed=False)

    assert response.status_code == 302
    assert registered.weekly_hours.count() == 2


def test_the_page_is_in_spanish(client, registered):
    Agent.objects.filter(pk=registered.pk).update(portal_language="es")

    page = client.get("/es/agents/availability/").content.decode()

    assert "Lunes" in page and "Hora del Este" in page
    assert "Copiar el lunes" in page
