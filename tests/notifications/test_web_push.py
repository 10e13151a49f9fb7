"""Web Push to the browsers agents register, through pywebpush, against a stand-in push service that checks
the VAPID signature and decrypts each message as the browser would (RFC 8291, RFC 8292)."""

import json
import stat

import pytest
from django.utils import timezone

from notifications import vapid
from notifications.channels import ContactMethod
from notifications.checks import provider_settings
from notifications.delivery import RETRY_DELAYS, deliver
from notifications.models import Device, Notification, Status
from notifications.sending import send_test_message
from notifications.transports import NO_DEVICE, development
from tests.factories import UserFactory
from tests.notifications.conftest import recipient_for

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"
)


@pytest.fixture
def ana(db):
    """Ana, an agent with no device yet."""
    return UserFactory(username="ana", email="ana@agents.example")


def register(client, user, subscription: dict, user_agent: str = CHROME_ON_ANDROID, **extra):
    client.force_login(user)
    return client.post(
        "/notifications/devices/",
        json.dumps({"subscription": subscription, **extra}),
        content_type="application/json",
        headers={"User-Agent": user_agent},
    )


def queue_push(user) -> Notification:
    (row,) = [r for r in send_test_message(recipient_for(user, ContactMethod.EMAIL_APP)) if r.channel == "push"]
    return row


# Registering browsers ------------------------------------------------------------------------------


def test_a_browser_registers_its_subscription_through_the_devices_endpoint(client, ana, push_service):
    push_service.browser("phone")
    push_service.browser("laptop")

    first = register(client, ana, push_service.subscription("phone"))
    second = register(client, ana, push_service.subscription("laptop"), user_agent=SAFARI_ON_IPHONE)
    again = register(client, ana, push_service.subscription("phone"))

    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 200)
    devices = Device.objects.filter(user=ana).order_by("pk")
    assert [(d.kind, d.platform, d.name) for d in devices] == [
        ("webpush", "web", "Chrome · Android"),
        ("webpush", "web", "Safari · iPhone"),
    ]
    assert devices[0].token == push_service.subscription("phone")["endpoint"]
    assert devices[0].p256dh == push_service.subscription("phone")["keys"]["p256dh"]


