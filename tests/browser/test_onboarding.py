"""Onboarding in a real browser: the registration page's live checklist, and the portal, in both languages."""

import re

import pytest
from playwright.sync_api import expect

from agents.invitations import invite
from agents.models import Agent
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import make_eligible_agent

PASSWORD = "Sunny-Day-2027!"
WORDS = {
    "en": {
        "title": "Get Started by Creating a Profile",
        "phone": "Phone",
        "zip": "ZIP Code",
        "user": "Username",
        "password": "Password",
        "confirm": "Confirm Password",
        "agree": "I read and agree to Help On Demand Terms of Use",
        "sign_up": "Sign Up",
        "length": "Contains 8 to 20 characters",
        "done": "Your registration is almost complete!",
    },
    "es": {
        "title": "Comience creando un perfil",
        "phone": "Teléfono",
        "zip": "Código postal",
        "user": "Nombre de usuario",
        "password": "Contraseña",
        "confirm": "Confirmar contraseña",
        "agree": "Leí y acepto las Condiciones de uso de Help On Demand",
        "sign_up": "Inscribirse",
        "length": "Contiene de 8 a 20 caracteres",
        "done": "¡Su registro está casi completo!",
    },
}


def tick(page, label) -> None:
    """USWDS draws its own checkbox over the real one: click the label, as a person does."""
    page.locator("label.usa-checkbox__label", has_text=label).click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_registration_page_checks_the_password_as_it_is_typed(page, axe, screenshot, language):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None, portal_language=language)
    agent.refresh_from_db()
    path = invite(agent).removeprefix("http://localhost:8000")
    words = WORDS[language]

    page.goto(path)
    axe.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    length_rule = page.locator("[data-rule=length]")
    page.get_by_label(words["password"], exact=True).fill("Ab1!")
    expect(length_rule).to_have_class(re.compile("is-unmet"))
    expect(page.locator("[data-rule=number]")).to_have_class(re.compile("is-met"))
    screenshot(f"{language}-typing")
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    expect(length_rule).to_have_class(re.compile("is-met"))
    expect(page.locator(".hod-checklist__item.is-unmet")).to_have_count(0)

    page.get_by_label(words["phone"]).fill("(313) 555-0142")
    page.get_by_label(words["zip"]).fill("33130")
    page.get_by_label(words["user"]).fill("ana.alvarez")
    page.get_by_label(words["confirm"]).fill(PASSWORD)
    tick(page, words["agree"])
    axe.check()
    page.get_by_role("button", name=words["sign_up"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(words["done"])
    axe.check()
    screenshot(f"{language}-registered")


def test_the_checklist_shows_after_sign_up_without_javascript(browser, live_server):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    path = invite(agent).removeprefix("http://localhost:8000")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=PHONE)
    page = context.new_page()

    page.goto(path)
    page.get_by_label("Password", exact=True).fill("abcd")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.locator("[data-rule=sequential]")).to_have_class(re.compile("is-unmet"))
    expect(page.locator("[data-rule=lower]")).to_have_class(re.compile("is-met"))
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_portal_from_log_in_to_taking_referrals(page, axe, screenshot, language, viewport):
    page.set_viewport_size(viewport)
    agent = make_eligible_agent()
    agent.terms_acceptances.all().delete()
    Agent.objects.filter(pk=agent.pk).update(taking_referrals=False, portal_language=language)
    prefix = "/es" if language == "es" else ""
    spanish = language == "es"

    page.goto(f"{prefix}/agents/login/")
    axe.check()
    screenshot("login")
    page.get_by_label("Nombre de usuario" if spanish else "Username", exact=True).fill(agent.user.username)
    page.get_by_label("Contraseña" if spanish else "Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión" if spanish else "Log in", exact=True).click()

    expect(page).to_have_url(re.compile(r"/agents/terms/$"))
    axe.check()
    screenshot("terms")
    tick(page, re.compile("agentes y corredores" if spanish else "Agents and Brokers Terms"))
    tick(page, re.compile("acepto las Condiciones de uso de Help On Demand$" if spanish else "Help On Demand's Terms"))
    page.get_by_role("button", name="Aceptar" if spanish else "Accept").click()

    switch = page.get_by_role("switch", name="Aceptando referidos" if spanish else "Taking referrals")
    expect(switch).to_have_attribute("aria-checked", "false")
    axe.check()
    switch.click()
    expect(page.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    axe.check()
    screenshot("home")

    page.get_by_role("link", name="Perfil" if spanish else "Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Su perfil" if spanish else "Your profile")
    axe.check()
    screenshot("profile")
    page.get_by_role("link", name="Disponibilidad" if spanish else "Availability", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disponibilidad" if spanish else "Availability")
    axe.check()
    screenshot("availability")
