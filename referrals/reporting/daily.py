"""The service dashboard's figures, counted day by day in the viewer's time zone and kept once the day is
over, so that a week or a season is added up from a few kept rows instead of counted again from a million
requests and three million offers.

Any run of days is counted with five grouped queries. Today is counted at every look. Past days are kept,
and so are aligned blocks of 4, 16 and 64 of them, added up from the blocks below: a season is read back as
about ten rows. A past day still changes for a while (a request made before midnight is accepted or expires
the next day) and now and then much later (an outcome recorded, an accepted request withdrawn, handed back or
reported as not called): the beat job `refresh` counts the last week's days again every five minutes (longer
than any request waits to expire) and the season's every night, dropping the blocks above them. So past days
are at most five minutes behind, and changes older than a week at most a night behind.

Time to accept is kept as a histogram of buckets about 4 % wide (`WaitBucket`), by state and by language.
Percentiles are read from the histograms added up: within a few percent of the exact figure.
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, FloatField, Func, Q
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from referrals.models import DailyFigures, Offer, Referral
from referrals.reporting.periods import DEFAULT_ZONE, season_of

FIFTEEN_MINUTES = timedelta(minutes=15)
BLOCKS = (64, 16, 4, 1)  # days kept together, each block aligned on a multiple of its length
# Buckets of time to accept: whole seconds under a minute, then each about 4 % wider than the last.
GROWTH = 1.04
EXACT_BELOW = 60


def bucket_bounds(number: int) -> tuple[float, float]:
    """The waits that fall into bucket `number`: [low, high) seconds."""
    if number < EXACT_BELOW:
        return number, number + 1
    return EXACT_BELOW * GROWTH ** (number - EXACT_BELOW), EXACT_BELOW * GROWTH ** (number - EXACT_BELOW + 1)


class WaitBucket(Func):
    """The bucket of `accepted_at - created_at`: whole seconds under EXACT_BELOW, then each GROWTH times wider
    than the last (`bucket_bounds` gives a bucket's waits back); in SQL, so that the database groups the waits."""

    output_field = FloatField()

    def __init__(self) -> None:
        super().__init__(F("accepted_at"), F("created_at"))

    def _columns(self, compiler) -> tuple[str, str]:
        (later, later_params), (earlier, earlier_params) = (compiler.compile(e) for e in self.source_expressions)
        assert not later_params and not earlier_params, "two columns, no parameters"
        return later, earlier

    @staticmethod
    def _case(seconds: str) -> str:
        return (
            f"CASE WHEN {seconds} < {EXACT_BELOW} THEN FLOOR({seconds}) "
            f"ELSE {EXACT_BELOW} + FLOOR(LN({seconds} / {EXACT_BELOW}) / LN({GROWTH})) END"
        )

    def as_postgresql(self, compiler, connection, **extra):
        later, earlier = self._columns(compiler)
        return self._case(f"EXTRACT(EPOCH FROM ({later} - {earlier}))::float"), ()

    def as_sql(self, compiler, connection, **extra):  # SQLite (3.35 and later have LN)
        later, earlier = self._columns(compiler)
        return self._case(f"((julianday({later}) - julianday({earlier})) * 86400.0)"), ()


# What is kept: nested dictionaries of counts, added up key by key -------------------------------------
#   "state", "language", "hour", "day": {key: {status: [requests, within the window, within 15 min]}}
#   "funnel": {state: {disposition: accepted requests}}; "waits_state", "waits_language": {key: {bucket: n}}
#   "offers": {status: offers made}; "offers_to_accepted": offers made for requests now accepted


def add(into: dict, other: dict) -> dict:
    """Add `other`'s counts into `into`, key by key (lists of counts element by element)."""
    for key, value in other.items():
        if isinstance(value, dict):
            add(into.setdefault(key, {}), value)
        elif isinstance(value, list):
            known = into.setdefault(key, [0] * len(value))
            for position, count in enumerate(value):
                known[position] += count
        else:
            into[key] = into.get(key, 0) + value
    return into


def count_days(zone: str, days: list[date]) -> dict[date, dict]:
    """The figures of each of `days` (consecutive, in `zone`): five queries, whatever the number of days."""
    if not days:
        return {}
    tz = ZoneInfo(zone)
    start, end = _midnight(days[0], tz), _midnight(days[-1] + timedelta(days=1), tz)
    found: dict[date, dict] = {day: {} for day in days}
    requests = Referral.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    window = timedelta(seconds=settings.HOD_OFFER_WINDOW_SECONDS)
    counts = {
        "count": Count("pk"),
        "within_window": Count("pk", filter=Q(accepted_at__lte=F("created_at") + window)),
        "within_15": Count("pk", filter=Q(accepted_at__lte=F("created_at") + FIFTEEN_MINUTES)),
    }
    day_of = TruncDate("created_at", tzinfo=tz)
    for row in requests.values("state", "language_id", "status", "disposition", day=day_of).annotate(**counts):
        tallied, status, kept = (row["count"], row["within_window"], row["within_15"]), row["status"], found[row["day"]]
        for kind, key in (("state", row["state"]), ("language", row["language_id"]), ("day", row["day"].isoformat())):
            _bump(_at(kept, kind, key), status, tallied)
        if status == Referral.Status.ACCEPTED:
            _bump(_at(kept, "funnel", row["state"]), row["disposition"], row["count"])
    for row in requests.values("status", day=day_of, hour=ExtractHour("created_at", tzinfo=tz)).annotate(**counts):
        tallied = (row["count"], row["within_window"], row["within_15"])
        _bump(_at(found[row["day"]], "hour", str(row["hour"])), row["status"], tallied)
    accepted = requests.filter(accepted_at__isnull=False)
    for day, state, language, number, count in (
        accepted.values_list(day_of, "state", "language_id", WaitBucket()).annotate(Count("pk")).order_by()
    ):
        number = str(int(number))
        _bump(_at(found[day], "waits_state", state), number, count)
        _bump(_at(found[day], "waits_language", language), number, count)
    offers = Offer.objects.filter(offered_at__gte=start, offered_at__lt=end).order_by()
    for day, status, count in offers.values_list(TruncDate("offered_at", tzinfo=tz), "status").annotate(Count("pk")):
        _bump(found[day].setdefault("offers", {}), status, count)
    to_accepted = Offer.objects.filter(
        referral__created_at__gte=start, referral__created_at__lt=end, referral__status=Referral.Status.ACCEPTED
    ).order_by()
    for day, count in to_accepted.values_list(TruncDate("referral__created_at", tzinfo=tz)).annotate(Count("pk")):
        found[day]["offers_to_accepted"] = count
    return found


def _at(kept: dict, kind: str, key: str) -> dict:
    return kept.setdefault(kind, {}).setdefault(key, {})


def _bump(counts: dict, key: str, by: int | tuple[int, ...]) -> None:
    """Add a count, or a tally of counts, under `key`."""
    if isinstance(by, int):
        counts[key] = counts.get(key, 0) + by
        return
    known = counts.setdefault(key, [0] * len(by))
    for position, count in enumerate(by):
        known[position] += count


def recount_days() -> int:
    """Kept days counted again at every refresh: a week, or longer if requests may wait longer to expire."""
    return max(7, math.ceil(settings.HOD_REFERRAL_EXPIRY_SECONDS / 86400) + 2)


def first_unkept(now: datetime, zone: str) -> date:
    """Today in `zone`: the days before it are kept."""
    return now.astimezone(ZoneInfo(zone)).date()


def figures_of(zone: str, days: list[date], now: datetime | None = None) -> list[dict]:
    """The figures of consecutive `days` in `zone`, as pieces that add up to them: past days as kept
    blocks (one query; any missing are added up from the blocks below them, counting the days none holds,
    and kept), the others counted now (five queries)."""
    now = now or timezone.now()
    if not days:
        return []
    stop = days[-1] + timedelta(days=1)
    first_open = max(min(first_unkept(now, zone), stop), days[0])
    pieces = list(count_days(zone, list(_range(first_open, stop))).values())
    blocks = list(_cover(days[0], first_open))
    if not blocks:
        return pieces
    kept = _kept(zone, _any(Q(day=first, days=size) for first, size in blocks))
    missing = [block for block in blocks if block not in kept]
    if missing:
        kept.update(
            _kept(zone, _any(Q(day__gte=first, day__lt=first + timedelta(days=size)) for first, size in missing))
        )
        wanted = [day for first, size in missing for day in _days_wanted(kept, first, size)]
        counted = count_days(zone, _span(wanted)) if wanted else {}
        made = {(day, 1): data for day, data in counted.items() if day in wanted}
        kept.update(made)
        for first, size in missing:
            made.update(_build(kept, first, size))
        _keep(zone, made, now)
    return [kept[block] for block in blocks] + pieces


def _kept(zone: str, which: Q) -> dict[tuple[date, int], dict]:
    rows = DailyFigures.objects.filter(which, zone=zone, window_seconds=settings.HOD_OFFER_WINDOW_SECONDS)
    return {(day, size): data for day, size, data in rows.values_list("day", "days", "data")}


def _days_wanted(kept: dict, first: date, size: int) -> list[date]:
    """The days to count to add up block (first, size) from what is kept."""
    if (first, size) in kept:
        return []
    if size == 1:
        return [first]
    quarter = size // 4
    return [day for part in range(4) for day in _days_wanted(kept, first + timedelta(days=part * quarter), quarter)]


def _any(conditions: Iterable[Q]) -> Q:
    found = Q(pk__in=[])
    for condition in conditions:
        found |= condition
    return found


def refresh(now: datetime | None = None, whole_season: bool = False) -> int:
    """Count again the kept days of the last `recount_days` (or of the season) in every time zone a viewer has
    looked at and in the default one, keeping the past days of the season not kept yet; the blocks that
    hold a day counted again are dropped, to be added up again when next needed. Returns the days kept."""
    now = now or timezone.now()
    counted_days = 0
    zones = set(DailyFigures.objects.values_list("zone", flat=True).distinct()) | {DEFAULT_ZONE}
    for zone in sorted(zones):
        first_open = first_unkept(now, zone)
        season_start, _end = season_of(now.astimezone(ZoneInfo(zone)).date())
        recount_from = season_start if whole_season else first_open - timedelta(days=recount_days())
        present = set(
            DailyFigures.objects.filter(zone=zone, days=1, day__gte=season_start).values_list("day", flat=True)
        )
        days = sorted(set(_range(recount_from, first_open)) | set(_range(season_start, first_open)) - present)
        for run in _runs(days):
            counted = count_days(zone, run)
            _drop(zone, run)
            _keep(zone, {(day, 1): data for day, data in counted.items()}, now)
            counted_days += len(counted)
    return counted_days


def _build(kept: dict, first: date, size: int) -> dict:
    """Block (first, size) added up from the four blocks below it (themselves built if missing); kept is
    updated with every block made, and they are returned, to be kept."""
    if (first, size) in kept:
        return {}
    made: dict = {}
    total: dict = {}
    quarter = size // 4
    for part in range(4):
        start = first + timedelta(days=part * quarter)
        made.update(_build(kept, start, quarter))
        add(total, kept[start, quarter])
    kept[first, size] = made[first, size] = total
    return made


def _keep(zone: str, blocks: dict[tuple[date, int], dict], now: datetime) -> None:
    """Keep blocks' figures; figures kept with another offer window are replaced. Two viewers may count the
    same day at once: the first one kept stays."""
    if not blocks:
        return
    window = settings.HOD_OFFER_WINDOW_SECONDS
    with transaction.atomic():
        stale = _any(Q(day=first, days=size) for first, size in blocks)
        DailyFigures.objects.filter(stale, zone=zone).exclude(window_seconds=window).delete()
        DailyFigures.objects.bulk_create(
            [
                DailyFigures(zone=zone, day=first, days=size, window_seconds=window, data=data, computed_at=now)
                for (first, size), data in blocks.items()
            ],
            ignore_conflicts=True,
        )


def _drop(zone: str, days: list[date]) -> None:
    """Drop the kept figures of `days` and of every block holding one of them."""
    holding = _any(Q(day=_aligned(day, size), days=size) for day in days for size in BLOCKS)
    DailyFigures.objects.filter(holding, zone=zone).delete()


def _cover(first: date, stop: date) -> Iterable[tuple[date, int]]:
    """[first, stop) as the fewest aligned blocks, largest first where they fit."""
    day = first
    while day < stop:
        size = next(size for size in BLOCKS if _aligned(day, size) == day and day + timedelta(size) <= stop)
        yield day, size
        day += timedelta(days=size)


def _aligned(day: date, size: int) -> date:
    return date.fromordinal(day.toordinal() - day.toordinal() % size)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tz)


def _range(first: date, stop: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((stop - first).days))


def _span(days: list[date]) -> list[date]:
    """Every day from the first of `days` to the last: one run of queries covers them all."""
    return list(_range(min(days), max(days) + timedelta(days=1)))


def _runs(days: list[date], longest: int = 31) -> Iterable[list[date]]:
    """`days` (sorted) as runs of consecutive days, at most `longest` each, so that one refresh's queries
    stay small."""
    run: list[date] = []
    for day in days:
        if run and (day - run[-1] != timedelta(days=1) or len(run) == longest):
            yield run
            run = []
        run.append(day)
    if run:
        yield run
