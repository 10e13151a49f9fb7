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

from agents.eligibility import eligible_agents

# Chord length through the earth, in metres: ordering by it is ordering by great-circle distance,
# and the GiST index on ll_to_earth(latitude, longitude) can return rows in that order.
CHORD = "ll_to_earth(agents_agent.latitude, agents_agent.longitude) <-> ll_to_earth(%s, %s)"


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
    candidates = _candidates(state, language, exclude, now, plan_year)
    if use_index():
        row = (
            candidates.annotate(chord=RawSQL(CHORD, (latitude, longitude)))
            .order_by("chord", F("last_offered_at").asc(nulls_first=True), "pk")
            .values_list("pk", "latitude", "longitude")
            .first()
        )
        if row is None:
            return None
        return Match(row[0], great_circle((latitude, longitude), (row[1], row[2])).miles)
    return next_agent_in_python(candidates, latitude, longitude)


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
