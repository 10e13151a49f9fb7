"""Fixtures shared by the whole suite.

Tests marked `postgresql` or `redis` need those servers; elsewhere they skip with a reason,
and with HOD_REQUIRE_SERVICES=true (as `.ci/run` sets) a missing server fails them instead.
"""

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connections

from agents.loaders import load_agents_reference_data
from hod.celery import app as celery_app
from hod.env import envbool
from hod.reference.loaders import load_reference_data

# Messages from this run go to a queue of their own, so a demo (`make run`) or another test run
# on the same broker never takes them.
TEST_QUEUE = f"hod-test-{uuid.uuid4().hex[:8]}"


def pytest_configure(config: pytest.Config) -> None:
    celery_app.conf.task_default_queue = TEST_QUEUE


def _database_is_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = []
    if item.get_closest_marker("postgresql") and not _database_is_postgresql():
        missing.append("PostgreSQL (set DATABASE_URL=postgres://…)")
    if item.get_closest_marker("redis") and not _broker_is_redis():
        missing.append("Redis (set CELERY_BROKER_URL=redis://…)")
    if missing:
        reason = "needs " + " and ".join(missing)
        if envbool("HOD_REQUIRE_SERVICES", False):
            pytest.fail(f"{reason}, and HOD_REQUIRE_SERVICES is set", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Rate-limit counters, log-in throttles and what a process keeps for a few seconds (hod.cached) start from
    nothing in every test."""
    from django.core.cache import cache

    from hod import cached

    cache.clear()
    cached.forget_everything()
    yield
    cache.clear()
    cached.forget_everything()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings) -> None:
    """Pages render in tests without a collected manifest (production runs collectstatic)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _messages_stay_in_memory(settings, tmp_path) -> Iterator[None]:
    """Texts and app notifications go to the memory outbox (e-mail to Django's, as pytest-django sets)."""
    from notifications.transports import development

    settings.HOD_SMS_BACKEND = "memory"
    settings.HOD_PUSH_BACKEND = "memory"
    settings.HOD_MESSAGE_FILE_PATH = str(tmp_path / "messages")
    development.outbox.clear()
    yield
    development.outbox.clear()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request) -> None:
    """Tests that commit (worker, live server) flush the database afterwards, reference data included;
    put it back as `migrate` left it, so every test starts with states, Marketplaces and languages."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        load_reference_data(django_apps)
        load_agents_reference_data(django_apps)


@pytest.fixture(scope="session")
def _session_worker(django_db_setup, django_db_blocker) -> Iterator[None]:
    """One worker thread for the whole run (starting and stopping one takes seconds)."""

    def close_connections(**kwargs) -> None:
        connections.close_all()  # the worker thread's own; so the test database can be dropped at the end

    task_postrun.connect(close_connections, weak=False)
    # A real Celery worker, in a thread, consuming this run's queue on the configured broker.
    worker = start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=[TEST_QUEUE], loglevel="WARNING", shutdown_timeout=30
    )
    with django_db_blocker.unblock(), worker:
        yield
    task_postrun.disconnect(close_connections)


@pytest.fixture
def worker(transactional_db, _session_worker) -> None:
    """A real Celery worker consuming this run's queue; the test's writes are committed so it sees them."""


@pytest.fixture
def wait_until() -> Callable[[Callable[[], bool]], None]:
    """Wait for something another process or thread does (a worker's task), failing after a limit."""

    def wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting after {timeout:.0f} s")
            time.sleep(0.05)

    return wait


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The broker cannot be reached (Redis at a port where nothing listens)."""
    from tests.outages import broker_unreachable

    with broker_unreachable():
        yield


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment a subprocess gets: this one without the variables that pick a mode."""
    env = dict(os.environ)
    for name in list(env):
        if name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE") or name.startswith(
            ("HOD_", "DJANGO_")
        ):
            env.pop(name)
    return env


@pytest.fixture
def pool(db) -> dict:
    """Spanish-speaking Florida agents around Miami, the nearest ones each failing one rule.

    Distances from the consumer's ZIP 33130 (Miami): 33130 0 mi, 33125 ~2 mi, 33135 ~2 mi,
    33145 ~2 mi, 33142 ~4 mi, 33138 ~6 mi, 33012 ~9 mi (Hialeah), 33024 ~16 mi, 32801 ~206 mi (Orlando).
    """
    from agents.models import Agent
    from tests.agents import test_eligibility as rules
    from tests.factories import make_eligible_agent

    specs = {
        "off": ("33130", rules.switched_off),
        "unregistered": ("33125", rules.not_registered),
        "untrained": ("33135", rules.not_trained),
        "expired_license": ("33145", rules.license_expired),
        "display_4": ("33142", rules.display_option_4),
        "deselected": ("33138", rules.florida_deselected),
        "no_account": ("33127", rules.no_account),
        "english_only": ("33150", None),
        "hialeah": ("33012", None),
        "hollywood": ("33024", None),
        "orlando": ("32801", None),
    }
    agents = {}
    for number, (name, (zip_code, breaks)) in enumerate(specs.items()):
        languages = ("en",) if name == "english_only" else ("es", "en")
        agent = make_eligible_agent(npn=str(5000000 + number), zip_code=zip_code, languages=languages, first_name=name)
        if breaks:
            breaks(agent)
        agents[name] = Agent.objects.get(pk=agent.pk)
    return agents
