import logging

from celery import shared_task
from django.utils import timezone

from notifications import delivery
from notifications.models import Notification

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    retry_in = delivery.deliver(notification_id)
    if retry_in is not None:
        hand_off([notification_id], countdown=retry_in)


def hand_off(ids: list[int], countdown: int | None = None) -> list[int]:
    """Give these messages to the workers through the broker; returns the ids it could not.

    One quick try each (the broker's transport options keep a try short), and none after the first
    failure: a broker that is down must not hold up the request that sent the messages. The ones
    left over are marked, and the re-send job hands them over once the broker is back.
    """
    for position, notification_id in enumerate(ids):
        try:
            deliver_notification.apply_async((notification_id,), countdown=countdown, retry=False)
        except Exception as error:
            left = ids[position:]
            logger.warning("broker unreachable (%s): %d message(s) left for the re-send job", error, len(left))
            Notification.objects.filter(pk__in=left).update(handoff_failed_at=timezone.now())
            return left
    return []


@shared_task(ignore_result=True)
def resend_lost_notifications() -> int:
    """Beat runs this every few seconds: hand over messages the broker could not take, and the ones
    whose task was lost (a worker killed while holding them)."""
    handed_over = delivery.lost_notifications(timezone.now())
    left = set(hand_off(handed_over))
    Notification.objects.filter(pk__in=[pk for pk in handed_over if pk not in left]).exclude(
        handoff_failed_at=None
    ).update(handoff_failed_at=None)
    return len(handed_over) - len(left)