def test_the_devices_endpoint_refuses_what_is_not_a_push_services_subscription(client, ana, push_service, settings):
    browser = push_service.browser("phone")
    good = browser.subscription("https://fcm.googleapis.com")
    settings.HOD_WEB_PUSH_ANY_ENDPOINT = False
    cases = [
        {**good, "endpoint": "http://fcm.googleapis.com/push/phone"},  # not https
        {**good, "endpoint": "https://169.254.169.254/latest"},  # an address, not a push service
        {**good, "endpoint": "https://localhost/push"},
        {**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"]}},
        "not an object",
    ]

    answers = [register(client, ana, case).status_code for case in cases]

    assert answers == [400] * len(cases)
    assert not Device.objects.exists()
    assert register(client, ana, good).status_code == 201


def test_only_a_logged_in_agent_registers_and_only_their_own_are_removed(client, ana, push_service):
    push_service.browser("phone")
    subscription = push_service.subscription("phone")
    anonymous = client.post(
        "/notifications/devices/", json.dumps({"subscription": subscription}), content_type="application/json"
    )
    register(client, ana, subscription)
    client.force_login(UserFactory(username="bea"))
    foreign = client.delete(
        "/notifications/devices/", json.dumps({"endpoint": subscription["endpoint"]}), content_type="application/json"
    )
    client.force_login(ana)
    own = client.delete(
        "/notifications/devices/", json.dumps({"endpoint": subscription["endpoint"]}), content_type="application/json"
    )

    assert (anonymous.status_code, foreign.status_code, own.status_code) == (401, 404, 200)
    assert not Device.objects.exists()


def test_a_browser_checking_in_never_brings_back_a_subscription_the_agent_removed(client, ana, push_service):
    push_service.browser("phone")
    subscription = push_service.subscription("phone")

    unknown = register(client, ana, subscription, refresh=True)
    register(client, ana, subscription)
    known = register(client, ana, subscription, refresh=True)

    assert (unknown.status_code, known.status_code) == (404, 200)
    assert Device.objects.filter(user=ana).count() == 1


def test_no_browser_is_registered_while_web_push_is_off(client, ana, push_service, settings, monkeypatch):
    settings.HOD_VAPID_PRIVATE_KEY = settings.HOD_VAPID_PUBLIC_KEY = ""
    monkeypatch.setattr(vapid, "_embedded", lambda: False)  # production without keys
    push_service.browser("phone")

    assert register(client, ana, push_service.subscription("phone")).status_code == 409


# Sending ------------------------------------------------------------------------------------------------


def test_every_browser_gets_the_message_signed_with_our_key_and_encrypted_for_it(client, ana, push_service, settings):
    for name in ("phone", "laptop"):
        push_service.browser(name)
        register(client, ana, push_service.subscription(name))
    row = queue_push(ana)

    assert deliver(row.pk) is None

    assert push_service.refused == []
    assert sorted(delivered.browser for delivered in push_service.delivered) == ["laptop", "phone"]
    delivered = push_service.delivered[0]
    assert delivered.message == {
        "title": "Help On Demand test notification",
        "body": row.body,
        "url": "http://localhost:8000/agents/",
        "tag": f"hod-{row.pk}",
        "lang": "en",
    }
    assert delivered.claims["sub"] == "mailto:ops@helpondemand.example"
    assert (delivered.headers["ttl"], delivered.headers["urgency"]) == ("86400", "normal")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_an_offer_goes_at_once_while_its_window_lasts_and_names_no_consumer(db, client, push_service, settings):
    from agents.models import Agent
    from referrals.lifecycle import create_referral
    from tests.factories import make_eligible_agent
    from tests.referrals.conftest import consumer

    agent = make_eligible_agent(languages=("es", "en"))
    Agent.objects.filter(pk=agent.pk).update(contact_method=ContactMethod.EMAIL_APP)
    push_service.browser("phone")
    register(client, agent.user, push_service.subscription("phone"))
    maria = consumer()

    referral = create_referral(maria)
    (row,) = Notification.objects.filter(kind="offer", channel="push", user=agent.user)
    deliver(row.pk)

    (delivered,) = push_service.delivered
    assert delivered.message["url"].endswith(f"/agents/offers/{referral.offers.get().pk}/")
    assert delivered.message["title"] == "New referral in Miami, FL"
    text = json.dumps(delivered.message, ensure_ascii=False)
    for detail in ("María", "Pérez", "maria@example.com", "3055550123", "555-0123"):
        assert detail not in text
    assert (delivered.headers["ttl"], delivered.headers["urgency"]) == (str(settings.HOD_OFFER_WINDOW_SECONDS), "high")


@pytest.mark.parametrize("gone", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_retired_not_retried(client, ana, push_service, gone):
    for name in ("old-laptop", "phone"):
        push_service.browser(name)
        register(client, ana, push_service.subscription(name))
    push_service.stand_in.answer("/push/old-laptop", gone, {"reason": "NotFound"})

    deliver(queue_push(ana).pk)

    assert [delivered.browser for delivered in push_service.delivered] == ["phone"]
    retired = Device.objects.get(token=push_service.subscription("old-laptop")["endpoint"])
    assert retired.retired_at is not None and retired.retired_reason == f"the push service answered {gone}"

    push_service.stand_in.received.clear()
    deliver(queue_push(ana).pk)
    assert [request.path for request in push_service.requests()] == ["/push/phone"]


def test_when_the_only_browser_is_gone_the_message_fails_for_good(client, ana, push_service):
    push_service.browser("phone")
    register(client, ana, push_service.subscription("phone"))
    push_service.stand_in.answer("/push/phone", 410, {"reason": "Gone"})
    row = queue_push(ana)

    assert deliver(row.pk) is None

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "no browser accepts app notifications any more")
    assert deliver(queue_push(ana).pk) is None
    assert Notification.objects.filter(last_error=NO_DEVICE).count() == 1  # nothing left to send to


def test_a_push_service_outage_is_retried_with_backoff_and_then_sent(client, ana, push_service):
    push_service.browser("phone")
    register(client, ana, push_service.subscription("phone"))
    push_service.stand_in.answer("/push/phone", 503, {"reason": "Service Unavailable"})
    row = queue_push(ana)

    assert deliver(row.pk) == RETRY_DELAYS[0]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUEUED, 1)
    assert "push service 503" in row.last_error
    assert Device.objects.get().retired_at is None

    assert deliver(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(push_service.delivered) == 1


def test_web_push_fails_when_retries_run_out(client, ana, push_service):
    push_service.browser("phone")
    register(client, ana, push_service.subscription("phone"))
    for _ in range(len(RETRY_DELAYS) + 1):
        push_service.stand_in.answer("/push/phone", 429, {"reason": "Too Many Requests"})
    row = queue_push(ana)

    delays = [deliver(row.pk) for _ in range(len(RETRY_DELAYS) + 1)]

    assert delays == [*RETRY_DELAYS, None]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, len(RETRY_DELAYS) + 1)


