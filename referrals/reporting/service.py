"""How consumers are served: right now, and over a period (counts, time to accept, by state, language,
hour of day and day). A few aggregate queries each, whatever the length of the history.

Requests are counted in the period they were made, with what became of them (accepted, withdrawn,
expired or still open); offers in the period they were made, with their answer. Time to accept runs
from the request to the agent's acceptance.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Sum

from referrals.models import Offer, Referral, SentElsewhere
from referrals.reporting import daily
from referrals.reporting.outcomes import Funnel
from referrals.reporting.periods import Period

FRACTIONS = (0.5, 0.9)


@dataclass(frozen=True)
class RightNow:
    waiting: int  # open requests no agent has accepted yet
    oldest_since: datetime | None
    pending: int  # offers waiting for their agent's answer
    soonest_expiry: datetime | None


def right_now(now: datetime) -> RightNow:
    """Two queries."""
    waiting = Referral.objects.filter(status__in=Referral.OPEN).aggregate(n=Count("pk"), oldest=Min("created_at"))
    pending = Offer.objects.filter(status=Offer.Status.PENDING, expires_at__gt=now).aggregate(
        n=Count("pk"), soonest=Min("expires_at")
    )
    return RightNow(waiting["n"], waiting["oldest"], pending["n"], pending["soonest"])


@dataclass
class Tally:
    """Requests made in a period and what became of them, with their time to accept."""

    requests: int = 0
    accepted: int = 0
    withdrawn: int = 0
    expired: int = 0
    closed: int = 0  # by an administrator, as spam or a duplicate
    still_open: int = 0
    within_window: int = 0  # accepted within the offer window of the request
    within_15: int = 0  # accepted within 15 minutes of the request
    median: float | None = None  # seconds from request to acceptance
    p90: float | None = None

    def add(self, status: str, count: int, within_window: int, within_15: int) -> None:
        self.requests += count
        self.within_window += within_window
        self.within_15 += within_15
        if status == Referral.Status.ACCEPTED:
            self.accepted += count
        elif status == Referral.Status.WITHDRAWN:
            self.withdrawn += count
        elif status == Referral.Status.EXPIRED:
            self.expired += count
        elif status == Referral.Status.CLOSED:
            self.closed += count
        else:
            self.still_open += count

    def merge(self, other: "Tally") -> None:
        """Add another tally's counts (not its percentiles)."""
        for name in ("requests", "accepted", "withdrawn", "expired", "closed", "still_open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.within_window += other.within_window
        self.within_15 += other.within_15

    def share(self, part: int) -> float | None:
        return part / self.accepted if self.accepted else None

    @property
    def share_within_window(self) -> float | None:
        return self.share(self.within_window)

    @property
    def share_within_15(self) -> float | None:
        return self.share(self.within_15)


@dataclass
class Figures:
    period: Period
    total: Tally
    by_state: dict[str, Tally]
    by_language: dict[str, Tally]
    by_hour: list[Tally]  # 24, in the period's time zone
    by_day: dict[date, Tally]
    offers: Counter  # offers made in the period, by status
    offers_per_accepted: float | None
    sent_elsewhere: int
    sent_elsewhere_by_state: dict[str, int] = field(default_factory=dict)
    erased: int = 0  # requests whose consumer's contact details were erased in the period
    funnel: Funnel = field(default_factory=Funnel)  # what came of the accepted requests
    funnel_by_state: dict[str, Funnel] = field(default_factory=dict)


def figures(period: Period, now: datetime | None = None) -> Figures:
    """The period's figures, added up from its days' (`daily.figures_of`: kept ones read back, the others
    counted): a few queries, none of them per row, whatever the length of the period or of the history."""
    found: dict = {}
    for piece in daily.figures_of(period.zone, period.days(), now):
        daily.add(found, piece)
    by_state = {state: _tally(found, "state", state) for state in sorted(found.get("state", {}))}
    by_language = {language: _tally(found, "language", language) for language in sorted(found.get("language", {}))}
    total = Tally()
    for tally in by_state.values():
        total.merge(tally)
    _set_percentiles(total, _sum(found.get("waits_language", {}).values()))  # each wait is in one language
    funnel, funnel_by_state = Funnel(), {}
    for state, dispositions in sorted(found.get("funnel", {}).items()):
        funnel_by_state[state] = Funnel()
        for disposition, count in dispositions.items():
            funnel.add(disposition, count)
            funnel_by_state[state].add(disposition, count)
    accepted = total.accepted
    elsewhere = dict(
        SentElsewhere.objects.filter(day__gte=period.days()[0], day__lte=period.days()[-1])
        .order_by()
        .values_list("state")
        .annotate(Sum("count"))
    )
    return Figures(
        period=period,
        total=total,
        by_state=by_state,
        by_language=by_language,
        by_hour=[_tally(found, "hour", str(hour)) for hour in range(24)],
        by_day={day: _tally(found, "day", day.isoformat()) for day in period.days()},
        offers=Counter(found.get("offers", {})),
        offers_per_accepted=found.get("offers_to_accepted", 0) / accepted if accepted else None,
        sent_elsewhere=sum(elsewhere.values()),
        sent_elsewhere_by_state=dict(sorted(elsewhere.items())),
        erased=Referral.objects.filter(erased_at__gte=period.start, erased_at__lt=period.end).count(),
        funnel=funnel,
        funnel_by_state=funnel_by_state,
    )


def _tally(found: dict, kind: str, key: str) -> Tally:
    """The tally of one state, language, hour or day, with its time to accept where it is kept."""
    tally = Tally()
    for status, (count, within_window, within_15) in found.get(kind, {}).get(key, {}).items():
        tally.add(status, count, within_window, within_15)
    if kind in ("state", "language"):
        _set_percentiles(tally, found.get(f"waits_{kind}", {}).get(key, {}))
    return tally


def _sum(histograms) -> dict:
    total: dict = {}
    for histogram in histograms:
        daily.add(total, histogram)
    return total


def _set_percentiles(tally: Tally, histogram: dict) -> None:
    tally.median, tally.p90 = (histogram_percentile(histogram, fraction) for fraction in FRACTIONS)


def histogram_percentile(histogram: dict[str, int], fraction: float) -> float | None:
    """`percentile_cont` of waits kept as {bucket number: count} (`daily.WaitBucket`), taking each bucket's waits
    as spread evenly across it: within a bucket's width of the exact figure."""
    buckets = sorted((int(number), count) for number, count in histogram.items() if count)
    n = sum(count for _number, count in buckets)
    if not n:
        return None
    rank = fraction * (n - 1)
    wanted = {int(rank): 0.0, min(int(rank) + 1, n - 1): 0.0}
    seen = 0
    for number, count in buckets:
        low, high = daily.bucket_bounds(number)
        for position in wanted:
            if seen <= position < seen + count:
                wanted[position] = low + (position - seen + 0.5) * (high - low) / count
        seen += count
    below, above = wanted[int(rank)], wanted[min(int(rank) + 1, n - 1)]
    return below + (above - below) * (rank - int(rank))


def record_sent_elsewhere(state: str, now: datetime, zone: str) -> None:
    """One more consumer sent to another Marketplace's help today (the state's date): nothing else is kept."""
    day = now.astimezone(ZoneInfo(zone or "America/New_York")).date()
    if SentElsewhere.objects.filter(state=state, day=day).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            SentElsewhere.objects.create(state=state, day=day, count=1)
    except IntegrityError:  # another request created the day's row first
        SentElsewhere.objects.filter(state=state, day=day).update(count=F("count") + 1)
