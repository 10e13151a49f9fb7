"""The consumer's request: the form in both languages, other Marketplaces, duplicates, limits, status."""

import re
from zoneinfo import ZoneInfo

import pytest
import zipcodes
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from hod.reference.lookups import current_plan_year
from hod.reference.models import StateMarketplace
from notifications.models import Notification
from notifications.transports import development
from referrals.models import Offer, Referral
from tests.mailbox import deliver_queued, link_in

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    data = {
        "first_name": "María",
        "last_name": "Pérez",
        "phone": "(305) 555-0123",
        "email": "maria@example.com",
        "zip_code": "33130",
        "language": "es",
        "consent": "on",
    }
    return {**data, **overrides}


def status_path(response) -> str:
    return response["Location"].split("?")[0]


def test_a_request_is_matched_at_once_and_the_consumer_lands_on_an_honest_confirmation(client, pool):
    response = client.post("/get-contacted/", form())

    assert response.status_code == 302 and response["Location"].endswith("?new=1")
    referral = Referral.objects.get()
    assert (referral.status, referral.message_language, referral.language_id) == ("offered", "en", "es")
    assert Offer.objects.get(referral=referral, status="pending").agent == pool["hialeah"]
    page = client.get(response["Location"]).content.decode()
    assert "We received your request" in page and referral.reference in page
    assert "They have 15 minutes to accept" in page
    deliver_queued()
    (text,) = [message for message in development.outbox if message["to"] == "+13055550123"]
    assert link_in(text["body"]) == status_path(response)
    (email,) = [message for message in mail.outbox if message.to == ["maria@example.com"]]
    assert link_in(email.body) == status_path(response)


def test_when_no_agent_can_ever_come_the_consumer_is_told_at_once_with_other_help(client, db):
    response = client.post("/get-contacted/", form())

    page = client.get(response["Location"]).content.decode()
    assert Referral.objects.get().status == "waiting"
    assert "No agent can take your request yet" in page and "1-800-318-2596" in page
    assert "localhelp.healthcare.gov" in page and re.search(r"We keep your request open until .* E[SD]T", page)
    text = Notification.objects.get(kind="request_received", channel="sms").body
    assert "no agent for your state and language is registered yet" in text and "1-800-318-2596" in text


def test_when_agents_exist_but_none_is_on_the_request_waits_and_says_when_hours_begin(client, pool):
    import datetime as dt

    from agents.models import Agent, ScheduleState

    Agent.objects.update(taking_referrals=False)
    starts = timezone.now() + dt.timedelta(hours=3)
    Agent.objects.filter(pk=pool["orlando"].pk).update(
        schedule_state=ScheduleState.OUT_OF_HOURS, schedule_due_at=starts
    )

    page = client.get(client.post("/get-contacted/", form())["Location"]).content.decode()

    assert "Your request waits for the next one who starts taking requests" in page
    local = timezone.localtime(starts, ZoneInfo("America/New_York"))
    when = f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"
    assert f"The first agent's working hours begin {when}." in page
    assert "keep trying" in Notification.objects.get(kind="request_received", channel="sms").body


def test_the_spanish_form_answers_in_spanish(client, pool):
    page = client.get("/es/get-contacted/").content.decode()
    assert 'lang="es"' in page and "Quiero que me contacten" in page
    assert 'value="es" selected' in page  # the language defaults to the page's

    response = client.post("/es/get-contacted/", form())

    assert response["Location"].startswith("/es/get-contacted/status/")
    assert Referral.objects.get().message_language == "es"
    assert "Recibimos su solicitud" in client.get(response["Location"]).content.decode()
    assert Notification.objects.get(kind="request_received", channel="sms").body.startswith(
        "Help On Demand: recibimos su solicitud"
    )


@pytest.mark.parametrize(
    ("prefix", "messages"),
    [
        ("", ["This field is required.", "Enter a valid U.S. phone number", "We could not find ZIP code 00000"]),
        (
            "/es",
            [
                "Este campo es obligatorio.",
                "Ingrese un número de teléfono válido",
                "No encontramos el código postal 00000",
            ],
        ),
    ],
)
def test_bad_input_is_shown_beside_each_field_and_nothing_is_lost(client, prefix, messages):
    response = client.post(f"{prefix}/get-contacted/", form(first_name="", phone="12", zip_code="00000", consent=""))

    page = response.content.decode()
    assert response.status_code == 200
    for message in messages:
        assert message in page
    assert 'value="Pérez"' in page and 'value="maria@example.com"' in page and 'value="12"' in page
    assert 'id="id_zip_code_error"' in page and 'aria-describedby="id_zip_code_error' in page
    assert not Referral.objects.exists()


def a_zip_in(state: str) -> str:
    return next(
        z["zip_code"] for z in zipcodes.filter_by(state=state) if z["active"] and z["zip_code_type"] == "STANDARD"
    )


def test_every_sbm_state_is_sent_to_its_own_marketplace_and_nothing_is_saved(client, settings):
    settings.RATELIMIT_ENABLE = False  # twenty-odd requests from one address in a row
    sbm = StateMarketplace.objects.filter(plan_year=current_plan_year(), type="SBM").select_related("state")
    assert sbm.count() >= 18
    for marketplace in sbm:
        response = client.post("/get-contacted/", form(zip_code=a_zip_in(marketplace.state_id)))
        page = response.content.decode()
        assert response.status_code == 200, marketplace.state_id
        assert escape(marketplace.marketplace_name) in page and marketplace.marketplace_url in page, (
            marketplace.state_id
        )
    assert not Referral.objects.exists()


def test_an_sbm_fp_state_is_served(client):
    response = client.post("/get-contacted/", form(zip_code="72201"))  # Little Rock, Arkansas

    assert response.status_code == 302
    assert Referral.objects.get().state == "AR"


