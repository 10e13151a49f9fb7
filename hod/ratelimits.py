"""Rate limits on public forms (django-ratelimit), failing open when the cache cannot be reached.

The counters live in the cache (Redis in production). When it is down the limit is not applied and
the request goes on, logged: a consumer's request, or an agent's log-in, needs only the database.
"""

import logging

from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def over_limit(request: HttpRequest, group: str, rate: str, key) -> bool:
    """Count this POST against `rate` for `key` ("ip", or a function of (group, request)); over it?"""
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
    except Exception as error:
        logger.warning("rate limit %s not applied, the cache is unreachable: %s", group, error)
        return False


def by_value(value: str):
    """A key for over_limit: the same limit for everyone who sends this value (a phone number, an address)."""
    return lambda group, request: value
