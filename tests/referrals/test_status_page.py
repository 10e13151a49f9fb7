"""What the consumer sees while the request waits: honestly how it is going — offered to an agent how long ago,
looking for the next one, or waiting for one to be available — naming nobody before an agent accepts, in the
consumer's time zone and language."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from agents.models import Agent
from hod.local_time import time_in_zone
from referrals.lifecycle import create_referral
from referrals.models import Offer, Referral
from referrals.sweep import sweep_once
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
WINDOW = dt.timedelta(minutes=15)
MIAMI = "America/New_York"


def page_of(client, referral: Referral, prefix: str = "") -> str:
    return client.get(f"{prefix}/get-contacted/status/{referral.status_token}/").content.decode()


def pending(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, status="pending")


@pytest.mark.parametrize(
    ("prefix", "language", "words"),
    [
        ("", "en", "Offered to an agent 3 minutes ago, at {time}."),
        ("/es", "es", "Se ofreció a un agente hace 3 minutos, a las {time}."),
    ],
)
def test_an_offer_says_how_long_ago_in_the_consumers_zone_and_names_nobody(client, pool, prefix, language, words):
    referral = create_referral(consumer())
    offer = pending(referral)

    with time_machine.travel(offer.offered_at + dt.timedelta(minutes=3, seconds=20), tick=False):
        page = page_of(client, referral, prefix)

    with translation.override(language):
        time = time_in_zone(offer.offered_at, MIAMI)
    assert words.format(time=time) in page
    assert time.endswith(("EST", "EDT"))
    assert "hialeah" not in page  # the agent's name comes only with their accept


def test_less_than_a_minute_after_the_offer_it_says_so(client, pool):
    referral = create_referral(consumer())

    page = page_of(client, referral)

    assert "Offered to an agent less than a minute ago, at" in page
    assert "So far we have asked" not in page  # the first agent: nothing to count yet


@pytest.mark.parametrize(
    ("prefix", "looking", "asked"),
    [
        ("", "Looking for the next agent.", "So far we have asked 2 agents or brokers."),
        ("/es", "Buscando al siguiente agente.", "Hasta ahora hemos consultado a 2 agentes o corredores."),
    ],
)
def test_an_offer_past_its_window_says_the_next_agent_is_being_looked_for_then_counts_them(
    client, pool, prefix, looking, asked
):
    referral = create_referral(consumer())
    offer = pending(referral)
    late = offer.expires_at + dt.timedelta(seconds=5)

    with time_machine.travel(late, tick=False):
        before_the_sweep = page_of(client, referral, prefix)
        sweep_once()
        after_the_sweep = page_of(client, referral, prefix)

    assert looking in before_the_sweep
    assert asked in after_the_sweep and looking not in after_the_sweep


@pytest.mark.parametrize(
    ("prefix", "waiting", "rest"),
    [
        ("", "Waiting: no agent is available right now.", "Your request waits for the next one who starts taking"),
        ("/es", "En espera: no hay ningún agente disponible en este momento.", "Su solicitud espera al siguiente"),
    ],
)
def test_with_every_agent_off_the_request_says_it_waits(client, pool, prefix, waiting, rest):
    Agent.objects.update(taking_referrals=False)
    referral = create_referral(consumer())

    page = page_of(client, referral, prefix)

    assert waiting in page and rest in page
    assert "Offered to an agent" not in page and "Looking for the next agent" not in page


def test_after_an_agent_accepts_the_page_names_them_and_says_from_when_nobody_calling_can_be_said(client, pool):
    from hod.local_time import in_zone
    from referrals.lifecycle import accept_offer

    referral = create_referral(consumer())
    offer = pending(referral)
    accept_offer(offer.pk, offer.agent)
    accepted_at = Referral.objects.get(pk=referral.pk).accepted_at

    page = page_of(client, referral)

    assert "hialeah Agent, a licensed agent, accepted your request" in page
    with translation.override("en"):
        when = in_zone(accepted_at + dt.timedelta(hours=2), MIAMI)
    assert f"If nobody has called you by {when}, come back to this page" in page
