"""A consumer on a phone asks for help, in English and in Spanish, and follows the request: errors the USWDS
way, times in their own zone, the window as configured, an honest answer when no agent can come, Withdraw
that asks once more, the privacy notice, and the site's own error pages."""

import re

import pytest
from playwright.sync_api import expect

from agents.models import Agent
from tests.browser.test_onboarding import tick

WORDS = {
    "en": {
        "prefix": "",
        "first": "First name",
        "last": "Last name",
        "phone": "Phone number",
        "zip": "ZIP Code",
        "consent": "I agree to be contacted",
        "consent_error": "Check the box to let an agent contact you.",
        "summary": "Please correct 5 problems:",
        "send": "Ask for help",
        "window": "They have 10 minutes to accept",
        "received": "We received your request",
        "now": "What is happening now",
        "sent": re.compile(r"Sent .* E[SD]T"),
        "withdraw": "Withdraw my request",
        "sure": "Withdraw my request?",
        "yes": "Yes, withdraw my request",
        "no": "No, keep my request",
        "withdrawn": "You withdrew this request",
        "nobody": "No agent can take your request yet",
        "privacy": "How we use and keep your details",
        "privacy_heading": "Privacy",
        "not_found": "Page not found",
        "home": "Go to the home page",
    },
    "es": {
        "prefix": "/es",
        "first": "Nombre",
        "last": "Apellido",
        "phone": "Número de teléfono",
        "zip": "Código postal",
        "consent": "Acepto que un agente",
        "consent_error": "Marque la casilla para que un agente pueda comunicarse con usted.",
        "summary": "Corrija 5 problemas:",
        "send": "Pedir ayuda",
        "window": "Tiene 10 minutos para aceptar",
        "received": "Recibimos su solicitud",
        "now": "Qué está pasando ahora",
        "sent": re.compile(r"Enviada .* E[SD]T"),
        "withdraw": "Retirar mi solicitud",
        "sure": "¿Retirar mi solicitud?",
        "yes": "Sí, retirar mi solicitud",
        "no": "No, mantener mi solicitud",
        "withdrawn": "Retiró esta solicitud",
        "nobody": "Ningún agente puede atender su solicitud todavía",
        "privacy": "Cómo usamos y guardamos sus datos",
        "privacy_heading": "Privacidad",
        "not_found": "Página no encontrada",
        "home": "Ir a la página de inicio",
    },
}


def fill_the_form(page, words: dict) -> None:
    page.get_by_label(words["first"]).fill("María")
    page.get_by_label(words["last"]).fill("Pérez")
    page.get_by_label(words["phone"]).fill("(305) 555-0123")
    page.get_by_label(words["zip"]).fill("33130")
    tick(page, re.compile(words["consent"]))


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_consumer_asks_for_help_and_follows_the_request(page, axe, screenshot, pool, settings, language):
    settings.HOD_OFFER_WINDOW_SECONDS = 600
    words = WORDS[language]
    page.goto(f"{words['prefix']}/get-contacted/")
    expect(page.get_by_text(words["window"])).to_be_visible()
    axe.check()

    page.get_by_role("button", name=words["send"]).click()  # nothing filled in
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()  # the summary takes focus: a screen reader reads it first
    expect(summary.get_by_role("heading")).to_have_text(words["summary"])
    expect(page.get_by_text(words["consent_error"]).first).to_be_visible()
    axe.check()
    screenshot("errors")
    summary.get_by_role("link").first.click()  # each error leads to its field
    expect(page.get_by_label(words["first"])).to_be_focused()

    fill_the_form(page, words)
    page.get_by_role("button", name=words["send"]).click()

    expect(page.get_by_role("heading", name=words["received"])).to_be_visible()
    expect(page.get_by_role("heading", name=words["now"])).to_be_visible()
    expect(page.get_by_text(words["sent"])).to_be_visible()  # in Miami's time, with the zone's name
    expect(page.get_by_text(words["window"])).to_be_visible()
    axe.check()
    screenshot("confirmation")

    page.goto(page.url.split("?")[0])  # the status link from the text message
    axe.check()
    page.get_by_role("button", name=words["withdraw"]).click()
    expect(page.get_by_role("heading", name=words["sure"])).to_be_visible()  # it asks once more
    axe.check()
    screenshot("withdraw-asks")
    page.get_by_role("link", name=words["no"]).click()
    expect(page.get_by_role("heading", name=words["now"])).to_be_visible()
    page.get_by_role("button", name=words["withdraw"]).click()
    page.get_by_role("button", name=words["yes"]).click()
    expect(page.get_by_text(words["withdrawn"])).to_be_visible()
    axe.check()
    screenshot("withdrawn")


@pytest.mark.parametrize("language", ["en", "es"])
def test_when_no_agent_can_come_the_consumer_is_told_at_once_and_where_else_to_turn(
    page, axe, screenshot, pool, language
):
    Agent.objects.update(display_option=Agent.DisplayOption.DOES_NOT_PARTICIPATE)  # nobody could ever take it
    words = WORDS[language]
    page.goto(f"{words['prefix']}/get-contacted/")
    axe.check()
    fill_the_form(page, words)
    page.get_by_role("button", name=words["send"]).click()

    expect(page.get_by_role("heading", name=words["nobody"])).to_be_visible()
    expect(page.get_by_role("link", name="1-800-318-2596")).to_be_visible()
    axe.check()
    screenshot("nobody")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_privacy_notice_is_linked_from_the_consent_box_and_the_footer(page, axe, screenshot, db, language):
    words = WORDS[language]
    page.goto(f"{words['prefix']}/get-contacted/")
    axe.check()

    page.get_by_role("link", name=words["privacy"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["privacy_heading"])
    expect(page.get_by_role("contentinfo").get_by_role("link", name=words["privacy_heading"])).to_be_visible()
    axe.check()
    screenshot("privacy")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_stale_status_link_gets_the_sites_own_page_with_a_way_back(page, axe, screenshot, db, language):
    words = WORDS[language]

    response = page.goto(f"{words['prefix']}/get-contacted/status/1.1:not-a-real-token/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(words["not_found"])
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("link", name=words["home"])).to_be_visible()
    axe.check()
    screenshot("not-found")
