"""`seed_demo` gives `make run` something to log in with, and running it again changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from hod.management.commands.seed_demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME


@pytest.mark.django_db
def test_the_demo_administrator_can_open_admin(client, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    assert get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).count() == 1
    assert f"{DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}" in capsys.readouterr().out
    response = client.post("/admin/login/", {"username": DEMO_ADMIN_USERNAME, "password": DEMO_ADMIN_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_demo_pool_has_eligible_agents_and_agents_failing_each_rule(capsys):
    from agents.demo import POOL
    from agents.eligibility import Rule, eligibility_table, eligible_states
    from agents.models import Agent

    call_command("seed_demo")
    call_command("seed_demo")

    assert Agent.objects.count() == len(POOL)
    assert eligible_states(Agent.objects.get(npn="8800001")) == ["FL"]
    failed = set()
    for agent in Agent.objects.all():
        for checks in eligibility_table(agent).values():
            failed |= {check.rule for check in checks if not check.passed}
    assert failed == set(Rule)
    out = capsys.readouterr().out
    assert "ana.alvarez / Demo-Agent-2027!" in out
    assert "http://127.0.0.1:8000/agents/invitation/" in out


@pytest.mark.django_db
@pytest.mark.parametrize("window", [900, 60])
def test_the_demo_has_a_referral_in_each_state_of_the_lifecycle(settings, window):
    from referrals.models import Offer, Referral

    settings.HOD_OFFER_WINDOW_SECONDS = window  # the demo's times follow the window, however short
    call_command("seed_demo")
    call_command("seed_demo")

    assert set(Referral.objects.values_list("status", flat=True)) == {
        "offered",
        "accepted",
        "withdrawn",
        "waiting",
        "expired",
    }
    assert set(Offer.objects.values_list("status", flat=True)) == {
        "pending",
        "accepted",
        "rejected",
        "lapsed",
        "withdrawn",
    }
