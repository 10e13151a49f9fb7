"""Passkeys through HTTP: adding several, naming and removing them, logging in with one, forgeries refused
with a reason, and the same throttle as passwords (tests/browser/test_passkeys.py does it in Chromium)."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from agents.models import AgentChange, Passkey
from tests.agents.soft_passkey import SoftPasskey
from tests.factories import make_eligible_agent

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Day-2027!"


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.HOD_BASE_URL = "http://localhost:8000"


def post_json(client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def add_passkey(client, device: SoftPasskey, name: str = "My phone"):
    options = post_json(client, "/agents/passkeys/add/options/").json()
    return post_json(client, "/agents/passkeys/add/", {"name": name, "credential": device.register(options)})


def log_in(client, device: SoftPasskey, next_page: str = "", **assertion):
    options = post_json(client, "/agents/passkeys/log-in/options/").json()
    body = {"credential": device.assertion(options, **assertion), "next": next_page}
    return post_json(client, "/agents/passkeys/log-in/", body)


def logged_in(client) -> bool:
    return client.get("/agents/").status_code == 200


@pytest.fixture
def ana(client):
    """Ana, logged in with her password, with a passkey on her phone; then logged out."""
    agent = make_eligible_agent()
    client.force_login(agent.user)
    agent.phone = SoftPasskey()
    assert add_passkey(client, agent.phone).status_code == 201
    client.post("/agents/logout/")
    return agent


def test_an_agent_adds_a_passkey_on_the_profile_and_logs_in_with_it(client, ana):
    response = log_in(client, ana.phone)

    assert response.status_code == 200 and response.json() == {"redirect": "/agents/"}
    assert logged_in(client)
    passkey = Passkey.objects.get(agent=ana)
    assert passkey.name == "My phone" and passkey.sign_count == 1 and passkey.last_used_at is not None
    assert passkey.credential_id == ana.phone.id
    assert AgentChange.objects.filter(agent=ana, kind=AgentChange.Kind.PASSKEY_ADDED, by=ana.user).count() == 1


def test_the_registration_options_name_the_site_and_ask_for_a_verified_discoverable_passkey(client):
    agent = make_eligible_agent()
    client.force_login(agent.user)

    options = post_json(client, "/agents/passkeys/add/options/").json()

    assert options["rp"] == {"id": "localhost", "name": "Help On Demand"}
    assert options["user"]["name"] == agent.user.username and options["user"]["displayName"] == "Ana Agent"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"


def test_log_in_goes_on_to_the_page_the_agent_was_going_to_and_never_elsewhere(client, ana):
    assert log_in(client, ana.phone, next_page="/agents/profile/").json()["redirect"] == "/agents/profile/"
    client.post("/agents/logout/")
    assert log_in(client, ana.phone, next_page="https://evil.example/").json()["redirect"] == "/agents/"


def test_several_passkeys_each_named_renamed_and_removed_and_the_password_still_works(client, ana):
    laptop = SoftPasskey()
    client.force_login(ana.user)
    assert add_passkey(client, laptop, name="  Work   laptop ").status_code == 201
    phone_key, laptop_key = Passkey.objects.filter(agent=ana).order_by("created_at", "pk")
    assert laptop_key.name == "Work laptop"
    profile = client.get("/agents/profile/").content.decode()
    assert "My phone" in profile and "Work laptop" in profile

    renamed = client.post(f"/agents/passkeys/{phone_key.pk}/rename/", {"name": "Pixel"})
    assert renamed.status_code == 302 and renamed["Location"] == "/agents/profile/#passkeys"
    assert client.post(f"/agents/passkeys/{laptop_key.pk}/rename/", {"name": "   "}).status_code == 302
    assert Passkey.objects.get(pk=laptop_key.pk).name == "Work laptop"  # an empty name is refused
    assert client.post(f"/agents/passkeys/{laptop_key.pk}/remove/").status_code == 302
    assert list(Passkey.objects.filter(agent=ana).values_list("name", flat=True)) == ["Pixel"]
    kinds = AgentChange.objects.filter(agent=ana, kind__startswith="passkey").values_list("kind", flat=True)
    assert sorted(kinds) == ["passkey_added", "passkey_added", "passkey_removed", "passkey_renamed"]
    client.post("/agents/logout/")

    refused = log_in(client, laptop)
    assert refused.status_code == 400 and refused.json()["code"] == "unknown"
    assert log_in(client, ana.phone).status_code == 200
    client.post("/agents/logout/")
    assert client.post("/agents/login/", {"username": ana.user.username, "password": PASSWORD}).status_code == 302


def test_an_agent_cannot_touch_another_agents_passkeys_and_a_visitor_cannot_add_one(client, ana):
    ben = make_eligible_agent("1000002", first_name="Ben")
    client.force_login(ben.user)
    passkey = Passkey.objects.get(agent=ana)

    assert client.post(f"/agents/passkeys/{passkey.pk}/rename/", {"name": "Mine"}).status_code == 404
    assert client.post(f"/agents/passkeys/{passkey.pk}/remove/").status_code == 404
    assert Passkey.objects.get(pk=passkey.pk).name == "My phone"
    client.post("/agents/logout/")
    assert post_json(client, "/agents/passkeys/add/options/").status_code == 302  # to the log-in page


def test_a_passkey_needs_a_name_and_a_genuine_answer_to_be_added(client):
    agent = make_eligible_agent()
    client.force_login(agent.user)

    nameless = add_passkey(client, SoftPasskey(), name="")
    elsewhere = add_passkey(client, SoftPasskey(origin="https://evil.example"))
    options = post_json(client, "/agents/passkeys/add/options/").json()
    answer = SoftPasskey().register(options)
    assert post_json(client, "/agents/passkeys/add/", {"name": "Phone", "credential": answer}).status_code == 201
    replayed = post_json(client, "/agents/passkeys/add/", {"name": "Again", "credential": answer})

    assert nameless.status_code == 400 and nameless.json()["code"] == "name"
    assert elsewhere.status_code == 400 and elsewhere.json() == {
        "error": "The passkey could not be checked, so it was not added.",
        "code": "invalid",
    }
    assert replayed.status_code == 400 and replayed.json()["code"] == "expired"
    assert Passkey.objects.filter(agent=agent).count() == 1


@pytest.mark.parametrize(
    ("forgery", "code"),
    [
        ({"signed_by": SoftPasskey()}, "invalid"),  # another key's signature
        ({"origin": "https://evil.example"}, "invalid"),  # a phishing site's ceremony
        ({"verified": False}, "invalid"),  # nobody's fingerprint, face or PIN
    ],
)
def test_a_forged_assertion_is_refused_with_a_reason(client, ana, forgery, code):
    response = log_in(client, ana.phone, **forgery)

    assert response.status_code == 400
    assert response.json() == {"error": "The passkey could not be checked. Please try again.", "code": code}
    assert not logged_in(client)
    assert Passkey.objects.get(agent=ana).last_used_at is None


def test_an_assertion_is_good_once_and_only_for_its_own_challenge(client, ana):
    options = post_json(client, "/agents/passkeys/log-in/options/").json()
    answer = ana.phone.assertion(options)
    assert post_json(client, "/agents/passkeys/log-in/", {"credential": answer}).status_code == 200
    client.post("/agents/logout/")

    replayed = post_json(client, "/agents/passkeys/log-in/", {"credential": answer})
    post_json(client, "/agents/passkeys/log-in/options/")
    other_challenge = post_json(client, "/agents/passkeys/log-in/", {"credential": answer})
    garbage = post_json(client, "/agents/passkeys/log-in/", {"credential": {"id": ana.phone.id, "response": 7}})

    assert replayed.status_code == 400 and replayed.json()["code"] == "expired"
    assert other_challenge.status_code == 400 and other_challenge.json()["code"] == "invalid"
    assert garbage.status_code == 400
    assert not logged_in(client)


def test_a_copied_key_whose_counter_goes_back_is_refused(client, ana):
    assert log_in(client, ana.phone).status_code == 200
    client.post("/agents/logout/")
    ana.phone.sign_count = 0  # a clone that has not counted the log-in above

    response = log_in(client, ana.phone)

    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_failed_passkey_log_ins_count_towards_the_cool_off_and_then_even_the_right_passkey_waits(client, ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        answers = [log_in(client, ana.phone, signed_by=SoftPasskey()).status_code for _attempt in range(5)]
        locked = log_in(client, ana.phone)
        password = client.post("/agents/login/", {"username": ana.user.username, "password": PASSWORD})

    assert answers == [400, 400, 400, 400, 429]
    assert locked.status_code == 429 and locked.json() == {
        "error": "Log-in is paused after several failed attempts. Try again in 15 minutes.",
        "code": "locked_out",
    }
    assert password.status_code == 429
    assert not logged_in(client)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert log_in(client, ana.phone).status_code == 200


def test_an_agent_locked_out_by_wrong_passwords_cannot_log_in_with_a_passkey_either(client, ana):
    for _attempt in range(5):
        client.post("/agents/login/", {"username": ana.user.username, "password": "wrong"})

    response = log_in(client, ana.phone)

    assert response.status_code == 429 and response.json()["code"] == "locked_out"
    assert not logged_in(client)


def test_passkey_log_ins_share_the_per_address_limit_with_passwords(client, ana, settings):
    settings.HOD_RATELIMIT_LOGIN_PER_IP = "2/h"
    client.post("/agents/login/", {"username": ana.user.username, "password": PASSWORD})
    client.post("/agents/logout/")
    assert log_in(client, ana.phone).status_code == 200
    client.post("/agents/logout/")

    response = log_in(client, ana.phone)
    options = post_json(client, "/agents/passkeys/log-in/options/")  # the third challenge asked for

    assert response.status_code == 429 and response.json()["code"] == "too_many"
    assert options.status_code == 429 and options.json()["code"] == "too_many"


def test_a_deactivated_account_cannot_log_in_with_its_passkey(client, ana):
    type(ana.user).objects.filter(pk=ana.user.pk).update(is_active=False)

    response = log_in(client, ana.phone)

    assert response.status_code == 400 and response.json()["code"] == "unknown"


def test_the_pages_say_what_passkeys_need_without_javascript(client, ana):
    log_in_page = client.get("/agents/login/").content.decode()
    es_page = client.get("/es/agents/login/").content.decode()
    client.force_login(ana.user)
    profile = client.get("/agents/profile/").content.decode()

    assert "This browser cannot use passkeys here" in log_in_page and "data-passkey-start" in log_in_page
    assert 'lang="es"' in es_page
    assert "To add a passkey, open this page in a browser that supports passkeys" in profile
    assert "My phone" in profile and "Not used to log in yet." in profile


def test_administrators_see_an_agents_passkeys_by_name_never_their_keys(admin_client, ana):
    page = admin_client.get(f"/admin/agents/agent/{ana.pk}/change/").content.decode()

    assert "My phone" in page and "Passkey added" in page
    assert ana.phone.id not in page
