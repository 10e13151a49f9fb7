"""Devices registered for app notifications."""

from django.utils import timezone

from notifications.models import Device


def active_tokens(user_id: int | None) -> list[str]:
    if user_id is None:
        return []
    return list(Device.objects.filter(user_id=user_id, retired_at=None).order_by("pk").values_list("token", flat=True))


def register_device(user, token: str, platform: str) -> tuple[Device, bool]:
    """Register (or refresh) a token for this user; a token seen on another account moves here."""
    now = timezone.now()
    device, created = Device.objects.update_or_create(
        token=token,
        defaults={"user": user, "platform": platform, "last_seen_at": now, "retired_at": None, "retired_reason": ""},
    )
    return device, created


def remove_device(user, token: str) -> bool:
    deleted, _ = Device.objects.filter(user=user, token=token).delete()
    return bool(deleted)


def retire_device(token: str, reason: str) -> None:
    """The provider says this token will never work again: stop sending to it."""
    Device.objects.filter(token=token, retired_at=None).update(retired_at=timezone.now(), retired_reason=reason)