def test_a_zip_outside_the_states_is_told_where_to_go(client):
    response = client.post("/get-contacted/", form(zip_code="00901"))  # San Juan, Puerto Rico

    assert "outside them" in response.content.decode() and not Referral.objects.exists()


def test_someone_asking_with_anothers_phone_learns_nothing_and_the_link_goes_to_its_owner_once(client, pool):
    link = status_path(client.post("/get-contacted/", form()))
    deliver_queued()
    development.outbox.clear()
    prober = Client()

    again = prober.post("/get-contacted/", form(first_name="Mary", phone="305-555-0123", email="mary@example.com"))
    prober.post("/get-contacted/", form(first_name="Mary", phone="305-555-0123"))  # and again, within the hour

    page = again.content.decode()
    assert again.status_code == 200 and "we have sent the private link to your request again" in page
    assert Referral.objects.get().reference not in page and "/get-contacted/status/" not in page
    assert client.get(link).status_code == 200  # the owner's link was not replaced
    deliver_queued()
    texts = [message["body"] for message in development.outbox if message["to"] == "+13055550123"]
    assert len(texts) == 1 and link_in(texts[0]) == link  # the same link, to the phone on the request, once
    assert not [message for message in mail.outbox if "mary@example.com" in message.to]


def test_requests_from_one_phone_are_rate_limited(client, settings, db):
    settings.HOD_RATELIMIT_PER_PHONE = "2/h"
    for _ in range(2):
        client.post("/get-contacted/", form())

    limited = client.post("/get-contacted/", form())

    assert limited.status_code == 429
    assert "Too many requests from here" in limited.content.decode()
    assert 'value="María"' in limited.content.decode()


def test_requests_from_one_address_are_rate_limited(client, settings, db):
    settings.HOD_RATELIMIT_PER_IP = "3/h"
    answers = [client.post("/get-contacted/", form(phone=f"305-555-01{n:02d}")).status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]


def test_rate_limits_are_off_when_disabled(client, settings, db):
    settings.HOD_RATELIMIT_PER_IP = "1/h"
    settings.RATELIMIT_ENABLE = False

    answers = [client.post("/get-contacted/", form(phone=f"305-555-01{n:02d}")).status_code for n in range(3)]

    assert answers == [302, 302, 302]


def test_the_consumer_withdraws_and_the_pending_offer_goes_too(client, pool):
    path = status_path(client.post("/get-contacted/", form()))

    asked = client.post(path, {"withdraw": "1"}).content.decode()
    assert "Withdraw my request?" in asked and Referral.objects.get().status == "offered"  # it asks once more
    page = client.post(path, {"withdraw_confirmed": "1"}, follow=True).content.decode()

    assert "You withdrew this request" in page
    assert Referral.objects.get().status == "withdrawn"
    assert Offer.objects.get().status == "withdrawn"
    assert "Withdraw my request" not in page


def test_once_an_agent_accepts_the_status_shows_their_name_and_phone(client, pool):
    from referrals.lifecycle import accept_offer

    path = status_path(client.post("/es/get-contacted/", form()))
    offer = Offer.objects.get(status="pending")
    accept_offer(offer.pk, offer.agent)

    page = client.get(path).content.decode()
    assert "hialeah Agent" in page and f'href="tel:{offer.agent.cell_phone.as_e164}"' in page
    told = Notification.objects.get(kind="agent_accepted", channel="sms")
    assert told.language == "es" and "ha aceptado su solicitud" in told.body  # no word a folded accent would change


def test_after_an_agent_accepted_the_consumer_can_still_withdraw_and_the_agent_is_told(client, pool):
    from referrals.lifecycle import accept_offer

    path = status_path(client.post("/get-contacted/", form()))
    offer = Offer.objects.get(status="pending")
    accept_offer(offer.pk, offer.agent)

    assert "Withdraw my request" in client.get(path).content.decode()
    assert "Withdraw my request?" in client.post(path, {"withdraw": "1"}).content.decode()
    page = client.post(path, {"withdraw_confirmed": "1"}, follow=True).content.decode()

    assert "You withdrew this request" in page and Referral.objects.get().status == "withdrawn"
    told = Notification.objects.filter(kind="referral_withdrawn", user=offer.agent.user)
    assert {row.channel for row in told} >= {"email", "sms"}


def test_an_unknown_status_link_is_not_found(client, db):
    assert client.get("/get-contacted/status/not-a-token/").status_code == 404


# Queries through Django's cursors (PostgreSQL's matching runs two more as prepared statements, not counted),
# once the reference data and the intake pauses are in the cache (the first consumer of a process reads them).
POST_QUERIES = {"postgresql": 14, "sqlite": 15}
# Broker hand-offs: one, after commit, for the agent's offer (e-mail, text, app) and the consumer's confirmation.
POST_HAND_OFFS = 1


def test_the_post_does_little_work(
    client, pool, django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from notifications import tasks

    client.post("/get-contacted/", form(phone="(305) 555-0199"))  # the cache warms up
    ContentType.objects.clear_cache()  # a process-wide cache: counted the same whichever test ran before
    handed = []
    for task in (tasks.deliver_notification, tasks.deliver_notifications):
        monkeypatch.setattr(task, "apply_async", lambda args, **kwargs: handed.append(args))
    with (
        django_capture_on_commit_callbacks(execute=True),
        django_assert_num_queries(POST_QUERIES[connection.vendor]),
    ):
        client.post("/get-contacted/", form())

    assert len(handed) == POST_HAND_OFFS and [len(ids) for (ids,) in handed] == [5]
    assert re.fullmatch(r"[A-Z2-9]{8}", Referral.objects.get(phone="+13055550123").reference)
