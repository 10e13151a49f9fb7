"""'No one called me': two hours after an agent accepted without recording a call, the consumer can say nobody
called, after a confirm step; the request goes to the next agent, and the first agent is told and sees it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from agents.models import Agent
from notifications import sms
from notifications.models import Notification
from referrals.after_accepting import record_disposition
from referrals.lifecycle import accept_offer, create_referral
from referrals.models import Event, Offer, Referral
from referrals.nobody_called import say_nobody_called
from referrals.reporting.periods import Period
from referrals.reporting.responsiveness import responsiveness
from referrals.reporting.service import figures
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
TWO_HOURS = dt.timedelta(hours=2)
WORDS = {
    "en": {
        "prefix": "",
        "button": "No one called me",
        "ask": "Has hialeah Agent not called you? Tell us, and we will ask another agent or broker near you.",
        "sure": "Nobody called you?",
        "yes": "Yes, nobody called me",
        "done": "We told the agent, and we are asking another agent or broker near you to call you.",
        "offered": "Offered to an agent less than a minute ago",
        "waiting": "Waiting: no agent is available right now.",
        "come_back": "If nobody has called you by",
    },
    "es": {
        "prefix": "/es",
        "button": "Nadie me llamó",
        "ask": "¿hialeah Agent no le ha llamado? Díganoslo y se lo pediremos a otro agente o corredor cerca de usted.",
        "sure": "¿Nadie le llamó?",
        "yes": "Sí, nadie me llamó",
        "done": "Se lo comunicamos al agente y le estamos pidiendo a otro agente o corredor cerca de usted que le "
        "llame.",
        "offered": "Se ofreció a un agente hace menos de un minuto",
        "waiting": "En espera: no hay ningún agente disponible en este momento.",
        "come_back": "Si nadie le ha llamado antes del",
    },
}


@pytest.fixture
def accepted(pool) -> Offer:
    """Hialeah, the nearest agent, accepted María's request at the start of the test's clock."""
    with time_machine.travel(timezone.now(), tick=False):
        referral = create_referral(consumer())
        offer = Offer.objects.get(referral=referral, status="pending")
        accept_offer(offer.pk, offer.agent)
    return Offer.objects.select_related("referral", "agent").get(pk=offer.pk)


def status_page(referral: Referral, language: str = "en") -> str:
    return f"{WORDS[language]['prefix']}/get-contacted/status/{referral.status_token}/"


def at(offer: Offer, after: dt.timedelta):
    return time_machine.travel(offer.referral.accepted_at + after, tick=False)


def test_it_is_not_offered_before_two_hours_and_the_page_says_from_when(client, accepted):
    page_url = status_page(accepted.referral)
    with at(accepted, TWO_HOURS - dt.timedelta(minutes=1)):
        page = client.get(page_url).content.decode()
        asked = client.post(page_url, {"nobody_called": "1"}).content.decode()
        client.post(page_url, {"nobody_called_confirmed": "1"})

    assert "No one called me" not in page and "If nobody has called you by" in page
    assert "come back to this page" in page and " E" in page.split("If nobody has called you by")[1][:60]
    assert "Nobody called you?" not in asked  # no confirm step: the status page again
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.ACCEPTED


@pytest.mark.parametrize("outcome", [Referral.Disposition.CONTACTED, Referral.Disposition.ENROLLED])
def test_it_is_not_offered_once_the_agent_recorded_a_call(client, accepted, outcome):
    with at(accepted, dt.timedelta(minutes=30)):
        record_disposition(accepted, accepted.agent, outcome)
    page_url = status_page(accepted.referral)

    with at(accepted, TWO_HOURS * 3):
        page = client.get(page_url).content.decode()
        client.post(page_url, {"nobody_called_confirmed": "1"})

    assert "No one called me" not in page and "If nobody has called you by" not in page
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.ACCEPTED
    assert not Event.objects.filter(kind=Event.Kind.NOT_CALLED).exists()


def test_an_agent_who_could_not_reach_the_consumer_has_not_called_them(client, accepted):
    with at(accepted, dt.timedelta(minutes=30)):
        record_disposition(accepted, accepted.agent, Referral.Disposition.COULD_NOT_REACH)

    with at(accepted, TWO_HOURS):
        page = client.get(status_page(accepted.referral)).content.decode()

    assert "No one called me" in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_consumer_says_nobody_called_and_the_request_goes_to_the_next_agent(client, accepted, pool, language):
    words = WORDS[language]
    page_url = status_page(accepted.referral, language)
    with at(accepted, TWO_HOURS):
        page = client.get(page_url).content.decode()
        confirm = client.post(page_url, {"nobody_called": "1"}).content.decode()
        kept = Offer.objects.get(pk=accepted.pk).status
        after = client.post(page_url, {"nobody_called_confirmed": "1"}, follow=True).content.decode()

    assert words["button"] in page and words["ask"] in page
    assert words["sure"] in confirm and words["yes"] in confirm and kept == Offer.Status.ACCEPTED  # it asks first
    assert words["done"] in after and words["offered"] in after
    assert "hollywood" not in after  # nobody named before they accept
    referral = Referral.objects.get(pk=accepted.referral_id)
    assert referral.status == Referral.Status.OFFERED and referral.accepted_at is None
    taken = Offer.objects.get(pk=accepted.pk)
    assert taken.status == Offer.Status.NOT_CALLED
    with translation.override("en"):
        assert taken.get_status_display() == "The consumer said nobody called"
    assert Offer.objects.get(referral=referral, status="pending").agent == pool["hollywood"]
    event = Event.objects.get(referral=referral, kind=Event.Kind.NOT_CALLED)
    assert event.offer_id == accepted.pk and event.detail == f"agent {accepted.agent_id} had recorded no outcome"


def test_the_agent_is_told_on_their_channels_and_sees_it_in_their_history(client, accepted):
    with at(accepted, TWO_HOURS):
        assert say_nobody_called(accepted.referral) is not None

    told = {row.channel: row for row in Notification.objects.filter(kind="consumer_not_called")}
    assert {row.user_id for row in told.values()} == {accepted.agent.user_id} and set(told) >= {"email", "sms"}
    reference = accepted.referral.reference
    assert told["email"].subject == f"María said nobody called about request {reference}"
    assert "The request went to another agent or broker, so you no longer need to call them." in told["email"].body
    assert f"/agents/offers/{accepted.pk}/" in told["sms"].body
    client.force_login(accepted.agent.user)
    home = client.get("/agents/").content.decode()
    assert "The consumer said nobody called" in home
    page = client.get(f"/agents/offers/{accepted.pk}/").content.decode()
    assert "The consumer said nobody called them, so the request went to another agent or broker." in page
    assert "+13055550123" not in page and "Hand the referral back" not in page


def test_the_agents_message_is_in_their_language_and_the_text_keeps_its_words(accepted):
    Agent.objects.filter(pk=accepted.agent_id).update(portal_language="es")

    with at(accepted, TWO_HOURS):
        say_nobody_called(accepted.referral)

    told = {row.channel: row for row in Notification.objects.filter(kind="consumer_not_called")}
    assert told["email"].language == "es" and "nos dijo que nadie le llamó" in told["email"].body
    text = told["sms"].body
    assert "Maria dice que nadie le ha llamado por la solicitud" in text
    assert sms.fold_to_gsm(text) == text and sms.segments(text) <= sms.MAX_SEGMENTS


def test_it_is_not_a_hand_back_in_the_statistics(accepted):
    with at(accepted, TWO_HOURS):
        say_nobody_called(accepted.referral)
    start = accepted.offered_at - dt.timedelta(hours=1)
    period = Period("custom", start, start + dt.timedelta(days=1), "UTC")

    (row,) = [row for row in responsiveness(period).rows if row.agent_id == accepted.agent_id]

    assert (row.accepted, row.handed_back, row.not_called) == (0, 0, 1)
    assert row.median_answer is not None  # the accept was an answer
    offers = figures(period).offers
    assert offers["not_called"] == 1 and offers["handed_back"] == 0


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_nobody_else_to_take_it_the_request_waits_and_says_so(client, accepted, language):
    Agent.objects.exclude(pk=accepted.agent_id).update(taking_referrals=False)
    page_url = status_page(accepted.referral, language)

    with at(accepted, TWO_HOURS):
        page = client.post(page_url, {"nobody_called_confirmed": "1"}, follow=True).content.decode()

    assert WORDS[language]["waiting"] in page
    referral = Referral.objects.get(pk=accepted.referral_id)
    assert referral.status == Referral.Status.WAITING
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.NOT_CALLED, Event.Kind.WAITING]


def test_saying_it_twice_changes_nothing_more(accepted):
    with at(accepted, TWO_HOURS):
        assert say_nobody_called(accepted.referral) is not None
        assert say_nobody_called(accepted.referral) is None

    assert Event.objects.filter(kind=Event.Kind.NOT_CALLED).count() == 1
    assert Notification.objects.filter(kind="consumer_not_called", channel="email").count() == 1
