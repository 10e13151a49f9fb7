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
from notifications.models import Notification
from notifications.transports import development
from tests.agents.test_imports import LICENSE_HEADER, MLMS_HEADER, REGISTRATION_HEADER
from tests.factories import UserFactory, make_eligible_agent
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
    path = link.removeprefix("http://127.0.0.1:8000")

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
    path = invite(agent, now=start).removeprefix("http://127.0.0.1:8000")

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
    path = invite(agent).removeprefix("http://127.0.0.1:8000")
    client.post(path, registration_data())

    again = client.get(path)

    assert again.status_code == 410 and "already used to register" in again.content.decode()


def test_a_resent_invitation_voids_the_old_link_and_only_a_hash_is_stored(client):
    agent = make_eligible_agent()
    Agent.objects.filter(pk=agent.pk).update(user=None)
    old = invite(agent).removeprefix("http://127.0.0.1:8000")
    new = invite(agent).removeprefix("http://127.0.0.1:8000")

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


@pytest.fixture
def registered(client):
    """Ana registered and logged in, with both Terms accepted."""
    agent = make_eligible_agent()
    client.force_login(agent.user)
    return agent


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


def add_license(agent, state: str) -> None:
    from agents.models import License, LineOfAuthority

    license = License.objects.create(npn=agent.npn, state=state, license_number=f"{state}-x", status="Active")
    LineOfAuthority.objects.create(license=license, name="Health", status="Active")


@pytest.mark.parametrize(
    ("option", "offered", "explains"),
    [
        (1, ["FL", "TX"], "Uncheck any state"),
        (2, ["FL", "TX"], "Uncheck any state"),
        (3, ["FL"], "home state only"),
        (4, [], "cannot receive referrals until you change that setting in the MLMS"),
    ],
)
def test_state_preferences_follow_the_mlms_display_option(client, registered, option, offered, explains):
    add_license(registered, "TX")
    Agent.objects.filter(pk=registered.pk).update(display_option=option, home_state="FL")

    page = client.get("/agents/profile/")

    assert [state for state, _label in page.context["states_form"].fields["states"].choices] == offered
    assert explains in page.content.decode()
    assert "please send an email to FFMProducer-Assister@cms.hhs.gov for additional assistance" in page.content.decode()


def test_unchecking_a_state_stores_it_and_a_newly_licensed_state_is_on(client, registered):
    add_license(registered, "TX")

    client.post("/agents/profile/states/", {"states": ["TX"]})

    assert list(registered.deselected_states.values_list("code", flat=True)) == ["FL"]
    assert eligible_states(registered) == ["TX"]
    add_license(registered, "MI")
    page = client.get("/agents/profile/")
    assert page.context["states_form"].initial["states"] == ["MI", "TX"]


def test_the_profile_saves_phone_contact_method_zip_and_language(client, registered):
    response = client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "313-555-0199",
            "profile-contact_method": "email_only",
            "profile-zip_code": "48371",
            "profile-portal_language": "es",
        },
    )

    assert response["Location"] == "/es/agents/profile/"
    agent = Agent.objects.get(pk=registered.pk)
    assert (agent.cell_phone.as_e164, agent.contact_method, agent.zip_code) == ("+13135550199", "email_only", "48371")
    assert agent.time_zone == "America/Detroit" and agent.portal_language == "es"
    bad = client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "12",
            "profile-contact_method": "email_only",
            "profile-zip_code": "00000",
            "profile-portal_language": "en",
        },
    )
    assert "Enter a valid phone number" in bad.content.decode() or "valid" in bad.content.decode()
    assert "We could not find ZIP code 00000" in bad.content.decode()


def test_the_test_message_goes_on_every_chosen_channel(client, registered):
    client.post("/agents/profile/test-message/")

    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "push", "sms"]


def test_the_switch_is_a_switch_that_works_without_javascript(client, registered):
    Agent.objects.filter(pk=registered.pk).update(taking_referrals=False)

    page = client.get("/agents/profile/").content.decode()
    assert 'role="switch" aria-checked="false"' in page and "Taking referrals" in page
    assert "Off: you are not taking referrals." in page

    response = client.post("/agents/switch/", {"taking_referrals": "on", "next": "/agents/profile/"})
    assert response["Location"] == "/agents/profile/"
    page = client.get("/agents/profile/").content.decode()
    assert 'aria-checked="true"' in page and "On: you are taking referrals." in page
    assert client.post("/agents/switch/", {"taking_referrals": "on", "next": "https://evil.example/"})["Location"] == (
        "/agents/"
    )


def test_hours_saved_on_the_page_switch_referrals_on_in_the_agents_time_zone(client, registered):
    from agents.availability import apply_schedules

    Agent.objects.filter(pk=registered.pk).update(taking_referrals=False)
    hours = {f"hours-start_{day}": "" for day in range(7)} | {f"hours-end_{day}": "" for day in range(7)}
    hours |= {"hours-start_0": "09:00", "hours-end_0": "17:00"}  # Mondays, Miami time
    assert client.post("/agents/availability/", hours).status_code == 302

    with time_machine.travel(dt.datetime(2027, 3, 15, 13, 30, tzinfo=dt.UTC), tick=False):  # 09:30 EDT
        apply_schedules()
    assert Agent.objects.get(pk=registered.pk).taking_referrals is True


