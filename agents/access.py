"""Who may see portal pages: a logged-in agent who has accepted the current Terms of Use."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from agents.models import Agent
from agents.onboarding import pending_terms


def agent_required(view=None, *, terms: bool = True):
    """Log-in first (then straight back); staff without an agent profile are refused; an agent who
    has not accepted the current Terms of Use goes to them first (unless `terms=False`)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            agent = Agent.objects.filter(user=request.user).first()
            if agent is None:
                raise PermissionDenied("This page is for agents and brokers.")
            request.agent = agent
            if terms and pending_terms(agent):
                return redirect("agents:terms")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view else decorate
