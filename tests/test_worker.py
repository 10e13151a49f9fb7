"""Work handed to Celery is done by a real worker, through the configured broker."""

import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from hod.celery import app as celery_app
from tests.conftest import TEST_QUEUE

ROOT = Path(__file__).resolve().parent.parent


@celery_app.task(name="tests.create_user")
def create_user(username: str) -> None:
    get_user_model().objects.create(username=username)


def test_a_task_sent_to_the_broker_is_done_by_the_worker(worker, wait_until):
    create_user.delay("made-by-the-worker")

    wait_until(lambda: get_user_model().objects.filter(username="made-by-the-worker").exists())


def _test_database_url() -> str:
    """The configured DATABASE_URL (host, socket, options and all), naming this run's test database."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlsplit(settings.DATABASE_URL)._replace(path=f"/{quote(name)}").geturl()


@pytest.mark.redis
def test_a_task_waits_in_redis_until_a_worker_process_takes_it(transactional_db, clean_environ, wait_until):
    """As in production: the web process enqueues, and a separate `celery -A hod worker` process does it later."""
    import redis

    queue = f"{TEST_QUEUE}-redis"  # a queue no other worker of this run listens to
    queue_in_redis = redis.Redis.from_url(celery_app.conf.broker_url)
    queue_in_redis.delete(queue)

    create_user.apply_async(("via-redis",), queue=queue)
    assert queue_in_redis.llen(queue) == 1
    assert not get_user_model().objects.filter(username="via-redis").exists()

    env = {**clean_environ, "DATABASE_URL": _test_database_url(), "CELERY_BROKER_URL": celery_app.conf.broker_url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hod", "worker", "--queues", queue, "--include", "tests.test_worker",
         "--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        wait_until(lambda: get_user_model().objects.filter(username="via-redis").exists(), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)  # a warm shutdown, as a deploy does
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()  # never leave a worker holding the test database
            worker.wait()
            raise
    assert queue_in_redis.llen(queue) == 0
    queue_in_redis.delete(queue)
