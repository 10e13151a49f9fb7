"""What an agent's home page lists: the offer to answer now, the referrals still to work, and history."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from agents.models import Agent
from referrals.models import Offer, Referral

# Outcomes after which the agent still has work to do: none recorded yet, or contacted but not finished.
OPEN_OUTCOMES = ("", Referral.Disposition.CONTACTED)
HISTORY_LENGTH = 50


@dataclass(frozen=True)
class AgentReferrals:
    current: QuerySet[Offer]  # pending offers still in their window, the soonest to close first
    open: QuerySet[Offer]  # accepted referrals with no final outcome yet
    history: QuerySet[Offer]  # everything else the agent was offered, newest first


def referrals_of(agent: Agent, now: datetime) -> AgentReferrals:
    mine = Offer.objects.filter(agent=agent).select_related("referral", "referral__language")
    still_to_work = Q(
        status=Offer.Status.ACCEPTED,
        referral__status=Referral.Status.ACCEPTED,  # not withdrawn by the consumer since
        referral__disposition__in=OPEN_OUTCOMES,
    )
    return AgentReferrals(
        current=mine.filter(status=Offer.Status.PENDING, expires_at__gt=now).order_by("expires_at"),
        open=mine.filter(still_to_work).order_by("-responded_at"),
        history=mine.exclude(status=Offer.Status.PENDING)
        .exclude(still_to_work)
        .order_by("-offered_at")[:HISTORY_LENGTH],
    )
