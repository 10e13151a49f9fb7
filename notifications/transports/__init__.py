"""One transport class per channel and backend, chosen by setting like Django's EMAIL_BACKEND.

A transport's `send(notification)` returns the provider's message id (or "") and raises
TransportError, telling apart failures worth retrying from permanent ones. App notifications go through
`app.AppNotificationTransport`: to native apps through the backend chosen here, to browsers by Web Push.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.channels import Channel

BACKENDS = {
    Channel.SMS: {
        "console": "notifications.transports.development.ConsoleTransport",
        "file": "notifications.transports.development.FileTransport",
        "memory": "notifications.transports.development.MemoryTransport",
        "twilio": "notifications.transports.twilio.TwilioTransport",
    },
    Channel.PUSH: {
        "console": "notifications.transports.development.ConsoleTransport",
        "file": "notifications.transports.development.FileTransport",
        "memory": "notifications.transports.development.MemoryTransport",
        "fcm": "notifications.transports.fcm.FCMTransport",
    },
    Channel.EMAIL: {"django": "notifications.transports.email.EmailTransport"},
}


# The person has no device for app notifications: nothing was sent, but no provider failed either.
NO_DEVICE = "no registered device"


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def backend_name(channel: str) -> str:
    if channel == Channel.SMS:
        return settings.HOD_SMS_BACKEND
    if channel == Channel.PUSH:
        return settings.HOD_PUSH_BACKEND
    return "django"  # e-mail goes through Django's mail API and EMAIL_BACKEND (anymail for providers)


def get_transport(channel: str):
    if channel == Channel.PUSH:
        # To every device of either kind: the native apps through the backend above, browsers by Web Push.
        from notifications.transports.app import AppNotificationTransport

        return AppNotificationTransport(channel)
    return import_string(BACKENDS[channel][backend_name(channel)])(channel)
