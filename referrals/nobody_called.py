"""The consumer says nobody called: two hours after an agent accepted without recording that they contacted or
enrolled the consumer, the consumer's status page lets them say so, and the request goes to the next agent.

Part of the referral lifecycle (see `referrals.lifecycle` for the lock order: the referral's row first). It is not
a hand-back: the accepted offer gets a status of its own, `not_called`, so the agent's history says what happened
and their hand-backs are counted apart from it.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from referrals import messages
from referrals.after_accepting import reopen
from referrals.lifecycle import _event
from referrals.models import Event, Offer, Referral

logger = logging.getLogger(__name__)

WAIT_FOR_A_CALL = timedelta(hours=2)  # after the accept, before the consumer may say nobody called
CALLED = (Referral.Disposition.CONTACTED, Referral.Disposition.ENROLLED)  # outcomes that say the agent did


def nobody_called_from(referral: Referral) -> datetime | None:
    """From when the consumer may say nobody called, while the request is accepted and no call is recorded;
    None otherwise (not accepted, a call recorded, the consumer's details erased)."""
    if referral.status != Referral.Status.ACCEPTED or referral.accepted_at is None:
        return None
    if referral.disposition in CALLED or referral.erased_at is not None:
        return None
    return referral.accepted_at + WAIT_FOR_A_CALL


def may_say_nobody_called(referral: Referral, now: datetime) -> bool:
    start = nobody_called_from(referral)
    return start is not None and start <= now


def say_nobody_called(referral: Referral, now: datetime | None = None) -> Offer | None:
    """The consumer says nobody called: the accepted offer is taken from its agent (who is told, and sees it in
    their history), and the request goes to the next agent at once, or waits for one. Returns that offer, or
    None when the request no longer allows it (too early, a call recorded meanwhile, said already)."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=referral.pk).first()
        if referral is None or not may_say_nobody_called(referral, now):
            return None
        offer = Offer.objects.select_related("agent", "referral").get(referral=referral, status=Offer.Status.ACCEPTED)
        Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.NOT_CALLED, handed_back_at=now)
        recorded = referral.disposition or "no outcome"
        _event(referral, Event.Kind.NOT_CALLED, now, offer, f"agent {offer.agent_id} had recorded {recorded}")
        messages.tell_agent_consumer_not_called(offer)
        reopen(referral, now, tell_consumer=False)  # the consumer is on their status page, which says what follows
    logger.info("referral %s: the consumer said nobody called (offer %s)", referral.pk, offer.pk)
    return offer
