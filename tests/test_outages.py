"""Redis is optional for accepting a consumer: rate limits fail open, messages wait for the broker,
and the re-send job hands them over once it is back. One beat at a time."""

import pytest
from django.db import connection

from hod.beat import FileLock, PostgresLock, beat_lock
from hod.env import cache_config
from notifications.models import Notification, Status
from notifications.tasks import resend_lost_notifications
from referrals.models import Referral
from tests.outages import DEAD_REDIS, broker_unreachable
from tests.referrals.test_get_contacted import form


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": cache_config(DEAD_REDIS)}


@pytest.mark.django_db
def test_with_the_cache_down_a_consumer_is_still_accepted_and_the_limit_fails_open(client, pool, cache_down, caplog):
    response = client.post("/get-contacted/", form())

    assert response.status_code == 302
    assert Referral.objects.get().status == "offered"
    assert "rate limit get-contacted-ip not applied, the cache is unreachable" in caplog.text


@pytest.mark.django_db
def test_with_the_broker_down_a_consumer_is_accepted_and_the_messages_wait_for_the_resend_job(
    client, pool, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/get-contacted/", form())

    assert response.status_code == 302
    messages = Notification.objects.all()
    assert messages.count() == 5  # the consumer's confirmation (e-mail, text), the agent's offer (three channels)
    assert all(message.handoff_failed_at is not None for message in messages)
    assert set(messages.values_list("status", flat=True)) == {Status.QUEUED}


def test_messages_the_broker_could_not_take_go_out_once_the_resend_job_runs(client, pool, worker, wait_until):
    with broker_unreachable():
        client.post("/get-contacted/", form())
    assert Notification.objects.filter(handoff_failed_at__isnull=False).count() == 5

    assert resend_lost_notifications() == 5

    wait_until(lambda: not Notification.objects.filter(status__in=[Status.QUEUED, Status.SENDING]).exists())
    assert not Notification.objects.filter(handoff_failed_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_waits_until_the_first_one_stops():
    first, second = beat_lock(), beat_lock()
    try:
        assert first.acquire()
        assert not second.acquire()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_beat_that_loses_its_database_connection_loses_the_lock():
    holder, waiting = PostgresLock(), PostgresLock()
    try:
        assert holder.acquire()
        with connection.cursor() as cursor:  # the database drops the holder's connection
            cursor.execute("SELECT pg_terminate_backend(%s)", [holder.database.connection.info.backend_pid])
        assert not holder.still_held()
        assert waiting.acquire()
    finally:
        holder.release()
        waiting.release()


def test_the_embedded_beat_lock_is_a_file_lock(tmp_path):
    first, second = FileLock(tmp_path / "beat.lock"), FileLock(tmp_path / "beat.lock")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_beat_on_a_new_host_makes_the_folder_of_its_schedule(tmp_path):
    from hod.beat import SingleBeatScheduler
    from hod.celery import app

    schedule = tmp_path / "not-made-yet" / "celerybeat-schedule"
    scheduler = SingleBeatScheduler(app=app, schedule_filename=str(schedule), lazy=False)
    scheduler.close()

    assert schedule.parent.is_dir()
