"""The audit trail of agents: every change function here records one row (who, what, when)."""

from datetime import datetime

from agents.models import AgentChange

Kind = AgentChange.Kind


def record(agent_id: int, kind: str, at: datetime, by=None, detail: str = "") -> None:
    AgentChange.objects.create(agent_id=agent_id, kind=kind, at=at, by=by, detail=detail[:255])
