"""After the offer: handing an accepted referral back, being told about a lapsed offer and a withdrawn
referral, and the call-back number consumers receive."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from agents.models import Agent
from notifications.models import Notification
from referrals.lifecycle import accept_offer, create_referral, withdraw_referral
from referrals.models import Event, Offer, Referral
from referrals.sweep import sweep_once
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(client, pool):
    """Hialeah, the nearest eligible agent, accepted María's request and is logged in."""
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    assert offer.agent == pool["hialeah"]
    accept_offer(offer.pk, offer.agent)
    client.force_login(offer.agent.user)
    return Offer.objects.get(pk=offer.pk)


def messages_to(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("channel"))


# Handing back -------------------------------------------------------------------------------


def test_the_accepted_page_offers_to_hand_back_and_says_what_happens(client, accepted):
    page = client.get(f"/agents/offers/{accepted.pk}/").content.decode()

    assert "Cannot help this consumer?" in page and "Hand the referral back" in page
    assert "the consumer is told that another agent will call" in page


def test_handing_back_goes_to_the_next_agent_and_the_consumer_is_told(client, accepted, pool):
    response = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {"back-reason": "conflict"}, follow=True)

    assert "You handed the referral back." in response.content.decode()
    referral = Referral.objects.get(pk=accepted.referral_id)
    assert referral.status == Referral.Status.OFFERED
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.HANDED_BACK
    assert Offer.objects.get(referral=referral, status="pending").agent == pool["hollywood"]
    event = Event.objects.get(referral=referral, kind=Event.Kind.HANDED_BACK)
    assert event.detail == "A conflict of interest"
    told = messages_to("agent_handed_back")
    assert [row.to for row in told] == ["maria@example.com", "+13055550123"]
    assert "Buscamos otro agente que le llame." in told[1].body  # María asked in Spanish

    page = client.get(f"/agents/offers/{accepted.pk}/").content.decode()
    assert "You handed this referral back." in page and "María" not in page and "+13055550123" not in page


def test_with_nobody_else_to_take_it_the_agent_is_told_it_waits_and_the_timeline_says_so(client, accepted, pool):
    Agent.objects.filter(pk__in=[pool["hollywood"].pk, pool["orlando"].pk]).update(taking_referrals=False)

    page = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {"back-reason": "no_time"}, follow=True)

    assert "No other agent or broker can take it right now: it waits for the next one" in page.content.decode()
    referral = Referral.objects.get(pk=accepted.referral_id)
    assert referral.status == Referral.Status.WAITING
    assert list(referral.events.values_list("kind", flat=True))[-2:] == [Event.Kind.HANDED_BACK, Event.Kind.WAITING]
    (text,) = [row for row in messages_to("agent_handed_back") if row.channel == "sms"]
    assert "Buscamos otro agente que le llame." in text.body


def test_another_reason_needs_a_note_and_the_error_is_next_to_the_field(client, accepted):
    page = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {"back-reason": "other"}).content.decode()

    assert 'id="id_back-note_error"' in page and "Say why." in page
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.ACCEPTED
    page = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {}).content.decode()
    assert "This field is required." in page


def test_only_the_agent_who_accepted_can_hand_back(client, accepted, pool):
    client.force_login(pool["hollywood"].user)

    response = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {"back-reason": "conflict"})

    assert response.status_code == 404
    assert Offer.objects.get(pk=accepted.pk).status == Offer.Status.ACCEPTED


# Lapsed and withdrawn -----------------------------------------------------------------------


def test_an_agent_whose_offer_lapsed_is_told_on_their_channels(pool):
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")

    with time_machine.travel(offer.expires_at + dt.timedelta(seconds=5), tick=False):
        sweep_once()

    told = messages_to("offer_lapsed")
    assert {row.user_id for row in told} == {pool["hialeah"].user_id}
    assert {row.channel for row in told} >= {"email", "sms"}
    (email,) = [row for row in told if row.channel == "email"]
    minutes = settings.HOD_OFFER_WINDOW_SECONDS // 60
    assert f"You did not answer the referral in Miami, FL within {minutes} minutes, so the offer to you ended" in (
        email.body
    )
    assert "María" not in email.body


def test_the_lapse_message_is_in_the_agents_language(pool):
    Agent.objects.filter(pk=pool["hialeah"].pk).update(portal_language="es")
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")

    with time_machine.travel(offer.expires_at + dt.timedelta(seconds=5), tick=False):
        sweep_once()

    (email,) = [row for row in messages_to("offer_lapsed") if row.channel == "email"]
    assert email.language == "es" and "No respondió" in email.body


def test_the_agent_is_told_when_the_consumer_withdraws_an_accepted_referral(client, accepted):
    assert withdraw_referral(Referral.objects.get(pk=accepted.referral_id))

    told = messages_to("referral_withdrawn")
    assert {row.user_id for row in told} == {accepted.agent.user_id}
    (text,) = [row for row in told if row.channel == "sms"]
    assert f"request {accepted.referral.reference} of Maria, which you accepted, was withdrawn" in text.body
    page = client.get(f"/agents/offers/{accepted.pk}/").content.decode()
    assert "María withdrew this request" in page and "Hand the referral back" not in page


# What consumers receive ---------------------------------------------------------------------


def test_a_call_back_number_is_what_the_consumer_receives(client, pool):
    agent = pool["hialeah"]
    client.force_login(agent.user)
    page = client.get("/agents/profile/").content.decode()
    assert "When you accept a referral, the consumer receives" in page

    client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": str(agent.cell_phone),
            "profile-callback_phone": "(305) 555-0177",
            "profile-contact_method": agent.contact_method,
            "profile-zip_code": agent.zip_code,
            "profile-portal_language": "en",
        },
    )
    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    assert "(305) 555-0177" in client.get(f"/agents/offers/{offer.pk}/").content.decode()
    accept_offer(offer.pk, offer.agent)

    (text,) = [row for row in messages_to("agent_accepted") if row.channel == "sms"]
    assert "(305) 555-0177" in text.body or "+13055550177" in text.body
    assert str(agent.cell_phone.national_number)[-4:] not in text.body


def test_an_erased_consumer_is_not_shown_and_cannot_be_handed_back(client, accepted):
    from referrals.erasure import erase_referral

    erase_referral(accepted.referral_id, reason="request")

    page = client.get(f"/agents/offers/{accepted.pk}/").content.decode()
    assert "asked Help On Demand to erase their contact details" in page and "Hand the referral back" not in page
    refused = client.post(f"/agents/offers/{accepted.pk}/hand-back/", {"back-reason": "conflict"}, follow=True)
    assert refused.status_code == 200 and "no longer yours to hand back" in refused.content.decode()
