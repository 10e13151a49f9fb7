"""`/healthz` tells a load balancer whether this process can reach the database and the broker."""

import pytest
from django.db import connection

from hod.celery import app as celery_app


@pytest.fixture
def broker_down(monkeypatch):
    """Point the Celery app at a Redis port where nothing listens."""
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app.conf.broker_transport_options = {}
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved


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


@pytest.mark.django_db
def test_it_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_naming_the_broker_when_the_broker_is_down(client, broker_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


def test_it_answers_503_naming_the_database_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "broker": "ok"}


@pytest.mark.django_db
def test_it_refuses_anything_but_get(client):
    assert client.post("/healthz").status_code == 405
