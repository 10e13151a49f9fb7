"""Anymail's tracking webhooks (delivered, bounced, …) update the e-mail's row."""

import logging

from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver

from notifications import status
from notifications.channels import Channel

DELIVERED = {"delivered"}
UNDELIVERED = {"bounced", "rejected", "failed", "complained"}

logger = logging.getLogger(__name__)


@receiver(tracking, dispatch_uid="notifications.email_tracking")
def email_tracking(sender, event, esp_name: str, **kwargs) -> None:
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.warning("%s delivery report ignored: ANYMAIL_WEBHOOK_SECRET is not set", esp_name)
        return
    if not event.message_id:
        return
    if event.event_type in DELIVERED:
        status.record_delivered(Channel.EMAIL, event.message_id)
    elif event.event_type in UNDELIVERED:
        reason = event.description or event.reject_reason or event.event_type
        status.record_undelivered(Channel.EMAIL, event.message_id, f"{esp_name} {event.event_type}: {reason}")
