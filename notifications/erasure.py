"""Erasing what stored messages say about a person: the app above says whom (their name, phone and e-mail as
plain values) and which of its objects the messages were about; this module knows no referral.

A message addressed to someone without an account (a consumer) loses its address, and one still waiting to go
out is not sent any more (the person asked to be forgotten, or their time is up). In every such message, and in
every message about the objects named, each of the person's values left in the texts (subject, body, HTML,
link, the provider's last error) becomes `[erased]`, whatever its letter case, and a phone number in any of its
usual spellings. The rest of the message (its kind, channel, status, times) stays for the statistics.
"""

import html
import re
from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from notifications.models import Notification, Status

ERASED = "[erased]"
TEXTS = ("to", "subject", "body", "html", "link", "last_error")
NOT_SENT = "Not sent: the recipient's details were erased first"
PHONE_SEPARATORS = r"[\s.()-]*"


def pattern_for(names: Iterable[str] = (), emails: Iterable[str] = (), phones: Iterable[str] = ()) -> re.Pattern | None:
    """One pattern that finds any of a person's values in a text: names and e-mail addresses as whole words (also
    as HTML writes them), phone numbers (E.164, U.S.) with or without +1, spaces, dots, dashes or brackets.
    None when there is nothing to look for."""
    values = [value.strip() for value in [*names, *emails] if value and value.strip()]
    words = {form for value in values for form in (value, html.escape(value))}
    parts = [rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(words, key=len, reverse=True)]
    for phone in phones:
        digits = re.sub(r"\D", "", str(phone))
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) >= 7:
            parts.append(rf"(?<!\d)(?:\+?1{PHONE_SEPARATORS})?\(?{PHONE_SEPARATORS.join(digits)}(?!\d)")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def without(text: str, pattern: re.Pattern | None) -> str:
    """The text with each of the person's values replaced by `[erased]`."""
    return pattern.sub(ERASED, text) if pattern is not None and text else text


def erase_messages(
    about: Iterable[models.Model],
    pattern: re.Pattern | None,
    now: datetime,
    *,
    addresses: Iterable[str] = (),
    unrelated_kinds: Iterable[str] = (),
) -> int:
    """Erase the person from the messages about the objects in `about`, and from the messages of the kinds in
    `unrelated_kinds` sent about nothing to one of `addresses` without an account (replies to a number that
    wrote to us). Returns how many messages changed. Run it inside the caller's transaction."""
    related = Q(pk__in=[])
    by_type: dict[ContentType, list[str]] = {}
    for instance in about:
        by_type.setdefault(ContentType.objects.get_for_model(instance), []).append(str(instance.pk))
    for content_type, ids in by_type.items():
        related |= Q(related_type=content_type, related_id__in=ids)
    addresses, unrelated_kinds = [address for address in addresses if address], list(unrelated_kinds)
    if addresses and unrelated_kinds:
        related |= Q(kind__in=unrelated_kinds, related_type__isnull=True, user__isnull=True, to__in=addresses)
    changed = 0
    for message in Notification.objects.filter(related).only("pk", "user_id", "status", *TEXTS):
        texts = {field: without(getattr(message, field), pattern) for field in TEXTS}
        if message.user_id is None:
            texts["to"] = ""
        update = {field: value for field, value in texts.items() if value != getattr(message, field)}
        if update:
            Notification.objects.filter(pk=message.pk).update(**update, updated_at=now)
        # Not sent yet to someone without an account: it never will be (a worker holding it already may finish).
        cancelled = message.user_id is None and Notification.objects.filter(pk=message.pk, status=Status.QUEUED).update(
            status=Status.FAILED, failed_at=now, last_error=NOT_SENT, updated_at=now
        )
        changed += bool(update or cancelled)
    return changed
