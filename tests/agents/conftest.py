"""The agents' cast: Ana, registered and logged in."""

import pytest

from tests.factories import make_eligible_agent


@pytest.fixture
def registered(client):
    """Ana registered and logged in, with both Terms accepted."""
    agent = make_eligible_agent()
    client.force_login(agent.user)
    return agent
