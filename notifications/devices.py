"""Devices registered for app notifications: native apps' FCM tokens and browsers' Web Push subscriptions."""

import base64
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from notifications.models import Device
from notifications.vapid import web_push_is_on


@dataclass(frozen=True)
class Subscription:
    """A browser's push subscription, as `PushSubscription.toJSON()` gives it."""

    endpoint: str
    p256dh: str
    auth: str

    def as_pywebpush(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def subscription_from(data) -> Subscription | None:
    """A subscription from what a browser posted, or None when it is not one. The endpoint is where our
    worker will post, so it must be a push service's: https, on a named host (no IP address, no localhost)."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        return None
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(value, str) for value in (endpoint, p256dh, auth)):
        return None
    if len(endpoint) > Device._meta.get_field("token").max_length or not _push_service_address(endpoint):
        return None
    if _decoded_length(p256dh) != 65 or _decoded_length(auth) != 16:  # a P-256 point; a 16-byte secret (RFC 8291)
        return None
    return Subscription(endpoint, p256dh.rstrip("="), auth.rstrip("="))


def _push_service_address(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    if settings.HOD_WEB_PUSH_ANY_ENDPOINT:
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    return parts.scheme == "https" and "." in host and not host.endswith((".localhost", ".local", ".internal"))


def _decoded_length(text: str) -> int:
    try:
        return len(base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)))
    except (ValueError, TypeError):
        return -1


def active_tokens(user_id: int | None) -> list[str]:
    """The native apps' FCM tokens (what HOD_PUSH_BACKEND sends to)."""
    if user_id is None:
        return []
    return list(
        Device.objects.filter(user_id=user_id, kind=Device.Kind.FCM, retired_at=None)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def active_subscriptions(user_id: int | None) -> list[Subscription]:
    """The browsers' Web Push subscriptions."""
    if user_id is None:
        return []
    rows = (
        Device.objects.filter(user_id=user_id, kind=Device.Kind.WEB_PUSH, retired_at=None)
        .order_by("pk")
        .values_list("token", "p256dh", "auth")
    )
    return [Subscription(*row) for row in rows]


def reachable_devices(user_id: int | None) -> list[Device]:
    """The phones and browsers an app notification would reach now (browsers only while Web Push is on)."""
    if user_id is None:
        return []
    devices = Device.objects.filter(user_id=user_id, retired_at=None).order_by("pk")
    if not web_push_is_on():
        devices = devices.exclude(kind=Device.Kind.WEB_PUSH)
    return list(devices)


def register_device(user, token: str, platform: str) -> tuple[Device, bool]:
    """Register (or refresh) a token for this user; a token seen on another account moves here."""
    now = timezone.now()
    device, created = Device.objects.update_or_create(
        token=token,
        defaults={
            "user": user,
            "kind": Device.Kind.FCM,
            "platform": platform,
            "last_seen_at": now,
            "retired_at": None,
            "retired_reason": "",
        },
    )
    return device, created


def register_subscription(user, subscription: Subscription, user_agent: str = "") -> tuple[Device, bool]:
    """Register (or refresh) a browser's push subscription; one seen on another account (a shared
    computer) moves here, so the browser's last log-in is who it notifies."""
    now = timezone.now()
    device, created = Device.objects.update_or_create(
        token=subscription.endpoint,
        defaults={
            "user": user,
            "kind": Device.Kind.WEB_PUSH,
            "platform": Device.Platform.WEB,
            "p256dh": subscription.p256dh,
            "auth": subscription.auth,
            "name": browser_name(user_agent),
            "last_seen_at": now,
            "retired_at": None,
            "retired_reason": "",
        },
    )
    return device, created


def refresh_subscription(user, subscription: Subscription) -> bool:
    """A browser still holds this subscription: note it, and its keys if they changed. Only one this user
    registered and did not remove, so a browser never adds itself back after the agent removed it."""
    updated = Device.objects.filter(
        user=user, kind=Device.Kind.WEB_PUSH, token=subscription.endpoint, retired_at=None
    ).update(p256dh=subscription.p256dh, auth=subscription.auth, last_seen_at=timezone.now())
    return bool(updated)


def remove_device(user, token: str) -> bool:
    deleted, _ = Device.objects.filter(user=user, token=token).delete()
    return bool(deleted)


def remove_device_by_id(user, device_id: int) -> bool:
    """The agent removes one of their phones or browsers (the profile's Remove button)."""
    deleted, _ = Device.objects.filter(user=user, pk=device_id).delete()
    return bool(deleted)


def retire_device(token: str, reason: str) -> None:
    """The provider says this token (or subscription) will never work again: stop sending to it."""
    Device.objects.filter(token=token, retired_at=None).update(retired_at=timezone.now(), retired_reason=reason)


_BROWSERS = (("Edg/", "Edge"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"))
_BROWSERS += (("CriOS/", "Chrome"), ("OPR/", "Opera"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str) -> str:
    """ "Chrome · Android", "Safari · iPhone" (words no language translates): enough for an agent to tell
    their devices apart. Empty when the browser does not say."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if re.search(rf"\b{marker}\b", user_agent)), "")
    return " · ".join(part for part in (browser, system) if part)
