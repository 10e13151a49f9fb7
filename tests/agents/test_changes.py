"""Every change to an agent goes through one function, saves only its own fields, and leaves an audit row."""

import datetime as dt

import pytest
from django.utils import timezone

from agents.availability import set_taking_referrals
from agents.models import Agent, AgentChange, StateDeselection
from referrals.lifecycle import create_referral
from referrals.models import Offer, Referral
from tests.factories import UserFactory, hours_form, make_eligible_agent
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db


def changes(agent) -> list[tuple[str, str | None, str]]:
    rows = AgentChange.objects.filter(agent=agent).order_by("at", "pk").select_related("by")
    return [(row.kind, row.by.username if row.by else None, row.detail) for row in rows]


@pytest.fixture
def ana(client):
    agent = make_eligible_agent(npn="1000001", first_name="Ana")
    client.force_login(agent.user)
    return agent


def test_the_switch_on_the_portal_is_recorded_with_who_flipped_it(client, ana):
    client.post("/agents/switch/", {"taking_referrals": "off"})
    client.post("/agents/switch/", {"taking_referrals": "on"})
    client.post("/agents/switch/", {"taking_referrals": "on"})  # already on: nothing changes, nothing recorded

    assert changes(ana) == [("switched_off", "npn1000001", ""), ("switched_on", "npn1000001", "")]


def test_profile_state_preferences_hours_and_absences_are_recorded(client, ana):
    from tests.factories import add_license

    add_license(ana, "TX")
    client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "(313) 555-0199",
            "profile-contact_method": "email_only",
            "profile-zip_code": "33130",
            "profile-portal_language": "en",
        },
    )
    client.post("/agents/profile/states/", {"states": ["FL"]})
    client.post("/agents/availability/", hours_form({0: [("09:00", "17:00")]}))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post("/agents/availability/absences/", {"absence-first_day": tomorrow, "absence-last_day": tomorrow})
    absence = ana.absences.get()
    client.post(f"/agents/availability/absences/{absence.pk}/remove/")

    assert changes(ana) == [
        ("profile", "npn1000001", "changed: cell_phone, contact_method"),
        ("state_preferences", "npn1000001", "switched off: TX"),
        ("hours", "npn1000001", "1 stretch(es) a week"),
        ("absence_added", "npn1000001", f"{tomorrow} to {tomorrow}"),
        ("absence_removed", "npn1000001", f"{tomorrow} to {tomorrow}"),
    ]
    assert list(StateDeselection.objects.filter(agent=ana).values_list("state_id", flat=True)) == ["TX"]


def test_saving_the_profile_does_not_undo_a_switch_flipped_meanwhile(client, ana):
    page = client.get("/agents/profile/")  # the page is open; the sweep switches the agent off meanwhile
    assert page.status_code == 200
    Agent.objects.filter(pk=ana.pk).update(taking_referrals=False)

    client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "(313) 555-0142",
            "profile-contact_method": "email_text",
            "profile-zip_code": "33130",
            "profile-portal_language": "en",
        },
    )

    agent = Agent.objects.get(pk=ana.pk)
    assert agent.contact_method == "email_text" and agent.taking_referrals is False


@pytest.fixture
def admin_client_as_ops(client):
    ops = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(ops)
    return client


def admin_form(agent, **changes) -> dict:
    data = {
        "user": agent.user_id,
        "cell_phone": agent.cell_phone.as_e164,
        "contact_method": agent.contact_method,
        "zip_code": agent.zip_code,
        "portal_language": agent.portal_language,
        "taking_referrals": "on" if agent.taking_referrals else "",
    }
    for prefix in ("statedeselection_set", "weekly_hours", "absences", "terms_acceptances", "passkeys", "changes"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return {key: value for key, value in (data | changes).items() if value != ""}


def test_switching_an_agent_on_in_admin_offers_them_waiting_referrals_at_once(
    admin_client_as_ops, pool, worker, wait_until
):
    Agent.objects.update(taking_referrals=False)
    referral = create_referral(consumer())
    assert Referral.objects.get(pk=referral.pk).status == "waiting"
    orlando = pool["orlando"]

    response = admin_client_as_ops.post(
        f"/admin/agents/agent/{orlando.pk}/change/", admin_form(orlando, taking_referrals="on")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    wait_until(lambda: Offer.objects.filter(referral=referral, agent=orlando, status="pending").exists())
    assert changes(orlando) == [("switched_on", "ops", "")]


def test_an_admin_cannot_switch_on_an_agent_who_is_away(admin_client_as_ops):
    ana = make_eligible_agent(npn="1000001", first_name="Ana")
    set_taking_referrals(ana, False)
    today = timezone.localdate()
    ana.absences.create(first_day=today - dt.timedelta(days=1), last_day=today + dt.timedelta(days=1))

    response = admin_client_as_ops.post(
        f"/admin/agents/agent/{ana.pk}/change/", admin_form(ana, taking_referrals="on"), follow=True
    )

    assert "Referrals stay off: this agent is away until" in response.content.decode()
    assert Agent.objects.get(pk=ana.pk).taking_referrals is False
