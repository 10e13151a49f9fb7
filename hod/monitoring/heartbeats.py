"""Record what a periodic job did, and read how long ago it last succeeded.

A leaf like `hod.reference`: any app records its jobs here; `hod` reads them for health and alerts.
Times are the wall clock (`timezone.now()`), not the job's own `now`, which tests and the demo move.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from hod.monitoring.models import Heartbeat

MAX_REPORTED = 20  # skipped rows named in a heartbeat; the rest are counted


@dataclass
class Tally:
    """What one run of a periodic step did: how many rows it handled, and the rows it skipped (and why)."""

    done: int = 0
    skipped: list[str] = field(default_factory=list)

    def skip(self, row: str, error: BaseException) -> None:
        self.skipped.append(f"{row}: {type(error).__name__}: {error}"[:300])

    def skipped_detail(self) -> str:
        named = self.skipped[:MAX_REPORTED]
        more = len(self.skipped) - len(named)
        return "\n".join(named + ([f"… and {more} more"] if more else []))


def record_success(name: str, duration: float, skipped: int = 0, detail: str = "") -> None:
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={
            "last_success_at": timezone.now(),
            "last_duration_seconds": duration,
            "skipped": skipped,
            "last_error": detail if skipped else "",
        },
    )


def record_failure(name: str, error: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"last_failure_at": timezone.now(), "last_error": error})


def oldest_success(names: Iterable[str]) -> datetime | None:
    """When every one of these jobs had last succeeded (the oldest of their last successes); None if
    one of them never has."""
    names = set(names)
    beats = dict(Heartbeat.objects.filter(name__in=names).values_list("name", "last_success_at"))
    if set(beats) != names or None in beats.values():
        return None
    return min(beats.values())


def age(names: Iterable[str], now: datetime | None = None) -> timedelta | None:
    """How long ago every one of these jobs last succeeded; None when one never has."""
    since = oldest_success(names)
    return None if since is None else (now or timezone.now()) - since
