"""The audit trail of agents: every change function here records one row (who, what, when)."""

from datetime import datetime

from agents.models import AgentChange

Kind = AgentChange.Kind


def record(agent_id: int, kind: str, at: datetime, by=None, detail: str = "") -> None:
    AgentChange.objects.create(agent_id=agent_id, kind=kind, at=at, by=by, detail=detail[:255])


def record_many(agent_ids: list[int], kind: str, at: datetime, detail: str = "") -> None:
    """The same change to many agents at once, made by Help On Demand itself (the sweep): one insert."""
    AgentChange.objects.bulk_create(
        [AgentChange(agent_id=agent_id, kind=kind, at=at, detail=detail[:255]) for agent_id in agent_ids],
        batch_size=1000,
    )
