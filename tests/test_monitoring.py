"""What operators are told: the admin index's alerts and /metrics."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hod.monitoring.heartbeats import record_failure
from notifications.models import Notification, Status
from notifications.sending import Recipient, send
from referrals.lifecycle import create_referral
from referrals.sweep import sweep_once
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    return client


def alerts_on_index(client) -> str:
    page = client.get("/admin/").content.decode()
    return page[page.index('id="hod-alerts-title"') : page.index("</section>")]


def texts(count: int, error: str = "", status: str = Status.QUEUED) -> list[Notification]:
    rows = [
        send(Recipient(phone=f"+1305555{1000 + n}", channels=frozenset({"sms"})), "test_message")[0]
        for n in range(count)
    ]
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(attempts=1, last_error=error, status=status)
    return rows


def test_the_index_says_all_is_well_when_it_is(staff_client):
    sweep_once()

    assert "No alerts" in alerts_on_index(staff_client)


def test_the_index_warns_when_the_sweep_has_not_run(staff_client, settings):
    sweep_once()
    later = timezone.now() + dt.timedelta(seconds=3 * settings.HOD_SWEEP_INTERVAL_SECONDS + 1)

    with time_machine.travel(later):
        alerts = alerts_on_index(staff_client)

    assert "Needs attention (1)" in alerts
    assert "The sweep is not running: offers do not lapse" in alerts


def test_the_index_names_a_failing_part_of_the_sweep_and_its_error(staff_client):
    sweep_once()
    record_failure("sweep.lapses", "DatatypeMismatch: column is of type timestamp")

    alerts = alerts_on_index(staff_client)

    assert "sweep.lapses failed at" in alerts and "DatatypeMismatch: column is of type timestamp" in alerts


def test_the_index_warns_of_messages_queued_for_more_than_five_minutes(staff_client):
    sweep_once()
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=7)):
        send(Recipient(email="ana@agents.example"), "test_message")
    send(Recipient(email="eva@agents.example"), "test_message")  # just queued: fine

    assert "1 message(s) queued for more than 5 minutes (the oldest for 7 minutes)" in alerts_on_index(staff_client)


def test_the_index_warns_of_a_channel_failing_more_than_a_fifth_of_its_sends(staff_client):
    sweep_once()
    texts(6, status=Status.SENT)
    texts(3, error="Twilio 401 20003: Authenticate", status=Status.FAILED)  # 3 of 9: a third

    assert "Text (SMS) is failing: 3 of its last 9 sends in 15 minutes" in alerts_on_index(staff_client)


def test_a_channel_failing_less_than_a_fifth_is_no_alert(staff_client):
    sweep_once()
    texts(9, status=Status.SENT)
    texts(2, error="Twilio 500", status=Status.QUEUED)  # 2 of 11, retrying

    assert "No alerts" in alerts_on_index(staff_client)


def test_metrics_are_off_without_a_token(client, settings):
    settings.HOD_METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_metrics_refuse_a_wrong_token(client, settings):
    settings.HOD_METRICS_TOKEN = TOKEN

    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_show_queue_depths_and_the_sweep(client, settings, pool):
    settings.HOD_METRICS_TOKEN = TOKEN
    create_referral(consumer(phone="+13055550101"))  # offered to Hialeah
    create_referral(consumer(phone="+13055550102", zip_code="32801"))  # offered to Orlando
    create_referral(consumer(phone="+13055550103"))  # offered to Hollywood
    create_referral(consumer(phone="+13055550104"))  # nobody left: waits
    sweep_once()

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "hod_referrals_waiting 1.0" in text
    assert "hod_offers_pending 3.0" in text
    assert 'hod_offers{outcome="pending"} 3.0' in text and 'hod_offers{outcome="lapsed"} 0.0' in text
    assert 'hod_messages_unsent{channel="email"}' in text
    assert "hod_sweep_stale 0.0" in text
    assert 'hod_job_last_success_timestamp_seconds{job="sweep.lapses"}' in text
    assert "hod_alerts 0.0" in text


def test_app_notifications_to_agents_without_a_device_are_no_alert(staff_client):
    sweep_once()
    texts(0)
    rows = [send(Recipient(email=f"a{n}@agents.example"), "test_message")[0] for n in range(5)]
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
        channel="push", attempts=1, status=Status.FAILED, last_error="no registered device"
    )

    assert "No alerts" in alerts_on_index(staff_client)
