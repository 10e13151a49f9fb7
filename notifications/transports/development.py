"""Backends for development and tests: no account, no network."""

import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

from django.conf import settings

from notifications.channels import Channel
from notifications.devices import active_tokens
from notifications.models import Notification
from notifications.transports import NO_DEVICE, TransportError

# What the memory backend "sent", newest last; tests read and clear it.
outbox: list[dict] = []


def _message(channel: str, notification: Notification) -> dict:
    message = {
        "id": f"dev-{uuid.uuid4().hex[:12]}",
        "notification": notification.pk,
        "channel": channel,
        "kind": notification.kind,
        "language": notification.language,
        "body": notification.body,
    }
    if channel == Channel.PUSH:
        tokens = active_tokens(notification.user_id)
        if not tokens:
            raise TransportError(NO_DEVICE, permanent=True)
        message.update(tokens=tokens, title=notification.subject, link=notification.link)
    else:
        message["to"] = notification.to
    return message


class DevelopmentTransport:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, notification: Notification) -> str:
        message = _message(self.channel, notification)
        self.deliver(message)
        return message["id"]

    def deliver(self, message: dict) -> None:
        raise NotImplementedError


class ConsoleTransport(DevelopmentTransport):
    def deliver(self, message: dict) -> None:
        sys.stdout.write(f"--- {self.channel} {message['kind']} ({message['language']})\n")
        sys.stdout.write(json.dumps(message, ensure_ascii=False, indent=2) + "\n")
        sys.stdout.flush()


class FileTransport(DevelopmentTransport):
    """One file per message in HOD_MESSAGE_FILE_PATH, written whole (never half a file)."""

    def deliver(self, message: dict) -> None:
        folder = Path(settings.HOD_MESSAGE_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.channel}-{message['notification']}-{message['id']}.json"
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as file:
            json.dump(message, file, ensure_ascii=False, indent=2)
        os.replace(file.name, folder / name)


class MemoryTransport(DevelopmentTransport):
    def deliver(self, message: dict) -> None:
        outbox.append(message)
