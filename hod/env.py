"""Typed readers for settings that come from environment variables.

Each reader returns the default when the variable is unset or empty, and raises
ImproperlyConfigured naming the variable when its value cannot be read, so a typo in
production stops the process at start-up instead of running with a surprising value.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def envstr(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = envstr(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def envurl(name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = envstr(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute {'/'.join(schemes)} URL, not {value!r}")
    return value


def cache_config(url: str) -> dict:
    """Django CACHES entry for a cache URL: locmem://, file:///path, redis://host:port/db, dummy://."""
    parts = urlsplit(url)
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": parts.netloc or "hod"}
    if parts.scheme == "file" and parts.path:
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": parts.path}
    if parts.scheme in ("redis", "rediss") and parts.netloc:
        # Short timeouts: the rate limits fail open when Redis is down, and must not wait long to find out.
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL must be locmem://, file:///path, redis://… or dummy://, not {url!r}")
