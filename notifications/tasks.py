from celery import shared_task
from django.utils import timezone

from notifications import delivery


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_notification(notification_id: int) -> None:
    retry_in = delivery.deliver(notification_id)
    if retry_in is not None:
        deliver_notification.apply_async((notification_id,), countdown=retry_in)


@shared_task(ignore_result=True)
def resend_lost_notifications() -> int:
    """Beat runs this every minute: hand rows whose task was lost (broker down, worker killed) to a worker."""
    lost = delivery.lost_notifications(timezone.now())
    for notification_id in lost:
        deliver_notification.delay(notification_id)
    return len(lost)
