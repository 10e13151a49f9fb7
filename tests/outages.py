"""Outages for tests: the broker at a port where nothing listens."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from hod.celery import app as celery_app

DEAD_REDIS = "redis://127.0.0.1:9/0"


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point the Celery app at a Redis port where nothing listens, with the production transport's quick tries."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    with mock.patch.dict(os.environ):
        os.environ.pop("CELERY_BROKER_URL", None)  # Celery reads it before its own setting
        celery_app.conf.broker_url = DEAD_REDIS
        celery_app.conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "socket_connect_timeout": 1}
        _forget_connections()
        try:
            yield
        finally:
            celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
            _forget_connections()


def _forget_connections() -> None:
    """The app keeps its pools of broker connections (kombu keeps one per broker address): let it look
    them up again for the broker it has now. Closing one would close it for the whole run."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
