"""With DATABASE_URL and CELERY_BROKER_URL set, the suite really runs on PostgreSQL and Redis."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from hod.health import broker_answers


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    assert version.startswith("PostgreSQL")


@pytest.mark.redis
def test_the_broker_is_redis_and_answers():
    from hod.celery import app as celery_app

    with celery_app.connection_for_write() as conn:
        assert conn.transport.driver_name == "redis"
    assert broker_answers()


@pytest.mark.postgresql
def test_a_row_locked_by_one_worker_is_skipped_by_another(transactional_db):
    """What sweeps rely on: `SKIP LOCKED` lets two processes claim different rows, never the same."""
    User = get_user_model()
    first, second = User.objects.create(username="first"), User.objects.create(username="second")
    locked = threading.Event()
    release = threading.Event()

    def hold_first_row() -> None:
        try:
            with transaction.atomic():
                list(User.objects.select_for_update().filter(pk=first.pk))
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_first_row)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            claimed = list(User.objects.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
    finally:
        release.set()
        holder.join()

    assert claimed == [second.pk]
