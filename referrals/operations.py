"""What an administrator does to a referral: close it as spam or a duplicate, offer it again now, send the
consumer's status link again, or give it to a chosen agent. Part of the referral lifecycle (the referral's
row is locked first, see `referrals.lifecycle`); each change leaves an `Event` naming the staff user, and
admin adds its own log entry.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from geopy.distance import great_circle

from agents.eligibility import eligible_agents
from agents.models import Agent
from referrals import messages
from referrals.lifecycle import _event, agents_at_capacity, offer_next, offer_to
from referrals.models import Event, Offer, Referral

logger = logging.getLogger(__name__)

CLOSE_REASONS = {"spam": "spam", "duplicate": "a duplicate of another request"}
REASSIGN_CHOICES = 50  # the nearest eligible agents admin offers to choose from


class NotPossible(Exception):
    """The action does not apply to this referral (or agent) now; the message says why, for the admin page."""


def _locked(referral_id: int) -> Referral:
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotPossible("This referral no longer exists.")
    return referral


def _withdraw_pending(referral: Referral, now: datetime, why: str) -> None:
    """Take the pending offer back from its agent: withdrawn, so it never counts as their lapse."""
    for offer in referral.offers.filter(status=Offer.Status.PENDING):
        Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN, responded_at=now, reject_reason=why)
        _event(referral, Event.Kind.OFFER_WITHDRAWN, now, offer, why)


def close_as(referral_id: int, reason: str, by, now: datetime | None = None) -> Referral:
    """Close an open request as spam or a duplicate. The consumer is not told; a pending offer is withdrawn."""
    now = now or timezone.now()
    if reason not in CLOSE_REASONS:
        raise NotPossible(f"Choose why: {', '.join(CLOSE_REASONS)}.")
    with transaction.atomic():
        referral = _locked(referral_id)
        if not referral.is_open:
            raise NotPossible("Only an open request can be closed (this one is already " + referral.status + ").")
        _withdraw_pending(referral, now, f"the request was closed as {reason}")
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.CLOSED, closed_at=now)
        _event(referral, Event.Kind.CLOSED, now, detail=f"as {CLOSE_REASONS[reason]}, by {by}")
    logger.info("referral %s closed as %s by user %s", referral_id, reason, getattr(by, "pk", None))
    return referral


def offer_again_now(referral_id: int, by, now: datetime | None = None) -> Offer | None:
    """Withdraw the pending offer (not a lapse for its agent) and offer the request to the next agent at once;
    a waiting request is offered at once. Returns the new offer (None: nobody can take it now)."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = _locked(referral_id)
        if not referral.is_open:
            raise NotPossible("Only an open request can be offered again.")
        _withdraw_pending(referral, now, f"offered again by {by}")
        offer = offer_next(referral, now)
    logger.info("referral %s offered again by user %s", referral_id, getattr(by, "pk", None))
    return offer


def send_link_again(referral_id: int, by, now: datetime | None = None) -> None:
    """The consumer's status link, the same one (no new link), by text and e-mail, whenever staff ask."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = _locked(referral_id)
        Referral.objects.filter(pk=referral.pk).update(status_link_sent_at=now)
        messages.send_status_link_again(referral)
        _event(referral, Event.Kind.LINK_SENT, now, detail=f"by {by}")
    logger.info("status link of referral %s sent again by user %s", referral_id, getattr(by, "pk", None))


def agents_to_choose(referral: Referral, now: datetime | None = None) -> list[tuple[Agent, float]]:
    """The nearest agents who pass every rule for the referral now, were not offered it yet and have room
    for an offer, with their distance in miles: whom admin may give it to."""
    now = now or timezone.now()
    offered = Offer.objects.filter(referral=referral).values("agent_id")
    agents = (
        eligible_agents(referral.state, referral.language_id, now)
        .exclude(pk__in=offered)
        .exclude(pk__in=agents_at_capacity(now))
        .only("pk", "first_name", "last_name", "npn", "latitude", "longitude")
    )
    here = (referral.latitude, referral.longitude)
    by_distance = sorted(
        ((agent, great_circle(here, (agent.latitude, agent.longitude)).miles) for agent in agents),
        key=lambda pair: pair[1],
    )
    return by_distance[:REASSIGN_CHOICES]


def give_to(referral_id: int, agent_id: int, by, now: datetime | None = None) -> Offer:
    """Offer the request to the chosen agent now (the pending offer is withdrawn first): the agent must pass
    every rule and not have been offered it before."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = _locked(referral_id)
        if not referral.is_open:
            raise NotPossible("Only an open request can be given to an agent.")
        choices = {agent.pk: (agent, miles) for agent, miles in agents_to_choose(referral, now)}
        if agent_id not in choices:
            raise NotPossible(
                "This agent cannot take the request now: they do not pass every rule, were offered it already, "
                "or hold as many offers as they may."
            )
        agent, miles = choices[agent_id]
        _withdraw_pending(referral, now, f"given to another agent by {by}")
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        offer = offer_to(referral, agent, miles, now, detail=f"to agent {agent.pk}, {miles:.1f} miles, chosen by {by}")
    logger.info("referral %s given to agent %s by user %s", referral_id, agent_id, getattr(by, "pk", None))
    return offer
