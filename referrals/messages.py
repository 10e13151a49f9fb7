"""What the referral loop tells people. No offer message carries the consumer's name, phone or e-mail."""

from django.conf import settings

from agents import messaging
from hod.reference.lookups import language_named
from notifications.channels import Channel
from notifications.secrets import Secret
from notifications.sending import Recipient, send
from referrals.models import Offer, Referral

CONSUMER_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


def offer_window_minutes() -> int:
    """How long an agent has to answer an offer (HOD_OFFER_WINDOW_SECONDS), in whole minutes, for the texts."""
    return max(settings.HOD_OFFER_WINDOW_SECONDS // 60, 1)


def consumer(referral: Referral) -> Recipient:
    """Consumers get e-mail and/or texts by what they gave, in the language of the page they used."""
    return Recipient(
        email=referral.email, phone=referral.phone, language=referral.message_language, channels=CONSUMER_CHANNELS
    )


def tell_agent_of_offer(offer: Offer) -> None:
    referral, agent = offer.referral, offer.agent
    send(
        messaging.recipient(agent),
        "offer",
        {
            "city": referral.city,
            "state": referral.state,
            "zip_code": referral.zip_code,
            "language": language_named(referral.language_id),
            "miles": offer.distance_miles,
            "minutes": offer_window_minutes(),
            "link": messaging.absolute_url("referrals:offer", agent.portal_language, offer.pk),
        },
        related=offer,
    )


def tell_consumer_agent_accepted(offer: Offer) -> None:
    agent = offer.agent
    send(
        consumer(offer.referral),
        "agent_accepted",
        {
            "reference": offer.referral.reference,
            "agent_name": agent.full_name,
            "agent_phone": agent.number_for_consumers,
        },
        related=offer.referral,
    )


def tell_consumer_expired(referral: Referral) -> None:
    send(
        consumer(referral),
        "referral_expired",
        {
            "reference": referral.reference,
            "hours": settings.HOD_REFERRAL_EXPIRY_SECONDS // 3600,
            "link": messaging.absolute_url("get_contacted", referral.message_language),
        },
        related=referral,
    )


def _status_link(referral: Referral) -> tuple[str, Secret]:
    """The consumer's private link, and the secret it carries (rebuilt when sent, never stored)."""
    token = referral.status_token
    link = messaging.absolute_url("request_status", referral.message_language, token)
    return link, Secret("status_link", str(referral.pk), {"link": token})


def tell_consumer_received(referral: Referral, outlook: str) -> None:
    """`outlook`: "now" (an agent is being asked), "later" (waiting for one) or "nobody" (none can come yet)."""
    link, secret = _status_link(referral)
    send(
        consumer(referral),
        "request_received",
        {"reference": referral.reference, "outlook": outlook, "minutes": offer_window_minutes(), "link": link},
        related=referral,
        secret=secret,
    )


def tell_consumer_handed_back(referral: Referral) -> None:
    link, secret = _status_link(referral)
    send(consumer(referral), "agent_handed_back", {"reference": referral.reference, "link": link}, related=referral,
         secret=secret)  # fmt: skip


def tell_agent_offer_lapsed(offer: Offer) -> None:
    """Unanswered in time: the agent hears it went on (so a silent phone is noticed)."""
    agent = offer.agent
    send(
        messaging.recipient(agent),
        "offer_lapsed",
        {
            "city": offer.referral.city,
            "state": offer.referral.state,
            "minutes": offer_window_minutes(),
            "link": messaging.absolute_url("agents:home", agent.portal_language),
        },
        related=offer,
    )


def tell_agent_offer_taken(offer: Offer) -> None:
    """Offered to several agents at once (HOD_OFFERS_AT_ONCE), another accepted first: this agent's offer ended."""
    agent = offer.agent
    send(
        messaging.recipient(agent),
        "offer_taken",
        {
            "city": offer.referral.city,
            "state": offer.referral.state,
            "link": messaging.absolute_url("agents:home", agent.portal_language),
        },
        related=offer,
    )


def tell_agent_paused(offer: Offer) -> None:
    """Offers went unanswered too many times in a row, the last one this: the agent is switched off and hears
    why, and how to switch back on with one tap (instead of hearing about this lapse)."""
    agent = offer.agent
    send(
        messaging.recipient(agent),
        "paused_for_lapses",
        {
            "count": settings.HOD_PAUSE_AFTER_LAPSES,
            "city": offer.referral.city,
            "state": offer.referral.state,
            "link": messaging.absolute_url("agents:home", agent.portal_language) + "#switch",
        },
        related=offer,
    )


def tell_agent_consumer_not_called(offer: Offer) -> None:
    """The consumer said nobody called them after this agent accepted: the request went to another agent."""
    agent, referral = offer.agent, offer.referral
    send(
        messaging.recipient(agent),
        "consumer_not_called",
        {
            "first_name": referral.first_name,
            "reference": referral.reference,
            "link": messaging.absolute_url("referrals:offer", agent.portal_language, offer.pk),
        },
        related=offer,
    )


def tell_agent_referral_withdrawn(offer: Offer) -> None:
    """The consumer withdrew a referral this agent accepted: no need to call."""
    agent, referral = offer.agent, offer.referral
    send(
        messaging.recipient(agent),
        "referral_withdrawn",
        {
            "first_name": referral.first_name,
            "reference": referral.reference,
            "link": messaging.absolute_url("referrals:offer", agent.portal_language, offer.pk),
        },
        related=offer,
    )


def send_status_link_again(referral: Referral) -> None:
    link, secret = _status_link(referral)
    send(consumer(referral), "status_link_again", {"reference": referral.reference, "link": link}, related=referral,
         secret=secret)  # fmt: skip
