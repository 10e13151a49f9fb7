"""The routing experiments behind settings (DESIGN.md: they ship off, for the simulation to compare), each with its
setting on, through the lifecycle, the sweep and the pages: auto-pause turned off with 0, the responsiveness
tie-break, a shorter window, and offering a referral to two agents at once (the first accept wins)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from agents.models import Agent
from matching.models import AnswerRecord
from matching.responsiveness import RECENT_OFFERS, RECORD, recent_lapses, record_outcome
from notifications.models import Notification
from referrals.lifecycle import OfferClosed, accept_offer, create_referral, reject_offer, withdraw_referral
from referrals.models import Event, Offer, Referral
from referrals.sweep import sweep_once
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
PHONES = iter(f"+1305555{number:04d}" for number in range(400, 500))


def new_request(at: dt.datetime | None = None) -> Referral:
    with time_machine.travel(at or timezone.now(), tick=False):
        return create_referral(consumer(phone=next(PHONES)))


def pending(referral: Referral) -> list[Offer]:
    return list(Offer.objects.filter(referral=referral, status="pending").select_related("agent").order_by("slot"))


def sweep_after(offer: Offer) -> None:
    """Nobody answers: the sweep after the window lapses the offer."""
    with time_machine.travel(offer.expires_at + dt.timedelta(seconds=5), tick=False):
        assert sweep_once().ok


def told(kind: str, offer: Offer) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, related_id=str(offer.pk)))


def names(offers: list[Offer]) -> list[str]:
    return [offer.agent.first_name for offer in offers]


def status_page(client, referral: Referral) -> str:
    return client.get(f"/get-contacted/status/{referral.status_token}/").content.decode()


# --- HOD_PAUSE_AFTER_LAPSES=0: auto-pause off ------------------------------------------------------------


def test_with_auto_pause_at_zero_lapses_never_switch_the_agent_off_and_each_is_told(pool, settings):
    settings.HOD_PAUSE_AFTER_LAPSES = 0
    Agent.objects.exclude(pk=pool["hialeah"].pk).update(taking_referrals=False)
    offers = []
    at = timezone.now()
    for _ in range(3):
        (offer,) = pending(new_request(at))
        sweep_after(offer)
        offers.append(offer)
        at = offer.expires_at + dt.timedelta(minutes=1)

    hialeah = Agent.objects.get(pk=pool["hialeah"].pk)
    assert hialeah.taking_referrals is True and hialeah.paused_at is None
    assert hialeah.lapses_in_a_row == 3  # still counted, for admin's responsiveness view
    assert all(told("offer_lapsed", offer) for offer in offers)
    assert not Notification.objects.filter(kind="paused_for_lapses").exists()


# --- The responsiveness tie-break ---------------------------------------------------------------------------


def two_lapses_for_hialeah(pool, settings) -> None:
    """Hialeah (9 miles from the consumer, the closest eligible agent) lets two offers lapse, through the sweep."""
    settings.HOD_PAUSE_AFTER_LAPSES = 0
    Agent.objects.exclude(pk=pool["hialeah"].pk).update(taking_referrals=False)
    at = timezone.now() - dt.timedelta(hours=1)
    for _ in range(2):
        (offer,) = pending(new_request(at))
        sweep_after(offer)
        withdraw_referral(offer.referral)
        at = offer.expires_at + dt.timedelta(minutes=1)
    Agent.objects.filter(pk__in=[pool["hollywood"].pk, pool["orlando"].pk]).update(taking_referrals=True)


@pytest.mark.parametrize(("miles", "chosen"), [(0, "hialeah"), (5, "hialeah"), (10, "hollywood"), (300, "hollywood")])
def test_the_tie_break_prefers_the_agent_with_fewer_recent_lapses_only_within_its_miles(pool, settings, miles, chosen):
    two_lapses_for_hialeah(pool, settings)
    settings.HOD_RESPONSIVENESS_TIE_BREAK_MILES = miles

    (offer,) = pending(new_request())

    # Hollywood is 16 miles away, 7 more than Hialeah; Orlando (206 miles) has no lapses either, but Hollywood is
    # closer among the equally responsive.
    assert offer.agent.first_name == chosen
    assert recent_lapses([pool["hialeah"].pk, pool["hollywood"].pk]) == {pool["hialeah"].pk: 2, pool["hollywood"].pk: 0}


def test_answers_and_lapses_are_recorded_as_offers_end_and_only_the_last_ones_count(pool):
    Agent.objects.exclude(pk=pool["hialeah"].pk).update(taking_referrals=False)
    hialeah = pool["hialeah"]
    (first,) = pending(new_request())
    sweep_after(first)  # lapsed
    (second,) = pending(new_request(first.expires_at + dt.timedelta(minutes=1)))
    with time_machine.travel(second.offered_at + dt.timedelta(minutes=1), tick=False):
        reject_offer(second.pk, hialeah, "Busy")  # answered
    (third,) = pending(new_request(second.offered_at + dt.timedelta(minutes=5)))
    with time_machine.travel(third.offered_at + dt.timedelta(minutes=1), tick=False):
        accept_offer(third.pk, hialeah)  # answered

    assert AnswerRecord.objects.get(agent=hialeah).recent_lapses == 0b100  # newest lowest
    for _ in range(RECENT_OFFERS):
        record_outcome(hialeah.pk, answered=True)
    assert recent_lapses([hialeah.pk]) == {hialeah.pk: 0}  # the old lapse fell off
    assert AnswerRecord._meta.db_table in RECORD and f"& {(1 << RECENT_OFFERS) - 1}" in RECORD


@pytest.mark.postgresql
def test_the_index_walk_and_the_python_fallback_break_ties_alike(pool, settings):
    from matching.nearest import _candidates, next_agent, next_agent_in_python
    from tests.factories import make_eligible_agent

    extra = [
        make_eligible_agent(npn=str(6100000 + n), zip_code=zip_code, languages=("es",), first_name=f"extra{n}")
        for n, zip_code in enumerate(["33012", "33012", "33024", "33126", "33166", "33172"])
    ]
    everyone = [pool["hialeah"], pool["hollywood"], pool["orlando"], *extra]
    for number, agent in enumerate(everyone):
        for lapse in range(number % 4):
            record_outcome(agent.pk, answered=lapse % 2 == 1)
    miami = consumer().place
    for miles in (0, 1, 5, 10, 30, 300):
        walked = next_agent("FL", "es", miami.latitude, miami.longitude, tie_break_miles=miles)
        loaded = next_agent_in_python(_candidates("FL", "es", None, None, None), miami.latitude, miami.longitude, miles)
        assert walked == loaded, miles


# --- A shorter window ---------------------------------------------------------------------------------------


def test_a_five_minute_window_is_what_the_agent_and_the_consumer_are_told_and_what_the_sweep_keeps(
    client, pool, settings
):
    settings.HOD_OFFER_WINDOW_SECONDS = 300
    referral = new_request()
    (offer,) = pending(referral)

    assert offer.expires_at - offer.offered_at == dt.timedelta(minutes=5)
    (text,) = [row for row in told("offer", offer) if row.channel == "sms"]
    assert "within 5 min" in text.body
    assert "They have 5 minutes to accept." in status_page(client, referral)
    with time_machine.travel(offer.offered_at + dt.timedelta(minutes=4), tick=False):
        assert sweep_once().lapsed == 0
    sweep_after(offer)
    offer.refresh_from_db()
    assert offer.status == "lapsed" and offer.responded_at - offer.offered_at < dt.timedelta(minutes=6)
    assert names(pending(referral)) == ["hollywood"]
    with time_machine.travel(offer.expires_at + dt.timedelta(seconds=10), tick=False), pytest.raises(OfferClosed):
        accept_offer(offer.pk, pool["hialeah"])


# --- Two offers at once, the first accept wins ---------------------------------------------------------------


@pytest.fixture
def two_at_once(pool, settings) -> Referral:
    settings.HOD_OFFERS_AT_ONCE = 2
    return new_request()


def test_a_request_is_offered_to_the_two_closest_agents_at_once(two_at_once, client):
    offers = pending(two_at_once)

    assert names(offers) == ["hialeah", "hollywood"] and [offer.slot for offer in offers] == [0, 1]
    assert all(told("offer", offer) for offer in offers)
    two_at_once.refresh_from_db()
    assert two_at_once.status == "offered"
    page = status_page(client, two_at_once)
    assert "Offered to 2 agents at once, the first less than a minute ago, at" in page
    assert "the first to accept will call you" in page
    assert "hialeah" not in page and "hollywood" not in page


def test_the_first_accept_wins_and_the_other_agent_is_told_it_went_to_someone_else(two_at_once, client):
    hialeah_offer, hollywood_offer = pending(two_at_once)

    client.force_login(hollywood_offer.agent.user)
    client.post(f"/agents/offers/{hollywood_offer.pk}/answer/", {"accept": "1"})

    hialeah_offer.refresh_from_db()
    two_at_once.refresh_from_db()
    assert two_at_once.status == "accepted" and hialeah_offer.status == "withdrawn"
    assert hialeah_offer.is_taken_by_another
    assert told("offer_taken", hialeah_offer) and not told("offer_lapsed", hialeah_offer)
    assert Event.objects.filter(offer=hialeah_offer, kind="offer_withdrawn").count() == 1
    client.force_login(hialeah_offer.agent.user)
    page = client.post(f"/agents/offers/{hialeah_offer.pk}/answer/", {"accept": "1"}, follow=True).content.decode()
    assert "Another agent or broker accepted this referral first." in page
    assert "María" not in page and "Pérez" not in page  # nothing of the consumer for the agent who lost
    assert Offer.objects.filter(referral=two_at_once, status="accepted").get().agent.first_name == "hollywood"
    assert Agent.objects.get(pk=hialeah_offer.agent_id).lapses_in_a_row == 0  # a withdrawal is not a lapse
    home = client.get("/agents/").content.decode()
    assert "Accepted first by another agent" in home


def test_a_reject_or_a_lapse_of_one_offer_makes_the_next_so_that_two_stay_out_while_agents_remain(two_at_once):
    hialeah_offer, hollywood_offer = pending(two_at_once)

    with time_machine.travel(hialeah_offer.offered_at + dt.timedelta(minutes=1), tick=False):
        reject_offer(hialeah_offer.pk, hialeah_offer.agent, "Busy")
    assert names(pending(two_at_once)) == ["orlando", "hollywood"]  # Orlando took Hialeah's place

    sweep_after(hollywood_offer)  # Hollywood lapses: everyone eligible was asked, Orlando still holds it
    assert names(pending(two_at_once)) == ["orlando"]
    two_at_once.refresh_from_db()
    assert two_at_once.status == "offered"


def test_a_free_place_is_filled_by_the_sweep_when_an_agent_comes_on(pool, settings, client):
    settings.HOD_OFFERS_AT_ONCE = 2
    Agent.objects.exclude(pk=pool["hialeah"].pk).update(taking_referrals=False)
    referral = new_request()
    (offer,) = pending(referral)
    page = status_page(client, referral)
    assert "Offered to an agent less than a minute ago" in page  # one agent holds it: the page says one

    Agent.objects.filter(pk=pool["hollywood"].pk).update(taking_referrals=True)
    with time_machine.travel(offer.offered_at + dt.timedelta(minutes=2), tick=False):
        assert sweep_once().offered == 1

    assert names(pending(referral)) == ["hialeah", "hollywood"]


def test_after_the_setting_goes_back_to_one_a_reject_makes_no_new_offer_while_one_is_out(two_at_once, settings):
    hialeah_offer, _hollywood_offer = pending(two_at_once)
    settings.HOD_OFFERS_AT_ONCE = 1

    with time_machine.travel(hialeah_offer.offered_at + dt.timedelta(minutes=1), tick=False):
        reject_offer(hialeah_offer.pk, hialeah_offer.agent, "Busy")

    assert names(pending(two_at_once)) == ["hollywood"]


def test_withdrawing_the_request_withdraws_both_offers(two_at_once):
    withdraw_referral(two_at_once)

    assert pending(two_at_once) == []
    assert Offer.objects.filter(referral=two_at_once, status="withdrawn").count() == 2


@pytest.mark.postgresql
def test_two_agents_accepting_at_the_same_moment_make_exactly_one_winner(transactional_db, pool, settings):
    from tests.referrals.test_concurrency import all_at_once

    settings.HOD_OFFERS_AT_ONCE = 2
    for _round in range(5):
        referral = new_request()
        offers = pending(referral)
        assert len(offers) == 2
        inside = max(offer.offered_at for offer in offers) + dt.timedelta(minutes=1)

        def attempt(number: int, offers=offers, inside=inside) -> str:
            offer = offers[number % 2]
            try:
                accept_offer(offer.pk, offer.agent, now=inside)
            except OfferClosed as closed:
                return closed.reason
            return f"accepted by {offer.agent.first_name}"

        results = all_at_once(attempt, range(20), connections_at_once=20)

        winners = [result for result in results if result.startswith("accepted")]
        assert len(winners) == 1, results
        assert set(results) - set(winners) <= {"answered", "taken"}, results
        referral.refresh_from_db()
        assert referral.status == "accepted"
        accepted = Offer.objects.get(referral=referral, status="accepted")
        assert winners == [f"accepted by {accepted.agent.first_name}"]
        assert (
            Offer.objects.filter(referral=referral, status="withdrawn", reject_reason=Offer.TAKEN_BY_ANOTHER).count()
            == 1
        )
        assert Event.objects.filter(referral=referral, kind="accepted").count() == 1
        Offer.objects.filter(referral=referral).update(status="handed_back")  # both agents free for the next round
        Referral.objects.filter(pk=referral.pk).update(status="closed")
