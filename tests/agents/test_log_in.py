"""Log-in, remembering the username, throttling, forgotten username and password, sessions, access."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from agents.models import Agent
from tests.factories import UserFactory, make_eligible_agent
from tests.mailbox import deliver_queued, link_in

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Day-2027!"


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
