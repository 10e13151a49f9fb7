"""Test helpers for messages: hand queued notifications to the worker's step function, read links."""

import re

from notifications.delivery import deliver
from notifications.models import Notification, Status


def deliver_queued() -> int:
    """What a worker would do with every queued message (the tests' transactions never commit)."""
    ids = list(Notification.objects.filter(status=Status.QUEUED).values_list("pk", flat=True))
    for notification_id in ids:
        deliver(notification_id)
    return len(ids)


def link_in(text: str) -> str:
    """The path of the first link to this site in a message's text."""
    match = re.search(r"http://localhost:8000(/\S+)", text)
    assert match, f"no link in {text!r}"
    return match.group(1)
