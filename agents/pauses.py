"""Keeping consumers from waiting on silent agents: an agent whose offers lapse HOD_PAUSE_AFTER_LAPSES times in a
row is switched off (`set_taking_referrals`, with an audit row of its own made by nobody); an accept or a reject
starts the count again, and so does the pause itself, so an agent who switches back on gets the same number of
chances again. Off, they stay off until they switch on or their standard hours next begin (`agents.availability`).

`referrals` reports each answer and lapse here, inside the transaction that records it (agents knows no offer).
The count lives on the agent's row; the caller already holds the referral's lock (referrals.lifecycle's order).
"""

from datetime import datetime

from django.conf import settings
from django.db.models import F

from agents.availability import set_taking_referrals
from agents.models import Agent


def record_answer(agent_id: int) -> None:
    """The agent accepted or rejected an offer: they answer, so their lapses in a row start again from none."""
    Agent.objects.filter(pk=agent_id, lapses_in_a_row__gt=0).update(lapses_in_a_row=0)


def record_lapse(agent_id: int, now: datetime) -> bool:
    """An offer to the agent lapsed unanswered. The HOD_PAUSE_AFTER_LAPSES-th in a row switches them off and
    starts the count again (0: never); returns whether this lapse switched them off (they are then told why, instead of
    hearing about the lapse). An agent already off stays as they are."""
    Agent.objects.filter(pk=agent_id).update(lapses_in_a_row=F("lapses_in_a_row") + 1)
    limit = settings.HOD_PAUSE_AFTER_LAPSES
    if limit <= 0:
        return False  # auto-pause is off: the count still goes on (admin's responsiveness view reads it)
    if not Agent.objects.filter(pk=agent_id, lapses_in_a_row__gte=limit).update(lapses_in_a_row=0):
        return False
    agent = Agent.objects.get(pk=agent_id)
    return set_taking_referrals(agent, False, now=now, paused_after_lapses=limit)
