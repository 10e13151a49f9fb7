"""The responsiveness tie-break (an experiment behind HOD_RESPONSIVENESS_TIE_BREAK_MILES, 0 = off, DESIGN.md's
"routing experiments"): among the eligible agents within that many miles of the closest one, the referral goes to
the one whose last RECENT_OFFERS offers lapsed least often; equal records keep the usual order (closest first,
then who waited longest). An agent with no offers yet has no lapses: new agents are not held back.

The record is one small number per agent (`AnswerRecord.recent_lapses`, a bit per offer), written as each offer
is answered or lapses, so ranking a handful of candidates costs one query, never one per agent.
"""

from collections.abc import Sequence

from django.db import connection

from matching.models import AnswerRecord

RECENT_OFFERS = 10  # the offers an agent is judged on: about a busy day's worth

# One statement on both databases (SQLite 3.24+ and PostgreSQL know ON CONFLICT … DO UPDATE): the newest
# outcome goes in the lowest bit and the oldest falls off the top (1023: RECENT_OFFERS bits; a test checks it).
RECORD = (
    "INSERT INTO matching_answerrecord (agent_id, recent_lapses) VALUES (%s, %s) "
    "ON CONFLICT (agent_id) DO UPDATE SET "
    "recent_lapses = ((matching_answerrecord.recent_lapses * 2) + excluded.recent_lapses) & 1023"
)


def record_outcome(agent_id: int, answered: bool) -> None:
    """An offer to the agent was answered (accepted or rejected) or lapsed unanswered."""
    with connection.cursor() as cursor:
        cursor.execute(RECORD, [agent_id, 0 if answered else 1])


def recent_lapses(agent_ids: Sequence[int]) -> dict[int, int]:
    """How many of each agent's last RECENT_OFFERS offers lapsed (agents with no record: 0), in one query."""
    masks = AnswerRecord.objects.filter(agent_id__in=list(agent_ids)).values_list("agent_id", "recent_lapses")
    counts = dict.fromkeys(agent_ids, 0)
    counts.update({agent_id: mask.bit_count() for agent_id, mask in masks})
    return counts


def most_responsive(ranked: Sequence, agent_id_of=lambda item: item.agent_id):
    """The first of `ranked` (in matching order) with the fewest recent lapses."""
    lapses = recent_lapses([agent_id_of(item) for item in ranked])
    return min(enumerate(ranked), key=lambda pair: (lapses[agent_id_of(pair[1])], pair[0]))[1]
