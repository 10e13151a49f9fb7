"""Each hole of the security review, attacked through the entry point an attacker would use, and refused."""

import datetime as dt
import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.utils import timezone

from agents.models import Agent, ImportRun, Invitation
from notifications.models import Notification
from notifications.transports import development
from referrals.models import Referral
from tests.factories import UserFactory, make_eligible_agent
from tests.mailbox import deliver_queued, link_in
from tests.referrals.test_get_contacted import form

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Sunny-Day-2027!"
RESET_LINK = re.compile(r"/agents/reset/[^/\s\[]+/[^/\s\[]+/")


def staff(*codenames: str, username: str = "ops") -> Client:
    """A staff member with exactly these permissions, logged in to admin."""
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


# 1. No account takeover from admin: secrets in links are never stored --------------------------------


def test_staff_who_may_read_messages_cannot_take_over_an_account_by_password_reset(client):
    agent = make_eligible_agent()
    reader = staff("view_notification")

    client.post("/agents/forgot-password/", {"email": agent.email})

    row = Notification.objects.get(kind="password_reset")
    stored = row.subject + row.body + row.html + row.link
    assert not RESET_LINK.search(stored) and "[reset link hidden]" in row.body
    assert agent.user.username not in stored
    for page in (f"/admin/notifications/notification/{row.pk}/change/", "/admin/notifications/notification/"):
        assert not RESET_LINK.search(reader.get(page).content.decode())
    deliver_queued()  # the worker rebuilds the link as it sends: the agent's e-mail works
    (email,) = mail.outbox
    assert agent.user.username in email.body
    assert "set-password" in client.get(link_in(email.body), follow=True).redirect_chain[-1][0]


def test_an_invitation_link_is_stored_nowhere_and_works_once_sent(client):
    from agents.invitations import invite

    agent = make_eligible_agent(npn="1000009")
    agent.user = None
    agent.save(update_fields=["user"])

    invite(agent)

    row = Notification.objects.get(kind="invitation")
    assert "/agents/invitation/[link hidden]/" in row.body and "[link hidden]" in row.link
    assert Invitation.objects.get().token_hash is None  # nothing in the database opens it
    deliver_queued()
    assert "Get Started by Creating a Profile" in client.get(link_in(mail.outbox[0].body)).content.decode()


def test_a_consumers_status_link_is_stored_nowhere_and_works_once_sent(client, pool):
    path = client.post("/get-contacted/", form())["Location"].split("?")[0]

    for row in Notification.objects.filter(kind="request_received"):
        assert path not in row.body + row.html + row.link and "[link hidden]" in row.body
    deliver_queued()
    (text,) = [message for message in development.outbox if message["to"] == "+13055550123"]
    assert link_in(text["body"]) == path and Client().get(path).status_code == 200


