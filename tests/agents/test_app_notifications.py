"""The installable portal and app notifications as the agent sees them: the manifest and service worker, the
Preferred Contact Methods saying where app notifications go, the invitation on the home page, and removing
a phone or browser."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from agents.invitations import invite
from agents.models import Agent
from notifications.channels import ContactMethod
from notifications.models import Device
from notifications.vapid import new_key_pair
from tests.factories import UserFactory, make_eligible_agent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def web_push_on(settings) -> None:
    """Keys of the site's own, as production sets them (the embedded mode would make a pair in var/)."""
    settings.HOD_VAPID_PRIVATE_KEY, settings.HOD_VAPID_PUBLIC_KEY = new_key_pair()


NO_DEVICE = "(no phone or browser registered yet)"


def browser(user, name: str = "Chrome · Android", endpoint: str = "https://fcm.googleapis.com/fcm/send/a") -> Device:
    return Device.objects.create(
        user=user,
        kind=Device.Kind.WEB_PUSH,
        token=endpoint,
        platform="web",
        p256dh="p" * 87,
        auth="a" * 22,
        name=name,
        last_seen_at=timezone.now(),
    )


def options(page: str) -> list[str]:
    """The Preferred Contact Method's options, as the select shows them."""
    start = page.index('name="profile-contact_method"') if "profile-contact_method" in page else 0
    select = page[start : page.index("</select>", start)]
    return [part.split(">", 1)[1].split("</option>")[0] for part in select.split("<option")[1:]]


# The manifest and the service worker -------------------------------------------------------------------


def test_the_manifest_opens_the_portal_in_the_visitors_language(client):
    english = client.get("/manifest.webmanifest")
    spanish = client.get("/es/manifest.webmanifest")

    assert english["Content-Type"] == "application/manifest+json"
    manifest = english.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/agents/", "/", "standalone")
    assert (manifest["name"], manifest["theme_color"], manifest["lang"]) == ("Help On Demand", "#005ea2", "en")
    assert {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in manifest["icons"]:
        size = int(icon["sizes"].split("x")[0])
        with Image.open(finders.find(icon["src"].removeprefix("/static/"))) as image:
            assert image.size == (size, size)
    assert (spanish.json()["start_url"], spanish.json()["lang"]) == ("/es/agents/", "es")


def test_the_service_worker_is_served_from_the_root_fresh_and_opens_only_this_site(client):
    response = client.get("/sw.js")

    script = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert 'addEventListener("push"' in script and 'addEventListener("notificationclick"' in script
    assert "link.pathname + link.search + link.hash, self.location.origin" in script


def test_portal_pages_link_the_manifest_and_consumers_pages_do_not(client, registered):
    portal = client.get("/agents/").content.decode()
    consumers = client.get("/get-contacted/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in portal
    assert 'data-service-worker="/sw.js"' in portal
    assert 'rel="manifest"' not in consumers


# The Preferred Contact Methods say where app notifications go ------------------------------------------


def test_the_profile_says_no_phone_or_browser_receives_app_notifications_and_how_to_add_one(client, registered):
    page = client.get("/agents/profile/").content.decode()

    assert options(page) == [
        escape(f"Email, Text & App Notification {NO_DEVICE}"),
        escape("Email & Text"),
        escape(f"Email & App Notification {NO_DEVICE}"),
        "Email Only",
    ]
    assert "No phone or browser receives app notifications yet: turn them on under App notifications" in page
    assert 'id="app-notifications"' in page and "Share (the square with an arrow pointing up)" in page


def test_the_profile_names_the_phones_and_browsers_that_receive_them(client, registered):
    browser(registered.user, "Chrome · Android")
    browser(registered.user, "Safari · iPhone", endpoint="https://web.push.apple.com/b")
    Device.objects.create(user=registered.user, token="fcm", platform="ios", last_seen_at=timezone.now())

    page = client.get("/agents/profile/").content.decode()

    where = "(app notifications go to Chrome · Android, Safari · iPhone and An iPhone)"
    assert options(page)[0] == escape(f"Email, Text & App Notification {where}")
    assert options(page)[2] == escape(f"Email & App Notification {where}")
    assert "No phone or browser receives app notifications yet" not in page


def test_a_retired_browser_no_longer_counts(client, registered):
    Device.objects.filter(pk=browser(registered.user).pk).update(retired_at=timezone.now())

    assert NO_DEVICE in options(client.get("/agents/profile/").content.decode())[0]


def test_the_registration_page_says_how_app_notifications_are_added_after_sign_up(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    page = client.get(invite(agent).removeprefix("http://localhost:8000")).content.decode()

    assert escape(f"Email, Text & App Notification {NO_DEVICE}") in page
    assert "after you sign up, open Profile on your phone and select Turn on notifications" in page


def test_the_profile_still_saves_the_chosen_method(client, registered):
    response = client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "(313) 555-0199",
            "profile-contact_method": ContactMethod.EMAIL_APP,
            "profile-zip_code": "33130",
            "profile-portal_language": "en",
        },
    )

    assert response.status_code == 302
    assert Agent.objects.get(pk=registered.pk).contact_method == ContactMethod.EMAIL_APP


# The invitation on the home page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "has_browser", "invited"),
    [
        (ContactMethod.EMAIL_TEXT_APP, False, True),
        (ContactMethod.EMAIL_APP, False, True),
        (ContactMethod.EMAIL_APP, True, False),
        (ContactMethod.EMAIL_TEXT, False, False),
        (ContactMethod.EMAIL_ONLY, False, False),
    ],
)
def test_the_home_page_invites_an_agent_whose_app_notifications_reach_nowhere(
    client, registered, method, has_browser, invited
):
    Agent.objects.filter(pk=registered.pk).update(contact_method=method)
    if has_browser:
        browser(registered.user)

    home = client.get("/agents/").content.decode()
    profile = client.get("/agents/profile/").content.decode()

    assert ("Get referrals as app notifications" in home) is invited
    assert "Get referrals as app notifications" not in profile  # the profile has the whole section instead


# Removing a phone or browser ------------------------------------------------------------------------------


def test_an_agent_removes_their_own_browser_and_no_one_elses(client, registered):
    own = browser(registered.user)
    other = browser(UserFactory(username="bea"), endpoint="https://fcm.googleapis.com/fcm/send/b")

    refused = client.post(f"/agents/profile/devices/{other.pk}/remove/")
    removed = client.post(f"/agents/profile/devices/{own.pk}/remove/", follow=True)

    assert refused.status_code == 404
    assert removed.redirect_chain == [("/agents/profile/#app-notifications", 302)]
    assert "Removed: that phone or browser no longer receives app notifications." in removed.content.decode()
    assert list(Device.objects.values_list("pk", flat=True)) == [other.pk]


def test_removing_needs_a_post_and_a_log_in(client, registered):
    own = browser(registered.user)

    assert client.get(f"/agents/profile/devices/{own.pk}/remove/").status_code == 405
    client.logout()
    assert client.post(f"/agents/profile/devices/{own.pk}/remove/").status_code == 302  # to the log-in
    assert Device.objects.filter(pk=own.pk).exists()


def test_the_profile_gives_the_browser_the_key_to_subscribe_with(client, registered, settings):
    settings.HOD_VAPID_PRIVATE_KEY, public = new_key_pair()
    settings.HOD_VAPID_PUBLIC_KEY = ""

    page = client.get("/agents/profile/").content.decode()

    assert f'data-key="{public}"' in page
    assert 'data-push-state="ready"' in page
    assert json.loads(client.get("/manifest.webmanifest").content)["id"] == "/agents/"
