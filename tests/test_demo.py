"""`seed_demo` gives `make run` something to log in with, and running it again changes nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from hod.management.commands.seed_demo import DEMO_ADMIN_USERNAME


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the generated administrator's password is kept there


def seed_demo() -> None:
    call_command("seed_demo", force=True)  # CI runs on PostgreSQL: outside the embedded mode


@pytest.mark.django_db
def test_the_demo_administrator_has_a_generated_password_printed_each_time(client, capsys):
    seed_demo()
    first = re.search(rf"{DEMO_ADMIN_USERNAME} / (\S+)", capsys.readouterr().out).group(1)
    seed_demo()
    again = re.search(rf"{DEMO_ADMIN_USERNAME} / (\S+)", capsys.readouterr().out).group(1)

    assert get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).count() == 1
    assert first == again and first != "Demo-Admin-2027!" and len(first) >= 16
    response = client.post("/admin/login/", {"username": DEMO_ADMIN_USERNAME, "password": first})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_demo_pool_has_eligible_agents_and_agents_failing_each_rule(capsys):
    from agents.demo import POOL
    from agents.eligibility import Rule, eligibility_table, eligible_states
    from agents.models import Agent

    seed_demo()
    seed_demo()

    assert Agent.objects.count() == len(POOL)
    assert eligible_states(Agent.objects.get(npn="8800001")) == ["FL"]
    failed = set()
    for agent in Agent.objects.all():
        for checks in eligibility_table(agent).values():
            failed |= {check.rule for check in checks if not check.passed}
    assert failed == set(Rule)
    out = capsys.readouterr().out
    assert "ana.alvarez / Demo-Agent-2027!" in out
    assert "http://localhost:8000/agents/invitation/" in out


@pytest.mark.django_db
@pytest.mark.parametrize("window", [900, 60])
def test_the_demo_has_a_referral_in_each_state_of_the_lifecycle(settings, window):
    from referrals.models import Offer, Referral

    settings.HOD_OFFER_WINDOW_SECONDS = window  # the demo's times follow the window, however short
    seed_demo()
    seed_demo()

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


@pytest.mark.postgresql
@pytest.mark.django_db
def test_seed_demo_refuses_a_database_other_than_the_embedded_one(capsys):
    with pytest.raises(SystemExit) as exit_code:
        call_command("seed_demo")

    assert exit_code.value.code == 2 and "only in the embedded mode" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).exists()
