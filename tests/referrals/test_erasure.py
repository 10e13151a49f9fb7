"""Erasure: HOD_RETENTION_DAYS after a request closes (or at once, when its consumer asks), nothing in the
database names the consumer any more, while every statistic stays what it was."""

import datetime as dt
import json
import logging
from collections.abc import Iterator

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from hod.monitoring.models import Heartbeat
from notifications.erasure import pattern_for, without
from notifications.models import Notification, SmsOptOut
from referrals import erasure
from referrals.after_accepting import hand_back, record_disposition
from referrals.erasure import erase_expired, erase_referral, other_requests_of, run_erasure
from referrals.lifecycle import (
    NotYourReferral,
    accept_offer,
    create_referral,
    referral_for_token,
    reject_offer,
    resend_status_link,
    withdraw_referral,
)
from referrals.models import Offer, Referral
from referrals.reporting.coverage import coverage
from referrals.reporting.periods import Period
from referrals.reporting.responsiveness import responsiveness
from referrals.reporting.service import figures
from referrals.sweep import sweep_once
from referrals.text_replies import answer_by_text
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
DAYS = dt.timedelta(days=1)
WINDOW = dt.timedelta(minutes=15)

# Zenobia's details are spelled nowhere else in the project, so any trace of them is hers.
ZENOBIA = {"first_name": "Zenobia", "last_name": "Quillfeather", "email": "zenobia.q@example.org"}
ZENOBIA_PHONE = "+13055550199"
ZENOBIA_NOTE = "Zenobia wants a call back after 5 at 305.555.0199"
TRACES = (
    "Zenobia",
    "Quillfeather",
    "zenobia.q@example.org",
    "+13055550199",
    "3055550199",
    "(305) 555-0199",
    "305-555-0199",
    "305.555.0199",
    "call back after 5",
)


def zenobia(**overrides):
    return consumer(phone=ZENOBIA_PHONE, **{**ZENOBIA, **overrides})


def texts_in_database() -> Iterator[tuple[str, str]]:
    """Every text column of every table, as (where, value): char, text and JSON fields of all models."""
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._base_manager.order_by().values_list("pk", *[field.attname for field in fields]):
            for field, value in zip(fields, row[1:], strict=True):
                if value:
                    text = json.dumps(value) if isinstance(field, models.JSONField) else str(value)
                    yield f"{model._meta.label}.{field.name}#{row[0]}", text


def traces(*words: str) -> list[str]:
    """Where any of `words` appears in the database, whatever its letter case."""
    words = tuple(word.lower() for word in words)
    return sorted({where for where, text in texts_in_database() if any(word in text.lower() for word in words)})


def pending(referral: Referral) -> Offer:
    return Offer.objects.get(referral=referral, status=Offer.Status.PENDING)


def zenobias_eventful_request(pool) -> Referral:
    """Zenobia asks; Hialeah rejects, Hollywood accepts and hands it back; she asks for her link again; Orlando
    accepts and notes what she said; she answers a text and withdraws (Orlando is told her first name)."""
    referral = create_referral(zenobia())
    reject_offer(pending(referral).pk, pool["hialeah"], reason="with another client")
    offer = accept_offer(pending(referral).pk, pool["hollywood"])
    hand_back(offer.pk, pool["hollywood"], reason="Zenobia Quillfeather lives in Georgia, call 305-555-0199")
    Referral.objects.filter(pk=referral.pk).update(status_link_sent_at=None)
    resend_status_link(Referral.objects.get(pk=referral.pk))
    offer = accept_offer(pending(referral).pk, pool["orlando"])
    record_disposition(offer, pool["orlando"], Referral.Disposition.OTHER, note=ZENOBIA_NOTE)
    answer_by_text(ZENOBIA_PHONE, "gracias")
    withdraw_referral(referral)
    return Referral.objects.get(pk=referral.pk)


