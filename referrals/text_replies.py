"""YES or NO by text: an agent answers their one pending offer by replying to the offer's text.

STOP (and its synonyms) and START are not answers: they stop and restart our texts to the number
(notifications.opt_outs), whoever it belongs to. Twilio answers them itself, so we send no reply.
"""

import logging
import unicodedata
from datetime import datetime

from django.utils import timezone

from agents import messaging
from agents.lookups import agent_with_cell_phone
from agents.models import Agent
from notifications import opt_outs
from notifications.channels import Channel
from notifications.sending import Recipient, send
from referrals.lifecycle import OfferClosed, accept_offer, reject_offer
from referrals.models import Offer

logger = logging.getLogger(__name__)
YES = {"yes", "y", "si", "s"}
NO = {"no", "n"}


def _word(body: str) -> str:
    plain = unicodedata.normalize("NFKD", body.strip().lower()).encode("ascii", "ignore").decode()
    return plain.strip(" .!¡?¿")


def answer_by_text(from_phone: str, body: str, now: datetime | None = None) -> str:
    """Act on a text from `from_phone` and reply by text; returns the kind of reply sent ("stopped" and
    "restarted" send none)."""
    now = now or timezone.now()
    stop_or_start = opt_outs.keyword(body)
    if stop_or_start is not None:
        return _stop_or_start(from_phone, stop_or_start, now)
    agent = agent_with_cell_phone(from_phone)
    pending = list(
        Offer.objects.filter(agent=agent, status=Offer.Status.PENDING, expires_at__gt=now)
        if agent
        else Offer.objects.none()
    )
    word = _word(body)
    if agent is None or len(pending) != 1:
        reply = "use_link"
    elif word in YES:
        reply = _answer(accept_offer, pending[0], agent, now, "accepted")
    elif word in NO:
        reply = _answer(
            lambda offer_id, who, now: reject_offer(offer_id, who, "by text", now), pending[0], agent, now, "rejected"
        )
    else:
        reply = "yes_or_no"
    link = messaging.absolute_url("referrals:offer", agent.portal_language, pending[0].pk) if len(pending) == 1 else ""
    language = agent.portal_language if agent else "en"
    send(
        Recipient(
            phone=from_phone, language=language, channels=frozenset({Channel.SMS}), user=agent.user if agent else None
        ),
        "text_reply",
        {"reply": reply, "link": link or messaging.absolute_url("agents:home", language)},
    )
    logger.info("text reply from agent %s: %s", agent.pk if agent else "unknown", reply)
    return reply


def _stop_or_start(from_phone: str, word: str, now: datetime) -> str:
    """Texts to the number stop (or start again); Twilio itself confirms, and a reply to STOP would be refused."""
    if word == opt_outs.STOP:
        opt_outs.record_stop(from_phone, now)
        reply = "stopped"
    else:
        opt_outs.record_start(from_phone)
        reply = "restarted"
    logger.info("text reply from a number: %s", reply)
    return reply


def _answer(action, offer: Offer, agent: Agent, now: datetime, done: str) -> str:
    try:
        action(offer.pk, agent, now=now)
    except OfferClosed:
        return "closed"
    return done