def test_a_message_signed_with_another_key_is_refused_for_good_and_the_browser_kept(
    client, ana, push_service, settings
):
    push_service.browser("phone")
    register(client, ana, push_service.subscription("phone"))
    settings.HOD_VAPID_PRIVATE_KEY, settings.HOD_VAPID_PUBLIC_KEY = vapid.new_key_pair()  # the site's key changed
    row = queue_push(ana)

    assert deliver(row.pk) is None

    assert push_service.refused == ["phone: signed with a key the subscription was not made with"]
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "the push service refused the message (403)")
    assert Device.objects.get().retired_at is None


def test_app_notifications_go_to_native_apps_and_browsers_alike(client, ana, push_service):
    Device.objects.create(user=ana, token="ana-phone-token", platform="android", last_seen_at=timezone.now())
    push_service.browser("laptop")
    register(client, ana, push_service.subscription("laptop"))
    row = queue_push(ana)

    deliver(row.pk)

    assert [message["tokens"] for message in development.outbox] == [["ana-phone-token"]]
    assert [delivered.browser for delivered in push_service.delivered] == ["laptop"]
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_browsers_get_nothing_while_web_push_is_off(client, ana, push_service, settings, monkeypatch):
    push_service.browser("laptop")
    register(client, ana, push_service.subscription("laptop"))
    settings.HOD_VAPID_PRIVATE_KEY = settings.HOD_VAPID_PUBLIC_KEY = ""
    monkeypatch.setattr(vapid, "_embedded", lambda: False)
    row = queue_push(ana)

    assert deliver(row.pk) is None

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, NO_DEVICE)
    assert push_service.requests() == []


def test_the_worker_sends_the_profiles_test_message_to_the_agents_browser(
    client, push_service, worker, wait_until, settings
):
    """Through the real entry points: the browser registers over HTTP, the profile's button sends, a Celery
    worker delivers (on PostgreSQL too)."""
    from agents.models import Agent
    from tests.factories import make_eligible_agent

    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(contact_method=ContactMethod.EMAIL_APP)
    push_service.browser("phone")
    assert register(client, agent.user, push_service.subscription("phone")).status_code == 201

    page = client.post("/agents/profile/test-message/", follow=True).content.decode()

    assert "Test messages are on their way by e-mail and app notification." in page
    wait_until(lambda: Notification.objects.filter(channel="push", status=Status.SENT).exists())
    (delivered,) = push_service.delivered
    assert delivered.message["title"] == "Help On Demand test notification"


# The key pair ------------------------------------------------------------------------------------------


def test_the_embedded_mode_makes_one_key_pair_and_keeps_it(settings, tmp_path, monkeypatch):
    settings.HOD_VAPID_PRIVATE_KEY = settings.HOD_VAPID_PUBLIC_KEY = ""
    monkeypatch.setattr(vapid, "_embedded", lambda: True)  # SQLite in var/ (this test runs on PostgreSQL too)
    settings.VAR_DIR = tmp_path / "var"

    first, again = vapid.vapid_keys(), vapid.vapid_keys()

    assert first == again and first.public_key == vapid.public_key_of(first.private_key)
    kept = settings.VAR_DIR / vapid.KEY_FILE_NAME
    assert json.loads(kept.read_text())["public_key"] == first.public_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert list(settings.VAR_DIR.iterdir()) == [kept]


def test_keys_from_settings_must_belong_together(settings):
    settings.HOD_VAPID_PRIVATE_KEY, _ = vapid.new_key_pair()
    settings.HOD_VAPID_PUBLIC_KEY = vapid.new_key_pair()[1]

    assert [problem.id for problem in provider_settings(None)] == ["hod.E004"]
    settings.HOD_VAPID_PUBLIC_KEY = ""  # the public key follows from the private one
    assert provider_settings(None) == []
    settings.HOD_VAPID_PRIVATE_KEY = "not-a-key"
    assert [problem.id for problem in provider_settings(None)] == ["hod.E004"]
