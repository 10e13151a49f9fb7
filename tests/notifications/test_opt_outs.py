"""Texts they stopped: STOP by text (or Twilio's error 21610) stops our texts to the number, START
restarts them, YES still accepts an offer, and the profile says so instead of failing silently."""

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from agents.models import Agent
from notifications.channels import ContactMethod
from notifications.delivery import deliver
from notifications.models import Notification, SmsOptOut, Status
from notifications.monitoring import channel_health
from notifications.opt_outs import TEXTS_STOPPED, record_stop
from notifications.sending import send_test_message
from notifications.transports import development
from referrals.lifecycle import create_referral
from referrals.models import Offer
from tests.factories import make_eligible_agent
from tests.mailbox import deliver_queued
from tests.notifications.conftest import TWILIO_SID, TWILIO_TOKEN, recipient_for
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
ANA_PHONE = "+13135550142"
MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


@pytest.fixture
def inbound(settings):
    """Texts to our number, as Twilio posts them to the inbound webhook, signed."""
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN

    def text(client, body: str, sender: str = ANA_PHONE):
        url = "/referrals/twilio/inbound/"
        fields = {"From": sender, "Body": body, "MessageSid": "SM" + "9" * 32}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://localhost:8000" + url, fields)
        response = client.post(url, fields, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
        return response

    return text


@pytest.fixture
def ana():
    """Ana, registered, with the cell phone the texts come from and go to."""
    return make_eligible_agent(cell_phone=ANA_PHONE)


def stopped() -> list[str]:
    return list(SmsOptOut.objects.values_list("phone", flat=True))


def queue_text(user) -> Notification:
    (row,) = [r for r in send_test_message(recipient_for(user, ContactMethod.EMAIL_TEXT)) if r.channel == "sms"]
    return row


def texts_sent() -> list:
    return [message for message in development.outbox if message["channel"] == "sms"]


# STOP and START by text ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_stop_by_text_stops_our_texts_to_the_number_with_no_reply(client, inbound, ana, word):
    inbound(client, word)

    assert stopped() == [ANA_PHONE]
    assert not Notification.objects.filter(kind="text_reply").exists()  # Twilio confirms; ours would be refused


@pytest.mark.parametrize("word", ["START", "start", "Unstop"])
def test_start_by_text_restarts_them(client, inbound, ana, word):
    inbound(client, "STOP")

    inbound(client, word)

    assert stopped() == []
    assert not Notification.objects.filter(kind="text_reply").exists()


def test_a_number_that_is_no_agents_can_stop_too(client, inbound):
    inbound(client, "STOP", sender="+12025550199")

    assert stopped() == ["+12025550199"]


def test_a_sentence_with_stop_in_it_is_not_a_stop(client, inbound, ana):
    inbound(client, "please stop for now")

    assert stopped() == []
    assert Notification.objects.filter(kind="text_reply").exists()


def test_yes_is_no_restart_it_still_accepts_the_pending_offer(client, inbound, pool):
    offer = Offer.objects.get(referral=create_referral(consumer()), status="pending")
    Agent.objects.filter(pk=offer.agent.pk).update(cell_phone=ANA_PHONE)
    inbound(client, "STOP")

    inbound(client, "YES")

    assert Offer.objects.get(pk=offer.pk).status == "accepted"
    assert stopped() == [ANA_PHONE]
    deliver_queued()
    reply = Notification.objects.get(kind="text_reply")
    assert (reply.status, reply.last_error) == (Status.FAILED, TEXTS_STOPPED)


def test_no_still_rejects_after_a_stop(client, inbound, pool):
    offer = Offer.objects.get(referral=create_referral(consumer()), status="pending")
    Agent.objects.filter(pk=offer.agent.pk).update(cell_phone=ANA_PHONE)
    inbound(client, "STOP")

    inbound(client, "no")

    assert Offer.objects.get(pk=offer.pk).status == "rejected"


# Sending ------------------------------------------------------------------------------------


def test_a_text_to_a_number_that_replied_stop_is_not_tried_and_says_why(agent):
    record_stop(ANA_PHONE)

    rows = send_test_message(recipient_for(agent, ContactMethod.EMAIL_TEXT))
    deliver_queued()

    by_channel = {row.channel: row for row in rows}
    text = Notification.objects.get(pk=by_channel["sms"].pk)
    assert (text.status, text.last_error) == (Status.FAILED, TEXTS_STOPPED)
    assert "replied STOP" in text.last_error
    assert Notification.objects.get(pk=by_channel["email"].pk).status == Status.SENT  # e-mail still goes
    assert texts_sent() == []


def test_texts_not_tried_are_no_sign_of_a_failing_channel(agent):
    record_stop(ANA_PHONE)
    for _message in range(5):
        queue_text(agent)
    deliver_queued()

    assert [health.channel for health in channel_health(timezone.now()) if health.is_failing] == []


def test_twilio_refusing_with_21610_records_the_stop_and_the_next_text_is_not_tried(agent, twilio):
    twilio.answer(
        MESSAGES_PATH,
        400,
        {
            "code": 21610,
            "message": "Attempt to send to unsubscribed recipient",
            "more_info": "https://www.twilio.com/docs/errors/21610",
            "status": 400,
        },
    )
    row = queue_text(agent)

    assert deliver(row.pk) is None  # no retry

    row.refresh_from_db()
    assert (row.status, row.last_error) == (
        Status.FAILED,
        "The recipient replied STOP and has unsubscribed (Twilio 21610)",
    )
    assert stopped() == [ANA_PHONE]
    later = queue_text(agent)
    deliver(later.pk)
    later.refresh_from_db()
    assert (later.status, later.last_error) == (Status.FAILED, TEXTS_STOPPED)
    assert len(twilio.requests_to(MESSAGES_PATH)) == 1


def test_a_stop_that_arrives_after_a_text_was_queued_stops_it_before_twilio(client, inbound, agent, twilio):
    row = queue_text(agent)
    inbound(client, "STOP")

    deliver(row.pk)

    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.FAILED, TEXTS_STOPPED)
    assert twilio.requests_to(MESSAGES_PATH) == []


