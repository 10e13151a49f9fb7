"""Getting a queued Notification out of the door: one step a worker calls, and the re-send sweep.

A worker claims a row with a conditional UPDATE (queued, or sending with an expired lease),
so a task delivered twice sends once; a worker that died mid-send leaves a lease that expires,
after which the sweep hands the row to another worker.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from hod.redaction import scrub_contacts
from notifications import opt_outs, secrets
from notifications.channels import Channel
from notifications.models import Notification, Status
from notifications.transports import TransportError, get_transport

logger = logging.getLogger(__name__)

# Seconds to wait before each retry; after the last, the message has failed. The broker's visibility
# timeout (settings) sits just above the longest.
RETRY_DELAYS = (15, 60, 180, 300)
# A worker holds a message this long at most (the transports time out well before); after that it
# is another worker's. A queued message whose task has not run this long after it was due is lost.
LEASE = timedelta(minutes=2)
LOST_AFTER = timedelta(minutes=2)


def deliver(notification_id: int, now: datetime | None = None) -> int | None:
    """Send one notification if it is still to be sent. Returns seconds until a retry, or None."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        Q(status=Status.QUEUED) | Q(status=Status.SENDING, lease_expires_at__lt=now), pk=notification_id
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + LEASE, updated_at=now)
    if claimed != 1:
        return None  # already sent or failed, or another worker holds it
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        if notification.channel == Channel.SMS and opt_outs.texts_stopped(notification.to):
            raise TransportError(opt_outs.TEXTS_STOPPED, permanent=True)  # the carrier would refuse it
        _reveal_secret(notification)
        provider_message_id = get_transport(notification.channel).send(notification)
    except TransportError as error:
        return _record_failure(notification, error, timezone.now())
    except Exception as error:
        logger.exception(
            "notification %s: unexpected error from the %s transport", notification.pk, notification.channel
        )
        return _record_failure(notification, TransportError(f"{type(error).__name__}: {error}"), timezone.now())
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        status=Status.SENT, provider_message_id=provider_message_id, sent_at=timezone.now(), lease_expires_at=None
    )
    logger.info("notification %s sent by %s (%s)", notification.pk, notification.channel, notification.kind)
    return None


def _reveal_secret(notification: Notification) -> None:
    """Put the message's secret back into its texts, in memory only (the row is never saved from here)."""
    if not notification.secret_kind:
        return
    try:
        values = secrets.rebuild(notification.secret_kind, notification.secret_ref)
    except secrets.SecretGone as gone:
        raise TransportError(f"its {notification.secret_kind} no longer exists: {gone}", permanent=True) from None
    for part in ("subject", "body", "html", "link"):
        setattr(notification, part, secrets.reveal(getattr(notification, part), values))


def _record_failure(notification: Notification, error: TransportError, now: datetime) -> int | None:
    error = TransportError(scrub_contacts(error.message), permanent=error.permanent)  # no address in logs or admin
    retries_left = notification.attempts <= len(RETRY_DELAYS)
    if error.permanent or not retries_left:
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.FAILED, last_error=error.message, failed_at=now, lease_expires_at=None
        )
        logger.warning("notification %s failed for good: %s", notification.pk, error.message)
        return None
    delay = RETRY_DELAYS[notification.attempts - 1]
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.QUEUED,
        last_error=error.message,
        next_attempt_at=now + timedelta(seconds=delay),
        lease_expires_at=None,
    )
    logger.info("notification %s will be retried in %d s: %s", notification.pk, delay, error.message)
    return delay


def lost_notifications(now: datetime, limit: int = 500) -> list[int]:
    """Rows to hand to a worker again: due ones the broker could not take, queued ones well past their
    time (their task was lost), and ones held by a worker whose lease ran out."""
    return list(
        Notification.objects.filter(
            Q(status=Status.QUEUED, handoff_failed_at__isnull=False, next_attempt_at__lte=now)
            | Q(status=Status.QUEUED, next_attempt_at__lt=now - LOST_AFTER)
            | Q(status=Status.SENDING, lease_expires_at__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
