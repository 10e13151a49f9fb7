"""Health as a load balancer, an orchestrator and an operator see it: /livez, /healthz, `check_health`,
/metrics and the admin's alerts."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from hod.monitoring.heartbeats import record_failure, record_success
from referrals.sweep import STEPS, sweep_once


@pytest.fixture
def database_down(transactional_db):
    """Make the next database connection fail, the way an unreachable server does."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/hod.sqlite3"
    else:
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "9"
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture
def swept(db):
    sweep_once()


@pytest.mark.django_db
def test_it_answers_200_ok_when_database_broker_and_sweep_are_fine(client, swept):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("status", "database", "broker", "sweep")} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "sweep": "ok",
    }
    assert 0 <= body["sweep_age_seconds"] < 5
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_broker_outage_is_degraded_not_unavailable(client, swept, broker_down):
    response = client.get("/healthz")

    assert response.status_code == 200  # the form still takes consumers: keep this process in the pool
    assert response.json()["status"] == "degraded" and response.json()["broker"] == "degraded"


@pytest.mark.django_db
def test_a_stale_sweep_is_degraded_not_unavailable(client, swept, settings):
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3 * settings.HOD_SWEEP_INTERVAL_SECONDS + 1)):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["sweep"] == "degraded" and response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_a_sweep_that_never_ran_is_degraded(client):
    body = client.get("/healthz").json()

    assert body["sweep"] == "degraded" and body["sweep_age_seconds"] is None


def test_it_answers_503_without_the_database_and_livez_still_answers(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "broker": "ok", "sweep": "unknown"}
    assert client.get("/livez").status_code == 200
    assert client.get("/healthz/database").status_code == 503


@pytest.mark.django_db
def test_the_database_check_asks_one_query_and_nothing_of_the_broker(client, broker_down, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz/database")

    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_it_refuses_anything_but_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/livez").status_code == 405


@pytest.mark.django_db
def test_check_health_sweep_fails_with_the_reason_when_the_sweep_is_stale(swept, settings, capsys):
    call_command("check_health", "--sweep")
    assert "sweep: the last successful sweep was 0 s ago" in capsys.readouterr().out

    later = timezone.now() + dt.timedelta(seconds=3 * settings.HOD_SWEEP_INTERVAL_SECONDS + 5)
    with time_machine.travel(later), pytest.raises(SystemExit) as exit_code:
        call_command("check_health", "--sweep")

    assert exit_code.value.code == 1
    assert "unhealthy: the last successful sweep was" in capsys.readouterr().err


@pytest.mark.django_db
def test_check_health_sweep_fails_while_one_part_of_the_sweep_keeps_failing(swept, settings, capsys):
    later = timezone.now() + dt.timedelta(seconds=3 * settings.HOD_SWEEP_INTERVAL_SECONDS + 5)
    with time_machine.travel(later):
        for name in STEPS:
            if name == "sweep.lapses":
                record_failure(name, "OperationalError: the disk is full")
            else:
                record_success(name, 0.01)
        with pytest.raises(SystemExit):
            call_command("check_health", "--sweep")


def test_check_health_fails_without_the_database(database_down, capsys):
    with pytest.raises(SystemExit) as exit_code:
        call_command("check_health")

    assert exit_code.value.code == 1
    assert "unhealthy: the database cannot be reached" in capsys.readouterr().err


@pytest.mark.django_db
def test_check_health_broker_fails_when_the_broker_is_down(broker_down, capsys):
    with pytest.raises(SystemExit):
        call_command("check_health", "--broker")
    assert "unhealthy: the broker cannot be reached" in capsys.readouterr().err
