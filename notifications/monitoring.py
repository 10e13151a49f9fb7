"""How the messages are doing, for the admin's alerts and /metrics: what waits, and which channel fails."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from notifications.models import Notification, Status
from notifications.opt_outs import TEXTS_STOPPED
from notifications.transports import NO_DEVICE

QUEUED_TOO_LONG = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(minutes=15)
FAILING_SHARE = 0.2  # a channel failing more than this share of its sends in the window is failing
FAILING_AT_LEAST = 3  # … with at least this many failures (one bounced e-mail at night is not an outage)

UNSENT = Q(status=Status.QUEUED) | Q(status=Status.SENDING)


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    tried: int
    failing: int

    @property
    def share(self) -> float:
        return self.failing / self.tried if self.tried else 0.0

    @property
    def is_failing(self) -> bool:
        return self.failing >= FAILING_AT_LEAST and self.share > FAILING_SHARE


def unsent_by_channel() -> dict[str, int]:
    """Messages not yet out of the door (queued or being sent), per channel; off the partial indexes."""
    rows = Notification.objects.filter(UNSENT).order_by().values("channel").annotate(count=Count("pk"))
    return {row["channel"]: row["count"] for row in rows}


def waiting_too_long(now: datetime) -> tuple[int, datetime | None]:
    """How many messages are still unsent more than QUEUED_TOO_LONG after they were queued, and since when."""
    late = Notification.objects.filter(UNSENT, created_at__lt=now - QUEUED_TOO_LONG).order_by()
    found = late.aggregate(count=Count("pk"), oldest=Min("created_at"))
    return found["count"], found["oldest"]


# Messages that could not go for the recipient's reasons, not the provider's: an agent without a device,
# a number that replied STOP.
NOT_THE_PROVIDER = (NO_DEVICE, TEXTS_STOPPED)


def channel_health(now: datetime) -> list[ChannelHealth]:
    """Per channel, among the messages queued in the last FAILURE_WINDOW that were tried: how many
    failed for good or are waiting for a retry after an error."""
    failing = Q(status=Status.FAILED) | Q(status=Status.QUEUED, last_error__gt="")
    rows = (
        Notification.objects.filter(created_at__gte=now - FAILURE_WINDOW, attempts__gt=0)
        .exclude(last_error__in=NOT_THE_PROVIDER)
        .order_by()
        .values("channel")
        .annotate(tried=Count("pk"), failing=Count("pk", filter=failing))
    )
    return [ChannelHealth(row["channel"], row["tried"], row["failing"]) for row in rows]
