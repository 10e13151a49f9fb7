"""The sweep keeps the offer loop going whatever one agent, one row or one part of it does."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from agents.models import Agent
from hod.monitoring.models import Heartbeat
from referrals import lifecycle, sweep
from referrals.lifecycle import create_referral
from referrals.models import Offer, Referral
from referrals.sweep import sweep_once
from tests.agents.test_onboarding import PASSWORD, registration_data, three_files  # noqa: F401 (a fixture)
from tests.mailbox import deliver_queued, link_in
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
WINDOW = dt.timedelta(minutes=15)


def holder(referral: Referral) -> str | None:
    offer = Offer.objects.filter(referral=referral, status="pending").select_related("agent").first()
    return offer.agent.first_name if offer else None


def register_through_the_pages(client) -> Agent:
    """Ana, invited from the three CMS files, registers with no standard hours and switches on."""
    call_command("send_invitations")
    deliver_queued()
    (invitation,) = [email for email in mail.outbox if email.to == ["ana@agents.example"]]
    registration_page = link_in(invitation.body)
    assert client.post(registration_page, registration_data())["Location"] == "/agents/registered/"
    client.post("/agents/login/", {"username": "ana.alvarez", "password": PASSWORD})
    client.post("/agents/terms/", {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"})
    client.post("/agents/switch/", {"taking_referrals": "on"})
    return Agent.objects.get(npn="1000001")


@pytest.mark.postgresql
@pytest.mark.usefixtures("three_files")
def test_offers_still_lapse_after_an_agent_registers_without_hours(client, pool):
    ana = register_through_the_pages(client)
    assert not ana.weekly_hours.exists() and ana.schedule_due_at is not None  # due at once, with no boundary to come
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer(zip_code="33012", language="en"))
    first = holder(referral)

    with time_machine.travel(start + WINDOW, tick=False):
        report = sweep_once()

    assert report.ok, str(report)
    assert Offer.objects.get(referral=referral, agent__first_name=first).status == "lapsed"
    assert holder(referral) not in (None, first)
    assert Agent.objects.get(pk=ana.pk).schedule_due_at is None  # looked at once, then left alone


def test_a_part_that_fails_is_reported_and_the_others_still_run(pool, monkeypatch, caplog):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())

    def broken(now):
        raise RuntimeError("the hours table is gone")

    monkeypatch.setitem(sweep.STEPS, "sweep.schedules", broken)
    with time_machine.travel(start + WINDOW, tick=False):
        report = sweep_once()

    assert report.failed == {"sweep.schedules": "RuntimeError: the hours table is gone"}
    assert report.lapsed == 1 and holder(referral) == "hollywood"  # lapses and re-offers went on
    assert "the hours table is gone" in caplog.text and "Traceback" in caplog.text
    schedules = Heartbeat.objects.get(name="sweep.schedules")
    assert schedules.failing and "the hours table is gone" in schedules.last_error
    assert not Heartbeat.objects.get(name="sweep.lapses").failing


def test_an_offer_that_cannot_be_reoffered_still_lapses_and_its_referral_waits_for_the_next_look(pool, monkeypatch):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
    real_offer_next = lifecycle.offer_next
    calls = []

    def offer_next_failing_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("matching is down for a moment")
        return real_offer_next(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "offer_next", offer_next_failing_once)
    with time_machine.travel(start + WINDOW, tick=False):
        report = sweep_once()

    assert report.ok and report.lapsed == 1
    assert Offer.objects.get(agent=pool["hialeah"]).status == "lapsed"
    assert holder(referral) == "hollywood"  # offered by the waiting part of the same sweep


def test_a_referral_that_fails_is_skipped_and_the_ones_behind_it_are_offered(pool, monkeypatch):
    Agent.objects.filter(pk__in=[pool["hialeah"].pk, pool["hollywood"].pk, pool["orlando"].pk]).update(
        taking_referrals=False
    )
    first = create_referral(consumer(phone="+13055550101"))
    second = create_referral(consumer(phone="+13055550102"))
    assert holder(first) is None and holder(second) is None
    Agent.objects.filter(pk=pool["orlando"].pk).update(taking_referrals=True)
    real_offer_next = sweep.offer_next

    def failing_for_the_first(referral, *args, **kwargs):
        if referral.pk == first.pk:
            raise ValueError("a broken row")
        return real_offer_next(referral, *args, **kwargs)

    monkeypatch.setattr(sweep, "offer_next", failing_for_the_first)
    report = sweep_once()

    assert report.ok and report.offered == 1 and holder(second) == "orlando"
    assert report.skipped == {"sweep.waiting": [f"referral {first.pk}: ValueError: a broken row"]}
    beat = Heartbeat.objects.get(name="sweep.waiting")
    assert beat.skipped == 1 and "a broken row" in beat.last_error


def test_an_agent_whose_schedule_fails_is_skipped_and_put_off_while_the_others_switch(pool, monkeypatch):
    from agents import availability

    broken, fine = pool["hialeah"], pool["hollywood"]
    now = timezone.now()
    Agent.objects.filter(pk__in=[broken.pk, fine.pk]).update(schedule_due_at=now, time_zone="America/New_York")
    Agent.objects.filter(pk=fine.pk).update(schedule_state="absent")  # no hours: the switch is the agent's again
    real_state_at = availability.schedule_state_at

    def failing_for_one(agent, *args):
        if agent.pk == broken.pk:
            raise ValueError("unknown time zone")
        return real_state_at(agent, *args)

    monkeypatch.setattr(availability, "schedule_state_at", failing_for_one)
    report = sweep_once(now)

    assert report.ok and report.switched == 1
    assert report.skipped["sweep.schedules"] == [f"agent {broken.pk}: ValueError: unknown time zone"]
    assert Agent.objects.get(pk=fine.pk).schedule_state == ""  # no hours set
    assert Agent.objects.get(pk=broken.pk).schedule_due_at == now + availability.SKIPPED_AGENT_RETRY


def test_an_offer_past_its_window_does_not_keep_its_agent_busy(pool, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = create_referral(consumer(phone="+13055550101"))
    assert holder(first) == "hialeah"

    with time_machine.travel(start + WINDOW + dt.timedelta(seconds=1), tick=False):
        second = create_referral(consumer(phone="+13055550102"))  # before any sweep lapsed the first offer

    assert holder(second) == "hialeah"


def test_the_sweep_offers_command_prints_what_it_did_and_fails_when_a_part_fails(pool, monkeypatch, capsys):
    with time_machine.travel(timezone.now() - WINDOW, tick=False):
        create_referral(consumer())

    call_command("sweep_offers")
    assert "1 offer(s) lapsed" in capsys.readouterr().out

    monkeypatch.setitem(sweep.STEPS, "sweep.expiries", lambda now: 1 / 0)
    with pytest.raises(SystemExit) as exit_code:
        call_command("sweep_offers")
    assert exit_code.value.code == 1
    assert "sweep.expiries FAILED: ZeroDivisionError" in capsys.readouterr().err
