"""Queue depths of the referral loop, for /metrics: what waits for an agent, what an agent holds."""

from django.db.models import Count, Exists, OuterRef

from referrals.models import Offer, Referral


def referrals_waiting() -> int:
    """Open referrals that no agent holds an offer for (waiting for one to be free, or for the sweep)."""
    pending = Offer.objects.filter(referral=OuterRef("pk"), status=Offer.Status.PENDING)
    return Referral.objects.filter(~Exists(pending), status__in=Referral.OPEN).count()


def offers_pending() -> int:
    return Offer.objects.filter(status=Offer.Status.PENDING).count()


def offers_by_outcome() -> dict[str, int]:
    rows = Offer.objects.order_by().values("status").annotate(count=Count("pk"))
    counts = dict.fromkeys(Offer.Status.values, 0)
    counts.update({row["status"]: row["count"] for row in rows})
    return counts
