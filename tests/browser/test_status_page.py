"""The consumer's status page on a phone, in English and Spanish: how the request is going while it waits (offered
to an agent minutes ago, looking for the next one, waiting for one), naming nobody before an accept; and, two
hours after an accept with no call recorded, "No one called me", which asks once more and sends the request on."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from agents.models import Agent
from referrals.lifecycle import accept_offer, create_referral
from referrals.models import Offer, Referral
from tests.referrals.conftest import consumer

WORDS = {
    "en": {
        "prefix": "",
        "now": "What is happening now",
        "offered": re.compile(r"Offered to an agent 3 minutes ago, at \d{1,2}:\d\d [ap]\.m\. E[SD]T\."),
        "window": "They have 15 minutes to accept",
        "looking": "Looking for the next agent.",
        "waiting": "Waiting: no agent is available right now.",
        "accepted": "hialeah Agent, a licensed agent, accepted your request",
        "button": "No one called me",
        "sure": "Nobody called you?",
        "no": "No, go back",
        "yes": "Yes, nobody called me",
        "done": "We told the agent, and we are asking another agent or broker near you to call you.",
        "again": re.compile(r"Offered to an agent less than a minute ago, at \d{1,2}:\d\d [ap]\.m\. E[SD]T\."),
    },
    "es": {
        "prefix": "/es",
        "now": "Qué está pasando ahora",
        "offered": re.compile(r"Se ofreció a un agente hace 3 minutos, a las \d\d:\d\d E[SD]T\."),
        "window": "Tiene 15 minutos para aceptar",
        "looking": "Buscando al siguiente agente.",
        "waiting": "En espera: no hay ningún agente disponible en este momento.",
        "accepted": "hialeah Agent, agente con licencia, aceptó su solicitud",
        "button": "Nadie me llamó",
        "sure": "¿Nadie le llamó?",
        "no": "No, volver",
        "yes": "Sí, nadie me llamó",
        "done": "Se lo comunicamos al agente y le estamos pidiendo a otro agente o corredor cerca de usted que le "
        "llame.",
        "again": re.compile(r"Se ofreció a un agente hace menos de un minuto, a las \d\d:\d\d E[SD]T\."),
    },
}


def later(after: dt.timedelta):
    """The clock moved on (for this process, the live server's thread included; the browser keeps its own)."""
    return time_machine.travel(timezone.now() + after, tick=True)


def status_url(referral: Referral, words: dict) -> str:
    return f"{words['prefix']}/get-contacted/status/{referral.status_token}/"


@pytest.mark.parametrize("language", ["en", "es"])
def test_while_it_waits_the_page_says_how_the_request_is_going(page, axe, screenshot, pool, settings, language):
    settings.HOD_OFFER_WINDOW_SECONDS = 900
    words = WORDS[language]
    referral = create_referral(consumer())  # offered at once to the nearest agent on

    with later(dt.timedelta(minutes=3, seconds=10)):
        page.goto(status_url(referral, words))
        expect(page.get_by_role("heading", name=words["now"])).to_be_visible()
        expect(page.get_by_text(words["offered"])).to_be_visible()
        expect(page.get_by_text(words["window"])).to_be_visible()
        expect(page.get_by_text("hialeah")).to_have_count(0)  # nobody named before an accept
        axe.check()
        screenshot("offered")

    with later(dt.timedelta(minutes=15, seconds=10)):  # past the window, before any sweep lapsed the offer
        page.goto(status_url(referral, words))
        expect(page.get_by_text(words["looking"])).to_be_visible()
        axe.check()
        screenshot("looking")

    Agent.objects.update(taking_referrals=False)
    waiting = create_referral(consumer(phone="+13055550103"))
    page.goto(status_url(waiting, words))
    expect(page.get_by_text(words["waiting"])).to_be_visible()
    axe.check()
    screenshot("waiting")


@pytest.mark.parametrize("language", ["en", "es"])
def test_nobody_called_asks_once_more_and_sends_the_request_to_the_next_agent(page, axe, screenshot, pool, language):
    words = WORDS[language]
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    accept_offer(offer.pk, offer.agent)

    with later(dt.timedelta(hours=2, minutes=1)):  # and nobody has recorded a call
        page.goto(status_url(referral, words))
        expect(page.get_by_text(words["accepted"])).to_be_visible()
        axe.check()
        screenshot("accepted")
        page.get_by_role("button", name=words["button"]).click()
        expect(page.get_by_role("heading", name=words["sure"])).to_be_visible()  # it asks once more
        axe.check()
        screenshot("asks")
        page.get_by_role("link", name=words["no"]).click()
        expect(page.get_by_text(words["accepted"])).to_be_visible()
        assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED
        page.get_by_role("button", name=words["button"]).click()
        page.get_by_role("button", name=words["yes"]).click()

        expect(page.get_by_text(words["done"])).to_be_visible()
        expect(page.get_by_text(words["again"])).to_be_visible()
        expect(page.get_by_text("hollywood")).to_have_count(0)
        axe.check()
        screenshot("sent-on")
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.NOT_CALLED
    assert Offer.objects.get(referral=referral, status="pending").agent == pool["hollywood"]
