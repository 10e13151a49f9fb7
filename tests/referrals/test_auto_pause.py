"""Keeping consumers from waiting on silent agents: offers that lapse HOD_PAUSE_AFTER_LAPSES times in a row switch
the agent off; they are told why once, instead of the last lapse's message, and stay off until one tap on the
switch or their next standard hours; an accept or a reject starts the count again."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from agents.availability import off_reason, schedule_changed, set_weekly_hours, switch_explained
from agents.models import Agent, AgentChange
from notifications import sms
from notifications.models import Notification
from referrals.lifecycle import accept_offer, create_referral, reject_offer
from referrals.models import Offer, Referral
from referrals.reporting.periods import Period
from referrals.reporting.responsiveness import responsiveness
from referrals.sweep import sweep_once
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
WINDOW = dt.timedelta(minutes=15)
MIAMI = ZoneInfo("America/New_York")
PHONES = iter(f"+1305555{number:04d}" for number in range(200, 300))


@pytest.fixture
def hialeah(pool) -> Agent:
    """Hialeah is the only agent taking referrals: every request is offered to them first."""
    Agent.objects.exclude(pk=pool["hialeah"].pk).update(taking_referrals=False)
    return pool["hialeah"]


def agent(who: Agent) -> Agent:
    return Agent.objects.get(pk=who.pk)


def offer_to(who: Agent, at: dt.datetime) -> Offer:
    """A request from a phone of its own, offered to `who` at `at`."""
    with time_machine.travel(at, tick=False):
        referral = create_referral(consumer(phone=next(PHONES)))
    offer = Offer.objects.get(referral=referral, status="pending")
    assert offer.agent_id == who.pk
    return offer


def lapses(offer: Offer) -> Offer:
    """Nobody answers: the sweep after the window lapses the offer."""
    with time_machine.travel(offer.expires_at + dt.timedelta(seconds=5), tick=False):
        sweep_once()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.LAPSED
    return offer


def told(kind: str, offer: Offer) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, related_id=str(offer.pk)).order_by("channel"))


def two_lapses(who: Agent, start: dt.datetime) -> tuple[Offer, Offer]:
    first = lapses(offer_to(who, start))
    second = lapses(offer_to(who, first.responded_at + dt.timedelta(minutes=1)))
    return first, second


def test_two_lapses_in_a_row_switch_the_agent_off_and_tell_them_once_instead_of_the_second_lapse(hialeah):
    first, second = two_lapses(hialeah, timezone.now())

    paused = agent(hialeah)
    assert paused.taking_referrals is False and paused.paused_at == second.responded_at
    assert paused.lapses_in_a_row == 0  # back on, they get as many chances again
    change = AgentChange.objects.get(agent=hialeah, kind=AgentChange.Kind.PAUSED)
    assert change.by is None and change.at == second.responded_at  # Help On Demand did it, not a person
    assert change.detail == "2 offer(s) in a row lapsed unanswered"
    assert {row.channel for row in told("offer_lapsed", first)} >= {"email", "sms"}
    assert told("offer_lapsed", second) == []
    messages = told("paused_for_lapses", second)
    assert {row.channel for row in messages} == {row.channel for row in told("offer_lapsed", first)}
    assert Notification.objects.filter(kind="paused_for_lapses").count() == len(messages)  # once, on each channel
    (email,) = [row for row in messages if row.channel == "email"]
    assert email.subject == "You are no longer taking referrals"
    assert "The last 2 referrals offered to you went unanswered (the last one in Miami, FL)" in email.body
    assert "switch it back on with one tap" in email.body and "http://localhost:8000/agents/#switch" in email.body
    (text,) = [row for row in messages if row.channel == "sms"]
    assert "you did not answer 2 referrals in a row in time, so we switched off Taking referrals" in text.body


def test_a_paused_agent_is_offered_nothing_and_the_next_agent_is(hialeah, pool):
    two_lapses(hialeah, timezone.now())
    Agent.objects.filter(pk=pool["hollywood"].pk).update(taking_referrals=True)

    offer = offer_to(pool["hollywood"], timezone.now())

    assert offer.agent_id != hialeah.pk


def test_the_pause_message_is_in_the_agents_language_and_the_text_keeps_its_words(hialeah):
    Agent.objects.filter(pk=hialeah.pk).update(portal_language="es")

    _first, second = two_lapses(hialeah, timezone.now())

    messages = {row.channel: row for row in told("paused_for_lapses", second)}
    assert messages["email"].language == "es" and messages["email"].subject == "Ya no está aceptando referidos"
    assert "Los últimos 2 referidos que se le ofrecieron quedaron sin respuesta" in messages["email"].body
    assert "http://localhost:8000/es/agents/#switch" in messages["email"].body
    text = messages["sms"].body
    assert "2 referidos seguidos no tuvieron respuesta a tiempo, por eso desactivamos Aceptando referidos" in text
    assert sms.fold_to_gsm(text) == text and sms.segments(text) <= sms.MAX_SEGMENTS


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_an_accept_or_a_reject_starts_the_count_again(hialeah, answer):
    first = lapses(offer_to(hialeah, timezone.now()))
    assert agent(hialeah).lapses_in_a_row == 1
    answered = offer_to(hialeah, first.responded_at + dt.timedelta(minutes=1))
    with time_machine.travel(answered.offered_at + dt.timedelta(minutes=2), tick=False):
        if answer == "accept":
            accept_offer(answered.pk, hialeah)
        else:
            reject_offer(answered.pk, hialeah, "Busy")
    assert agent(hialeah).lapses_in_a_row == 0

    third = lapses(offer_to(hialeah, answered.offered_at + dt.timedelta(minutes=5)))

    assert agent(hialeah).taking_referrals is True and agent(hialeah).lapses_in_a_row == 1
    assert told("offer_lapsed", third) and not Notification.objects.filter(kind="paused_for_lapses").exists()


def test_the_setting_says_how_many_lapses_in_a_row_pause(hialeah, settings):
    settings.HOD_PAUSE_AFTER_LAPSES = 3
    first, second = two_lapses(hialeah, timezone.now())
    assert agent(hialeah).taking_referrals is True and told("offer_lapsed", second)

    third = lapses(offer_to(hialeah, second.responded_at + dt.timedelta(minutes=1)))

    assert agent(hialeah).taking_referrals is False
    (email,) = [row for row in told("paused_for_lapses", third) if row.channel == "email"]
    assert "The last 3 referrals offered to you went unanswered" in email.body
    assert AgentChange.objects.get(agent=hialeah, kind="paused").detail == "3 offer(s) in a row lapsed unanswered"


def test_the_header_and_the_home_page_explain_the_pause_and_one_tap_switches_back_on(client, hialeah):
    two_lapses(hialeah, timezone.now())
    client.force_login(hialeah.user)

    page = client.get("/agents/").content.decode()

    assert "Off: switched off after 2 offers went unanswered. Switch on to take referrals again." in page
    assert "You were switched off after 2 offers in a row went unanswered, so that consumers do not wait." in page
    assert 'id="switch"' in page and 'aria-checked="false"' in page
    spanish = client.get("/es/agents/").content.decode()
    assert "Desactivado: lo desactivamos porque 2 ofertas quedaron sin respuesta." in spanish

    client.post("/agents/switch/", {"taking_referrals": "on"})  # the one tap

    back = agent(hialeah)
    assert back.taking_referrals is True and back.paused_at is None
    assert AgentChange.objects.filter(agent=hialeah, kind="switched_on", by=hialeah.user).exists()
    assert switch_explained(back).startswith("On:")
    lapses(offer_to(hialeah, timezone.now() + dt.timedelta(hours=1)))
    assert agent(hialeah).taking_referrals is True  # one lapse after coming back is not two in a row


def miami(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), MIAMI)


def sweep_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        sweep_once()


def test_the_next_standard_hours_switch_a_paused_agent_back_on_and_no_sweep_does_before_them(hialeah):
    today = timezone.now().astimezone(MIAMI).date() + dt.timedelta(days=1)
    tomorrow = today + dt.timedelta(days=1)
    every_day = [(day, dt.time(9), dt.time(17)) for day in range(7)]
    with time_machine.travel(miami(today, 8), tick=False):
        set_weekly_hours(hialeah, every_day)
    sweep_at(miami(today, 9))
    assert agent(hialeah).taking_referrals is True

    two_lapses(hialeah, miami(today, 10))
    assert agent(hialeah).taking_referrals is False

    sweep_at(miami(today, 11))
    with time_machine.travel(miami(today, 12), tick=False):
        set_weekly_hours(hialeah, every_day)  # the same hours saved again: still within them, nothing changes
        schedule_changed([hialeah.pk])  # and looked at again by the sweep, as any change to hours does
    sweep_at(miami(today, 12, 1))
    assert agent(hialeah).taking_referrals is False
    paused = agent(hialeah)
    with time_machine.travel(miami(today, 12, 2), tick=False):
        assert switch_explained(paused) == (
            "Off: switched off after 2 offers went unanswered. Switch on to take referrals again."
        )
        assert off_reason(paused).endswith("Your standard hours switch it on again when they next begin.")
    for moment in (miami(today, 17), miami(today, 23), miami(tomorrow, 8, 59)):
        sweep_at(moment)
        assert agent(hialeah).taking_referrals is False, moment
    with time_machine.travel(miami(today, 18), tick=False):
        assert switch_explained(agent(hialeah)).endswith("Your hours begin " + _day_and_time(miami(tomorrow, 9)) + ".")

    sweep_at(miami(tomorrow, 9))

    back = agent(hialeah)
    assert back.taking_referrals is True and back.paused_at is None


def _day_and_time(moment: dt.datetime) -> str:
    from hod.local_time import day_and_time

    return day_and_time(moment, "America/New_York")


def test_responsiveness_shows_the_pauses_in_the_period_and_who_is_paused_now(client, hialeah):
    start = timezone.now()
    two_lapses(hialeah, start)
    period = Period("custom", start - dt.timedelta(hours=1), start + dt.timedelta(days=1), "UTC")

    found = responsiveness(period, sort="pauses")

    (row,) = found.rows
    assert (row.agent_id, row.lapsed, row.pauses, row.paused_now) == (hialeah.pk, 2, 1, 1)
    assert (found.total.pauses, found.total.paused_now) == (1, 1)
    staff = UserFactory(is_staff=True)
    allowed = ["view_service_dashboard", "view_responsiveness"]
    staff.user_permissions.add(*Permission.objects.filter(codename__in=allowed))
    client.force_login(staff)
    days = {"period": "custom", "zone": "UTC", "start": f"{start - dt.timedelta(days=1):%Y-%m-%d}"}
    page = client.get("/admin/service/responsiveness/", days | {"end": f"{start + dt.timedelta(days=1):%Y-%m-%d}"})
    html = page.content.decode()
    assert '<span class="hod-figure">1</span> switched off for unanswered offers' in html
    assert '<th scope="col">Switched off for lapses</th>' in html and "<td>1</td><td>yes</td></tr>" in html

    Agent.objects.filter(pk=hialeah.pk).update(taking_referrals=True, paused_at=None)
    assert responsiveness(period).rows[0].paused_now == 0  # the pause in the period still counts
    assert responsiveness(period).rows[0].pauses == 1


def test_an_agent_already_off_is_told_of_the_lapse_as_usual(hialeah):
    first = lapses(offer_to(hialeah, timezone.now()))
    second = offer_to(hialeah, first.responded_at + dt.timedelta(minutes=1))
    Agent.objects.filter(pk=hialeah.pk).update(taking_referrals=False)  # they switched off with an offer open

    lapses(second)

    assert told("offer_lapsed", second) and not told("paused_for_lapses", second)
    assert not AgentChange.objects.filter(kind="paused").exists() and agent(hialeah).paused_at is None
    assert Referral.objects.filter(status="waiting").count() == 2
