"""Who is next for a referral: the eligible agent closest to the consumer, ties to who waited longest.

On PostgreSQL one query walks a GiST index (cube/earthdistance) in distance order and stops at the
first agent who passes every eligibility rule; elsewhere (SQLite, the embedded mode) the eligible
agents are loaded and sorted here. Both give the same answer (tests check it).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from geopy.distance import great_circle

from agents.eligibility import eligible_agents, eligible_among, run_prepared

# Chord length through the earth, in metres: ordering by it is ordering by great-circle distance,
# and the GiST index on ll_to_earth(latitude, longitude) can return rows in that order.
CHORD = "ll_to_earth(agents_agent.latitude, agents_agent.longitude) <-> ll_to_earth(%s, %s)"
# The available agents nearest a point who speak the language and hold a license in the state, with
# their chord distance, read off the partial GiST index. (The other rules are checked afterwards.)
NEAREST_AVAILABLE = (
    "SELECT id, latitude, longitude, ll_to_earth(latitude, longitude) <-> ll_to_earth(%(lat)s, %(lon)s) AS chord, "
    "last_offered_at FROM agents_agent "
    "WHERE taking_referrals AND latitude IS NOT NULL AND longitude IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM agents_agent_languages spoken "
    "WHERE spoken.agent_id = agents_agent.id AND spoken.language_id = %(language)s) "
    "AND EXISTS (SELECT 1 FROM agents_license license "
    "WHERE license.npn = agents_agent.npn AND license.state = %(state)s AND license.active) "
    "ORDER BY ll_to_earth(latitude, longitude) <-> ll_to_earth(%(lat)s, %(lon)s) LIMIT %(window)s"
)
WINDOWS = (8, 128, 2048, 32768)


@dataclass(frozen=True)
class Match:
    agent_id: int
    miles: float


def use_index() -> bool:
    return connection.vendor == "postgresql"


def _candidates(state: str, language: str, exclude: QuerySet | None, now: datetime | None, plan_year: int | None):
    queryset = eligible_agents(state, language, now, plan_year).filter(latitude__isnull=False, longitude__isnull=False)
    if exclude is not None:
        queryset = queryset.exclude(pk__in=exclude)
    return queryset


def next_agent(
    state: str,
    language: str,
    latitude: float,
    longitude: float,
    exclude: QuerySet | None = None,
    now: datetime | None = None,
    plan_year: int | None = None,
) -> Match | None:
    """The eligible agent closest to (latitude, longitude), leaving out the agents in `exclude`
    (a queryset of agent ids: already offered this referral, at capacity)."""
    if not use_index():
        return next_agent_in_python(_candidates(state, language, exclude, now, plan_year), latitude, longitude)
    # Walk outwards: the nearest available agents come off the GiST index (one short query), the
    # rules are checked for those few only (one more), and they are ranked here in the matching
    # order. The answer is final unless it sits on the window's edge (ties may lie beyond it).
    for window in WINDOWS:
        nearest = run_prepared(
            NEAREST_AVAILABLE,
            {"lat": latitude, "lon": longitude, "language": language, "state": state, "window": window},
        )
        if not nearest:
            return None
        eligible = eligible_among([row[0] for row in nearest], state, language, now, plan_year, exclude)
        full, edge = len(nearest) == window, nearest[-1][3]
        ranked = sorted(
            (row for row in nearest if row[0] in eligible),
            key=lambda row: (row[3], row[4] is not None, row[4] or 0, row[0]),
        )
        if ranked and not (full and ranked[0][3] >= edge):
            pk, agent_latitude, agent_longitude = ranked[0][:3]
            return Match(pk, great_circle((latitude, longitude), (agent_latitude, agent_longitude)).miles)
        if not full:
            return None  # the window held every available agent
    # Nobody eligible among the nearest thousands: ask the whole pool once.
    return _first_of_all(_candidates(state, language, exclude, now, plan_year), latitude, longitude)


def _first_of_all(candidates: QuerySet, latitude: float, longitude: float) -> Match | None:
    row = (
        candidates.annotate(chord=RawSQL(CHORD, (latitude, longitude)))
        .order_by("chord", F("last_offered_at").asc(nulls_first=True), "pk")
        .values_list("pk", "latitude", "longitude")
        .first()
    )
    return Match(row[0], great_circle((latitude, longitude), (row[1], row[2])).miles) if row else None


def next_agent_in_python(candidates: QuerySet, latitude: float, longitude: float) -> Match | None:
    """The same choice made by loading the candidates and sorting them here."""
    best = None
    for pk, agent_latitude, agent_longitude, last_offered_at in candidates.values_list(
        "pk", "latitude", "longitude", "last_offered_at"
    ):
        miles = great_circle((latitude, longitude), (agent_latitude, agent_longitude)).miles
        key = (round(miles, 6), last_offered_at is not None, last_offered_at or 0, pk)
        if best is None or key < best[0]:
            best = (key, Match(pk, miles))
    return best[1] if best else None
