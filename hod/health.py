"""Is this process fit to serve? `/livez` (it answers), `/healthz` (it reaches the database) and the
facts behind them, which `manage.py check_health` and /metrics read too.

Only the database makes the process unfit: a consumer's request needs nothing else (rate limits fail
open and messages wait for the re-send job while Redis is down), so a stale sweep or an unreachable
broker shows as "degraded" in the body without taking a working web process out of the load balancer.
"""

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hod.celery import app as celery_app
from hod.monitoring import heartbeats
from referrals.sweep import STEPS as SWEEP_STEPS

logger = logging.getLogger(__name__)
STALE_AFTER_INTERVALS = 3  # a sweep older than this many intervals is stale


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:
        logger.error("health: database unreachable: %s", error)
        return False


def broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            if conn.transport_cls == "filesystem":
                # The embedded broker is a folder: it answers when the folder can be written.
                folder = Path(conn.transport_options["data_folder_in"])
                return folder.is_dir() and os.access(folder, os.W_OK)
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=2)
            return True
    except Exception as error:
        logger.warning("health: broker unreachable: %s", error)
        return False


@dataclass(frozen=True)
class SweepHealth:
    age_seconds: float | None  # since every part of the sweep last succeeded; None: not yet

    @property
    def stale(self) -> bool:
        limit = STALE_AFTER_INTERVALS * settings.HOD_SWEEP_INTERVAL_SECONDS
        return self.age_seconds is None or self.age_seconds > limit

    def reason(self) -> str:
        limit = STALE_AFTER_INTERVALS * settings.HOD_SWEEP_INTERVAL_SECONDS
        if self.age_seconds is None:
            return "no sweep has succeeded yet (is beat running? is the worker?)"
        state = "stale" if self.stale else "ok"
        return f"the last successful sweep was {self.age_seconds:.0f} s ago ({state}: the limit is {limit} s)"


def sweep_health(now: datetime | None = None) -> SweepHealth:
    age = heartbeats.age(SWEEP_STEPS, now or timezone.now())
    return SweepHealth(None if age is None else max(age.total_seconds(), 0.0))


@never_cache
@require_GET
def livez(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is asked (an orchestrator restarts a process that does not)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def database_healthz(request: HttpRequest) -> JsonResponse:
    """The database answers one query: for a load balancer that must not depend on the broker, and the
    benchmarks' fixed reference (bench/intake.py), whatever /healthz comes to check."""
    if not database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the database answers, with the broker and the sweep's age in the body."""
    broker = "ok" if broker_answers() else "degraded"
    if not database_answers():
        body = {"status": "unavailable", "database": "unreachable", "broker": broker, "sweep": "unknown"}
        return JsonResponse(body, status=503)
    sweep = sweep_health()
    checks = {"database": "ok", "broker": broker, "sweep": "degraded" if sweep.stale else "ok"}
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    age = None if sweep.age_seconds is None else round(sweep.age_seconds, 1)
    return JsonResponse({"status": status, **checks, "sweep_age_seconds": age})
