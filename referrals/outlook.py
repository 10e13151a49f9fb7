"""What a consumer can expect, told honestly: will an agent come for this state and language, and when?

- `nobody`: no agent with a location passes every rule but "taking referrals" (rule 8) for the state and
  language: no agent can come until one joins. The consumer hears it at once, with the other ways to get help.
- `later`: such agents exist, but none is on now (or all were tried): the request waits for the next
  one who comes on, and, where known, we say when the earliest of their standard hours begins.
- `now`: an agent holds the request now (since `offered_at`); with the experiment HOD_OFFERS_AT_ONCE,
  `offered_to` agents at once, the first of them asked at `offered_at`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min

from agents.eligibility import eligible_agents
from agents.models import ScheduleState
from matching.nearest import anyone_could_come
from referrals.models import Offer, Referral


@dataclass(frozen=True)
class Outlook:
    kind: str  # "now", "later" or "nobody"
    next_hours_at: datetime | None = None  # with "later": the earliest start of standard hours, if known
    offered_at: datetime | None = None  # with "now": when the agent who holds it was asked (the first, of several)
    offered_to: int = 0  # with "now": how many agents hold it

    @property
    def nobody_can_come(self) -> bool:
        return self.kind == "nobody"


def outlook_for(referral: Referral, now: datetime) -> Outlook:
    pending = Offer.objects.filter(referral=referral, status=Offer.Status.PENDING, expires_at__gt=now)
    offered = sorted(pending.values_list("offered_at", flat=True))
    if offered:
        return Outlook("now", offered_at=offered[0], offered_to=len(offered))
    if not anyone_could_come(referral.state, referral.language_id, now):
        return Outlook("nobody")
    could = eligible_agents(referral.state, referral.language_id, now, require_available=False).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    tried = Offer.objects.filter(referral=referral).values("agent_id")
    starts = (
        could.exclude(pk__in=tried)
        .filter(schedule_state=ScheduleState.OUT_OF_HOURS, schedule_due_at__gt=now)
        .aggregate(first=Min("schedule_due_at"))["first"]
    )
    return Outlook("later", starts)
