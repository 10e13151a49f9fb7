"""Twilio and FCM through their own libraries, against local stand-ins that answer as the providers do."""

import base64

import pytest

from notifications.channels import Channel, ContactMethod
from notifications.delivery import RETRY_DELAYS, deliver
from notifications.models import Device, Notification, Status
from notifications.sending import send_test_message
from tests.notifications.conftest import MESSAGING_SERVICE, TWILIO_SID, TWILIO_TOKEN, fcm_error, recipient_for

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


def queue_text(agent) -> Notification:
    (row,) = [r for r in send_test_message(recipient_for(agent, ContactMethod.EMAIL_TEXT)) if r.channel == "sms"]
    return row


def queue_push(agent) -> Notification:
    (row,) = [r for r in send_test_message(recipient_for(agent, ContactMethod.EMAIL_APP)) if r.channel == "push"]
    return row


def test_twilio_receives_the_text_from_the_messaging_service_with_a_status_callback(agent, twilio):
    row = queue_text(agent)

    deliver(row.pk)

    (request,) = twilio.requests_to(MESSAGES_PATH)
    assert request.method == "POST"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    )
    assert request.form == {
        "To": "+13135550142",
        "Body": row.body,
        "MessagingServiceSid": MESSAGING_SERVICE,
        "StatusCallback": "http://localhost:8000/notifications/twilio/status/",
    }
    row.refresh_from_db()
    assert (row.status, row.provider_message_id, row.attempts) == (Status.SENT, f"SM{1:032d}", 1)


def test_twilio_sends_from_a_number_when_no_messaging_service_is_set(agent, twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = "+12025550123"

    deliver(queue_text(agent).pk)

    form = twilio.requests_to(MESSAGES_PATH)[0].form
    assert form["From"] == "+12025550123" and "MessagingServiceSid" not in form


def test_an_invalid_number_fails_for_good_with_the_reason(agent, twilio):
    twilio.answer(
        MESSAGES_PATH,
        400,
        {
            "code": 21211,
            "message": "The 'To' number is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
    )
    row = queue_text(agent)

    assert deliver(row.pk) is None  # no retry

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "Invalid phone number (Twilio 21211)")
    assert len(twilio.requests_to(MESSAGES_PATH)) == 1


def test_a_twilio_outage_is_retried_with_backoff_and_then_sent(agent, twilio):
    twilio.answer(MESSAGES_PATH, 503, {"code": 20503, "message": "Service Unavailable", "status": 503})
    row = queue_text(agent)

    assert deliver(row.pk) == RETRY_DELAYS[0]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUEUED, 1)
    assert "Twilio 503" in row.last_error

    assert deliver(row.pk) is None
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_a_text_fails_when_retries_run_out(agent, twilio):
    for _ in range(len(RETRY_DELAYS) + 1):
        twilio.answer(MESSAGES_PATH, 429, {"code": 20429, "message": "Too Many Requests", "status": 429})
    row = queue_text(agent)

    delays = [deliver(row.pk) for _ in range(len(RETRY_DELAYS) + 1)]

    assert delays == [*RETRY_DELAYS, None]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, len(RETRY_DELAYS) + 1)


def test_fcm_gets_the_notification_for_every_device_with_an_oauth_token(agent, fcm):
    from django.utils import timezone

    Device.objects.create(user=agent, token="ana-tablet-token", platform="ios", last_seen_at=timezone.now())
    row = queue_push(agent)

    deliver(row.pk)

    sends = fcm.requests_to("/v1/projects/hod-test/messages:send")
    assert sorted(request.json["message"]["fid"] for request in sends) == ["ana-phone-token", "ana-tablet-token"]
    message = sends[0].json["message"]
    assert message["notification"] == {"title": "Help On Demand test notification", "body": row.body}
    assert message["data"]["notification"] == str(row.pk)
    assert message["android"]["priority"] == "high"
    assert all(request.headers["authorization"] == "Bearer ya29.stand-in" for request in sends)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.provider_message_id.startswith("projects/hod-test/messages/")


def test_an_unregistered_token_is_retired_not_retried(agent, fcm):
    from django.utils import timezone

    Device.objects.create(user=agent, token="ana-old-phone", platform="android", last_seen_at=timezone.now())
    fcm.answer("/messages:send", 404, fcm_error(404, "NOT_FOUND", "UNREGISTERED"))  # the first device asked
    row = queue_push(agent)

    deliver(row.pk)

    row.refresh_from_db()
    assert row.status == Status.SENT  # the other device got it
    retired = Device.objects.get(token="ana-phone-token")
    assert retired.retired_at is not None and "UnregisteredError" in retired.retired_reason

    fcm.received.clear()
    deliver(queue_push(agent).pk)
    assert [r.json["message"]["fid"] for r in fcm.requests_to("/messages:send")] == ["ana-old-phone"]


def test_push_fails_for_good_when_no_device_will_take_it(agent, fcm):
    fcm.answer("/messages:send", 400, fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"))
    row = queue_push(agent)

    assert deliver(row.pk) is None

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, "no device accepts app notifications any more")


def test_fcm_over_quota_is_retried_and_the_device_kept(agent, fcm):
    # (firebase-admin itself retries 500 and 503 a few times before giving up; 429 comes straight back)
    fcm.answer("/messages:send", 429, fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"))
    row = queue_push(agent)

    assert deliver(row.pk) == RETRY_DELAYS[0]
    assert Device.objects.get(token="ana-phone-token").retired_at is None
    assert deliver(row.pk) is None
    row.refresh_from_db()
    assert row.status == Status.SENT


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.PUSH])
def test_the_provider_never_sees_the_other_channels(agent, twilio, fcm, channel):
    rows = {row.channel: row for row in send_test_message(recipient_for(agent, ContactMethod.EMAIL_TEXT_APP))}

    deliver(rows[channel].pk)

    assert len(twilio.requests_to(MESSAGES_PATH)) == (channel == Channel.SMS)
    assert len(fcm.requests_to("/messages:send")) == (channel == Channel.PUSH)
