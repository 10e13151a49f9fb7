"""Values kept in the cache (Redis in production), failing open when it cannot be reached: then they are read
from the database each time, logged, as the rate limits fail open (hod.ratelimits). A consumer's request and
an operator's page need only the database."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def get(key: str):
    """The kept value, or None (none kept, or the cache is unreachable)."""
    try:
        return cache.get(key)
    except Exception as error:
        logger.warning("cache unreachable, %s read from the database: %s", key, error)
        return None


def put(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as error:
        logger.warning("cache unreachable, %s not kept: %s", key, error)


def forget(*keys: str) -> None:
    try:
        cache.delete_many(keys)
    except Exception as error:
        logger.warning("cache unreachable, %s not forgotten (it expires on its own): %s", ", ".join(keys), error)


def read_through(key: str, seconds: int, load):
    """The kept value, else `load()`, kept for `seconds`."""
    value = get(key)
    if value is None:
        value = load()
        put(key, value, seconds)
    return value