def test_bad_hours_are_refused_with_the_reason(client, registered):
    hours = {"hours-start_0": "17:00", "hours-end_0": "09:00", "hours-start_1": "09:00"}

    page = client.post("/agents/availability/", hours).content.decode()

    assert "The end must be after the start." in page and "Give both times, or neither." in page


def test_an_absence_keeps_referrals_off(client, registered):
    today = timezone.localdate()
    client.post("/agents/availability/absences/", {"absence-first_day": today, "absence-last_day": today})

    client.post("/agents/switch/", {"taking_referrals": "off"})
    refused = client.post("/agents/switch/", {"taking_referrals": "on"}, follow=True)

    assert "You are away until" in refused.content.decode()
    assert Agent.objects.get(pk=registered.pk).taking_referrals is False


def test_remember_my_username_keeps_the_username_only(client):
    agent = make_eligible_agent()

    response = client.post(
        "/agents/login/", {"username": agent.user.username, "password": PASSWORD, "remember_username": "on"}
    )

    assert response.cookies["hod_username"].value == agent.user.username
    client.post("/agents/logout/")
    page = client.get("/agents/login/").content.decode()
    assert f'value="{agent.user.username}"' in page and PASSWORD not in page
    assert "Do not use “Remember my Username” on public or shared computers." in page


def test_failed_log_ins_are_throttled_with_a_cool_off(client):
    agent = make_eligible_agent()
    start = timezone.now()
    wrong = {"username": agent.user.username, "password": "wrong"}
    with time_machine.travel(start, tick=False):
        answers = [client.post("/agents/login/", wrong).status_code for _attempt in range(5)]
        locked = client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD})
    assert answers == [200, 200, 200, 200, 429]
    assert locked.status_code == 429 and "Try again in 15 minutes" in locked.content.decode()

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD}).status_code == 302


def test_forgot_username_gives_the_same_answer_whether_or_not_an_account_exists(client):
    agent = make_eligible_agent()

    known = client.post("/agents/forgot-username/", {"email": agent.email}, follow=True)
    unknown = client.post("/agents/forgot-username/", {"email": "nobody@example.org"}, follow=True)

    assert known.content.decode().replace(agent.email, "").count("If an account uses") == 1
    assert known.redirect_chain == unknown.redirect_chain
    deliver_queued()
    (email,) = mail.outbox
    assert email.to == [agent.email] and agent.user.username in email.body


def test_forgot_password_sends_a_link_and_the_new_password_obeys_the_rules(client):
    agent = make_eligible_agent()

    response = client.post("/agents/forgot-password/", {"email": agent.email})
    assert response["Location"] == "/agents/forgot-password/sent/"
    assert client.post("/agents/forgot-password/", {"email": "nobody@example.org"})["Location"] == response["Location"]
    deliver_queued()
    (email,) = mail.outbox
    reset_page = client.get(link_in(email.body), follow=True)
    form_url = reset_page.redirect_chain[-1][0]

    weak = client.post(form_url, {"new_password1": "abcd1234", "new_password2": "abcd1234"})
    assert "Contains at least one upper case letter" in weak.content.decode()
    client.post(form_url, {"new_password1": "New-Moon-2028?", "new_password2": "New-Moon-2028?"})
    assert (
        client.post("/agents/login/", {"username": agent.user.username, "password": "New-Moon-2028?"}).status_code
        == 302
    )


def test_a_session_ends_after_the_idle_time(client, settings):
    agent = make_eligible_agent()
    client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD})
    assert client.get("/agents/").status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = client.get("/agents/")

    assert response.status_code == 302 and response["Location"].startswith("/agents/login/?next=/agents/")


def test_staff_without_an_agent_profile_are_refused_the_portal(client):
    client.force_login(UserFactory(username="ops", is_staff=True))

    assert client.get("/agents/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_and_then_straight_back(client):
    agent = make_eligible_agent()

    response = client.get("/agents/profile/")
    assert response["Location"] == "/agents/login/?next=/agents/profile/"
    logged_in = client.post(
        "/agents/login/?next=/agents/profile/",
        {"username": agent.user.username, "password": PASSWORD, "next": "/agents/profile/"},
    )
    assert logged_in["Location"] == "/agents/profile/"


def test_spanish_pages_for_an_agent_who_chose_spanish(client, registered):
    Agent.objects.filter(pk=registered.pk).update(portal_language="es")
    client.post("/agents/logout/")

    response = client.post("/agents/login/", {"username": registered.user.username, "password": PASSWORD})

    assert response["Location"] == "/es/agents/"
    page = client.get("/es/agents/").content.decode()
    assert 'lang="es"' in page and "Aceptando referidos" in page