def test_after_start_texts_go_again(client, inbound, agent):
    inbound(client, "STOP")
    inbound(client, "START")

    row = queue_text(agent)
    deliver(row.pk)

    row.refresh_from_db()
    assert row.status == Status.SENT and len(texts_sent()) == 1


# The profile --------------------------------------------------------------------------------


def test_the_profile_says_texts_stopped_and_how_to_restart(client, ana):
    client.force_login(ana.user)
    assert 'id="texts-stopped"' not in client.get("/agents/profile/").content.decode()
    record_stop(ANA_PHONE)

    page = client.get("/agents/profile/").content.decode()

    assert 'id="texts-stopped"' in page
    assert "You replied STOP to a text from Help On Demand" in page and "(313) 555-0142" in page
    assert "reply START to any text you received from Help On Demand" in page


def test_the_profile_names_our_number_when_texts_come_from_one(client, ana, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = "+12025550123"
    record_stop(ANA_PHONE)
    client.force_login(ana.user)

    page = client.get("/agents/profile/").content.decode()

    assert "reply START to (202) 555-0123." in page


def test_the_profile_says_it_in_spanish(client, ana):
    Agent.objects.filter(pk=ana.pk).update(portal_language="es")
    record_stop(ANA_PHONE)
    client.force_login(ana.user)

    page = client.get("/es/agents/profile/").content.decode()

    assert "Usted respondió STOP a un mensaje de texto de Help On Demand" in page
    assert "responda START" in page


def test_a_new_cell_phone_has_not_stopped_anything(client, ana):
    record_stop(ANA_PHONE)
    Agent.objects.filter(pk=ana.pk).update(cell_phone="+13135550199")
    client.force_login(ana.user)

    assert 'id="texts-stopped"' not in client.get("/agents/profile/").content.decode()
