"""`manage.py check --deploy` checks of our own: settings that work on a laptop but not in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError


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


@register(Tags.database)
def next_plan_year_is_ready(app_configs, databases=None, **kwargs) -> list[Warning]:
    """`manage.py check --database default`: from 60 days before the next plan year, what it still lacks."""
    if not databases:
        return []
    from hod import plan_years

    try:
        readiness = plan_years.next_year_readiness()
    except DatabaseError:  # `migrate` runs the checks before the tables exist
        return []
    if readiness is None:
        return []
    return [
        Warning(
            f"Plan year {readiness.plan_year} begins on {plan_years.switch_day(readiness.plan_year)} and lacks: "
            + "; ".join(readiness.missing),
            hint="Import the CMS files for the new year and add its Marketplace types and Terms in admin.",
            id="hod.W001",
        )
    ]
