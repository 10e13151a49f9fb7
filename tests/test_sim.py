"""The deadline-day simulation (sim/): a small day counts what the database holds.

A hundredth of the base case (830 agents, 200 requests) runs through the project's own lifecycle on
PostgreSQL in virtual time; what the simulation counted on its side must be what the database recorded.
"""

import pytest
import time_machine

from agents.models import AgentChange
from hod.reference.models import StateMarketplace
from referrals.models import Offer, Referral
from referrals.sweep import sweep_once

pytestmark = pytest.mark.postgresql

SCALE = 0.01


@pytest.fixture
def small_day(transactional_db, settings):
    from sim import database
    from sim import parameters as P
    from sim.day import Day
    from sim.population import build

    settings.HOD_PAUSE_AFTER_LAPSES = 2
    settings.HOD_REFERRAL_EXPIRY_SECONDS = 4 * 3600  # a shorter tail after the last arrival; more expiries to count
    served = set(
        StateMarketplace.objects.filter(plan_year=P.PLAN_YEAR, type__in=StateMarketplace.SERVED_TYPES).values_list(
            "state_id", flat=True
        )
    )
    people = build(served, SCALE)
    database.seed(people)
    database.check_eligible(people)
    with time_machine.travel(P.START, tick=False):
        assert sweep_once(P.START).ok
    day = Day(people)
    day.run()
    return day, people


def test_a_small_day_counts_what_the_database_holds(small_day):
    from sim.results import collect

    day, people = small_day
    seen = day.seen
    statuses = set(Referral.objects.values_list("status", flat=True))
    offers = {status: Offer.objects.filter(status=status).count() for status in Offer.Status.values}

    assert seen.created == Referral.objects.count() == len(people.arrivals) == 200
    assert seen.accepted == Referral.objects.filter(status="accepted").count() == offers["accepted"] > 0
    assert seen.expired == Referral.objects.filter(status="expired").count()
    assert seen.accepted + seen.expired == seen.created  # every request ended one way or the other
    assert statuses <= {"accepted", "expired"}
    assert seen.offers == Offer.objects.count() == sum(offers.values())
    assert seen.rejected == offers["rejected"] > 0
    assert seen.lapsed == offers["lapsed"] > 0
    assert offers["pending"] == 0 and offers["withdrawn"] == 0
    assert seen.sweeps_run > 0 and seen.sweeps_skipped > 0

    result = collect(day, "test", {}, True, len(people.agents))
    assert (result.requests, result.accepted, result.expired, result.still_open) == (
        seen.created,
        seen.accepted,
        seen.expired,
        0,
    )
    assert 0 < result.within_15 <= result.accepted / result.requests
    assert result.median <= result.p90
    assert sum(row["requests"] for row in result.hourly) == result.requests

    # Auto-pause at N=2 (HOD_PAUSE_AFTER_LAPSES) switched agents off: the ones the simulation saw.
    paused = AgentChange.objects.filter(kind="paused").count()
    assert seen.paused == paused == result.paused > 0
    assert seen.reactivated <= paused
