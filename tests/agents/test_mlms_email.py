"""The e-mail address the MLMS has: account help is looked up by it and sent to it, and an import that
changes it changes the account's and tells the agent at both addresses."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from agents.models import Agent
from hod.reference.lookups import current_plan_year
from notifications.models import Notification
from tests.agents.test_imports import MLMS_HEADER
from tests.factories import make_eligible_agent
from tests.mailbox import deliver_queued, link_in

pytestmark = pytest.mark.django_db
OLD, NEW = "npn1000001@agents.example", "ana.alvarez@new-agency.example"


@pytest.fixture
def ana():
    """Ana, whose MLMS address (OLD) is also her account's."""
    return make_eligible_agent()


@pytest.fixture
def mlms_export(tmp_path):
    """Run the MLMS import with Ana's row carrying this e-mail address (and Bea's, who has no account)."""

    def run(email: str, bea_email: str = "bea@agents.example") -> str:
        year = current_plan_year()
        path = tmp_path / "mlms.csv"
        rows = [f"1000001,Ana,Agent,{email},FL,en,1,10/01/{year - 1},{year}"]
        rows.append(f"2000002,Bea,Broker,{bea_email},FL,en,1,10/01/{year - 1},{year}")
        path.write_text("\n".join([MLMS_HEADER, *rows]) + "\n")
        call_command("import_mlms", str(path))
        return path

    return run


def without_csrf_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def mlms_changed_to(agent: Agent, email: str) -> None:
    """The MLMS has a newer address than the account (an account made before accounts followed the MLMS)."""
    Agent.objects.filter(pk=agent.pk).update(email=email)


# Forgotten username and password ------------------------------------------------------------


def test_forgot_username_finds_the_account_by_its_mlms_address_and_sends_to_it(client, ana):
    mlms_changed_to(ana, NEW)

    client.post("/agents/forgot-username/", {"email": NEW.upper()})

    deliver_queued()
    (email,) = mail.outbox
    assert email.to == [NEW] and ana.user.username in email.body


def test_forgot_username_asked_with_the_accounts_older_address_still_goes_to_the_mlms_one(client, ana):
    mlms_changed_to(ana, NEW)

    client.post("/agents/forgot-username/", {"email": OLD})

    deliver_queued()
    assert [email.to for email in mail.outbox] == [[NEW]]


def test_forgot_username_answers_the_same_for_an_unknown_address_and_sends_nothing(client, ana):
    mlms_changed_to(ana, NEW)

    known = client.post("/agents/forgot-username/", {"email": NEW}, follow=True)
    unknown = client.post("/agents/forgot-username/", {"email": "nobody@example.org"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain
    assert without_csrf_token(known.content.decode()) == without_csrf_token(unknown.content.decode())
    assert Notification.objects.filter(kind="forgot_username").count() == 1


def test_a_password_reset_asked_with_the_mlms_address_goes_there_and_works(client, ana):
    mlms_changed_to(ana, NEW)

    response = client.post("/agents/forgot-password/", {"email": NEW})

    assert response["Location"] == "/agents/forgot-password/sent/"
    deliver_queued()
    (email,) = mail.outbox
    assert email.to == [NEW]
    form_url = client.get(link_in(email.body), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "New-Moon-2028?", "new_password2": "New-Moon-2028?"})
    assert (
        client.post("/agents/login/", {"username": ana.user.username, "password": "New-Moon-2028?"}).status_code == 302
    )


def test_a_password_reset_is_never_sent_to_an_address_the_mlms_no_longer_has(client, ana):
    mlms_changed_to(ana, NEW)

    unknown = client.post("/agents/forgot-password/", {"email": "nobody@example.org"})
    old = client.post("/agents/forgot-password/", {"email": OLD})

    assert old["Location"] == unknown["Location"]
    deliver_queued()
    assert [email.to for email in mail.outbox] == [[NEW]]


def test_account_help_for_one_address_is_still_limited(client, ana, settings):
    settings.HOD_RATELIMIT_ACCOUNT_HELP_PER_EMAIL = "2/h"
    mlms_changed_to(ana, NEW)

    answers = [client.post("/agents/forgot-password/", {"email": NEW})["Location"] for _ask in range(4)]

    assert set(answers) == {"/agents/forgot-password/sent/"}  # the same answer every time
    assert Notification.objects.filter(kind="password_reset").count() == 2


def test_a_deactivated_account_gets_no_help_at_its_mlms_address(client, ana):
    mlms_changed_to(ana, NEW)
    ana.user.is_active = False
    ana.user.save(update_fields=["is_active"])

    client.post("/agents/forgot-username/", {"email": NEW})
    client.post("/agents/forgot-password/", {"email": NEW})

    assert not Notification.objects.exists()


# The MLMS import ----------------------------------------------------------------------------


def test_an_import_with_a_new_address_moves_the_account_and_tells_both_addresses(ana, mlms_export, capsys):
    mlms_export(NEW)

    ana.user.refresh_from_db()
    assert ana.user.email == NEW
    assert "1 agent(s) with an account have a new e-mail address" in capsys.readouterr().out
    deliver_queued()
    assert sorted(email.to[0] for email in mail.outbox) == sorted([OLD, NEW])
    for email in mail.outbox:
        assert email.subject == "Your Help On Demand e-mail address changed"
        assert "n•••@agents.example" in email.body and "a•••@new-agency.example" in email.body
        assert OLD not in email.body and NEW not in email.body  # masked: the old inbox may not be hers any more
        assert ana.user.username not in email.body and "/reset/" not in email.body
        assert "http://localhost:8000/agents/login/" in email.body


def test_the_agent_is_told_in_the_language_they_chose(ana, mlms_export):
    Agent.objects.filter(pk=ana.pk).update(portal_language="es")

    mlms_export(NEW)

    deliver_queued()
    assert {email.subject for email in mail.outbox} == {"Cambió su dirección de correo electrónico de Help On Demand"}
    assert all("http://localhost:8000/es/agents/login/" in email.body for email in mail.outbox)


def test_the_same_file_again_tells_nobody_again(ana, mlms_export):
    mlms_export(NEW)
    mlms_export(NEW)

    assert Notification.objects.filter(kind="email_changed").count() == 2  # the first import's two


def test_an_address_written_in_other_capitals_follows_silently(ana, mlms_export):
    mlms_export(OLD.upper())

    ana.user.refresh_from_db()
    assert ana.user.email == OLD.upper()
    assert not Notification.objects.filter(kind="email_changed").exists()


def test_an_account_behind_its_mlms_address_catches_up_without_a_message(ana, mlms_export):
    mlms_changed_to(ana, NEW)

    mlms_export(NEW)

    ana.user.refresh_from_db()
    assert ana.user.email == NEW
    assert not Notification.objects.filter(kind="email_changed").exists()


def test_an_agent_without_an_account_is_not_told(ana, mlms_export):
    mlms_export(OLD)
    mlms_export(OLD, bea_email="bea@another-agency.example")

    assert Agent.objects.get(npn="2000002").email == "bea@another-agency.example"
    assert not Notification.objects.filter(kind="email_changed").exists()


def test_a_reset_link_sent_to_the_old_address_stops_working_when_the_address_changes(client, ana, mlms_export):
    client.post("/agents/forgot-password/", {"email": OLD})
    deliver_queued()
    (email,) = mail.outbox

    mlms_export(NEW)

    page = client.get(link_in(email.body), follow=True).content.decode()
    assert "new_password1" not in page
