"""The agent's portal in a real browser, on a phone, in both languages: their own time, a switch that
explains itself, hours as days with ranges, what consumers receive, open referrals told apart, handing a
referral back, an honest test message, and the Terms readable at sign-up."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.invitations import invite
from agents.models import Agent
from referrals.lifecycle import accept_offer, create_referral
from referrals.models import Offer
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import make_eligible_agent
from tests.referrals.conftest import consumer

PASSWORD = "Sunny-Day-2027!"
MIAMI = ZoneInfo("America/New_York")  # the agents' ZIP codes are in Miami
WORDS = {
    "en": {
        "user": "Username",
        "password": "Password",
        "login": "Log in",
        "profile": "Profile",
        "availability": "Availability",
        "home": "Home",
        "zone": "Your time zone, from your ZIP code: Eastern Time.",
        "callback": "Call-back number for consumers",
        "save_profile": "Save my profile",
        "receives": "When you accept a referral, the consumer receives your name and (305) 555-0177",
        "test": "Send me a test message",
        "not_sent": "Not sent by app notification: no phone or browser is registered for app notifications yet",
        "from": "From",
        "to": "To",
        "add_monday": "Add a range on Monday",
        "copy": "Copy Monday to Tuesday through Friday",
        "copied": "Monday's hours are copied to Tuesday through Friday.",
        "save_hours": "Save my hours",
        "before": "Before you save",
        "not_begun": "Your hours have not begun: you will stop taking referrals now, and start again",
        "off_until": re.compile(r"Off: your hours begin \w+day (\d|midnight|noon)"),
        "home_reason": "Your standard hours have not begun",
        "empty": "The range is empty: give an end other than the start.",
        "what_they_see": "When you accept, the consumer receives your name and your number",
        "accept": "Accept",
        "hand_back": "Hand the referral back",
        "conflict": "A conflict of interest",
        "handed": "You handed the referral back.",
        "monday": "Monday",
        "tuesday": "Tuesday",
        "title": "Get Started by Creating a Profile",
        "terms": "Help On Demand Terms of Use",
        "mlms": "please log into your MLMS account on the CMS Enterprise Portal at",
    },
    "es": {
        "user": "Nombre de usuario",
        "password": "Contraseña",
        "login": "Iniciar sesión",
        "profile": "Perfil",
        "availability": "Disponibilidad",
        "home": "Inicio",
        "zone": "Su zona horaria, según su código postal: Hora del Este.",
        "callback": "Número de contacto para los consumidores",
        "save_profile": "Guardar mi perfil",
        "receives": "Cuando usted acepta un referido, el consumidor recibe su nombre y el (305) 555-0177",
        "test": "Enviarme un mensaje de prueba",
        "not_sent": "No se envió por notificación en la aplicación: todavía no hay un teléfono ni un navegador",
        "from": "Desde",
        "to": "Hasta",
        "add_monday": "Agregar un horario el lunes",
        "copy": "Copiar el lunes de martes a viernes",
        "copied": "El horario del lunes se copió de martes a viernes.",
        "save_hours": "Guardar mi horario",
        "before": "Antes de guardar",
        "not_begun": "Su horario no ha comenzado: dejará de aceptar referidos ahora y volverá a aceptarlos el",
        "off_until": re.compile(r"Desactivado: su horario comienza el \S+ (\d|medianoche|mediodía)"),
        "home_reason": "Su horario habitual no ha comenzado",
        "empty": "El horario está vacío: indique una hora de fin distinta de la de inicio.",
        "what_they_see": "Cuando acepte, el consumidor recibirá su nombre y su número",
        "accept": "Aceptar",
        "hand_back": "Devolver el referido",
        "conflict": "Un conflicto de intereses",
        "handed": "Devolvió el referido.",
        "monday": "Lunes",
        "tuesday": "Martes",
        "title": "Comience creando un perfil",
        "terms": "Condiciones de uso de Help On Demand",
        "mlms": "inicie sesión en su cuenta de MLMS en el Portal de empresas de CMS en",
    },
}
LANGUAGES = ["en", "es"]


def prefix(language: str) -> str:
    return "/es" if language == "es" else ""


def log_in(page, axe, agent, language: str) -> None:
    words = WORDS[language]
    page.goto(f"{prefix(language)}/agents/login/")
    axe.check()
    page.get_by_label(words["user"], exact=True).fill(agent.user.username)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["login"], exact=True).click()
    expect(page.get_by_role("link", name=words["profile"])).to_be_visible()


def agent_in(language: str, **kwargs):
    agent = make_eligible_agent(**kwargs)
    Agent.objects.filter(pk=agent.pk).update(portal_language=language, taking_referrals=True)
    return Agent.objects.get(pk=agent.pk)


def day_fieldset(page, words, day: str):
    return page.locator("fieldset.hod-day", has=page.locator("legend", has_text=re.compile(rf"^{day}$")))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_profile_says_the_zone_by_name_what_consumers_receive_and_tests_honestly(page, axe, screenshot, language):
    words = WORDS[language]
    agent_in(language)
    log_in(page, axe, Agent.objects.get(npn="1000001"), language)
    axe.check()

    page.get_by_role("link", name=words["profile"]).click()
    expect(page.get_by_text(words["zone"])).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("America/New_York")
    page.get_by_label(words["callback"]).fill("(305) 555-0177")
    page.get_by_role("button", name=words["save_profile"]).click()
    expect(page.get_by_text(words["receives"])).to_be_visible()
    axe.check()
    screenshot(f"{language}-profile")

    page.get_by_role("button", name=words["test"]).click()
    expect(page.get_by_text(words["not_sent"])).to_be_visible()
    axe.check()
    screenshot(f"{language}-test-message")
    page.set_viewport_size(DESKTOP)
    axe.check()
    screenshot(f"{language}-profile-desktop")


@pytest.mark.parametrize("language", LANGUAGES)
def test_hours_as_days_with_ranges_and_a_switch_that_says_what_will_happen(page, axe, screenshot, language):
    words = WORDS[language]
    agent = agent_in(language)
    log_in(page, axe, agent, language)
    page.get_by_role("link", name=words["availability"]).click()
    axe.check()
    monday = day_fieldset(page, words, words["monday"])
    expect(monday.get_by_label(words["from"])).to_have_count(1)

    monday.get_by_role("button", name=words["add_monday"]).click()
    monday = day_fieldset(page, words, words["monday"])
    expect(monday.get_by_label(words["from"])).to_have_count(2)
    axe.check()
    hour = f"{timezone.localtime(timezone.now(), MIAMI) + dt.timedelta(hours=2):%H}"  # hours that have not begun
    monday.get_by_label(words["from"]).nth(0).fill(f"{hour}:00")
    monday.get_by_label(words["to"]).nth(0).fill(f"{hour}:00")
    page.get_by_role("button", name=words["save_hours"]).click()
    expect(page.get_by_text(words["empty"]).first).to_be_visible()
    axe.check()
    screenshot(f"{language}-hours-error")

    monday = day_fieldset(page, words, words["monday"])
    monday.get_by_label(words["from"]).nth(0).fill(f"{hour}:00")
    monday.get_by_label(words["to"]).nth(0).fill(f"{hour}:05")
    monday.get_by_label(words["from"]).nth(1).fill(f"{hour}:10")
    monday.get_by_label(words["to"]).nth(1).fill(f"{hour}:15")
    page.get_by_role("button", name=words["copy"]).click()
    expect(page.get_by_text(words["copied"])).to_be_visible()
    tuesday = day_fieldset(page, words, words["tuesday"])
    expect(tuesday.get_by_label(words["from"]).nth(1)).to_have_value(f"{hour}:10")
    axe.check()
    screenshot(f"{language}-hours-copied")

    page.get_by_role("button", name=words["save_hours"]).click()
    expect(page.get_by_role("heading", name=words["before"])).to_be_visible()
    expect(page.get_by_text(words["not_begun"])).to_be_visible()
    assert not Agent.objects.get(pk=agent.pk).weekly_hours.exists()
    axe.check()
    screenshot(f"{language}-hours-before-you-save")
    page.get_by_role("button", name=words["save_hours"]).click()
    expect(page.locator("#hod-switch-state")).to_have_text(words["off_until"])
    assert Agent.objects.get(pk=agent.pk).weekly_hours.count() == 10
    axe.check()
    screenshot(f"{language}-hours-saved")
    page.set_viewport_size(DESKTOP)
    axe.check()
    screenshot(f"{language}-hours-desktop")
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name=words["home"]).click()
    expect(page.locator("#hod-switch-state")).to_have_text(words["off_until"])
    expect(page.get_by_text(words["home_reason"])).to_be_visible()
    axe.check()
    screenshot(f"{language}-home-off")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_offer_says_what_the_consumer_will_see_then_the_referral_is_told_apart_and_handed_back(
    page, axe, screenshot, pool, language
):
    words = WORDS[language]
    agent = pool["hialeah"]
    Agent.objects.filter(pk=agent.pk).update(portal_language=language)
    first = Offer.objects.get(referral=create_referral(consumer()), status="pending")
    accept_offer(first.pk, first.agent)
    offer = Offer.objects.get(referral=create_referral(consumer(first_name="Rosa", phone="+13055550124")))
    log_in(page, axe, agent, language)
    axe.check()

    lists = page.locator("#referral-lists")
    expect(lists).to_contain_text(f"María · {first.referral.reference}")
    screenshot(f"{language}-home")

    page.goto(f"{prefix(language)}/agents/offers/{offer.pk}/")
    expect(page.get_by_text(words["what_they_see"])).to_be_visible()
    axe.check()
    screenshot(f"{language}-offer")
    page.get_by_role("button", name=words["accept"], exact=True).click()
    expect(page.get_by_role("button", name=words["hand_back"])).to_be_visible()

    page.locator("label.usa-radio__label", has_text=words["conflict"]).click()
    axe.check()
    screenshot(f"{language}-accepted")
    page.get_by_role("button", name=words["hand_back"]).click()
    expect(page.get_by_text(words["handed"])).to_be_visible()
    expect(page.locator("#referral-lists")).not_to_contain_text("Rosa")
    axe.check()
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.HANDED_BACK


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_terms_open_from_the_sign_up_page_without_losing_what_was_typed(page, axe, screenshot, language):
    words = WORDS[language]
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None, portal_language=language)
    agent.refresh_from_db()

    page.goto(invite(agent).removeprefix("http://localhost:8000"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    axe.check()
    expect(page.get_by_text(words["mlms"])).to_be_visible()
    expect(page.get_by_role("link", name="https://portal.cms.gov")).to_have_attribute("href", "https://portal.cms.gov")
    page.get_by_label(words["user"]).fill("ana.alvarez")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=words["terms"]).click()
    terms = opened.value
    terms.wait_for_load_state()
    assert "/terms/" in terms.url
    terms.close()
    expect(page.get_by_label(words["user"])).to_have_value("ana.alvarez")
    screenshot(f"{language}-sign-up")
