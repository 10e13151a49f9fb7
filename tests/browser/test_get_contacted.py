"""A consumer on a phone asks for help, in English and in Spanish, and follows the request."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_onboarding import tick

WORDS = {
    "en": {
        "first": "First name",
        "last": "Last name",
        "phone": "Phone number",
        "zip": "ZIP Code",
        "consent": "I agree to be contacted",
        "send": "Ask for help",
        "received": "We received your request",
        "now": "What is happening now",
        "withdraw": "Withdraw my request",
        "withdrawn": "You withdrew this request",
    },
    "es": {
        "first": "Nombre",
        "last": "Apellido",
        "phone": "Número de teléfono",
        "zip": "Código postal",
        "consent": "Acepto que un agente",
        "send": "Pedir ayuda",
        "received": "Recibimos su solicitud",
        "now": "Qué está pasando ahora",
        "withdraw": "Retirar mi solicitud",
        "withdrawn": "Retiró esta solicitud",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_consumer_asks_for_help_and_follows_the_request(page, axe, screenshot, pool, language):
    words = WORDS[language]
    page.goto("/es/get-contacted/" if language == "es" else "/get-contacted/")
    axe.check()

    page.get_by_role("button", name=words["send"]).click()  # nothing filled in: errors beside the fields
    expect(page.locator(".usa-error-message").first).to_be_visible()
    axe.check()
    screenshot("errors")

    page.get_by_label(words["first"]).fill("María")
    page.get_by_label(words["last"]).fill("Pérez")
    page.get_by_label(words["phone"]).fill("(305) 555-0123")
    page.get_by_label(words["zip"]).fill("33130")
    tick(page, re.compile(words["consent"]))
    screenshot("filled")
    page.get_by_role("button", name=words["send"]).click()

    expect(page.get_by_role("heading", name=words["received"])).to_be_visible()
    expect(page.get_by_role("heading", name=words["now"])).to_be_visible()
    axe.check()
    screenshot("confirmation")

    page.goto(page.url.split("?")[0])  # the status link from the text message
    axe.check()
    page.get_by_role("button", name=words["withdraw"]).click()
    expect(page.get_by_text(words["withdrawn"])).to_be_visible()
    axe.check()
    screenshot("withdrawn")
