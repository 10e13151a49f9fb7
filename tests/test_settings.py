"""Settings come from the environment, default to the embedded mode, and refuse bad values loudly."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hod.env import cache_config, envbool, envint, envurl

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_bad_value_stops_start_up_with_the_variables_name(clean_environ):
    result = manage("check", env={**clean_environ, "HOD_OFFER_WINDOW_SECONDS": "fifteen minutes"})

    assert result.returncode != 0
    assert "HOD_OFFER_WINDOW_SECONDS must be a whole number, not 'fifteen minutes'" in result.stderr


def test_with_no_variables_set_it_runs_in_the_embedded_mode(clean_environ, tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.HOD_OFFER_WINDOW_SECONDS,"
        " s.HOD_SWEEP_INTERVAL_SECONDS, s.HOD_REFERRAL_EXPIRY_SECONDS, s.HOD_MAX_PENDING_OFFERS,"
        " s.HOD_BASE_URL, s.HOD_SMS_BACKEND, s.HOD_PUSH_BACKEND, s.HOD_RATELIMIT_ENABLED)"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, env={**clean_environ, "HOD_VAR_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://localhost//",
        "900",
        "30",
        "86400",
        "1",
        "http://localhost:8000",
        "file",
        "file",
        "True",
    ]


def test_production_like_settings_pass_the_deployment_checklist(clean_environ):
    production = {
        **clean_environ,
        "DEBUG": "false",
        "SECRET_KEY": "k3y-that-is-long-and-random-enough-for-the-deploy-check-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "hod.example.org",
        "HOD_BASE_URL": "https://hod.example.org",
        "DATABASE_URL": "postgres://hod@db.example.org:5432/hod",
        "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
        "CACHE_URL": "redis://redis.example.org:6379/1",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda: envbool("HOD_X", False), "maybe", "HOD_X must be true or false, not 'maybe'"),
        (lambda: envint("HOD_X", 1, minimum=1), "0", "HOD_X must be at least 1, not 0"),
        (lambda: envint("HOD_X", 1, maximum=60), "61", "HOD_X must be at most 60, not 61"),
        (lambda: envurl("HOD_X", "http://a"), "127.0.0.1:8000", "HOD_X must be an absolute http/https URL"),
    ],
)
def test_each_reader_names_the_variable_it_cannot_read(monkeypatch, reader, value, message):
    monkeypatch.setenv("HOD_X", value)

    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        reader()


def test_readers_take_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.setenv("HOD_X", "  ")

    assert envbool("HOD_X", True) is True
    assert envint("HOD_X", 7) == 7
    monkeypatch.setenv("HOD_X", "Off")
    assert envbool("HOD_X", True) is False


def test_cache_urls_map_to_django_backends():
    assert cache_config("redis://127.0.0.1:6379/1")["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache_config("file:///tmp/hod-cache") == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/tmp/hod-cache",
    }
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_config("memcached://x")


@pytest.mark.django_db
def test_the_models_and_their_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
