"""Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's WebAuthn domain) standing in
for a phone's fingerprint reader: add one on the profile, log out, log in with it; and a browser without
WebAuthn is told so, with the password form as before."""

import pytest
from playwright.sync_api import expect

from agents.models import Passkey
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_agent_portal import log_in
from tests.factories import make_eligible_agent


@pytest.fixture(autouse=True)
def _site_is_the_live_server(settings, live_server) -> None:
    """The relying party is HOD_BASE_URL: here, the live server's address (http://localhost:port)."""
    settings.HOD_BASE_URL = live_server.url


@pytest.fixture
def fingerprint_reader(page):
    """A platform authenticator that keeps passkeys and verifies its user, as a phone's would."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    yield lambda: devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    devtools.send("WebAuthn.disable")


def both_sizes(page, axe, screenshot, label: str) -> None:
    axe.check()
    screenshot(f"{label}-phone")
    page.set_viewport_size(DESKTOP)
    axe.check()
    screenshot(f"{label}-desktop")
    page.set_viewport_size(PHONE)


def test_an_agent_adds_a_passkey_on_the_profile_logs_out_and_logs_in_with_it(page, axe, screenshot, fingerprint_reader):
    agent = make_eligible_agent()
    page.goto("/agents/login/")
    expect(page.get_by_role("button", name="Log in with a passkey")).to_be_visible()
    expect(page.get_by_text("This browser cannot use passkeys here")).to_be_hidden()
    both_sizes(page, axe, screenshot, "log-in")
    log_in(page, axe, agent, "en")
    axe.check()

    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    expect(page.get_by_text("To add a passkey, open this page")).to_be_hidden()
    axe.check()
    page.get_by_role("button", name="Add a passkey").click()  # no name yet
    expect(page.get_by_role("alert")).to_contain_text("Give the passkey a name")
    expect(page.get_by_label("Name for a new passkey")).to_be_focused()
    axe.check()
    page.get_by_label("Name for a new passkey").fill("My phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("The passkey “My phone” is added. You can log in with it now.")).to_be_visible()
    expect(page.get_by_role("heading", name="My phone")).to_be_visible()
    both_sizes(page, axe, screenshot, "profile-with-a-passkey")
    (credential,) = fingerprint_reader()
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    page.get_by_text("Rename").click()
    axe.check()
    screenshot("profile-rename-open")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Help On Demand")).to_be_visible()
    axe.check()
    page.get_by_role("button", name="Log in with a passkey").click()
    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    assert page.url.endswith("/agents/")
    axe.check()
    passkey = Passkey.objects.get(agent=agent)
    assert passkey.last_used_at is not None and passkey.sign_count >= 1
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text("Last used")).to_be_visible()
    axe.check()


def test_a_passkey_the_site_does_not_know_is_refused_with_the_reason(page, axe, screenshot, fingerprint_reader):
    agent = make_eligible_agent()
    log_in(page, axe, agent, "en")
    axe.check()
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Name for a new passkey").fill("My phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("heading", name="My phone")).to_be_visible()
    axe.check()
    page.get_by_role("button", name="Remove My phone").click()
    expect(page.get_by_text("The passkey is removed.")).to_be_visible()
    axe.check()
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("button", name="Log in with a passkey").click()  # the phone still holds it
    expect(page.get_by_role("alert")).to_contain_text("This passkey is not registered with Help On Demand.")
    axe.check()
    screenshot("log-in-refused")


def test_a_browser_without_passkeys_is_told_and_logs_in_with_the_password(page, axe, screenshot):
    page.add_init_script("delete window.PublicKeyCredential;")
    agent = make_eligible_agent()
    page.goto("/agents/login/")

    expect(page.get_by_text("This browser cannot use passkeys here")).to_be_visible()
    expect(page.get_by_role("button", name="Log in with a passkey")).to_be_hidden()
    both_sizes(page, axe, screenshot, "log-in-without-passkeys")
    log_in(page, axe, agent, "en")
    axe.check()
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_text("To add a passkey, open this page")).to_be_visible()
    expect(page.get_by_role("button", name="Add a passkey")).to_be_hidden()
    axe.check()
    screenshot("profile-without-passkeys")
