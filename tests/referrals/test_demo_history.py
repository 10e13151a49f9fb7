"""The demo's history: three weeks of past requests that fill every chart and table of the service dashboard,
that the lifecycle's rules hold for, and that `seed_demo` adds once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F, Q

from agents.demo import seed_agents
from referrals.demo_history import seed_history
from referrals.models import Offer, Referral
from referrals.reporting.periods import period_from
from referrals.reporting.responsiveness import responsiveness
from referrals.reporting.service import figures

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 9, 20, tzinfo=dt.UTC)  # a Wednesday of open enrollment, 3 pm in New York


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(frozen):
    seed_agents()
    return seed_history(NOW)


def test_the_last_seven_days_fill_every_chart_and_table_of_the_dashboard(history):
    week, _errors = period_from({"period": "week"}, NOW)

    found = figures(week)
    funnel, funnel_by_state = found.funnel, found.funnel_by_state
    agents = responsiveness(week)

    assert len(found.by_day) == 7 and all(tally.requests for tally in found.by_day.values())
    assert sum(bool(tally.requests) for tally in found.by_hour) >= 12  # spread over the day
    assert len(found.by_state) >= 5 and len(found.by_language) >= 4
    assert found.total.accepted and found.total.withdrawn and found.total.expired
    assert found.total.median is not None and found.total.share_within_window
    assert all(found.offers[status] for status in ("accepted", "rejected", "lapsed", "withdrawn"))
    assert found.offers_per_accepted > 1
    assert found.sent_elsewhere and found.sent_elsewhere_by_state
    assert funnel.accepted and funnel.contacted and funnel.enrolled and len(funnel_by_state) >= 3
    assert {"could_not_reach", "not_interested"} <= set(funnel.by_outcome)
    assert len(agents.rows) >= 5 and agents.total.median_answer and agents.reasons


def test_the_history_keeps_the_lifecycles_rules(settings, frozen):
    settings.HOD_OFFER_WINDOW_SECONDS = 60  # the shortest window allowed: every acceptance still falls within it
    seed_agents()
    seed_history(NOW)

    referrals, offers = Referral.objects.all(), Offer.objects.all()
    assert referrals.count() > 200
    assert not referrals.filter(status__in=Referral.OPEN).exists()  # so no phone has two open requests
    assert not offers.filter(status=Offer.Status.PENDING).exists()
    accepted = offers.filter(status=Offer.Status.ACCEPTED)
    assert not accepted.filter(responded_at__gt=F("expires_at")).exists()
    assert not accepted.values("referral").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not offers.values("referral", "agent").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert referrals.filter(status=Referral.Status.ACCEPTED).count() == accepted.count()
    assert (
        not referrals.filter(status=Referral.Status.ACCEPTED)
        .exclude(offers__status=Offer.Status.ACCEPTED, offers__responded_at=F("accepted_at"))
        .exists()
    )
    assert not referrals.filter(closed_at__isnull=True).exists()
    assert not referrals.exclude(disposition="").exclude(status=Referral.Status.ACCEPTED).exists()
    later = Q(created_at__gt=NOW) | Q(closed_at__gt=NOW) | Q(disposition_at__gt=NOW)
    assert not referrals.filter(later).exists()
    assert not offers.filter(Q(offered_at__gt=NOW) | Q(responded_at__gt=NOW)).exists()
    assert not offers.filter(offered_at__lt=F("referral__created_at")).exists()


def test_seed_demo_adds_the_history_once(settings, tmp_path, frozen):
    settings.VAR_DIR = tmp_path  # the generated administrator's password is kept there

    call_command("seed_demo", force=True)  # force: CI runs on PostgreSQL, outside the embedded mode
    made = Referral.objects.count(), Offer.objects.count()
    call_command("seed_demo", force=True)

    assert made[0] > 200 and (Referral.objects.count(), Offer.objects.count()) == made
    still_open = Referral.objects.filter(status__in=Referral.OPEN).values_list("phone", flat=True)
    assert {phone.as_e164 for phone in still_open} <= {f"+1305555{number:04d}" for number in range(101, 108)}  # live
