"""The portal as an installable app in Chromium: the manifest and service worker are served and valid (Chromium's
own installability check passes), the home page invites the agent to set up app notifications, and the profile
offers to turn them on in this browser and says how to install the portal on an iPhone."""

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.models import Agent
from notifications.models import Device
from notifications.vapid import new_key_pair
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.browser.test_agent_portal import log_in
from tests.factories import make_eligible_agent

# The notifications the service worker shows, once there are any (two seconds at most).
NOTIFICATIONS_SHOWN = """async () => {
    const registration = await navigator.serviceWorker.ready;
    for (let tries = 0; tries < 20; tries++) {
        const notifications = await registration.getNotifications();
        if (notifications.length) {
            return notifications.map((n) => ({title: n.title, body: n.body, url: n.data.url, icon: n.icon}));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [];
}"""


@pytest.fixture(autouse=True)
def web_push_on(settings) -> None:
    settings.HOD_VAPID_PRIVATE_KEY, settings.HOD_VAPID_PUBLIC_KEY = new_key_pair()


@pytest.fixture
def context(browser, live_server, tmp_path):
    """A browser profile of its own in a folder, not the incognito-like context the other tests use:
    Chromium offers to install nothing from an incognito window."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=PHONE,
        locale="en-US",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def agent(db):
    return make_eligible_agent()  # Email, Text & App Notification (the recommended method), no phone or browser yet


def installability(page) -> tuple[dict, list]:
    """Chromium's own verdict through the DevTools protocol: the manifest it parsed, and why it would not
    offer to install the page (nothing, when it would)."""
    cdp = page.context.new_cdp_session(page)
    try:
        manifest = cdp.send("Page.getAppManifest")
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    finally:
        cdp.detach()
    return manifest, errors


def test_the_portal_passes_chromiums_installability_check(page, axe, screenshot, agent, live_server):
    log_in(page, axe, agent, "en")
    axe.check()

    worker = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.active.scriptURL)")
    assert worker == f"{live_server.url}/sw.js"
    manifest, errors = installability(page)

    assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
    assert manifest["errors"] == []
    assert errors == []
    parsed = page.evaluate("fetch('/manifest.webmanifest').then((response) => response.json())")
    assert (parsed["start_url"], parsed["display"]) == ("/agents/", "standalone")

    invite = page.get_by_role("region", name="Get referrals as app notifications")
    expect(invite).to_be_visible()
    screenshot("home-phone")
    page.set_viewport_size(DESKTOP)
    screenshot("home-desktop")
    page.set_viewport_size(PHONE)

    invite.get_by_role("link", name="Set up app notifications").click()
    expect(page.get_by_role("heading", name="App notifications", exact=True)).to_be_visible()
    axe.check()

    page.goto("/get-contacted/")  # the consumers' pages are no app: the same check says why
    axe.check()
    assert "no-manifest" in [error["errorId"] for error in installability(page)[1]]


def test_the_spanish_portal_installs_in_spanish(page, axe, agent, live_server):
    Agent.objects.filter(pk=agent.pk).update(portal_language="es")
    log_in(page, axe, agent, "es")
    axe.check()

    page.evaluate("navigator.serviceWorker.ready")
    manifest, errors = installability(page)

    assert manifest["url"] == f"{live_server.url}/es/manifest.webmanifest"
    assert errors == []
    parsed = page.evaluate("fetch('/es/manifest.webmanifest').then((response) => response.json())")
    assert (parsed["start_url"], parsed["lang"]) == ("/es/agents/", "es")


def test_the_profile_offers_to_turn_notifications_on_here_and_shows_the_iphone_steps(
    page, axe, screenshot, agent, context
):
    context.grant_permissions(["notifications"])
    log_in(page, axe, agent, "en")
    axe.check()
    page.goto("/agents/profile/")
    page.evaluate("navigator.serviceWorker.ready")

    expect(page.get_by_role("button", name="Turn on notifications in this browser")).to_be_visible()
    expect(
        page.get_by_role("option", name="Email & App Notification (no phone or browser registered yet)")
    ).to_be_attached()
    page.get_by_text("iPhone or iPad", exact=True).click()
    expect(page.get_by_text("Tap Share (the square with an arrow pointing up).")).to_be_visible()
    axe.check()
    page.locator("#app-notifications").scroll_into_view_if_needed()
    screenshot("profile-phone")
    page.set_viewport_size(DESKTOP)
    screenshot("profile-desktop")

    laptop = "https://fcm.googleapis.com/fcm/send/ana-laptop"
    Device.objects.create(
        user=agent.user,
        kind="webpush",
        token=laptop,
        platform="web",
        name="Chrome · Windows",
        last_seen_at=timezone.now(),
    )
    page.set_viewport_size(PHONE)
    page.reload()
    where = "Email & App Notification (app notifications go to Chrome · Windows)"
    expect(page.get_by_role("option", name=where)).to_be_attached()
    axe.check()
    page.locator("#app-notifications").scroll_into_view_if_needed()
    screenshot("profile-with-a-browser-phone")
    page.get_by_role("button", name="Remove Chrome · Windows").click()
    expect(page.get_by_text("Removed: that phone or browser no longer receives app notifications.")).to_be_visible()
    axe.check()
    assert not Device.objects.exists()


def test_the_service_worker_shows_a_push_message_with_the_offers_link(page, axe, agent, context, live_server):
    """A message as the push service hands it to the browser (Chromium's DevTools deliver it to the worker)."""
    context.grant_permissions(["notifications"])
    log_in(page, axe, agent, "en")
    axe.check()
    page.evaluate("navigator.serviceWorker.ready")
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _wait in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    (registration,) = [r for r in registrations if r["scopeURL"] == f"{live_server.url}/" and not r["isDeleted"]]
    message = {"title": "New referral in Miami, FL", "body": "Spanish, 1.2 miles away.", "url": "/agents/offers/7/"}
    message["tag"] = "hod-7"  # delivered again (a busy machine may drop the first), it replaces itself

    shown = []
    for _attempt in range(5):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server.url, "registrationId": registration["registrationId"], "data": json.dumps(message)},
        )
        shown = page.evaluate(NOTIFICATIONS_SHOWN)
        if shown:
            break
    assert shown == [
        {
            "title": "New referral in Miami, FL",
            "body": "Spanish, 1.2 miles away.",
            "url": "/agents/offers/7/",
            "icon": f"{live_server.url}/static/img/icon-192.png",
        }
    ]
