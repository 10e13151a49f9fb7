"""App notifications to the browsers an agent registered, by Web Push (RFC 8030) through pywebpush.

The message is encrypted for each browser (RFC 8291, aes128gcm) and signed with our VAPID key
(RFC 8292); the push service (Google's, Mozilla's, Apple's) only passes it on. It carries what the
push text says (no consumer's contact details) and the link the service worker opens.
"""

import json

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from notifications.devices import active_subscriptions, retire_device
from notifications.models import Notification
from notifications.transports import NO_DEVICE, TransportError
from notifications.vapid import VapidKeyError, vapid_keys

# The push service says this subscription is gone (unsubscribed, expired): retire it, never retry it.
SUBSCRIPTION_GONE = {404, 410}
# The push service refuses our signature or message: retrying will not help, but the browser is fine.
REFUSED = {400, 401, 403, 413}
TIMEOUT = 10  # seconds; a push service that hangs must not hold a worker past its lease
DAY = 24 * 60 * 60


def payload(notification: Notification) -> str:
    """What the service worker receives: the push text and the link to open, nothing else."""
    return json.dumps(
        {
            "title": notification.subject,
            "body": notification.body,
            "url": notification.link or settings.HOD_BASE_URL + "/agents/",
            "tag": f"hod-{notification.pk}",
            "lang": notification.language,
        },
        ensure_ascii=False,
    )


def time_to_live(notification: Notification) -> int:
    """An offer is worth nothing once its window has closed; other news keeps for a day."""
    return settings.HOD_OFFER_WINDOW_SECONDS if notification.kind == "offer" else DAY


class WebPushTransport:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, notification: Notification) -> str:
        subscriptions = active_subscriptions(notification.user_id)
        if not subscriptions:
            raise TransportError(NO_DEVICE, permanent=True)
        try:
            keys = vapid_keys()
        except VapidKeyError as error:
            raise TransportError(str(error), permanent=True) from None
        if keys is None:
            raise TransportError("Web Push is off: set HOD_VAPID_PRIVATE_KEY", permanent=True)
        data = payload(notification)
        headers = {"Urgency": "high" if notification.kind == "offer" else "normal"}
        sent, temporary, refused = [], [], []
        for subscription in subscriptions:
            try:
                response = webpush(
                    subscription.as_pywebpush(),
                    data=data,
                    vapid_private_key=keys.private_key,
                    vapid_claims={"sub": keys.subject},
                    ttl=time_to_live(notification),
                    headers=headers,
                    timeout=TIMEOUT,
                )
            except WebPushException as error:
                status = error.status_code
                if status in SUBSCRIPTION_GONE:
                    retire_device(subscription.endpoint, f"the push service answered {status}")
                elif status in REFUSED:
                    refused.append(f"the push service refused the message ({status})")
                else:
                    temporary.append(f"push service {status or 'error'}: {error.message.splitlines()[0]}")
            except requests.RequestException as error:
                temporary.append(f"push service unreachable: {type(error).__name__}")
            else:
                sent.append(response.headers.get("Location", "") or "web-push")
        if sent:
            return " ".join(sent)[:255]
        if temporary:
            raise TransportError("; ".join(temporary))
        if refused:
            raise TransportError("; ".join(refused), permanent=True)
        raise TransportError("no browser accepts app notifications any more", permanent=True)
