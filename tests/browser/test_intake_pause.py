"""A consumer on a phone while intake is paused: the administrators' message in the page's language and the
other ways to get help instead of the form; under one state's pause, that answer once the ZIP code says so,
with nothing saved and a way back to the form."""

import pytest
from playwright.sync_api import expect

from hod.reference.models import State
from referrals.intake import EVERYWHERE, pause_intake
from referrals.models import Referral
from tests.browser.test_get_contacted import WORDS, fill_the_form
from tests.factories import UserFactory

MESSAGES = {
    "en": "We are moving to a new system. Please call the Marketplace until Monday.",
    "es": "Estamos cambiando de sistema. Llame al Mercado hasta el lunes.",
}
PAUSED = {
    "en": {
        "everywhere": "We are not taking new requests right now",
        "florida": "We are not taking new requests from Florida right now",
        "other_help": "Get free help now",
        "local_help": "Find local help: people near you who can help in person",
        "not_saved": "We have not saved anything you typed.",
        "wrong_zip": "I typed the wrong ZIP code",
    },
    "es": {
        "everywhere": "En este momento no aceptamos solicitudes nuevas",
        "florida": "En este momento no aceptamos solicitudes nuevas de Florida",
        "other_help": "Reciba ayuda gratuita ahora",
        "local_help": "Buscar ayuda local: personas cerca de usted que pueden ayudarle en persona",
        "not_saved": "No guardamos nada de lo que escribió.",
        "wrong_zip": "Escribí mal el código postal",
    },
}


@pytest.fixture
def operator(transactional_db):
    return UserFactory(username="operator", is_staff=True)


@pytest.mark.parametrize("language", ["en", "es"])
def test_while_intake_is_paused_everywhere_the_consumer_reads_why_and_where_else_to_turn(
    page, axe, screenshot, operator, language
):
    pause_intake(EVERYWHERE, MESSAGES, operator)
    words, paused = WORDS[language], PAUSED[language]

    page.goto(f"{words['prefix']}/get-contacted/")

    expect(page.get_by_role("heading", level=1)).to_have_text(paused["everywhere"])
    expect(page.get_by_text(MESSAGES[language])).to_be_visible()
    expect(page.get_by_role("heading", name=paused["other_help"])).to_be_visible()
    expect(page.get_by_role("link", name="1-800-318-2596")).to_have_attribute("href", "tel:1-800-318-2596")
    expect(page.get_by_role("link", name=paused["local_help"])).to_be_visible()
    expect(page.get_by_role("button", name=words["send"])).to_have_count(0)
    expect(page.get_by_label(words["first"])).to_have_count(0)
    axe.check()
    screenshot("paused")


@pytest.mark.parametrize("language", ["en", "es"])
def test_under_a_state_pause_the_consumer_is_told_once_the_zip_code_is_known_and_nothing_is_kept(
    page, axe, screenshot, operator, language
):
    pause_intake(State.objects.get(code="FL"), MESSAGES, operator)
    words, paused = WORDS[language], PAUSED[language]
    page.goto(f"{words['prefix']}/get-contacted/")
    axe.check()  # the form: the state is not known yet

    fill_the_form(page, words)  # a Miami ZIP code
    page.get_by_role("button", name=words["send"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(paused["florida"])
    expect(page.get_by_text(MESSAGES[language])).to_be_visible()
    expect(page.get_by_text(paused["not_saved"])).to_be_visible()
    expect(page.get_by_role("link", name="1-800-318-2596")).to_be_visible()
    axe.check()
    screenshot("state-paused")
    assert not Referral.objects.exists()

    page.get_by_role("link", name=paused["wrong_zip"]).click()
    expect(page.get_by_role("button", name=words["send"])).to_be_visible()
    axe.check()
