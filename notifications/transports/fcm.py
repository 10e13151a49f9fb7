"""App notifications through firebase-admin (Firebase Cloud Messaging), to every registered device."""

import json
import threading

import firebase_admin
import requests
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging

from notifications.devices import active_tokens, retire_device
from notifications.models import Notification
from notifications.transports import NO_DEVICE, TransportError

# Answers meaning this token will never work again: retire it, never retry it.
TOKEN_GONE = (messaging.UnregisteredError, messaging.SenderIdMismatchError, exceptions.InvalidArgumentError)
# Answers meaning our own set-up is wrong: retrying will not help, but the device is fine.
SETUP_WRONG = (exceptions.UnauthenticatedError, exceptions.PermissionDeniedError, messaging.ThirdPartyAuthError)

_app_lock = threading.Lock()
_apps: dict[str, firebase_admin.App] = {}


def firebase_app() -> firebase_admin.App:
    """The Firebase app for the configured service account, created once per process."""
    source = settings.FCM_CREDENTIALS
    with _app_lock:
        if source not in _apps:
            info = json.loads(source) if source.lstrip().startswith("{") else source
            _apps[source] = firebase_admin.initialize_app(
                credentials.Certificate(info), name=f"hod-{len(_apps)}", options={"httpTimeout": 10}
            )
        return _apps[source]


class FCMTransport:
    def __init__(self, channel: str) -> None:
        self.app = firebase_app()

    def send(self, notification: Notification) -> str:
        tokens = active_tokens(notification.user_id)
        if not tokens:
            raise TransportError(NO_DEVICE, permanent=True)
        sent, temporary = [], []
        for token in tokens:
            message = messaging.Message(
                fid=token,  # firebase-admin 7 names the registration "fid" (the app instance's id)
                notification=messaging.Notification(title=notification.subject, body=notification.body),
                data={"kind": notification.kind, "url": notification.link, "notification": str(notification.pk)},
                android=messaging.AndroidConfig(priority="high"),
                apns=messaging.APNSConfig(headers={"apns-priority": "10"}),
            )
            try:
                sent.append(messaging.send(message, app=self.app))
            except TOKEN_GONE as error:
                retire_device(token, f"{type(error).__name__}: {error}")
            except SETUP_WRONG as error:
                raise TransportError(f"FCM refused our credentials: {error}", permanent=True) from None
            except (exceptions.FirebaseError, requests.RequestException) as error:
                temporary.append(f"{type(error).__name__}: {error}")
        if sent:
            return " ".join(sent)
        if temporary:
            raise TransportError("; ".join(temporary))
        raise TransportError("no device accepts app notifications any more", permanent=True)
