"""How consumers are served: right now, and over a period (counts, time to accept, by state, language,
hour of day and day). A few aggregate queries each, whatever the length of the history.

Requests are counted in the period they were made, with what became of them (accepted, withdrawn,
expired or still open); offers in the period they were made, with their answer. Time to accept runs
from the request to the agent's acceptance.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractHour, TruncDate

from referrals.models import Offer, Referral, SentElsewhere
from referrals.reporting.aggregates import percentiles
from referrals.reporting.periods import Period

FIFTEEN_MINUTES = timedelta(minutes=15)
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


def figures(period: Period) -> Figures:
    """The period's figures: about ten queries, none of them per row."""
    requests = Referral.objects.filter(created_at__gte=period.start, created_at__lt=period.end).order_by()
    window = timedelta(seconds=settings.HOD_OFFER_WINDOW_SECONDS)
    counts = {
        "count": Count("pk"),
        "within_window": Count("pk", filter=Q(accepted_at__lte=F("created_at") + window)),
        "within_15": Count("pk", filter=Q(accepted_at__lte=F("created_at") + FIFTEEN_MINUTES)),
    }
    total, by_state, by_language = Tally(), defaultdict(Tally), defaultdict(Tally)
    for row in requests.values("state", "language_id", "status").annotate(**counts):
        tallied = (row["status"], row["count"], row["within_window"], row["within_15"])
        for tally in (total, by_state[row["state"]], by_language[row["language_id"]]):
            tally.add(*tallied)
    zone = ZoneInfo(period.zone)
    by_hour = [Tally() for _hour in range(24)]
    for row in requests.values("status", hour=ExtractHour("created_at", tzinfo=zone)).annotate(**counts):
        by_hour[row["hour"]].add(row["status"], row["count"], row["within_window"], row["within_15"])
    by_day = {day: Tally() for day in period.days()}
    for row in requests.values("status", day=TruncDate("created_at", tzinfo=zone)).annotate(**counts):
        by_day.setdefault(row["day"], Tally()).add(row["status"], row["count"], row["within_window"], row["within_15"])
    accepted = requests.filter(accepted_at__isnull=False)
    _set_percentiles({None: total}, percentiles(accepted, "accepted_at", "created_at", FRACTIONS))
    _set_percentiles(by_state, percentiles(accepted, "accepted_at", "created_at", FRACTIONS, by="state"))
    _set_percentiles(by_language, percentiles(accepted, "accepted_at", "created_at", FRACTIONS, by="language_id"))
    offers = Counter(
        dict(
            Offer.objects.filter(offered_at__gte=period.start, offered_at__lt=period.end)
            .order_by()
            .values_list("status")
            .annotate(Count("pk"))
        )
    )
    offers_to_accepted = Offer.objects.filter(
        referral__in=requests.filter(status=Referral.Status.ACCEPTED).values("pk")
    ).count()
    elsewhere = dict(
        SentElsewhere.objects.filter(day__gte=period.days()[0], day__lte=period.days()[-1])
        .order_by()
        .values_list("state")
        .annotate(Sum("count"))
    )
    return Figures(
        period=period,
        total=total,
        by_state=dict(sorted(by_state.items())),
        by_language=dict(sorted(by_language.items())),
        by_hour=by_hour,
        by_day=by_day,
        offers=offers,
        offers_per_accepted=offers_to_accepted / total.accepted if total.accepted else None,
        sent_elsewhere=sum(elsewhere.values()),
        sent_elsewhere_by_state=dict(sorted(elsewhere.items())),
        erased=Referral.objects.filter(erased_at__gte=period.start, erased_at__lt=period.end).count(),
    )


def _set_percentiles(tallies: dict, found: dict) -> None:
    for key, (median, p90) in found.items():
        if key in tallies:
            tallies[key].median, tallies[key].p90 = median, p90


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
