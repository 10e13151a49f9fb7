"""`manage.py check --deploy` checks of our own: settings that work on a laptop but not in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def rate_limits_share_a_cache(app_configs, **kwargs) -> list[Error]:
    """Outside the embedded mode several processes serve the site: a cache of each process's own would
    give every process its own rate-limit counters and log-in throttles, so each limit would be
    multiplied by the number of processes."""
    embedded = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    backend = settings.CACHES["default"]["BACKEND"]
    if embedded or backend.endswith(("RedisCache", "MemcacheCache", "PyMemcacheCache", "PyLibMCCache")):
        return []
    return [
        Error(
            f"CACHE_URL gives each process a cache of its own ({backend.rsplit('.', 1)[-1]}), so rate limits and "
            "log-in throttles are not shared between web processes.",
            hint="Set CACHE_URL=redis://host:6379/1 (a Redis database other than the broker's).",
            id="hod.E001",
        )
    ]
