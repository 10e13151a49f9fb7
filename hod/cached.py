"""Values kept outside the database for a short while.

`read_through` keeps what every consumer's request reads and administrators rarely change (reference data,
intake pauses) in each process's memory for a few seconds (cachetools): a dictionary lookup instead of a query,
or of a round trip to Redis. A change made in this process is seen at once (`forget`, called from the models'
signals and the functions that change them); other processes see it within the time given.

`get` and `put` use the shared cache (Redis in production) for what one process computes for all (the agent
counts the beat job keeps), failing open when it cannot be reached, as the rate limits do (hod.ratelimits):
an operator's page then computes the value itself.
"""

import logging
import threading

from cachetools import TTLCache
from django.core.cache import cache

logger = logging.getLogger(__name__)

LOCAL_SECONDS = 10  # the longest another process keeps a value this one changed
_local: TTLCache = TTLCache(maxsize=64, ttl=LOCAL_SECONDS)
_lock = threading.Lock()  # gunicorn's threaded workers share a process's memory


def read_through(key: str, load):
    """The value kept in this process, else `load()`, kept LOCAL_SECONDS."""
    with _lock:
        value = _local.get(key)
    if value is None:
        value = load()
        with _lock:
            _local[key] = value
    return value


def forget(*keys: str) -> None:
    with _lock:
        for key in keys:
            _local.pop(key, None)


def forget_everything() -> None:
    """Tests: each starts with nothing kept, as each process does."""
    with _lock:
        _local.clear()


def get(key: str):
    """The value kept in the shared cache, or None (none kept, or the cache is unreachable)."""
    try:
        return cache.get(key)
    except Exception as error:
        logger.warning("cache unreachable, %s computed again: %s", key, error)
        return None


def put(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception as error:
        logger.warning("cache unreachable, %s not kept: %s", key, error)
