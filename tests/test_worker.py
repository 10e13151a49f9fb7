"""Work handed to Celery is done by a real worker, through the configured broker."""

import pytest
from django.contrib.auth import get_user_model

from hod.celery import app as celery_app
from tests.conftest import TEST_QUEUE, running_worker


@celery_app.task(name="tests.create_user")
def create_user(username: str) -> None:
    get_user_model().objects.create(username=username)


def test_a_task_sent_to_the_broker_is_done_by_the_worker(worker, wait_until):
    create_user.delay("made-by-the-worker")

    wait_until(lambda: get_user_model().objects.filter(username="made-by-the-worker").exists())


@pytest.mark.redis
def test_a_task_waits_in_redis_until_a_worker_takes_it(transactional_db, wait_until):
    import redis

    queue = f"{TEST_QUEUE}-redis"  # a queue no other worker of this run listens to
    queue_in_redis = redis.Redis.from_url(celery_app.conf.broker_url)
    queue_in_redis.delete(queue)

    create_user.apply_async(("via-redis",), queue=queue)
    assert queue_in_redis.llen(queue) == 1
    assert not get_user_model().objects.filter(username="via-redis").exists()

    with running_worker(queue):
        wait_until(lambda: get_user_model().objects.filter(username="via-redis").exists())
    assert queue_in_redis.llen(queue) == 0