def test_the_broker_carries_message_ids_only(pool, monkeypatch, django_capture_on_commit_callbacks, client):
    from notifications import tasks

    handed = []
    for task in (tasks.deliver_notification, tasks.deliver_notifications):
        monkeypatch.setattr(task, "apply_async", lambda args, **kwargs: handed.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/get-contacted/", form())

    ids = [value for (value,) in handed for value in (value if isinstance(value, list) else [value])]
    assert handed and all(isinstance(value, int) for value in ids)


# 2. The client's address behind the proxy ------------------------------------------------------------


def post_from(client: Client, forwarded_for: str):
    return client.post("/get-contacted/", form(zip_code="00000"), headers={"X-Forwarded-For": forwarded_for})


def test_behind_a_trusted_proxy_one_visitor_is_limited_not_everyone(settings, db):
    settings.HOD_TRUSTED_PROXY_COUNT = 1
    settings.HOD_RATELIMIT_PER_IP = "3/h"
    client = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from the proxy

    answers = [post_from(client, "203.0.113.7").status_code for _ in range(4)]

    assert answers[-1] == 429 and 429 not in answers[:3]
    assert post_from(client, "198.51.100.9").status_code == 200  # someone else, through the same proxy


def test_with_no_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(settings, db):
    settings.HOD_RATELIMIT_PER_IP = "3/h"
    client = Client(REMOTE_ADDR="203.0.113.7")

    answers = [post_from(client, f"198.51.100.{number}").status_code for number in range(4)]

    assert answers[-1] == 429


def test_log_in_throttling_keys_on_the_visitor_behind_the_proxy(settings, db):
    settings.HOD_TRUSTED_PROXY_COUNT = 1
    agent = make_eligible_agent()
    guesser, owner = Client(REMOTE_ADDR="10.0.0.2"), Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(6):
        guesser.post(
            "/agents/login/",
            {"username": agent.user.username, "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )

    response = owner.post(
        "/agents/login/",
        {"username": agent.user.username, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.9"},
    )

    assert response.status_code == 302  # the agent, elsewhere, still logs in


# 3. Admin filters that would spell out what a permission hides --------------------------------------


@pytest.mark.parametrize(
    ("page", "lookup"),
    [
        ("referrals/referral", "email__startswith=m"),
        ("referrals/referral", "phone__startswith=%2B1305"),
        ("referrals/referral", "last_name__icontains=p"),
        ("notifications/notification", "to__startswith=%2B1305"),
        ("notifications/notification", "body__contains=Maria"),
    ],
)
def test_staff_without_the_contact_permission_cannot_filter_on_contact_fields(pool, page, lookup, client):
    client.post("/get-contacted/", form())
    model = page.split("/")[1]
    without, with_permission = (
        staff(f"view_{model}"),
        staff(f"view_{model}", "view_consumer_contact", username="lead"),
    )

    assert without.get(f"/admin/{page}/?{lookup}").status_code == 400
    assert with_permission.get(f"/admin/{page}/?{lookup}").status_code == 200


# 4. An agent's account cannot be re-pointed from admin -----------------------------------------------


def test_staff_cannot_point_an_agent_at_their_own_account(pool):
    agent = pool["hialeah"]
    editor = staff("view_agent", "change_agent")
    own = UserFactory(username="ops")

    page = editor.get(f"/admin/agents/agent/{agent.pk}/change/")
    assert 'name="user"' not in page.content.decode()
    editor.post(f"/admin/agents/agent/{agent.pk}/change/", {"user": own.pk})

    assert Agent.objects.get(pk=agent.pk).user_id == agent.user_id


# 5. No secret in the logs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'GET /agents/invitation/12:AbCdEf_gh-Ij/ HTTP/1.1" 200',
        'GET /es/get-contacted/status/7.1:Zz09-_x/?new=1 HTTP/1.1" 302',
        'GET /agents/reset/MTI/cb7k3-0a1b2c3d4e5f/ HTTP/1.1" 302',
    ],
)
def test_access_log_lines_keep_the_path_but_not_the_secret(line):
    from hod.redaction import redact_links

    redacted = redact_links(line)

    assert "[hidden]" in redacted and redacted.split()[1].rsplit("/", 2)[0] in line
    assert not any(secret in redacted for secret in ("AbCdEf", "Zz09", "cb7k3"))


def test_gunicorns_access_log_keeps_the_path_but_not_the_secret():
    from types import SimpleNamespace

    from gunicorn.config import Config

    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # what every gunicorn started here reads
    config = Config()
    config.set("logger_class", namespace["logger_class"])
    config.set("accesslog", "-")
    logger = config.logger_class(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/get-contacted/status/7.1:Zz09-_x/?new=1",
        "PATH_INFO": "/get-contacted/status/7.1:Zz09-_x/",
        "QUERY_STRING": "new=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": "https://hod.example.org/agents/invitation/12:AbCdEf/",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))

    assert atoms["r"] == "GET /get-contacted/status/[hidden]/?new=1 HTTP/1.1"
    assert "Zz09" not in str(atoms) and "AbCdEf" not in str(atoms)


def test_every_log_line_loses_link_secrets_and_contact_details(settings):
    from hod.redaction import RedactSecrets

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("hod.test.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("Not Found: %s", "/get-contacted/status/7.1:Zz09-_x/")
        logger.warning("address refused: maria@example.com, then +13055550123")
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue().splitlines() == [
        "Not Found: /get-contacted/status/[hidden]/",
        "address refused: m•••@example.com, then •••••••0123",
    ]
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]


def test_a_refused_address_is_masked_in_the_messages_list(pool, monkeypatch):
    from notifications.delivery import deliver
    from notifications.sending import Recipient, send
    from notifications.transports import TransportError
    from notifications.transports.email import EmailTransport

    def refuse(self, notification):
        raise TransportError("address refused: {'maria@example.com': (550, b'No such user')}", permanent=True)

    monkeypatch.setattr(EmailTransport, "send", refuse)
    (row,) = send(Recipient(email="maria@example.com"), "test_message")
    deliver(row.pk)

    row.refresh_from_db()
    assert "maria@example.com" not in row.last_error and "m•••@example.com" in row.last_error
    listing = staff("view_notification").get("/admin/notifications/notification/").content.decode()
    assert "maria@example.com" not in listing


# 6. Probing a consumer by phone number: see tests/referrals/test_get_contacted.py


# 7. Only U.S. numbers are texted ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "phone", "says"),
    [
        ("", "+44 20 7946 0958", "Enter a U.S. phone number"),
        ("", "+1 416 555 0199", "Enter a U.S. phone number"),  # Canada shares +1
        ("/es", "+52 55 1234 5678", "Ingrese un número de teléfono de EE. UU."),
    ],
)
def test_the_consumer_form_refuses_a_number_abroad_in_the_visitors_language(client, pool, prefix, phone, says):
    response = client.post(f"{prefix}/get-contacted/", form(phone=phone))

    assert response.status_code == 200 and says in response.content.decode()
    assert not Referral.objects.exists()


