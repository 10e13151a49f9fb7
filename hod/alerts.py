"""What an administrator should look at now: the alerts at the top of the admin's index.

Each source is a function of `now` that yields Alerts; a feature that has something to say adds
its source to SOURCES. A source that fails becomes an alert itself, never a broken admin page.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from hod import plan_years
from hod.health import sweep_health
from hod.monitoring.models import Heartbeat
from notifications import monitoring as messages
from notifications.channels import Channel
from referrals.intake import active_pauses
from referrals.reporting.coverage import gaps as coverage_gaps

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    level: str  # "error" or "warning"
    title: str
    detail: str = ""


def sweep_alerts(now: datetime) -> Iterable[Alert]:
    health = sweep_health(now)
    if health.stale:
        yield Alert(
            "error",
            "The sweep is not running: offers do not lapse, waiting referrals are not offered.",
            f"{health.reason()[0].upper()}{health.reason()[1:]}. Check that one beat and a worker are running.",
        )
    for beat in Heartbeat.objects.all():
        if beat.failing:
            yield Alert(
                "error", f"{beat.name} failed at {timezone.localtime(beat.last_failure_at):%H:%M:%S}.", beat.last_error
            )
        elif beat.skipped:
            yield Alert("warning", f"{beat.name} skipped {beat.skipped} row(s) in its last run.", beat.last_error)


def message_alerts(now: datetime) -> Iterable[Alert]:
    late, oldest = messages.waiting_too_long(now)
    if late:
        minutes = int((now - oldest).total_seconds() // 60)
        yield Alert(
            "error",
            f"{late} message(s) queued for more than {int(messages.QUEUED_TOO_LONG.total_seconds() // 60)} minutes "
            f"(the oldest for {minutes} minutes).",
            "Check that the workers and the broker are running; the re-send job hands messages over once they are.",
        )
    for channel in messages.channel_health(now):
        if channel.is_failing:
            yield Alert(
                "error",
                f"{Channel(channel.channel).label} is failing: {channel.failing} of its last {channel.tried} sends "
                f"in {int(messages.FAILURE_WINDOW.total_seconds() // 60)} minutes.",
                "See the messages' last errors (a revoked provider token fails every send).",
            )


def plan_year_alerts(now: datetime) -> Iterable[Alert]:
    fallback = plan_years.marketplace_fallback(now)
    if fallback:
        year, used = fallback
        yield Alert(
            "error",
            f"The Marketplace types for plan year {year} are missing: consumers are routed by those of {used}.",
            "Add them under Reference data → State Marketplaces.",
        )
    readiness = plan_years.next_year_readiness(now)
    if readiness:
        day = plan_years.switch_day(readiness.plan_year)
        yield Alert(
            "warning",
            f"Plan year {readiness.plan_year} begins on {day:%B} {day.day}, {day.year}, and it lacks "
            f"{len(readiness.missing)} thing(s): without them nobody can receive referrals.",
            "\n".join(readiness.missing),
        )


def coverage_alerts(now: datetime) -> Iterable[Alert]:
    """Referrals that wait where no agent is eligible at all, even switched off: nobody can take them."""
    found = coverage_gaps(now)
    if found:
        waiting = sum(gap.waiting for gap in found)
        yield Alert(
            "warning",
            f"{waiting} referral(s) wait in {len(found)} state(s) and language(s) for which no agent is eligible: "
            "they will expire unless an agent is registered.",
            "\n".join(f"{gap.state}, {gap.language}: {gap.waiting} waiting" for gap in found)
            + "\nSee Reports → Coverage.",
        )


def intake_alerts(now: datetime) -> Iterable[Alert]:
    """Intake paused by an administrator: consumers there cannot ask for help until someone resumes it."""
    for pause in active_pauses(now):
        who = pause.started_by.get_username() if pause.started_by else "a removed user"
        since = f"{timezone.localtime(pause.started_at):%Y-%m-%d %H:%M %Z}"
        refused = f"consumers in {pause.state_id} cannot" if pause.state_id else "no consumer can"
        yield Alert(
            "error",
            f"Intake is paused {pause.where} since {since} by {who}: {refused} ask for help.",
            f"They read: “{pause.message_en}”\nResume it under Referrals → Intake pauses.",
        )


SOURCES: list[Callable[[datetime], Iterable[Alert]]] = [
    sweep_alerts,
    message_alerts,
    plan_year_alerts,
    coverage_alerts,
    intake_alerts,
]


def current_alerts(now: datetime | None = None) -> list[Alert]:
    now = now or timezone.now()
    alerts = []
    for source in SOURCES:
        try:
            alerts.extend(source(now))
        except Exception as error:
            logger.exception("alerts: %s failed", source.__name__)
            alerts.append(Alert("error", f"Could not check {source.__name__}: {type(error).__name__}: {error}"))
    return alerts
