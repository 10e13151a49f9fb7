"""What a simulated day came to, read from the database it ran on (the simulation's own counts are beside it).

Shares are of all requests; times to accept are of the accepted ones, from the request to the acceptance.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from django.db.models import Count

from agents.models import AgentChange
from referrals.models import Offer, Referral
from sim import parameters as P
from sim.day import Day

FIFTEEN_MINUTES = 900.0


@dataclass
class Cell:
    state: str
    language: str
    requests: int
    within_15: float
    median: float | None
    expired: int


@dataclass
class Result:
    label: str
    settings: dict
    rule_in_code: bool
    requests: int
    accepted: int
    expired: int
    still_open: int
    within_15: float  # share of requests accepted within 15 minutes
    median: float | None  # seconds to accept, accepted requests
    p90: float | None
    offers: dict[str, int]  # by status
    offers_per_accepted: float | None  # offers made to the requests that were accepted, per accepted request
    offers_gini: float  # offers per agent over every agent (0: even; 1: one agent has them all)
    agents_offered: int
    paused: int  # automatic pauses (the project's audit rows where it has them, else what the simulation saw)
    reactivated: int
    failing_cells: list[Cell]
    cells: int
    hourly: list[dict]  # by the consumer's local hour of arrival: requests, within_15, median, p90
    observed: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    scale: float = 1.0

    @property
    def meets_goal(self) -> bool:
        return self.within_15 >= P.GOAL_WITHIN_15 and (self.median or 0) <= P.GOAL_MEDIAN_SECONDS

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def gini(values: list[int]) -> float:
    ordered = sorted(values)
    total = sum(ordered)
    if not total:
        return 0.0
    n = len(ordered)
    weighted = sum((rank + 1) * value for rank, value in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def collect(day: Day, label: str, overrides: dict, rule_in_code: bool, agents: int) -> Result:
    rows = list(Referral.objects.values_list("pk", "state", "language_id", "status", "created_at", "accepted_at"))
    waits = {pk: (accepted - created).total_seconds() for pk, _s, _l, _st, created, accepted in rows if accepted}
    accepted_times = list(waits.values())
    requests = len(rows)
    statuses = Counter(status for _pk, _s, _l, status, _c, _a in rows)

    by_cell = defaultdict(list)
    by_hour = defaultdict(list)
    for pk, state, language, status, _created, _accepted in rows:
        wait = waits.get(pk)
        by_cell[(state, language)].append((wait, status))
        arrival = day.arrival_of.get(pk)
        if arrival is not None:
            by_hour[int(arrival.local_hour)].append(wait)
    cells = []
    for (state, language), outcomes in sorted(by_cell.items()):
        accepted = [wait for wait, _status in outcomes if wait is not None]
        cells.append(
            Cell(
                state=state,
                language=language,
                requests=len(outcomes),
                within_15=sum(wait <= FIFTEEN_MINUTES for wait in accepted) / len(outcomes),
                median=statistics.median(accepted) if accepted else None,
                expired=sum(status == Referral.Status.EXPIRED for _wait, status in outcomes),
            )
        )
    failing = [
        cell
        for cell in cells
        if cell.within_15 < P.GOAL_WITHIN_15 or cell.median is None or cell.median > P.GOAL_MEDIAN_SECONDS
    ]
    failing.sort(key=lambda cell: (-cell.requests, cell.state, cell.language))
    hourly = []
    for hour in range(24):
        waits_here = by_hour.get(hour, [])
        accepted = [wait for wait in waits_here if wait is not None]
        within = sum(wait <= FIFTEEN_MINUTES for wait in accepted)
        hourly.append(
            {
                "hour": hour,
                "requests": len(waits_here),
                "within_15": within / len(waits_here) if waits_here else None,
                "median": percentile(accepted, 0.5),
                "p90": percentile(accepted, 0.9),
            }
        )

    offers = dict(Offer.objects.order_by().values_list("status").annotate(Count("pk")))
    per_agent = dict(Offer.objects.order_by().values_list("agent_id").annotate(Count("pk")))
    to_accepted = Offer.objects.filter(referral__status=Referral.Status.ACCEPTED).count()
    paused_kind = getattr(AgentChange.Kind, "PAUSED", None)
    paused = AgentChange.objects.filter(kind=paused_kind).count() if paused_kind else day.seen.paused
    seen = day.seen
    return Result(
        label=label,
        settings=overrides,
        rule_in_code=rule_in_code,
        requests=requests,
        accepted=statuses.get(Referral.Status.ACCEPTED, 0),
        expired=statuses.get(Referral.Status.EXPIRED, 0),
        still_open=sum(statuses.get(status, 0) for status in Referral.OPEN),
        within_15=sum(wait <= FIFTEEN_MINUTES for wait in accepted_times) / requests if requests else 0.0,
        median=percentile(accepted_times, 0.5),
        p90=percentile(accepted_times, 0.9),
        offers=offers,
        offers_per_accepted=to_accepted / len(accepted_times) if accepted_times else None,
        offers_gini=gini([per_agent.get(pk, 0) for pk in range(1, agents + 1)]),
        agents_offered=len(per_agent),
        paused=paused,
        reactivated=seen.reactivated,
        failing_cells=failing,
        cells=len(cells),
        hourly=hourly,
        observed={
            "created": seen.created,
            "accepted": seen.accepted,
            "rejected": seen.rejected,
            "lapsed": seen.lapsed,
            "expired": seen.expired,
            "offers": seen.offers,
            "answers_refused": dict(seen.answers_refused),
            "not_answered": dict(seen.not_answered),
            "switched": dict(seen.switched),
            "paused_seen": seen.paused,
            "reactivated": seen.reactivated,
            "sweeps_run": seen.sweeps_run,
            "sweeps_skipped": seen.sweeps_skipped,
            "waiting_passes": seen.waiting_passes,
            "seconds": {kind: round(value, 1) for kind, value in seen.seconds.most_common()},
            "virtual_hours": round(day.env.now / 3600, 2),
            "wall_seconds": seen.wall_seconds,
            "cpu_seconds": seen.cpu_seconds,
        },
    )