def test_a_territorys_number_is_welcome(client, pool):
    assert client.post("/get-contacted/", form(phone="(787) 555-0100"))["Location"]


def test_an_agent_cannot_save_a_number_abroad_or_another_agents(client, pool):
    agent = pool["hialeah"]
    client.force_login(agent.user)
    fields = {"profile-contact_method": "email_only", "profile-zip_code": "33012", "profile-portal_language": "en"}

    abroad = client.post("/agents/profile/", {**fields, "profile-cell_phone": "+44 20 7946 0958"})
    taken = client.post("/agents/profile/", {**fields, "profile-cell_phone": pool["hollywood"].cell_phone.as_e164})

    assert "Enter a U.S. phone number" in abroad.content.decode()
    assert "already another agent&#x27;s cell phone" in taken.content.decode()
    assert Agent.objects.get(pk=agent.pk).cell_phone == agent.cell_phone


# 8. No production without a secret key of its own ------------------------------------------------------


def test_an_https_site_without_a_secret_key_refuses_to_start(clean_environ):
    environment = {**clean_environ, "HOD_BASE_URL": "https://hod.example.org"}

    started = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )

    assert started.returncode != 0 and "SECRET_KEY must be set" in started.stderr


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_check_deploy_refuses_a_cache_of_each_process_own_outside_the_embedded_mode(settings):
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"]}}
    settings.DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with pytest.raises(SystemCheckError, match="hod.E001"):
        call_command("check", "--deploy", "--tag", "security")


# Also fixed -----------------------------------------------------------------------------------------------


def test_an_agent_no_longer_licensed_cannot_accept_and_the_referral_moves_on(client, pool):
    from agents.models import License
    from referrals.lifecycle import create_referral
    from referrals.models import Offer
    from tests.referrals.conftest import consumer

    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    License.objects.filter(npn=offer.agent.npn).update(status="Inactive")  # lapsed since the offer
    client.force_login(offer.agent.user)

    page = client.post(f"/agents/offers/{offer.pk}/answer/", {"accept": "1"}, follow=True).content.decode()

    assert "You can no longer receive referrals" in page and "María" not in page
    assert Offer.objects.get(pk=offer.pk).status == "withdrawn"
    assert Offer.objects.get(referral=referral, status="pending").agent == pool["hollywood"]


