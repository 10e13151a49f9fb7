"""The agent's screens: the offer, accepting and rejecting, the consumer after accepting, outcomes, YES/NO by text."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from twilio.request_validator import RequestValidator

from agents.models import Agent
from notifications.models import Notification
from referrals.lifecycle import create_referral
from referrals.models import Offer, Referral
from tests.factories import UserFactory
from tests.notifications.conftest import TWILIO_TOKEN
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
CONSUMER = ("María", "Pérez", "+13055550123", "maria@example.com")


@pytest.fixture
def offered(pool):
    referral = create_referral(consumer())
    return Offer.objects.get(referral=referral, status="pending")


def page_of(client, offer) -> str:
    return client.get(f"/agents/offers/{offer.pk}/").content.decode()


def shows_consumer(page: str) -> bool:
    return any(secret in page for secret in CONSUMER)


def test_the_offered_agent_sees_where_and_how_long_left_but_not_who(client, offered):
    client.force_login(offered.agent.user)

    page = page_of(client, offered)

    assert "Referral in Miami, FL" in page and "33130" in page and "Spanish" in page
    assert "data-countdown" in page and "Time left to answer:" in page
    assert not shows_consumer(page)


def test_another_agent_gets_not_found_and_an_anonymous_visitor_logs_in_first(client, offered, pool):
    client.force_login(pool["orlando"].user)
    assert client.get(f"/agents/offers/{offered.pk}/").status_code == 404

    client.logout()
    response = client.get(f"/agents/offers/{offered.pk}/")
    assert response["Location"] == f"/agents/login/?next=/agents/offers/{offered.pk}/"


def test_accepting_shows_the_consumer_with_tap_to_call(client, offered):
    client.force_login(offered.agent.user)

    page = client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"}, follow=True).content.decode()

    assert "Contact the consumer now" in page
    assert "María Pérez" in page and 'href="tel:+13055550123"' in page and "maria@example.com" in page
    assert Referral.objects.get().status == "accepted"


def test_rejecting_goes_home_and_the_next_agent_is_offered(client, offered, pool):
    client.force_login(offered.agent.user)

    response = client.post(f"/agents/offers/{offered.pk}/answer/", {"reject": "1", "reason": "Driving"})

    assert response["Location"] == "/agents/"
    assert Offer.objects.get(pk=offered.pk).reject_reason == "Driving"
    assert Offer.objects.get(status="pending").agent == pool["hollywood"]


def test_a_late_accept_is_refused_and_the_lapsed_agent_sees_nothing_of_the_consumer(client, offered):
    client.force_login(offered.agent.user)

    with time_machine.travel(offered.expires_at + dt.timedelta(seconds=1)):
        client.force_login(offered.agent.user)
        page = client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"}, follow=True).content.decode()

    assert "The 15 minutes to answer this referral have passed" in page
    assert not shows_consumer(page)
    assert Referral.objects.get().status == "offered"


def test_an_offer_that_went_to_someone_else_shows_nothing_of_the_consumer(client, offered, pool):
    from referrals.lifecycle import accept_offer, reject_offer

    reject_offer(offered.pk, offered.agent)
    accept_offer(Offer.objects.get(status="pending").pk, pool["hollywood"])
    client.force_login(offered.agent.user)

    page = page_of(client, offered)
    assert "You rejected this referral." in page and not shows_consumer(page)


def test_the_outcome_is_recorded_and_can_be_changed(client, offered):
    client.force_login(offered.agent.user)
    client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"})
    path = f"/agents/offers/{offered.pk}/"

    missing_note = client.post(path, {"outcome-disposition": "other", "outcome-note": ""})
    assert "Say what happened." in missing_note.content.decode()
    client.post(path, {"outcome-disposition": "contacted"})
    assert Referral.objects.get().disposition == "contacted"
    client.post(path, {"outcome-disposition": "enrolled", "outcome-note": "Silver plan"})

    referral = Referral.objects.get()
    assert (referral.disposition, referral.disposition_note) == ("enrolled", "Silver plan")


def test_the_home_page_puts_the_current_offer_first_then_open_referrals_then_history(client, offered):
    client.force_login(offered.agent.user)
    home = client.get("/agents/")
    assert list(home.context["current"]) == [offered]
    assert 'hx-trigger="every 10s"' in home.content.decode()
    refresh = client.get("/agents/", headers={"HX-Request": "true"}).content.decode()
    assert refresh.startswith('<div id="referral-lists"') and "<html" not in refresh  # only the lists

    client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"})
    home = client.get("/agents/")
    assert list(home.context["current"]) == [] and list(home.context["open"]) == [offered]

    client.post(f"/agents/offers/{offered.pk}/", {"outcome-disposition": "not_interested"})
    home = client.get("/agents/")
    assert list(home.context["open"]) == [] and list(home.context["history"]) == [offered]
    assert "Not interested" in home.content.decode()


# YES / NO by text -------------------------------------------------------------------------


@pytest.fixture
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN


def text(client, body: str, sender: str = "+13135550142", token: str = TWILIO_TOKEN):
    url = "/referrals/twilio/inbound/"
    fields = {"From": sender, "Body": body, "MessageSid": "SM" + "9" * 32}
    signature = RequestValidator(token).compute_signature("http://localhost:8000" + url, fields)
    return client.post(url, fields, headers={"X-Twilio-Signature": signature})


def only_this_agent_has_the_number(agent) -> None:
    Agent.objects.filter(pk=agent.pk).update(cell_phone="+13135550142")  # every agent's number is their own


def last_reply() -> Notification:
    return Notification.objects.filter(kind="text_reply").latest("pk")


@pytest.mark.parametrize("word", ["YES", "yes", "Sí", "SI", "si."])
def test_yes_by_text_accepts_the_one_pending_offer(client, offered, twilio_token, word):
    only_this_agent_has_the_number(offered.agent)

    response = text(client, word)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert Offer.objects.get(pk=offered.pk).status == "accepted"
    assert "you accepted the referral" in last_reply().body and f"/agents/offers/{offered.pk}/" in last_reply().body


def test_no_by_text_rejects_and_the_next_agent_is_offered(client, offered, pool, twilio_token):
    only_this_agent_has_the_number(offered.agent)

    text(client, " no ")

    assert Offer.objects.get(pk=offered.pk).status == "rejected"
    assert Offer.objects.get(status="pending").agent == pool["hollywood"]
    assert "you rejected the referral" in last_reply().body


def test_an_unknown_number_or_no_pending_offer_is_told_to_use_the_link(client, offered, twilio_token):
    text(client, "YES", sender="+12025550199")
    assert "Please use the link" in last_reply().body and last_reply().to == "+12025550199"

    only_this_agent_has_the_number(offered.agent)
    Offer.objects.filter(pk=offered.pk).update(status="lapsed")
    text(client, "YES")
    assert "Please use the link" in last_reply().body


def test_a_deactivated_account_cannot_accept_by_text(client, offered, twilio_token, django_capture_on_commit_callbacks):
    only_this_agent_has_the_number(offered.agent)
    user = offered.agent.user
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        user.save()

    text(client, "YES")

    assert Offer.objects.get(pk=offered.pk).status == "withdrawn"  # taken back the moment it was deactivated
    assert "Please use the link" in last_reply().body


def test_a_reply_in_spanish_for_an_agent_who_chose_spanish(client, offered, twilio_token):
    only_this_agent_has_the_number(offered.agent)
    Agent.objects.filter(pk=offered.agent.pk).update(portal_language="es")

    text(client, "quizás")

    assert last_reply().language == "es"
    assert "responda" in last_reply().body.lower()


def test_a_text_with_a_bad_signature_changes_nothing(client, offered, twilio_token):
    only_this_agent_has_the_number(offered.agent)

    response = text(client, "YES", token="not-our-token")

    assert response.status_code == 403
    assert Offer.objects.get(pk=offered.pk).status == "pending"
    assert not Notification.objects.filter(kind="text_reply").exists()


def test_staff_are_not_agents(client, offered):
    client.force_login(UserFactory(username="ops", is_staff=True))

    assert client.get(f"/agents/offers/{offered.pk}/").status_code == 403
    assert timezone.now() < offered.expires_at


@pytest.mark.parametrize("outcome", ["enrolled", "could_not_reach", "not_interested", "other"])
def test_a_final_outcome_moves_the_referral_from_open_to_history(client, offered, outcome):
    client.force_login(offered.agent.user)
    client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"})

    client.post(f"/agents/offers/{offered.pk}/", {"outcome-disposition": outcome, "outcome-note": "Moved away"})

    home = client.get("/agents/")
    assert list(home.context["open"]) == [] and list(home.context["history"]) == [offered]


def test_contacted_is_not_final_the_referral_stays_open(client, offered):
    client.force_login(offered.agent.user)
    client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"})

    client.post(f"/agents/offers/{offered.pk}/", {"outcome-disposition": "contacted"})

    home = client.get("/agents/")
    assert list(home.context["open"]) == [offered] and list(home.context["history"]) == []


def test_an_agent_cannot_record_the_outcome_of_another_agents_referral(offered, pool):
    from referrals.after_accepting import record_disposition
    from referrals.lifecycle import NotYourReferral, accept_offer

    accept_offer(offered.pk, offered.agent)
    offered.refresh_from_db()

    with pytest.raises(NotYourReferral):
        record_disposition(offered, pool["hollywood"], "enrolled")

    assert Referral.objects.get().disposition == ""


def test_the_home_page_names_the_states_a_failing_rule_keeps_the_agent_out_of(client, pool):
    from tests.factories import add_license

    agent = pool["hialeah"]  # licensed in FL, home state FL
    add_license(agent, "TX")
    Agent.objects.filter(pk=agent.pk).update(display_option=Agent.DisplayOption.HOME_STATE_ONLY)
    client.force_login(agent.user)

    home = client.get("/agents/")

    assert home.context["eligible"] == ["FL"]
    assert home.context["reasons"] == ["Your MLMS display option does not allow referrals in: TX."]


def test_an_agent_with_no_usable_license_is_told_so_and_nothing_about_states(client, pool):
    from agents.models import License

    agent = pool["hialeah"]
    License.objects.filter(npn=agent.npn).update(status="Inactive")
    client.force_login(agent.user)

    reasons = client.get("/agents/").context["reasons"]

    assert reasons == ["No active state license with a health line of authority is on file for your NPN."]


def test_recording_an_outcome_leaves_an_event_on_the_referrals_timeline(client, offered):
    from referrals.models import Event

    client.force_login(offered.agent.user)
    client.post(f"/agents/offers/{offered.pk}/answer/", {"accept": "1"})
    client.post(f"/agents/offers/{offered.pk}/", {"outcome-disposition": "enrolled"})

    assert Event.objects.filter(referral=offered.referral, kind="outcome", detail="enrolled").count() == 1