def test_after_erasure_nothing_in_the_database_names_the_consumer(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = zenobias_eventful_request(pool)
    found = traces(*TRACES)
    assert {"referrals.Referral.first_name", "referrals.Event.detail", "notifications.Notification.to"} <= {
        where.split("#")[0] for where in found
    }  # the search sees her where she was
    assert any(where.startswith("notifications.Notification.body") for where in found)  # "Zenobia withdrew …"
    assert any(where.startswith("referrals.Referral.disposition_note") for where in found)

    with time_machine.travel(start + 181 * DAYS, tick=False):
        assert erase_expired().done == 1

    assert traces(*TRACES) == []
    referral.refresh_from_db()
    assert (referral.first_name, referral.last_name, str(referral.phone), referral.email) == ("", "", "", "")
    assert referral.disposition_note == "" and referral.disposition == Referral.Disposition.OTHER
    assert (referral.state, referral.city, referral.zip_code, referral.language_id) == ("FL", "Miami", "33130", "es")
    told = Notification.objects.filter(kind="referral_withdrawn").exclude(channel="push")
    assert told and all("[erased]" in message.body and message.to for message in told)  # the agent's address stays
    assert not Notification.objects.filter(user=None).exclude(to="").exists()


def test_the_daily_task_erases_only_requests_closed_more_than_the_retention_ago(pool, settings):
    from hod.celery import app

    settings.HOD_RETENTION_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = create_referral(consumer(phone="+13055550101"))
        withdraw_referral(old)
    with time_machine.travel(start + 2 * DAYS, tick=False):
        recent = create_referral(consumer(phone="+13055550102"))
        accept_offer(pending(recent).pk, pool["hialeah"])
        still_open = create_referral(consumer(phone="+13055550103"))

    entry = settings.CELERY_BEAT_SCHEDULE["erase-consumer-data"]
    with time_machine.travel(start + 30 * DAYS, tick=False):
        assert app.tasks[entry["task"]]() == 0  # exactly 30 days: not yet
    with time_machine.travel(start + 31 * DAYS, tick=False):
        assert app.tasks[entry["task"]]() == 1  # what a worker runs when beat sends it

    erased = set(Referral.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {old.pk}
    assert Referral.objects.get(pk=recent.pk).first_name == "María"
    assert Referral.objects.get(pk=still_open.pk).first_name == "María"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}  # daily


def test_an_open_request_is_never_erased_by_retention(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        referral = create_referral(consumer())
    Referral.objects.filter(pk=referral.pk).update(closed_at=start)  # even with a stray closing time

    with time_machine.travel(start + 400 * DAYS, tick=False):
        assert erase_expired().done == 0
        assert erase_referral(referral.pk) is False

    referral.refresh_from_db()
    assert referral.is_open and referral.first_name == "María" and referral.erased_at is None


def test_a_deletion_request_withdraws_an_open_request_then_erases_it_with_an_event_and_an_id_only_log(pool, caplog):
    staff = UserFactory(username="privacy-officer", is_staff=True)
    referral = create_referral(zenobia())
    offer = pending(referral)

    with caplog.at_level(logging.INFO, logger="referrals.erasure"):
        assert erase_referral(referral.pk, timezone.now(), by=staff, reason="request") is True

    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN and referral.erased_at is not None
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN  # nobody is offered an empty request
    kinds = list(referral.events.values_list("kind", "detail"))
    assert kinds[-2:] == [("withdrawn", ""), ("erased", "at the consumer's request, by privacy-officer")]
    assert f"referral {referral.pk}: contact details erased (request, user {staff.pk})" in caplog.text
    assert "Zenobia" not in caplog.text and "0199" not in caplog.text
    assert traces(*TRACES) == []


def test_a_deletion_request_erases_a_closed_request_at_once_and_only_once(pool):
    referral = create_referral(zenobia())
    accept_offer(pending(referral).pk, pool["hialeah"])

    assert erase_referral(referral.pk, reason="request") is True
    assert erase_referral(referral.pk, reason="request") is False  # already erased
    assert erase_referral(0, reason="request") is False  # no such request

    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED  # still accepted: the statistics count it so
    assert list(referral.events.filter(kind="erased").values_list("detail", flat=True)) == ["at the consumer's request"]
    with pytest.raises(ValueError):
        erase_referral(referral.pk, reason="because")


def test_a_message_to_the_consumer_not_sent_yet_is_never_sent(pool):
    referral = create_referral(zenobia())
    accept_offer(pending(referral).pk, pool["hialeah"])  # "an agent will call you", queued (tests run no worker)

    erase_referral(referral.pk, reason="request")

    to_her = Notification.objects.filter(kind="agent_accepted")
    assert {(message.status, message.to) for message in to_her} == {("failed", "")}
    assert "erased" in to_her[0].last_error


def test_her_status_link_stops_working(pool):
    referral = create_referral(zenobia())
    token = referral.status_token
    withdraw_referral(referral)
    assert referral_for_token(token) == referral

    erase_referral(referral.pk, reason="request")

    assert referral_for_token(token) is None


def test_an_erased_request_can_never_be_opened_again(pool):
    referral = create_referral(zenobia())
    offer = accept_offer(pending(referral).pk, pool["hialeah"])
    erase_referral(referral.pk, reason="request")

    with pytest.raises(NotYourReferral):  # handing it back would offer an empty request to agents
        hand_back(offer.pk, pool["hialeah"], reason="cannot help")
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it anyway
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.WAITING)

    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED


def test_a_number_that_texted_stop_stays_stopped(pool):
    referral = create_referral(zenobia())
    answer_by_text(ZENOBIA_PHONE, "STOP")
    withdraw_referral(referral)

    erase_referral(referral.pk, reason="request")

    assert traces(*TRACES) == ["notifications.SmsOptOut.phone#" + str(SmsOptOut.objects.get().pk)]


def test_her_other_requests_are_found_for_a_deletion_request(pool):
    first = create_referral(zenobia())
    withdraw_referral(first)
    second = create_referral(zenobia(email="ZENOBIA.Q@example.org"))
    someone_else = create_referral(consumer(phone="+13055550101", email="other@example.org"))

    assert other_requests_of(first) == [second.pk]
    assert someone_else.pk not in other_requests_of(second)


def test_the_statistics_are_the_same_before_and_after_erasure(pool, settings):
    from tests.referrals.test_reporting import history
    from tests.referrals.test_reporting import referral as made_referral

    start = timezone.now().replace(microsecond=0)
    period = Period("custom", start - DAYS, start + 7 * DAYS, "America/New_York")
    phones = iter(range(100, 200))

    def asks(**overrides) -> Referral:
        return create_referral(consumer(phone=f"+1786555{next(phones):04d}", **overrides))

    with time_machine.travel(start, tick=False):
        accepted = asks()
        offer = accept_offer(pending(accepted).pk, pool["hialeah"])
        record_disposition(offer, pool["hialeah"], Referral.Disposition.ENROLLED, note="María enrolled in a plan")
        rejected_then_accepted = asks(language="en")
        first = pending(rejected_then_accepted)
        reject_offer(first.pk, first.agent, reason="busy")
        second = pending(rejected_then_accepted)
        accept_offer(second.pk, second.agent)
        withdrawn = asks()
        asks()  # lapses, then goes to the next agent
    with time_machine.travel(start + WINDOW, tick=False):
        sweep_once()  # lapses
    with time_machine.travel(start + 2 * WINDOW, tick=False):
        handed = asks()
        offer = pending(handed)
        accept_offer(offer.pk, offer.agent)
        hand_back(offer.pk, offer.agent, reason="out of my area")
        withdraw_referral(withdrawn)
    with time_machine.travel(start + 2 * DAYS, tick=False):
        sweep_once()  # expiries: nobody accepted in a day
        asks()  # still open at the end
    history([pool["hialeah"], pool["hollywood"], pool["orlando"]], 40, start=start)  # rows made directly
    Referral.objects.filter(status__in=["withdrawn", "expired"], closed_at=None).update(closed_at=start)
    before_open = made_referral(start, status="waiting")
    assert Referral.objects.filter(erased_at=None).exclude(closed_at=None).count() > 30

    def statistics():
        now = start + 3 * DAYS
        return (
            figures(period),
            (figures(period).funnel, figures(period).funnel_by_state),
            responsiveness(period),
            responsiveness(period, sort="name"),
            coverage(period, now),
        )

    before = statistics()
    assert before[0].total.requests > 40 and before[1][0].enrolled >= 1 and before[2].reasons["busy"] == 1
    with time_machine.travel(start + 400 * DAYS, tick=False):
        erased = erase_expired().done

    assert erased == Referral.objects.exclude(closed_at=None).count() > 30
    assert not Referral.objects.exclude(closed_at=None).filter(erased_at=None).exists()
    assert Referral.objects.get(pk=before_open.pk).erased_at is None
    assert statistics() == before


def test_the_command_erases_prints_and_records_its_heartbeat(pool):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        withdraw_referral(create_referral(consumer()))

    with time_machine.travel(start + 200 * DAYS, tick=False):
        from io import StringIO

        out = StringIO()
        call_command("erase_consumer_data", stdout=out)
        call_command("erase_consumer_data", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 referral(s) erased: closed more than 180 day(s) ago",
        "0 referral(s) erased: closed more than 180 day(s) ago",
    ]
    beat = Heartbeat.objects.get(name="erasure")
    assert beat.last_success_at is not None and not beat.failing and beat.skipped == 0


def test_a_request_that_fails_is_skipped_and_reported_and_the_others_are_erased(pool, monkeypatch, caplog):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = create_referral(consumer(phone="+13055550101"))
        withdraw_referral(first)
        second = create_referral(consumer(phone="+13055550102"))
        withdraw_referral(second)
    real_erase = erasure._erase

    def failing_for_the_first(referral, now):
        if referral.pk == first.pk:
            raise RuntimeError("disk full at +13055550101")
        real_erase(referral, now)

    monkeypatch.setattr(erasure, "BATCH", 1)  # and the next batch starts after the one that failed
    monkeypatch.setattr(erasure, "_erase", failing_for_the_first)
    with time_machine.travel(start + 200 * DAYS, tick=False):
        tally = run_erasure()

    assert tally.done == 1 and len(tally.skipped) == 1
    assert tally.skipped[0].startswith(f"referral {first.pk}: RuntimeError: disk full at")
    assert "+13055550101" not in tally.skipped[0]  # no number in admin's alerts
    assert Referral.objects.get(pk=first.pk).erased_at is None  # rolled back whole: tried again tomorrow
    assert Referral.objects.get(pk=second.pk).erased_at is not None
    beat = Heartbeat.objects.get(name="erasure")
    assert beat.skipped == 1 and f"referral {first.pk}" in beat.last_error


def test_a_failed_run_is_recorded(monkeypatch):
    def broken(now):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "erase_expired", broken)
    with pytest.raises(RuntimeError):
        run_erasure()

    beat = Heartbeat.objects.get(name="erasure")
    assert beat.failing and "the database went away" in beat.last_error


@pytest.mark.parametrize(
    "text",
    [
        "call +13055550199",
        "call +1 (305) 555-0199 now",
        "call 305.555.0199",
        "call 305 555 0199",
        "write to ZENOBIA.Q@example.org",
        "zenobia quillfeather called",
        "<p>Zenobia</p>",
    ],
)
def test_her_details_are_found_in_any_usual_spelling(text):
    pattern = pattern_for(names=["Zenobia", "Quillfeather"], emails=["zenobia.q@example.org"], phones=["+13055550199"])

    assert not any(trace.lower() in without(text, pattern).lower() for trace in TRACES)
    assert "[erased]" in without(text, pattern)


def test_only_whole_names_are_erased():
    pattern = pattern_for(names=["Ana", "O'Brien"], phones=["+13055550199"])

    assert without("Santa Ana, Banana", pattern) == "Santa [erased], Banana"
    assert without("O&#x27;Brien and O'Brien", pattern) == "[erased] and [erased]"
    assert without("ref 913055550199 and 3055550199", pattern) == "ref 913055550199 and [erased]"
    assert pattern_for(names=[""], emails=[""]) is None