def test_a_log_in_lasts_at_most_the_maximum_whatever_the_activity(client, settings):
    agent = make_eligible_agent()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD})
    for hour in range(1, settings.HOD_SESSION_MAX_HOURS):
        with time_machine.travel(start + dt.timedelta(hours=hour), tick=False):
            assert client.get("/agents/").status_code == 200  # busy all day

    with time_machine.travel(start + dt.timedelta(hours=settings.HOD_SESSION_MAX_HOURS, minutes=1), tick=False):
        assert client.get("/agents/")["Location"].startswith("/agents/login/")


def test_the_portals_background_refresh_does_not_keep_an_idle_session_alive(client, settings):
    agent = make_eligible_agent()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD})
    idle = settings.SESSION_COOKIE_AGE
    for minutes in range(10, idle // 60, 10):  # the portal left open: it refreshes its lists by itself
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            refresh = client.get("/agents/", headers={"HX-Request": "true", "X-HOD-Background": "1"})
            assert refresh.status_code == 200

    with time_machine.travel(start + dt.timedelta(seconds=idle + 60), tick=False):
        assert client.get("/agents/")["Location"].startswith("/agents/login/")


def test_forgotten_password_requests_for_one_account_are_limited(client, settings):
    agent = make_eligible_agent()

    answers = [client.post("/agents/forgot-password/", {"email": agent.email}) for _ in range(5)]

    assert all(answer.status_code == 302 for answer in answers)  # the same answer every time …
    assert deliver_queued() == 3  # … but three e-mails at most


def test_forgotten_username_requests_from_one_address_are_limited(client, settings):
    settings.HOD_RATELIMIT_ACCOUNT_HELP_PER_IP = "3/h"

    answers = [client.post("/agents/forgot-username/", {"email": f"n{n}@example.org"}).status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]


def test_one_password_tried_across_many_usernames_from_one_address_is_stopped(client, settings):
    settings.HOD_RATELIMIT_LOGIN_PER_IP = "10/h"
    agent = make_eligible_agent()

    for number in range(10):
        client.post("/agents/login/", {"username": f"someone{number}", "password": PASSWORD})
    response = client.post("/agents/login/", {"username": agent.user.username, "password": PASSWORD})

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("1000001,FL,FL-1,Active,Health,Active,12/31/2030,Y," + "x" * 140_000, "cannot be read as CSV"),
        ("1000001,ZZ,ZZ-1,Active,Health,Active,12/31/2030,Y", "'ZZ' is not a U.S. state or territory"),
        ('1000001,FL,"FL\n1",Active,Health,Active,12/31/2030,Y', "license_number holds a line break"),
        ("1000001,FL,FL\x001,Active,Health,Active,12/31/2030,Y", "license_number holds a line break"),
    ],
)
def test_a_bad_license_row_fails_the_upload_with_its_line_and_the_file_is_deleted(row, says):
    from agents.imports import ImportFailed, run_import
    from tests.agents.test_imports import LICENSE_HEADER

    run = ImportRun.objects.create(kind=ImportRun.Kind.LICENSES, file_name="licenses.csv", source="x")
    text = f"{LICENSE_HEADER}\n1000002,FL,FL-2,Active,Health,Active,12/31/2030,Y\n{row}\n"

    with pytest.raises(ImportFailed) as failure:
        run_import(run, text)

    assert [error.line for error in failure.value.errors] == [3] and says in str(failure.value.errors[0])
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.source == ""


def test_a_license_in_a_territory_is_imported():
    from agents.imports import run_import
    from tests.agents.test_imports import LICENSE_HEADER

    run = ImportRun.objects.create(kind=ImportRun.Kind.LICENSES, file_name="licenses.csv")
    run_import(run, f"{LICENSE_HEADER}\n1000002,PR,PR-2,Active,Health,Active,12/31/2030,Y\n")

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
