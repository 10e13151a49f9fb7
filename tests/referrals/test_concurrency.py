"""First one wins under real concurrency (PostgreSQL: row locks and many connections at once)."""

import contextlib
import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from agents.models import Agent
from hod.reference.lookups import lookup_zip
from matching.nearest import _candidates, next_agent, next_agent_in_python
from referrals.lifecycle import (
    AlreadyRequested,
    OfferClosed,
    accept_offer,
    create_referral,
    lapse_offer,
    reject_offer,
    withdraw_referral,
)
from referrals.models import Event, Offer, Referral
from referrals.sweep import sweep_once
from tests.factories import make_eligible_agent
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.postgresql


def all_at_once(function, arguments: list, connections_at_once: int) -> list:
    """Call function(argument) for each argument on that many threads, each with its own database
    connection, all released together by a barrier so that they really race."""
    start = threading.Barrier(connections_at_once)

    def run(argument):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=30)
            return function(argument)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=connections_at_once) as threads:
        return list(threads.map(run, arguments))  # an error in any thread (a deadlock too) raises here


def test_two_sweeps_at_once_make_no_double_offer(transactional_db, pool):
    Agent.objects.update(taking_referrals=False)
    referrals = [create_referral(consumer(phone=f"+1305555{1000 + number}")) for number in range(12)]
    Agent.objects.filter(first_name__in=["hialeah", "hollywood", "orlando"]).update(taking_referrals=True)

    reports = all_at_once(lambda _: sweep_once(), range(2), connections_at_once=2)

    pending = Offer.objects.filter(status="pending")
    assert pending.count() == 3 == sum(report.offered for report in reports)
    assert pending.values("agent").distinct().count() == 3  # nobody over capacity
    assert pending.values("referral").distinct().count() == 3  # no referral offered twice
    assert Referral.objects.filter(pk__in=[r.pk for r in referrals], status="waiting").count() == 9


def test_200_answers_to_one_offer_over_50_connections_have_exactly_one_outcome(transactional_db, pool):
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    agent = offer.agent
    inside, after = offer.offered_at + dt.timedelta(minutes=14), offer.expires_at + dt.timedelta(seconds=5)
    attempts = [random.Random(n).choice(["accept", "reject", "lapse"]) for n in range(200)]

    def attempt(kind: str) -> str:
        try:
            if kind == "accept":
                accept_offer(offer.pk, agent, now=inside)
            elif kind == "reject":
                reject_offer(offer.pk, agent, now=inside)
            elif not lapse_offer(offer.pk, now=after):
                return "refused"
            return kind
        except OfferClosed:
            return "refused"

    results = all_at_once(attempt, attempts, connections_at_once=50)

    winners = [result for result in results if result != "refused"]
    assert len(winners) == 1
    offer.refresh_from_db()
    assert offer.status == {"accept": "accepted", "reject": "rejected", "lapse": "lapsed"}[winners[0]]
    assert Event.objects.filter(offer=offer, kind__in=["accepted", "rejected", "lapsed"]).count() == 1
    assert Offer.objects.filter(referral=referral, status="pending").count() <= 1


def test_accepting_while_the_consumer_withdraws_ends_one_way_without_errors(transactional_db, pool):
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")

    def attempt(number: int) -> str:
        if number % 2:
            return "withdrawn" if withdraw_referral(referral) else "refused"
        try:
            accept_offer(offer.pk, offer.agent)
        except OfferClosed:
            return "refused"
        return "accepted"

    results = all_at_once(attempt, range(40), connections_at_once=40)

    winners = [result for result in results if result != "refused"]
    assert len(winners) == 1
    offer.refresh_from_db()
    referral.refresh_from_db()
    assert offer.status == referral.status == winners[0]


def test_the_same_phone_submitting_twice_at_once_makes_one_request(transactional_db, pool):
    def submit(_: int) -> str:
        try:
            return create_referral(consumer()).reference
        except AlreadyRequested as duplicate:
            return f"shown {duplicate.referral.reference}"

    results = all_at_once(submit, range(8), connections_at_once=8)

    made = [result for result in results if not result.startswith("shown")]
    assert len(made) == 1 and Referral.objects.count() == 1
    assert sorted(results) == sorted([made[0], *[f"shown {made[0]}"] * 7])


def test_the_index_query_and_the_python_sort_choose_the_same_agent(db):
    chance = random.Random(7)
    zips = ["33130", "33012", "33024", "32801", "33401", "33601", "32301", "34102", "33130", "33012"]
    for number in range(120):
        agent = make_eligible_agent(
            npn=str(6000000 + number),
            zip_code=chance.choice(zips),
            languages=tuple(chance.sample(["en", "es", "vi"], k=chance.randint(1, 2))),
        )
        if chance.random() < 0.5:
            Agent.objects.filter(pk=agent.pk).update(last_offered_at=timezone.now() - dt.timedelta(minutes=number))
        if chance.random() < 0.2:
            Agent.objects.filter(pk=agent.pk).update(taking_referrals=False)

    for zip_code in ["33130", "32801", "32301", "33455", "34102", "32034"]:
        for language in ["en", "es", "vi"]:
            place = lookup_zip(zip_code)
            by_index = next_agent("FL", language, place.latitude, place.longitude)
            by_python = next_agent_in_python(
                _candidates("FL", language, None, None, None), place.latitude, place.longitude
            )
            assert by_index.agent_id == by_python.agent_id, (zip_code, language)
            assert by_index.miles == pytest.approx(by_python.miles)


def test_ties_go_to_the_agent_who_waited_longest(db):
    now = timezone.now()
    recent = make_eligible_agent(npn="7000001", zip_code="33012")
    waited = make_eligible_agent(npn="7000002", zip_code="33012")
    never = make_eligible_agent(npn="7000003", zip_code="33012")
    Agent.objects.filter(pk=recent.pk).update(last_offered_at=now - dt.timedelta(minutes=1))
    Agent.objects.filter(pk=waited.pk).update(last_offered_at=now - dt.timedelta(hours=3))
    place = lookup_zip("33130")

    assert next_agent("FL", "en", place.latitude, place.longitude).agent_id == never.pk
    Agent.objects.filter(pk=never.pk).update(last_offered_at=now)
    assert next_agent("FL", "en", place.latitude, place.longitude).agent_id == waited.pk
