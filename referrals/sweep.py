"""The sweep: one step, called every HOD_SWEEP_INTERVAL_SECONDS by beat and by `manage.py sweep_offers`.

Its parts (STEPS) are independent. Each runs on its own, row by row or batch by batch in their own
transactions (never inside a caller's), so a part that fails is logged with its traceback and
recorded in its heartbeat while the others still run; a row that fails is skipped and reported, and
never holds back the rows behind it. Every part records its last success (`hod.monitoring`), which
/healthz, `check_health --sweep`, the admin's alerts and /metrics read.

Each part is safe to run twice at once and after a crash half-way: offers lapse by conditional
update, referrals are offered under their row lock, expiry is a conditional update too.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agents.availability import apply_schedules
from hod.monitoring.heartbeats import Tally, record_failure, record_success
from matching.nearest import next_agent
from referrals.lifecycle import agents_at_capacity, expire_referral, lapse_offer, offer_next
from referrals.models import Offer, Referral

logger = logging.getLogger(__name__)
BATCH = 500


def _without_pending_offer():
    return ~Exists(Offer.objects.filter(referral=OuterRef("pk"), status=Offer.Status.PENDING))


def _with_a_free_place() -> Q:
    """Referrals that could hold one more pending offer: none pending (one at a time, the default), or, with the
    experiment HOD_OFFERS_AT_ONCE, a place with no pending offer (an index probe per place)."""
    if settings.HOD_OFFERS_AT_ONCE == 1:
        return Q(_without_pending_offer())
    pending = Offer.objects.filter(referral=OuterRef("pk"), status=Offer.Status.PENDING)
    free = Q()
    for slot in range(settings.HOD_OFFERS_AT_ONCE):
        free |= ~Exists(pending.filter(slot=slot))
    return free


def lapse_due_offers(now: datetime) -> Tally:
    """Pending offers whose window has closed lapse, and their referrals go to the next agent.

    Should offering the next agent fail, the offer still lapses and its referral waits for the
    next part (or the next sweep); should even that fail, the offer is skipped and reported.
    """
    tally = Tally()
    due = Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now).order_by("expires_at")
    for offer_id in due.values_list("pk", flat=True)[:BATCH]:
        try:
            tally.done += lapse_offer(offer_id, now)
        except Exception:
            logger.exception("lapses: offer %s lapsed, but its referral could not be offered again", offer_id)
            try:
                tally.done += lapse_offer(offer_id, now, then_offer=False)
            except Exception as error:
                logger.exception("lapses: offer %s skipped", offer_id)
                tally.skip(f"offer {offer_id}", error)
    return tally


def offer_waiting_referrals(now: datetime | None = None) -> Tally:
    """Offer open referrals that hold no pending offer (with HOD_OFFERS_AT_ONCE: fewer than that many), oldest first.

    When a referral finds nobody and no agent in its state and language is free at all (whoever
    was already offered it included), the rest of that group cannot find anyone either and waits
    without being asked. Referrals another sweep is working on are skipped.
    """
    now = now or timezone.now()
    tally = Tally()
    waiting = (
        Referral.objects.filter(_with_a_free_place(), status__in=Referral.OPEN, expires_at__gt=now)
        .order_by("created_at")
        .only("pk", "state", "language_id", "latitude", "longitude")[:BATCH]
    )
    exhausted = set()
    for referral in waiting:
        group = (referral.state, referral.language_id)
        if group in exhausted:
            continue
        try:
            if offer_next(referral, now, skip_locked=True):
                tally.done += 1
            elif nobody_free(referral, now):
                exhausted.add(group)
        except Exception as error:
            logger.exception("waiting: referral %s skipped", referral.pk)
            tally.skip(f"referral {referral.pk}", error)
    return tally


def nobody_free(referral: Referral, now: datetime) -> bool:
    """No agent at all is eligible now and under capacity in the referral's state and language."""
    place = (referral.latitude, referral.longitude)
    return next_agent(referral.state, referral.language_id, *place, exclude=agents_at_capacity(now), now=now) is None


def expire_referrals(now: datetime) -> Tally:
    """Open referrals past their time with no pending offer (an offer in its window may still be accepted)."""
    tally = Tally()
    due = Referral.objects.filter(_without_pending_offer(), status__in=Referral.OPEN, expires_at__lte=now)
    for referral in due.order_by("expires_at")[:BATCH]:
        try:
            expire_referral(referral, now)
            tally.done += 1
        except Exception as error:
            logger.exception("expiries: referral %s skipped", referral.pk)
            tally.skip(f"referral {referral.pk}", error)
    return tally


# The parts of a sweep, in the order they run: hours first (an agent whose hours began can take the
# offers that lapse), then lapses, then waiting referrals, then expiries.
STEPS: dict[str, Callable[[datetime], Tally]] = {
    "sweep.schedules": apply_schedules,
    "sweep.lapses": lapse_due_offers,
    "sweep.waiting": offer_waiting_referrals,
    "sweep.expiries": expire_referrals,
}


@dataclass
class SweepReport:
    done: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # part -> error

    switched = property(lambda self: self.done.get("sweep.schedules", 0))
    lapsed = property(lambda self: self.done.get("sweep.lapses", 0))
    offered = property(lambda self: self.done.get("sweep.waiting", 0))
    expired = property(lambda self: self.done.get("sweep.expiries", 0))

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        lines = [
            f"{self.switched} agent switch(es) flipped by hours or absences, {self.lapsed} offer(s) lapsed, "
            f"{self.offered} referral(s) offered, {self.expired} referral(s) expired"
        ]
        lines += [f"{step} skipped {len(rows)} row(s): {'; '.join(rows[:5])}" for step, rows in self.skipped.items()]
        lines += [f"{step} FAILED: {error}" for step, error in self.failed.items()]
        return "\n".join(lines)


def sweep_once(now: datetime | None = None) -> SweepReport:
    """Run every part of the sweep, each on its own; one that fails does not stop the others."""
    now = now or timezone.now()
    report = SweepReport()
    for name, step in STEPS.items():
        started = time.monotonic()
        try:
            tally = step(now)
        except Exception as error:
            logger.exception("%s failed; the sweep's other parts still run", name)
            report.failed[name] = f"{type(error).__name__}: {error}"
            _record(record_failure, name, report.failed[name])
            continue
        report.done[name] = tally.done
        if tally.skipped:
            report.skipped[name] = tally.skipped
            logger.warning("%s skipped %d row(s): %s", name, len(tally.skipped), "; ".join(tally.skipped[:5]))
        _record(record_success, name, time.monotonic() - started, len(tally.skipped), tally.skipped_detail())
    return report


def _record(recorder: Callable, *args) -> None:
    """A heartbeat that cannot be written (the database is gone) must not hide what the sweep did."""
    try:
        recorder(*args)
    except Exception:
        logger.exception("could not record the heartbeat of %s", args[0])
