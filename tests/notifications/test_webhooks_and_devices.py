"""Delivery reports from Twilio and e-mail providers, the device endpoint, the re-send sweep, and admin."""

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications.channels import ContactMethod
from notifications.delivery import deliver, lost_notifications
from notifications.models import Device, Notification, Status
from notifications.sending import Recipient, send, send_test_message
from tests.factories import UserFactory
from tests.notifications.conftest import TWILIO_TOKEN, recipient_for

STATUS_URL = "/notifications/twilio/status/"


def sent_text(agent, twilio) -> Notification:
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_TEXT), "test_message")[1:]
    deliver(row.pk)
    row.refresh_from_db()
    return row


def twilio_post(client, fields: dict, token: str = TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature("http://localhost:8000" + STATUS_URL, fields)
    return client.post(STATUS_URL, fields, headers={"X-Twilio-Signature": signature})


def test_a_signed_delivery_report_marks_the_text_delivered(client, agent, twilio):
    row = sent_text(agent, twilio)

    response = twilio_post(client, {"MessageSid": row.provider_message_id, "MessageStatus": "delivered"})

    assert response.status_code == 204
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.delivered_at is not None


def test_a_signed_failure_report_marks_the_text_failed_with_the_error_code(client, agent, twilio):
    row = sent_text(agent, twilio)

    twilio_post(client, {"MessageSid": row.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"})

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "Twilio undelivered (error 30003)")


@pytest.mark.parametrize("token", ["someone-elses-token", ""])
def test_a_report_with_a_bad_signature_is_refused_and_changes_nothing(client, agent, twilio, token):
    row = sent_text(agent, twilio)
    fields = {"MessageSid": row.provider_message_id, "MessageStatus": "delivered"}

    response = twilio_post(client, fields, token=token) if token else client.post(STATUS_URL, fields)

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == Status.SENT


def postmark_report(client, message_id: str, record_type: str, credentials: str):
    event = {
        "RecordType": record_type,
        "MessageID": message_id,
        "Recipient": "ana@agents.example",
        "DeliveredAt": "2026-11-23T17:00:00Z",
        "Type": "HardBounce",
        "Description": "Mailbox does not exist",
    }
    auth = "Basic " + base64.b64encode(credentials.encode()).decode()
    return client.post(
        "/anymail/postmark/tracking/",
        json.dumps(event),
        content_type="application/json",
        headers={"Authorization": auth},
    )


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hod:webhook-secret"}


def test_an_authenticated_email_report_marks_the_email_delivered(client, agent, webhook_secret):
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message")
    deliver(row.pk)
    row.refresh_from_db()

    assert postmark_report(client, row.provider_message_id, "Delivery", "hod:webhook-secret").status_code == 200

    row.refresh_from_db()
    assert row.status == Status.DELIVERED


def test_a_bounce_marks_the_email_failed_with_the_reason(client, agent, webhook_secret):
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message")
    deliver(row.pk)
    row.refresh_from_db()

    postmark_report(client, row.provider_message_id, "Bounce", "hod:webhook-secret")

    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "bounced" in row.last_error


def test_an_email_report_with_the_wrong_secret_is_refused_and_changes_nothing(client, agent, webhook_secret):
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message")
    deliver(row.pk)

    response = postmark_report(client, Notification.objects.get().provider_message_id, "Delivery", "hod:guess")

    assert response.status_code == 400
    row.refresh_from_db()
    assert row.status == Status.SENT


@pytest.mark.django_db
def test_an_anonymous_visitor_cannot_register_a_device(client):
    response = client.post(
        "/notifications/devices/", {"token": "t", "platform": "ios"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_a_logged_in_user_registers_refreshes_and_removes_a_device(client):
    user = UserFactory(username="carla")
    client.force_login(user)
    body = {"token": "carla-phone", "platform": "android"}

    assert client.post("/notifications/devices/", body, content_type="application/json").status_code == 201
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        client.force_login(user)  # a new session: the old one ended after its idle time
        refreshed = client.post("/notifications/devices/", body, content_type="application/json")
    assert refreshed.status_code == 200
    assert Device.objects.get().last_seen_at > Device.objects.get().created_at + dt.timedelta(days=2)

    gone = client.delete("/notifications/devices/", {"token": "carla-phone"}, content_type="application/json")
    assert gone.status_code == 200 and not Device.objects.exists()
    again = client.delete("/notifications/devices/", {"token": "carla-phone"}, content_type="application/json")
    assert again.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "the body must be JSON"),
        ("[1]", "the body must be a JSON object"),
        ('{"platform": "ios"}', "token must be the device's FCM registration token"),
        ('{"token": "x", "platform": "blackberry"}', "platform must be one of android, ios, web"),
    ],
)
def test_a_bad_device_request_gets_a_reason(client, body, reason):
    client.force_login(UserFactory(username="dora"))

    response = client.post("/notifications/devices/", body, content_type="application/json")

    assert (response.status_code, response.json()) == (400, {"error": reason})


@pytest.mark.django_db
def test_a_token_registered_again_by_another_user_moves_to_them(client):
    first, second = UserFactory(username="eva"), UserFactory(username="flor")
    Device.objects.create(user=first, token="shared-phone", platform="ios", last_seen_at=timezone.now())
    client.force_login(second)

    client.post(
        "/notifications/devices/", {"token": "shared-phone", "platform": "ios"}, content_type="application/json"
    )

    assert Device.objects.get().user == second


def test_messages_whose_task_was_lost_are_found_again(agent):
    start = timezone.now()
    rows = send_test_message(recipient_for(agent))  # the broker was down: no task reached a worker

    assert lost_notifications(start + dt.timedelta(seconds=30)) == []
    assert sorted(lost_notifications(start + dt.timedelta(minutes=3))) == sorted(row.pk for row in rows)

    deliver(rows[0].pk, now=start + dt.timedelta(minutes=3))
    assert rows[0].pk not in lost_notifications(start + dt.timedelta(minutes=4))


def test_a_message_held_by_a_worker_that_died_is_sent_after_its_lease(agent):
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message")
    start = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING, lease_expires_at=start + dt.timedelta(minutes=5)
    )

    assert deliver(row.pk, now=start + dt.timedelta(minutes=1)) is None  # still held: nothing sent
    assert Notification.objects.get(pk=row.pk).status == Status.SENDING
    assert lost_notifications(start + dt.timedelta(minutes=6)) == [row.pk]
    deliver(row.pk, now=start + dt.timedelta(minutes=6))
    assert Notification.objects.get(pk=row.pk).status == Status.SENT


