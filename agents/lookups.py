"""Questions other apps ask about agents, so they never query the agents' tables themselves."""

from agents.models import Agent


def agent_with_cell_phone(phone: str) -> Agent | None:
    """The one agent with an account whose cell phone this is; None when nobody's is, or several share it."""
    agents = list(Agent.objects.filter(cell_phone=phone, user__isnull=False).select_related("user")[:2])
    return agents[0] if len(agents) == 1 else None
