"""The agent's portal: State Preferences, profile, test message, the switch, hours and absences."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from agents.availability import local_now
from agents.eligibility import eligible_states
from agents.models import Agent
from notifications.models import Notification
from notifications.opt_outs import record_stop
from tests.factories import add_license, hours_form

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Day-2027!"


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


def test_the_test_message_goes_on_every_chosen_channel_that_can_reach_and_names_the_others(client, registered):
    page = client.post("/agents/profile/test-message/", follow=True).content.decode()

    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "sms"]
    assert "Test messages are on their way by e-mail and text message." in page
    assert "Not sent by app notification: no phone or browser is registered for app notifications yet" in page


def test_the_test_message_names_texts_the_agent_stopped(client, registered):
    record_stop(registered.cell_phone)

    page = client.post("/agents/profile/test-message/", follow=True).content.decode()

    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email"]
    assert "Not sent by text message: you replied STOP to our texts (reply START to receive them again)" in page


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
    hours = hours_form({0: [("09:00", "17:00")]})  # Mondays, Miami time
    assert client.post("/agents/availability/", hours).status_code == 302

    with time_machine.travel(dt.datetime(2027, 3, 15, 13, 30, tzinfo=dt.UTC), tick=False):  # 09:30 EDT
        apply_schedules()
    assert Agent.objects.get(pk=registered.pk).taking_referrals is True


def test_bad_hours_are_refused_with_the_reason(client, registered):
    hours = hours_form({0: [("09:00", "09:00")], 1: [("09:00", "")], 2: [("09:00", "17:00"), ("16:00", "18:00")]})

    page = client.post("/agents/availability/", hours).content.decode()

    assert "The range is empty" in page and "Give both times, or neither." in page
    assert "This range overlaps another range of the day." in page


def test_an_absence_keeps_referrals_off(client, registered):
    today = local_now(registered, timezone.now()).date()  # the agent's date, not the server's
    client.post("/agents/availability/absences/", {"absence-first_day": today, "absence-last_day": today})

    client.post("/agents/switch/", {"taking_referrals": "off"})
    refused = client.post("/agents/switch/", {"taking_referrals": "on"}, follow=True)

    assert "You are away until" in refused.content.decode()
    assert Agent.objects.get(pk=registered.pk).taking_referrals is False


def test_switching_off_every_state_warns_before_saving_and_the_home_page_says_why(client, registered):
    first = client.post("/agents/profile/states/", {})

    page = first.content.decode()
    assert first.status_code == 200
    assert "With these State Preferences you will not receive referrals anywhere" in page and "Save anyway" in page
    assert eligible_states(Agent.objects.get(pk=registered.pk)) == ["FL"]

    client.post("/agents/profile/states/", {"confirmed": "1"})

    assert eligible_states(Agent.objects.get(pk=registered.pk)) == []
    home = client.get("/agents/").content.decode()
    assert "You cannot receive referrals right now" in home
    assert "You switched these states off in State Preferences: FL." in home or "Florida" in home


def test_the_offer_page_and_profile_say_what_consumers_receive(client, registered):
    page = client.get("/agents/profile/").content.decode()

    assert "When you accept a referral, the consumer receives your name and" in page
    assert "Call-back number for consumers" in page
    assert "Your time zone, from your ZIP code: Eastern Time." in page and "America/New_York" not in page
