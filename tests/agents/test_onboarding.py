"""From three CSV files to an eligible agent, through the real pages, and every rule on the way."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from agents.eligibility import current_terms, eligible_states, invitable_agents, is_invitable
from agents.invitations import invite, send_invitations
from agents.models import Agent, Invitation, TermsDocument
from notifications.transports import development
from tests.agents.test_imports import LICENSE_HEADER, MLMS_HEADER, REGISTRATION_HEADER
from tests.factories import make_eligible_agent
from tests.mailbox import deliver_queued, link_in

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Day-2027!"


def registration_data(**overrides) -> dict:
    data = {
        "cell_phone": "(313) 555-0142",
        "contact_method": "email_text_app",
        "zip_code": "33130",
        "username": "ana.alvarez",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agree": "on",
    }
    return {**data, **overrides}


@pytest.fixture
def three_files(tmp_path):
    from hod.reference.lookups import current_plan_year

    year = current_plan_year()
    files = {
        "import_registration_list": (REGISTRATION_HEADER, [f"1000001,{year},11/02/{year - 1},,,,Y"]),
        "import_licenses": (
            LICENSE_HEADER,
            [
                f"1000001,FL,FL-1,Active,Accident and Health,Active,12/31/{year + 1},Y",
                f"1000001,TX,TX-1,Active,Health,Active,12/31/{year + 1},N",
                f"1000001,GA,GA-1,Active,Health,Active,12/31/{year + 1},N",  # an SBM state
                f"1000001,AZ,AZ-1,Active,Property,Active,12/31/{year + 1},N",  # no health line
            ],
        ),
        "import_mlms": (MLMS_HEADER, [f"1000001,Ana,Alvarez,ana@agents.example,FL,en;es,1,10/01/{year - 1},{year}"]),
    }
    for command, (header, rows) in files.items():
        path = tmp_path / f"{command}.csv"
        path.write_text("\n".join([header, *rows]) + "\n")
        call_command(command, str(path))


def test_from_three_files_to_an_eligible_agent_through_the_real_pages(client, three_files):
    call_command("send_invitations")
    deliver_queued()
    (invitation_email,) = mail.outbox
    assert invitation_email.to == ["ana@agents.example"]
    assert invitation_email.subject == "Activate your Help On Demand account"
    registration_page = link_in(invitation_email.body)

    page = client.get(registration_page)
    assert page.status_code == 200
    assert (
        "Get Started by Creating a Profile" in page.content.decode() and "ana@agents.example" in page.content.decode()
    )
    response = client.post(registration_page, registration_data())
    assert response.status_code == 302 and response["Location"] == "/agents/registered/"
    almost = client.get("/agents/registered/").content.decode()
    assert "Your registration is almost complete!" in almost and "a test text message was sent" in almost

    deliver_queued()
    assert [(message["to"], message["body"][:40]) for message in development.outbox] == [
        ("+13135550142", "Help On Demand: your registration is alm")
    ]
    confirmation = mail.outbox[-1]
    assert confirmation.subject == "Your access to Help On Demand is confirmed"
    assert link_in(confirmation.body) == "/agents/login/"

    logged_in = client.post("/agents/login/", {"username": "ana.alvarez", "password": PASSWORD})
    assert logged_in["Location"] == "/agents/"
    assert client.get("/agents/")["Location"] == "/agents/terms/"  # the Agents and Brokers Terms are still to accept
    client.post("/agents/terms/", {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"})
    home = client.get("/agents/").content.decode()
    assert "You cannot receive referrals right now" in home  # the switch starts off
    client.post("/agents/switch/", {"taking_referrals": "on"})

    agent = Agent.objects.get(npn="1000001")
    assert agent.taking_referrals and agent.time_zone == "America/New_York"
    assert eligible_states(agent) == ["FL", "TX"]
    assert "FL, TX" in client.get("/agents/").content.decode()


def test_the_registration_page_keeps_what_was_typed_and_says_what_is_wrong(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    link = invite(agent)
    path = link.removeprefix("http://localhost:8000")

    response = client.post(
        path, registration_data(zip_code="00000", password1="abcd", password2="abce", agree="", username="ana.a")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "We could not find ZIP code 00000" in page
    assert "The two passwords do not match." in page
    assert "This field is required." in page  # the Terms of Use box
    assert 'value="ana.a"' in page and 'value="(313) 555-0142"' in page
    assert 'class="hod-checklist__item is-unmet" data-rule="length"' in page
    assert 'class="hod-checklist__item is-met" data-rule="no_spaces"' in page
    assert not Invitation.objects.get().used_at


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Sunny-Day-2027!", None),
        ("Abc-2027", None),  # abc: three sequential letters pass
        ("Aaa-2027x", None),  # aaa: three repeats pass
        ("Sunny Day-2027!", "no_spaces"),
        ("Sun-27!", "length"),
        ("Sunny-Day-2027!-Sunny-D", "length"),
        ("Sunny-Day-Today!", "number"),
        ("SUNNY-DAY-2027!", "lower"),
        ("sunny-day-2027!", "upper"),
        ("SunnyDay2027x", "special"),
        ("Sunnnny-2027!", "repetitive"),
        ("Sun-2027!aaaa", "repetitive"),
        ("Sun-1234-day!", "sequential"),
        ("Sun-4321-day!", "sequential"),
        ("Sun-8!aBcD", "sequential"),  # sequences ignore case
        ("Sun-9!zyxw", "sequential"),
    ],
)
def test_each_password_rule_passes_and_fails(password, broken):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if broken is None:
        validate_password(password)
        return
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert {e.code for e in error.value.error_list} == {f"password_{broken}"}


def test_an_invitation_link_expires_after_48_hours(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    start = timezone.now()
    path = invite(agent, now=start).removeprefix("http://localhost:8000")

    with time_machine.travel(start + dt.timedelta(hours=47, minutes=59)):
        assert client.get(path).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=48, minutes=1)):
        response = client.get(path)
        posted = client.post(path, registration_data())

    assert response.status_code == 410 and "this one has expired" in response.content.decode()
    assert posted.status_code == 410
    assert Agent.objects.get(pk=agent.pk).user is None


def test_an_invitation_link_works_once(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    path = invite(agent).removeprefix("http://localhost:8000")
    client.post(path, registration_data())

    again = client.get(path)

    assert again.status_code == 410 and "already used to register" in again.content.decode()


def test_a_resent_invitation_voids_the_old_link_and_only_a_hash_is_stored(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    old = invite(agent).removeprefix("http://localhost:8000")
    new = invite(agent).removeprefix("http://localhost:8000")

    assert "newer invitation" in client.get(old).content.decode()
    assert client.get(new).status_code == 200
    token = new.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash__contains=token).exists()
    assert client.get("/agents/invitation/not-a-real-token/").status_code == 410


def test_send_invitations_invites_once_and_never_a_returning_user():
    newcomer = make_eligible_agent(npn="1000001")
    returning = make_eligible_agent(npn="1000002")  # has an account already
    Agent.objects.filter(pk=newcomer.pk).update(user=None)

    assert send_invitations() == 1
    assert send_invitations() == 0  # the first link is still open
    assert list(Invitation.objects.values_list("agent_id", flat=True)) == [newcomer.pk]
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        assert send_invitations() == 1  # the first link expired unused
    assert not Invitation.objects.filter(agent=returning).exists()


def test_the_bulk_invitable_query_agrees_with_the_engine():
    from tests.agents.test_eligibility import BREAKERS

    agents = []
    for number, breaks in enumerate([None, *BREAKERS]):
        agent = make_eligible_agent(npn=str(1100000 + number))
        if breaks:
            breaks(agent)
        agents.append(Agent.objects.get(pk=agent.pk))
    home_only = make_eligible_agent(npn="1100099", state="TX")
    Agent.objects.filter(pk=home_only.pk).update(display_option=3, home_state="TX")
    agents.append(Agent.objects.get(pk=home_only.pk))

    by_engine = {agent.pk for agent in agents if is_invitable(agent)}
    assert set(invitable_agents().values_list("pk", flat=True)) == by_engine
    assert home_only.pk in by_engine and agents[0].pk in by_engine


def test_declining_the_terms_leaves_registration_incomplete_and_the_agent_can_come_back(client):
    agent = make_eligible_agent()
    agent.terms_acceptances.all().delete()
    client.force_login(agent.user)

    declined = client.post("/agents/terms/", {"decline": "1"})

    assert "you will not receive any referral notifications" in declined.content.decode()
    assert client.get("/agents/profile/")["Location"] == "/agents/terms/"
    assert eligible_states(agent) == []
    missing_one = client.post("/agents/terms/", {"agree_agents_brokers": "on", "accept": "1"})
    assert "To accept, check this box." in missing_one.content.decode()
    client.post("/agents/terms/", {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"})
    assert eligible_states(agent) == ["FL"]


def test_a_newly_published_version_of_the_terms_must_be_accepted_again(client, registered):
    TermsDocument.objects.create(
        kind="agents_brokers",
        version="2",
        title="Agents and Brokers Terms of Use, v2",
        text="New text.",
        published_at=timezone.now(),
    )

    assert client.get("/agents/")["Location"] == "/agents/terms/"
    assert eligible_states(registered) == []
    page = client.get("/agents/terms/").content.decode()
    assert "Agents and Brokers Terms of Use, v2" in page and "New text." in page
    client.post("/agents/terms/", {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"})
    assert eligible_states(registered) == ["FL"]
    assert {terms.version for terms in current_terms()} == {"2", "sample-1"}