def test_a_message_whose_hand_off_failed_is_due_at_once_and_a_later_retry_at_its_time(agent):
    start = timezone.now()
    first, second = send_test_message(recipient_for(agent))[:2]
    Notification.objects.filter(pk=first.pk).update(handoff_failed_at=start)
    Notification.objects.filter(pk=second.pk).update(
        handoff_failed_at=start, next_attempt_at=start + dt.timedelta(minutes=1)
    )

    assert lost_notifications(start + dt.timedelta(seconds=1)) == [first.pk]
    assert sorted(lost_notifications(start + dt.timedelta(minutes=1))) == sorted([first.pk, second.pk])


@pytest.fixture
def consumer_text(db) -> Notification:
    (row,) = send(Recipient(phone="+13055550199", channels=frozenset({"sms"})), "test_message")
    return row


@pytest.mark.django_db
def test_staff_without_the_permission_see_consumers_numbers_masked(client, consumer_text):
    staff = UserFactory(username="ops", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(staff)

    listing = client.get("/admin/notifications/notification/").content.decode()
    detail = client.get(f"/admin/notifications/notification/{consumer_text.pk}/change/").content.decode()

    assert "•••••••0199" in listing and "+13055550199" not in listing
    assert "+13055550199" not in detail and "test text" not in detail


@pytest.mark.django_db
def test_staff_with_the_permission_see_them_and_the_view_is_logged(client, consumer_text, caplog):
    staff = UserFactory(username="lead", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_notification", "view_consumer_contact"]))
    client.force_login(staff)

    with caplog.at_level("INFO", logger="notifications.masking"):
        detail = client.get(f"/admin/notifications/notification/{consumer_text.pk}/change/").content.decode()

    assert "+13055550199" in detail
    assert f"consumer contact details shown: user={staff.pk} notification={consumer_text.pk}" in caplog.text
    assert "+13055550199" not in caplog.text


@pytest.mark.django_db
def test_admin_filters_notifications_by_kind_channel_and_status(admin_client, consumer_text):
    response = admin_client.get("/admin/notifications/notification/?kind=test_message&channel=sms&status=queued")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
