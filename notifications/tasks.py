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


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Messages handed over together (one transaction's, to one person or several, after it committed): each goes
    on a task of its own here, in the worker, so that one slow provider does not hold up the others."""
    hand_off_each(notification_ids)


def hand_off(ids: list[int], countdown: int | None = None) -> list[int]:
    """Give these messages to the workers through the broker, in one message (the web process pays for one
    hand-off, not one per channel); returns the ids it could not.

    One quick try (the broker's transport options keep a try short): a broker that is down must not hold up
    the request that sent the messages. The ones left over are marked, and the re-send job hands them over
    once the broker is back.
    """
    if len(ids) < 2:
        return hand_off_each(ids, countdown)
    try:
        deliver_notifications.apply_async((list(ids),), countdown=countdown, retry=False)
    except Exception as error:
        return _left_for_the_resend_job(list(ids), error)
    return []


def hand_off_each(ids: list[int], countdown: int | None = None) -> list[int]:
    """One task for each message; stops at the first failure, leaving the rest to the re-send job."""
    for position, notification_id in enumerate(ids):
        try:
            deliver_notification.apply_async((notification_id,), countdown=countdown, retry=False)
        except Exception as error:
            return _left_for_the_resend_job(ids[position:], error)
    return []


def _left_for_the_resend_job(left: list[int], error: Exception) -> list[int]:
    logger.warning("broker unreachable (%s): %d message(s) left for the re-send job", error, len(left))
    Notification.objects.filter(pk__in=left).update(handoff_failed_at=timezone.now())
    return left


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
