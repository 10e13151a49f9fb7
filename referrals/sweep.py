"""The sweep: one step, called every HOD_SWEEP_INTERVAL_SECONDS by beat and by `manage.py sweep_offers`.

Each part is safe to run twice at once and after a crash half-way: offers lapse by conditional
update, referrals are offered under their row lock, expiry is a conditional update too.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from agents.availability import apply_schedules
from matching.nearest import next_agent
from referrals.lifecycle import _expire, agents_at_capacity, lapse_offer, offer_next
from referrals.models import Offer, Referral

BATCH = 500


@dataclass
class SweepReport:
    switched: int = 0
    lapsed: int = 0
    offered: int = 0
    expired: int = 0

    def __str__(self) -> str:
        return (
            f"{self.switched} agent switch(es) flipped by hours or absences, {self.lapsed} offer(s) lapsed, "
            f"{self.offered} referral(s) offered, {self.expired} referral(s) expired"
        )


def _without_pending_offer():
    return ~Exists(Offer.objects.filter(referral=OuterRef("pk"), status=Offer.Status.PENDING))


def lapse_due_offers(now: datetime) -> int:
    due = Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now).order_by("expires_at")
    return sum(lapse_offer(offer_id, now) for offer_id in due.values_list("pk", flat=True)[:BATCH])


def offer_waiting_referrals(now: datetime | None = None) -> int:
    """Offer open referrals that hold no pending offer, oldest first.

    When a referral finds nobody and no agent in its state and language is free at all (whoever
    was already offered it included), the rest of that group cannot find anyone either and waits
    without being asked. Referrals another sweep is working on are skipped.
    """
    now = now or timezone.now()
    waiting = (
        Referral.objects.filter(_without_pending_offer(), status__in=Referral.OPEN, expires_at__gt=now)
        .order_by("created_at")
        .only("pk", "state", "language_id", "latitude", "longitude")[:BATCH]
    )
    offered, exhausted = 0, set()
    for referral in waiting:
        group = (referral.state, referral.language_id)
        if group in exhausted:
            continue
        if offer_next(referral, now, skip_locked=True):
            offered += 1
        elif nobody_free(referral, now):
            exhausted.add(group)
    return offered


def nobody_free(referral: Referral, now: datetime) -> bool:
    """No agent at all is eligible now and under capacity in the referral's state and language."""
    place = (referral.latitude, referral.longitude)
    return next_agent(referral.state, referral.language_id, *place, exclude=agents_at_capacity(), now=now) is None


def expire_referrals(now: datetime) -> int:
    """Open referrals past their time with no pending offer (an offer in its window may still be accepted)."""
    due = Referral.objects.filter(_without_pending_offer(), status__in=Referral.OPEN, expires_at__lte=now)
    expired = 0
    for referral in due[:BATCH]:
        _expire(referral, now)
        expired += 1
    return expired


def sweep_once(now: datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    report.switched = apply_schedules(now)
    report.lapsed = lapse_due_offers(now)
    report.offered = offer_waiting_referrals(now)
    report.expired = expire_referrals(now)
    return report
