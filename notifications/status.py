"""Delivery reports from providers move a sent message to delivered or failed, never backwards."""

import logging

from django.utils import timezone

from notifications.models import Notification, Status

logger = logging.getLogger(__name__)


def record_delivered(channel: str, provider_message_id: str) -> int:
    return Notification.objects.filter(
        channel=channel, provider_message_id=provider_message_id, status__in=[Status.SENDING, Status.SENT]
    ).update(status=Status.DELIVERED, delivered_at=timezone.now())


def record_undelivered(channel: str, provider_message_id: str, reason: str) -> int:
    updated = Notification.objects.filter(
        channel=channel,
        provider_message_id=provider_message_id,
        status__in=[Status.SENDING, Status.SENT, Status.DELIVERED],
    ).update(status=Status.FAILED, failed_at=timezone.now(), last_error=reason[:1000])
    if updated:
        logger.warning("%s message %s was not delivered: %s", channel, provider_message_id, reason)
    return updated
