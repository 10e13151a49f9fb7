"""Erasure: a consumer's contact details are kept only while a request needs them.

Beat's daily step (`run_erasure`, also `manage.py erase_consumer_data`) erases them HOD_RETENTION_DAYS after a
request closed (`closed_at`: accepted, withdrawn, expired or closed by an administrator); an administrator erases
one request at once when its consumer asks (`erase_referral(pk, by=user, reason="request")`). A request still
open is never erased by retention; on a consumer's request it is withdrawn first (as if they had withdrawn it on
their status page: a pending offer is taken back), then erased, since an agent must never receive an empty one.
The database refuses to reopen an erased request (constraint `erased_stays_closed`).

Erased:
- on the referral: first and last name, phone and e-mail (left empty: closed requests may share the empty phone,
  the one-request-per-phone rule counts open ones only), the agent's outcome note; the status link stops working
  (its version moves on, an old link's hash goes);
- its messages (to the consumer, and to agents about its offers) and the replies we texted to the consumer's
  number: the consumer's address goes, and their name, phone or e-mail becomes `[erased]` wherever a text holds
  it (`notifications.erasure`); a message to the consumer not sent yet is not sent;
- hand-back reasons (free text an agent wrote after having the consumer's details), wholly; other event details
  and offer reasons lose the consumer's name, phone and e-mail.

Kept, since without a name they identify nobody and the statistics need them: the reference, status, state,
city and ZIP code (with the ZIP code's centre point; the privacy page names the ZIP code), the language and the
messages' language, when the consumer agreed to be contacted, every time (created, expires, accepted, closed),
the outcome the agent chose (not their note), the offers (agents, distances, statuses, times, rejection
reasons), the events, and the messages' kinds, channels, statuses and times. A number that texted STOP stays on
the opt-out list (`notifications.SmsOptOut`): it belongs to the number, not to a request, and STOP must keep
working.

Lock order as in `referrals.lifecycle`: the referral's row first. Each referral is erased in its own
transaction, with an `Event` (kind `erased`) and a log line naming only ids.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hod.monitoring.heartbeats import Tally, record_failure, record_success
from hod.redaction import redact
from notifications.erasure import erase_messages, pattern_for, without
from referrals.lifecycle import _event, withdraw_referral
from referrals.models import Event, Offer, Referral
from referrals.sweep import _record

logger = logging.getLogger(__name__)

RETENTION, REQUEST = "retention", "request"
HEARTBEAT = "erasure"
BATCH = 200  # referrals per query of the step; each is erased in a transaction of its own
# Replies `referrals.text_replies` texts to a number it does not know (a consumer answering our text) are about
# nothing; they are found by the consumer's number.
UNRELATED_KINDS = ("text_reply",)


def erase_referral(referral_id: int, now: datetime | None = None, by=None, reason: str = RETENTION) -> bool:
    """Erase the consumer's contact details from one referral, its offers, events and messages.

    `reason` "retention" (beat's step): only a referral closed more than HOD_RETENTION_DAYS ago. "request" (the
    consumer asked; `by` is the staff user who acted): whenever it closed, and an open one is withdrawn first.
    Returns whether it erased now: False for an unknown or already erased referral, and with "retention" for
    one open or not closed long enough.
    """
    if reason not in (RETENTION, REQUEST):
        raise ValueError(f"reason must be {RETENTION!r} or {REQUEST!r}, not {reason!r}")
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if referral is None or referral.erased_at is not None:
            return False
        if reason == RETENTION and not _due(referral, now):
            return False
        if referral.is_open:
            withdraw_referral(referral, now)
        _erase(referral, now)
        if reason == RETENTION:
            detail = f"{settings.HOD_RETENTION_DAYS} days after the request closed"
        else:
            detail = "at the consumer's request" + (f", by {by}" if by is not None else "")
        _event(referral, Event.Kind.ERASED, now, detail=detail)
    logger.info("referral %s: contact details erased (%s, user %s)", referral_id, reason, getattr(by, "pk", None))
    return True


def _due(referral: Referral, now: datetime) -> bool:
    cutoff = now - timedelta(days=settings.HOD_RETENTION_DAYS)
    return not referral.is_open and referral.closed_at is not None and referral.closed_at < cutoff


def _erase(referral: Referral, now: datetime) -> None:
    phone = str(getattr(referral.phone, "as_e164", referral.phone or ""))
    pattern = pattern_for(names=[referral.first_name, referral.last_name], emails=[referral.email], phones=[phone])
    Referral.objects.filter(pk=referral.pk).update(
        first_name="",
        last_name="",
        phone="",
        email="",
        disposition_note="",
        status_token_hash=None,
        link_version=F("link_version") + 1,
        erased_at=now,
    )
    offers = list(referral.offers.only("pk", "status", "reject_reason"))
    for offer in offers:
        reason = "" if offer.status == Offer.Status.HANDED_BACK else without(offer.reject_reason, pattern)
        if reason != offer.reject_reason:
            Offer.objects.filter(pk=offer.pk).update(reject_reason=reason)
    for event in referral.events.only("pk", "kind", "detail"):
        detail = "" if event.kind == Event.Kind.HANDED_BACK else without(event.detail, pattern)
        if detail != event.detail:
            Event.objects.filter(pk=event.pk).update(detail=detail)
    erase_messages(
        [referral, *offers], pattern, now, addresses=[referral.email, phone], unrelated_kinds=UNRELATED_KINDS
    )


def erase_expired(now: datetime | None = None) -> Tally:
    """Erase every referral closed more than HOD_RETENTION_DAYS ago and not erased yet, oldest first, a batch
    of ids at a time (one indexed query each: `referral_to_erase`); one that fails is skipped and reported."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HOD_RETENTION_DAYS)
    due = Referral.objects.filter(erased_at__isnull=True, closed_at__lt=cutoff).order_by("closed_at", "pk")
    tally, after = Tally(), Q()
    while True:
        batch = list(due.filter(after).values_list("closed_at", "pk")[:BATCH])
        for _closed_at, referral_id in batch:
            try:
                tally.done += erase_referral(referral_id, now)
            except Exception as error:
                logger.exception("erasure: referral %s skipped", referral_id)
                tally.skipped.append(redact(f"referral {referral_id}: {type(error).__name__}: {error}")[:300])
        if len(batch) < BATCH:
            return tally
        last_closed_at, last_id = batch[-1]  # the next batch starts after it, so a skipped one is not met again
        after = Q(closed_at__gt=last_closed_at) | Q(closed_at=last_closed_at, pk__gt=last_id)


def run_erasure(now: datetime | None = None) -> Tally:
    """The periodic job: `erase_expired`, recording its heartbeat (`erasure`) that admin's alerts and /metrics read."""
    started = time.monotonic()
    try:
        tally = erase_expired(now)
    except Exception as error:
        logger.exception("erasure failed")
        _record(record_failure, HEARTBEAT, f"{type(error).__name__}: {error}")
        raise
    if tally.skipped:
        logger.warning("erasure skipped %d referral(s): %s", len(tally.skipped), "; ".join(tally.skipped[:5]))
    _record(record_success, HEARTBEAT, time.monotonic() - started, len(tally.skipped), tally.skipped_detail())
    return tally


def other_requests_of(referral: Referral) -> list[int]:
    """Ids of the consumer's other requests not erased yet (the same phone, or the same e-mail), for a
    deletion request that should reach all of them."""
    same = Q(phone=referral.phone) if referral.phone else Q(pk__in=[])
    if referral.email:
        same |= Q(email__iexact=referral.email)
    others = Referral.objects.filter(same, erased_at__isnull=True).exclude(pk=referral.pk)
    return list(others.values_list("pk", flat=True))
