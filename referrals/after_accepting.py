"""After an agent accepted: they record what happened, or hand the referral back (and, in
`referrals.nobody_called`, the consumer says nobody called); either way the request is open again for the
next agent (`reopen`).

Part of the referral lifecycle (see `referrals.lifecycle` for the lock order: the referral's row first).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from referrals import messages
from referrals.lifecycle import NotYourReferral, _event, _lock_referral_of, offer_next, open_referral_for_phone
from referrals.models import Event, Offer, Referral

logger = logging.getLogger(__name__)


def record_disposition(
    offer: Offer, agent: Agent, disposition: str, note: str = "", now: datetime | None = None
) -> None:
    """After accepting, the agent records what happened; they may change it later. Only the agent
    whose offer was accepted may (NotYourReferral otherwise)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_referral_of(offer.pk)  # an outcome never lands on a request handed on meanwhile
        accepted = Offer.objects.filter(pk=offer.pk, agent=agent, status=Offer.Status.ACCEPTED).exists()
        if not accepted:
            raise NotYourReferral(f"offer {offer.pk} is not an accepted offer of agent {agent.pk}")
        referral = Referral.objects.select_for_update().filter(pk=offer.referral_id)
        # An erased consumer's request keeps its outcome, never a new note about them.
        referral.filter(erased_at__isnull=False).update(disposition=disposition, disposition_at=now)
        referral.filter(erased_at__isnull=True).update(
            disposition=disposition, disposition_note=note[:500], disposition_at=now
        )
        _event(offer.referral, Event.Kind.OUTCOME, now, offer, disposition)


def hand_back(offer_id: int, agent: Agent, reason: str, now: datetime | None = None) -> Offer:
    """An agent who accepted but cannot serve the consumer (wrong state, a conflict, no time) hands the
    referral back with a reason: it is open again, with a full expiry from now, goes to the next agent at
    once, and the consumer is told that another agent will call. NotYourReferral for anyone else's."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_referral_of(offer_id)
        erased = Referral.objects.filter(offers=offer_id, erased_at__isnull=False).exists()
        if erased:  # the consumer asked to be forgotten: nobody else can call them
            raise NotYourReferral(f"the consumer of offer {offer_id} had their details erased")
        handed = Offer.objects.filter(pk=offer_id, agent=agent, status=Offer.Status.ACCEPTED).update(
            status=Offer.Status.HANDED_BACK, handed_back_at=now, reject_reason=reason[:255]
        )
        if not handed:
            raise NotYourReferral(f"offer {offer_id} is not an accepted offer of agent {agent.pk}")
        offer = Offer.objects.select_related("referral").get(pk=offer_id)
        _event(offer.referral, Event.Kind.HANDED_BACK, now, offer, reason)
        reopen(offer.referral, now, tell_consumer=True)
    logger.info("offer %s handed back by agent %s", offer_id, agent.pk)
    return offer


def reopen(referral: Referral, now: datetime, tell_consumer: bool) -> None:
    """The accepted offer was taken from its agent (the caller holds the referral's lock): the request is open
    again, with a full expiry from now, and goes to the next agent at once; the consumer is told that another
    agent will call when `tell_consumer`. Should the consumer have asked again meanwhile, that request already
    looks for an agent and this one is withdrawn."""
    if open_referral_for_phone(referral.phone) is not None:
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.WITHDRAWN, closed_at=now)
        _event(referral, Event.Kind.WITHDRAWN, now, detail="a newer request from the same phone is open")
        return
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.WAITING,
        accepted_at=None,
        closed_at=None,
        disposition="",
        disposition_note="",
        disposition_at=None,
        expires_at=now + timedelta(seconds=settings.HOD_REFERRAL_EXPIRY_SECONDS),
    )
    referral.refresh_from_db()
    if tell_consumer:
        messages.tell_consumer_handed_back(referral)
    if offer_next(referral, now) is None:  # nobody else can take it now: it waits, on the timeline too
        _event(referral, Event.Kind.WAITING, now)
