"""The one way to send a message to a person: `send(recipient, kind, context)`."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import astuple, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from notifications import secrets
from notifications.channels import Channel
from notifications.models import Notification
from notifications.rendering import KINDS, Rendered, render
from notifications.secrets import Secret
from notifications.tasks import hand_off

# The messages sent inside `sent_together`, handed to the broker together when it commits.
_together: ContextVar[list[int] | None] = ContextVar("sent_together", default=None)


@dataclass(frozen=True)
class Recipient:
    """A person as notifications sees them: where to reach them, in which language, on which channels.

    `user` is the account of someone who logs in (an agent); consumers have none. App
    notifications need a user (they go to the user's registered devices).
    """

    email: str = ""
    phone: str = ""
    language: str = "en"
    channels: frozenset[str] = field(default_factory=lambda: frozenset({Channel.EMAIL}))
    user: Any = None

    def reachable_channels(self) -> list[str]:
        reachable = {
            Channel.EMAIL: bool(self.email),
            Channel.SMS: bool(self.phone),
            Channel.PUSH: self.user is not None,
        }
        return [channel for channel in Channel.values if channel in self.channels and reachable[channel]]

    def address(self, channel: str) -> str:
        phone = getattr(self.phone, "as_e164", self.phone)  # a PhoneNumber, or already a string in E.164
        return {Channel.EMAIL: self.email, Channel.SMS: str(phone)}.get(channel, "")


def send(
    recipient: Recipient,
    kind: str,
    context: dict | None = None,
    related: models.Model | None = None,
    secret: Secret | None = None,
) -> list[Notification]:
    """Record one Notification per channel the recipient can be reached on, and send them after commit.

    The text is rendered now, in the recipient's language. A rolled-back transaction sends nothing.
    `secret` names the values in `context` that must not be stored (see notifications.secrets): the
    row keeps markers in their place, and the worker rebuilds them when it sends.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of message {kind!r}; add it to notifications.rendering.KINDS")
    now = timezone.now()
    related_type = ContentType.objects.get_for_model(related) if related is not None else None
    rows = []
    for channel in recipient.reachable_channels():
        if channel not in KINDS[kind].channels:
            continue
        text = render(kind, channel, recipient.language, context or {})
        if secret is not None:
            text = Rendered(*(secrets.redact(part, secret.values) for part in astuple(text)))
        rows.append(
            Notification(
                kind=kind,
                channel=channel,
                language=recipient.language,
                user=recipient.user,
                to=recipient.address(channel),
                subject=text.subject,
                body=text.body,
                html=text.html,
                link=text.link,
                related_type=related_type,
                related_id=str(related.pk) if related is not None else "",
                secret_kind=secret.kind if secret else "",
                secret_ref=secret.ref if secret else "",
                created_at=now,
                next_attempt_at=now,
            )
        )
    Notification.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    together = _together.get()
    if together is not None:
        together.extend(ids)
    else:
        transaction.on_commit(lambda: hand_off(ids))
    return rows


@contextmanager
def sent_together() -> Iterator[None]:
    """A transaction (`transaction.atomic()`) whose messages, to whomever, reach the broker in one hand-off once
    it commits: the worker fans them out. Nothing is handed off if it rolls back. Inside another, it joins that
    one's hand-off. (Messages from a savepoint inside it that rolled back are handed off too: the worker finds no
    such row and skips them.)"""
    if _together.get() is not None:
        with transaction.atomic():
            yield
        return
    ids: list[int] = []
    outer = _together.set(ids)
    try:
        with transaction.atomic():
            yield
    finally:
        _together.reset(outer)
    if ids:
        transaction.on_commit(lambda: hand_off(ids))  # at once, or when an enclosing transaction commits


def send_test_message(recipient: Recipient) -> list[Notification]:
    """A test message on every channel the person chose (the profile page's "Send a test message")."""
    return send(recipient, "test_message")
