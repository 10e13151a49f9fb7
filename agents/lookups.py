"""Questions other apps ask about agents, so they never query the agents' tables themselves."""

from agents.models import Agent


def agent_with_cell_phone(phone: str) -> Agent | None:
    """The one agent with an active account whose cell phone this is; None when nobody's is, or several share it."""
    agents = list(Agent.objects.filter(cell_phone=phone, user__is_active=True).select_related("user")[:2])
    return agents[0] if len(agents) == 1 else None


def cell_phone_taken(phone, by_other_than: Agent) -> bool:
    """Is this number another registered agent's cell phone? (Each is unique, so texts find their agent.)"""
    others = Agent.objects.filter(cell_phone=phone, registered_at__isnull=False).exclude(pk=by_other_than.pk)
    return others.exists()
