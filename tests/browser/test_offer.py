"""From a consumer's request to the closest agent's phone call, in a real browser, in both languages."""

import re

import pytest
from playwright.sync_api import expect

from agents.models import Agent
from referrals.models import Offer
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_get_contacted import WORDS
from tests.browser.test_onboarding import tick

AGENT_WORDS = {
    "en": {
        "user": "Username",
        "password": "Password",
        "login": "Log in",
        "left": "Time left to answer:",
        "accept": "Accept",
        "contact": "Contact the consumer now",
        "home": "Home",
    },
    "es": {
        "user": "Nombre de usuario",
        "password": "Contraseña",
        "login": "Iniciar sesión",
        "left": "Tiempo que queda para responder:",
        "accept": "Aceptar",
        "contact": "Comuníquese ahora con el consumidor",
        "home": "Inicio",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_closest_agent_sees_the_offer_accepts_and_gets_the_consumers_phone(page, axe, screenshot, pool, language):
    prefix = "/es" if language == "es" else ""
    words, agent_words = WORDS[language], AGENT_WORDS[language]

    page.goto(f"{prefix}/get-contacted/")
    page.get_by_label(words["first"]).fill("María")
    page.get_by_label(words["last"]).fill("Pérez")
    page.get_by_label(words["phone"]).fill("(305) 555-0123")
    page.get_by_label(words["zip"]).fill("33130")
    tick(page, re.compile(words["consent"]))
    axe.check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", name=words["received"])).to_be_visible()
    axe.check()
    offer = Offer.objects.get(status="pending")
    closest = {"en": "english_only", "es": "hialeah"}[language]  # the page's language is the one asked for
    assert offer.agent == pool[closest]
    Agent.objects.filter(pk=offer.agent.pk).update(portal_language=language)

    page.context.clear_cookies()  # now the agent, on their own phone, follows the link in the text
    page.goto(f"{prefix}/agents/offers/{offer.pk}/")
    axe.check()
    page.get_by_label(agent_words["user"], exact=True).fill(offer.agent.user.username)
    page.get_by_label(agent_words["password"], exact=True).fill("Sunny-Day-2027!")
    page.get_by_role("button", name=agent_words["login"], exact=True).click()

    expect(page).to_have_url(re.compile(rf"/agents/offers/{offer.pk}/$"))
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(page.get_by_text("María")).to_have_count(0)
    axe.check()
    screenshot("offer")
    page.get_by_role("button", name=agent_words["accept"], exact=True).click()

    expect(page.get_by_role("heading", name=agent_words["contact"])).to_be_visible()
    expect(page.locator('a[href="tel:+13055550123"]').first).to_be_visible()
    axe.check()
    screenshot("accepted")
    page.set_viewport_size(DESKTOP)
    axe.check()
    screenshot("accepted-desktop")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=agent_words["home"]).click()
    expect(page.locator("#referral-lists")).to_contain_text("Miami")
    axe.check()
    screenshot("home")
