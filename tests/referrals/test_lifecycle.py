"""The offer loop: the closest eligible agent first, one offer at a time, the window, the sweep."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.availability import set_taking_referrals
from agents.models import Agent
from notifications.models import Notification
from referrals.lifecycle import OfferClosed, accept_offer, create_referral, offer_next, reject_offer, withdraw_referral
from referrals.models import Event, Offer, Referral
from referrals.sweep import sweep_once
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
WINDOW = dt.timedelta(minutes=15)


def pending(referral: Referral) -> Offer | None:
    return Offer.objects.filter(referral=referral, status="pending").select_related("agent").first()


def holder(referral: Referral) -> str | None:
    offer = pending(referral)
    return offer.agent.first_name if offer else None


def test_the_closest_eligible_agent_gets_the_offer(pool):
    referral = create_referral(consumer())

    offer = pending(referral)
    assert offer.agent == pool["hialeah"]  # every closer agent fails a rule or speaks no Spanish
    assert 7 < offer.distance_miles < 11
    assert offer.expires_at - offer.offered_at == WINDOW
    assert Referral.objects.get(pk=referral.pk).status == "offered"


def test_a_rejection_goes_to_the_next_closest_at_once(pool):
    referral = create_referral(consumer())

    reject_offer(pending(referral).pk, pool["hialeah"], reason="with another client")

    assert holder(referral) == "hollywood"
    assert Offer.objects.get(agent=pool["hialeah"]).reject_reason == "with another client"


def test_an_unanswered_offer_lapses_and_the_sweep_offers_the_next_agent(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
    with time_machine.travel(start + WINDOW - dt.timedelta(seconds=1), tick=False):
        sweep_once()
    assert holder(referral) == "hialeah"

    with time_machine.travel(start + WINDOW, tick=False):
        report = sweep_once()

    assert report.lapsed == 1
    assert Offer.objects.get(agent=pool["hialeah"]).status == "lapsed"
    assert holder(referral) == "hollywood"


def test_nobody_is_offered_twice_and_then_the_referral_waits(pool):
    referral = create_referral(consumer())
    for name in ("hialeah", "hollywood", "orlando"):
        reject_offer(pending(referral).pk, pool[name])

    assert pending(referral) is None
    assert Referral.objects.get(pk=referral.pk).status == "waiting"
    assert sorted(Offer.objects.filter(referral=referral).values_list("agent__first_name", flat=True)) == [
        "hialeah",
        "hollywood",
        "orlando",
    ]
    sweep_once()
    assert pending(referral) is None  # the sweep does not go back to agents already offered


def test_with_nobody_eligible_the_referral_waits_and_the_sweep_offers_it_when_hours_begin(pool):
    Agent.objects.update(taking_referrals=False)
    referral = create_referral(consumer())
    assert Referral.objects.get(pk=referral.pk).status == "waiting"
    assert Event.objects.filter(referral=referral, kind="waiting").exists()

    from agents.models import WeeklyHours

    hollywood = pool["hollywood"]
    for day in range(7):
        WeeklyHours.objects.create(agent=hollywood, weekday=day, starts_at=dt.time(0), ends_at=dt.time(23, 59))
    report = sweep_once()

    assert report.switched >= 1 and report.offered == 1
    assert holder(referral) == "hollywood"


def test_a_waiting_referral_goes_out_the_moment_an_agent_switches_on(pool, worker, wait_until):
    Agent.objects.update(taking_referrals=False)
    referral = create_referral(consumer())
    assert Referral.objects.get(pk=referral.pk).status == "waiting"

    set_taking_referrals(pool["orlando"], True)  # commits; the worker offers waiting referrals at once

    wait_until(lambda: holder(referral) == "orlando")


def test_an_older_referral_nobody_can_take_does_not_hold_back_a_newer_one(pool):
    Agent.objects.filter(first_name__in=["hollywood", "orlando"]).update(taking_referrals=False)
    older = create_referral(consumer())
    newer = create_referral(consumer(phone="+13055550199"))
    assert holder(older) == "hialeah" and holder(newer) is None  # Hialeah holds one offer at a time

    reject_offer(pending(older).pk, pool["hialeah"])  # the older one now has nobody left to try
    sweep_once()

    assert holder(older) is None
    assert holder(newer) == "hialeah"


def test_an_agent_holding_an_offer_is_not_offered_another(pool, settings):
    first = create_referral(consumer(phone="+13055550101"))
    second = create_referral(consumer(phone="+13055550102"))

    assert holder(first) == "hialeah" and holder(second) == "hollywood"
    settings.HOD_MAX_PENDING_OFFERS = 2
    third = create_referral(consumer(phone="+13055550103"))
    assert holder(third) == "hialeah"


def test_accepting_tells_the_consumer_who_will_call(pool):
    referral = create_referral(consumer())

    accept_offer(pending(referral).pk, pool["hialeah"])

    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.accepted_at is not None
    told = Notification.objects.filter(kind="agent_accepted")
    assert {row.channel for row in told} == {"email", "sms"}
    assert all("hialeah Agent" in row.body for row in told) and told[0].language == "es"


def test_an_accept_after_the_window_is_refused_with_a_reason(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
    offer = pending(referral)

    with time_machine.travel(start + WINDOW + dt.timedelta(seconds=1), tick=False), pytest.raises(OfferClosed) as why:
        accept_offer(offer.pk, pool["hialeah"])

    assert why.value.reason == "lapsed"
    assert Referral.objects.get(pk=referral.pk).status == "offered"


def test_only_the_offered_agent_can_answer(pool):
    referral = create_referral(consumer())

    with pytest.raises(OfferClosed):
        accept_offer(pending(referral).pk, pool["orlando"])
    assert holder(referral) == "hialeah"


def test_a_second_answer_is_refused(pool):
    referral = create_referral(consumer())
    offer = pending(referral)
    accept_offer(offer.pk, pool["hialeah"])

    with pytest.raises(OfferClosed) as why:
        reject_offer(offer.pk, pool["hialeah"])
    assert why.value.reason == "answered"


def test_withdrawing_withdraws_the_pending_offer_too(pool):
    referral = create_referral(consumer())
    offer = pending(referral)

    assert withdraw_referral(referral)

    assert Offer.objects.get(pk=offer.pk).status == "withdrawn"
    assert Referral.objects.get(pk=referral.pk).status == "withdrawn"
    with pytest.raises(OfferClosed) as why:
        accept_offer(offer.pk, pool["hialeah"])
    assert why.value.reason == "withdrawn"
    assert not withdraw_referral(referral)


def test_a_referral_nobody_accepts_expires_after_a_day_and_the_consumer_is_told(pool):
    Agent.objects.update(taking_referrals=False)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert sweep_once().expired == 0

    with time_machine.travel(start + dt.timedelta(hours=24), tick=False):
        assert sweep_once().expired == 1

    assert Referral.objects.get(pk=referral.pk).status == "expired"
    told = Notification.objects.filter(kind="referral_expired", channel="sms").get()
    assert told.language == "es" and "1-800-318-2596" in told.body


def test_an_offer_open_when_the_day_ends_may_still_be_accepted(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
        reject_offer(pending(referral).pk, pool["hialeah"])
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=50), tick=False):
        Offer.objects.filter(referral=referral, status="pending").update(
            offered_at=timezone.now(), expires_at=timezone.now() + WINDOW
        )
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        sweep_once()
        assert Referral.objects.get(pk=referral.pk).status == "offered"
        accept_offer(pending(referral).pk, pool["hollywood"])
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


def test_the_offer_message_carries_the_link_but_nothing_about_who_the_consumer_is(pool):
    referral = create_referral(consumer())
    offer = pending(referral)

    messages = Notification.objects.filter(kind="offer")
    assert {row.channel for row in messages} == {"email", "sms", "push"}
    for row in messages:
        text = f"{row.subject} {row.body} {row.html}"
        assert "María" not in text and "Pérez" not in text and "3055550123" not in text and "maria@" not in text
        assert "Miami" in text
    assert messages.get(channel="sms").body.endswith(f"http://localhost:8000/agents/offers/{offer.pk}/")
    assert messages.get(channel="push").link == f"http://localhost:8000/agents/offers/{offer.pk}/"


def test_every_transition_is_stored_with_its_time(pool):
    referral = create_referral(consumer())
    reject_offer(pending(referral).pk, pool["hialeah"])
    accept_offer(pending(referral).pk, pool["hollywood"])

    assert list(Event.objects.filter(referral=referral).values_list("kind", flat=True)) == [
        "created",
        "offered",
        "rejected",
        "offered",
        "accepted",
    ]


def test_the_database_refuses_a_second_pending_offer_a_repeat_agent_and_a_late_accept(pool):
    referral = create_referral(consumer())
    offer = pending(referral)
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(
            referral=referral, agent=pool["orlando"], distance_miles=1, offered_at=now, expires_at=now + WINDOW
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(status="rejected")
        Offer.objects.create(
            referral=referral, agent=pool["hialeah"], distance_miles=1, offered_at=now, expires_at=now + WINDOW
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(status="accepted", responded_at=offer.expires_at + WINDOW)


def test_offer_next_does_nothing_for_a_referral_that_holds_an_offer_or_is_closed(pool):
    referral = create_referral(consumer())

    assert offer_next(referral) is None
    withdraw_referral(referral)
    assert offer_next(referral) is None
    assert Offer.objects.filter(referral=referral).count() == 1


def test_the_task_beat_sends_every_sweep_interval_lapses_offers(pool, settings):
    from hod.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-offers"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())

    with time_machine.travel(start + WINDOW, tick=False):
        report = app.tasks[entry["task"]]()  # what a worker runs when beat sends it

    assert "1 offer(s) lapsed" in report and holder(referral) == "hollywood"
    assert entry["schedule"] == settings.HOD_SWEEP_INTERVAL_SECONDS
