"""An app notification goes to all of the person's devices: native apps' FCM tokens through the
backend HOD_PUSH_BACKEND names (or a development one), browsers through Web Push while VAPID keys are set.

It counts as sent when any device took it; otherwise the failures decide: one worth retrying makes
the whole retried (so no device is tried twice after a success), else it has failed for good.
"""

from django.utils.module_loading import import_string

from notifications.devices import active_subscriptions, active_tokens
from notifications.models import Notification
from notifications.transports import BACKENDS, NO_DEVICE, TransportError, backend_name
from notifications.transports.webpush import WebPushTransport
from notifications.vapid import web_push_is_on


class AppNotificationTransport:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def _transports(self, user_id: int | None) -> list:
        transports = []
        if active_tokens(user_id):
            transports.append(import_string(BACKENDS[self.channel][backend_name(self.channel)])(self.channel))
        if active_subscriptions(user_id) and web_push_is_on():
            transports.append(WebPushTransport(self.channel))
        return transports

    def send(self, notification: Notification) -> str:
        transports = self._transports(notification.user_id)
        if not transports:
            raise TransportError(NO_DEVICE, permanent=True)
        sent, failures = [], []
        for transport in transports:
            try:
                sent.append(transport.send(notification))
            except TransportError as error:
                failures.append(error)
        if sent:
            return " ".join(sent)[:255]
        permanent = all(failure.permanent for failure in failures)
        raise TransportError("; ".join(failure.message for failure in failures), permanent=permanent)
