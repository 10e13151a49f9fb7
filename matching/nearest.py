"""Who is next for a referral: the eligible agent closest to the consumer, ties to who waited longest.

On PostgreSQL the candidate table (`matching.models.Candidate`: one row per agent, licensed state
and language, kept in step by triggers from migrations/0002_candidates.py) is walked outwards from
the consumer along a GiST index that holds only available agents, and the eligibility rules are
checked for the nearest few, in the matching order, until one passes: usually the first, so a call
costs two short queries whatever the size of the pool. Elsewhere (SQLite, the embedded mode) the
eligible agents are loaded and sorted here. Both give the same answer (tests check it).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from geopy.distance import great_circle

from agents.eligibility import eligible_agents, eligible_among
from hod.db import run_prepared
from matching.models import Candidate
from matching.responsiveness import most_responsive

# Chord length through the earth, in metres: ordering by it is ordering by great-circle distance.
CHORD = "ll_to_earth(agents_agent.latitude, agents_agent.longitude) <-> ll_to_earth(%s, %s)"
# The available candidates for a state and language, nearest a point first, off the GiST index whose
# first key is the segment (a hash of state and language), so the walk meets no one else. Should two
# segments share a hash, the rule check below still asks for the license and the language.
NEAREST_CANDIDATES = (
    "SELECT agent_id, latitude, longitude, last_offered_at FROM matching_candidate "
    "WHERE available AND segment = hashtext(%s::text || '/' || %s::text){leave_out} "
    "ORDER BY ll_to_earth(latitude, longitude) <-> ll_to_earth(%s, %s) LIMIT %s"
)
WINDOWS = (32, 256, 4096, 65536)  # candidates read per walk; a longer walk only when all were ineligible
LARGEST_CHECK = 4096  # agents whose rules are asked in one query by `anyone_could_come`


@dataclass(frozen=True)
class Match:
    agent_id: int
    miles: float


class CandidateRow(NamedTuple):
    """A row of the candidate table as the walk reads it (the columns of NEAREST_CANDIDATES, in order)."""

    agent_id: int
    latitude: float
    longitude: float
    last_offered_at: datetime | None

    @property
    def place(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


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
    tie_break_miles: int | None = None,
) -> Match | None:
    """The eligible agent closest to (latitude, longitude), leaving out the agents in `exclude`
    (a queryset of agent ids: already offered this referral, at capacity). With the responsiveness
    tie-break (`tie_break_miles`, by default HOD_RESPONSIVENESS_TIE_BREAK_MILES; 0 = off), the most
    responsive of the eligible agents within that many miles of the closest (matching.responsiveness)."""
    if tie_break_miles is None:
        tie_break_miles = settings.HOD_RESPONSIVENESS_TIE_BREAK_MILES
    if not use_index():
        candidates = _candidates(state, language, exclude, now, plan_year)
        return next_agent_in_python(candidates, latitude, longitude, tie_break_miles)
    matches = _eligible_nearest_first(state, language, latitude, longitude, exclude, now, plan_year)
    closest = next(matches, None)
    if closest is None or tie_break_miles <= 0:
        return closest
    near = [closest]
    for match in matches:
        if match.miles > closest.miles + tie_break_miles:
            break
        near.append(match)
    return most_responsive(near)


def anyone_could_come(state: str, language: str, now: datetime | None = None, plan_year: int | None = None) -> bool:
    """Whether an agent passes every rule for a consumer in `state` speaking `language` but the taking-referrals
    switch (rule 8): whether anyone could come for a request that waits.

    On PostgreSQL the rules are asked of the state and language's candidate rows, switched on or off, in
    batches growing from one (who usually passes), instead of over every agent (which took 140 ms on 20,000
    agents, for every consumer who had to wait). An agent with no location is not counted: nobody could offer
    them the request (they are no candidate)."""
    if not use_index():
        could = eligible_agents(state, language, now, plan_year, require_available=False)
        return could.filter(latitude__isnull=False, longitude__isnull=False).exists()
    rows = Candidate.objects.filter(state=state, language=language).order_by("agent_id").values_list("agent_id")
    after, size = 0, 1
    while batch := [agent_id for (agent_id,) in rows.filter(agent_id__gt=after)[:size]]:
        if eligible_among(batch, state, language, now, plan_year, require_available=False):
            return True
        after, size = batch[-1], min(size * 16, LARGEST_CHECK)
    return False


def _eligible_nearest_first(
    state: str,
    language: str,
    latitude: float,
    longitude: float,
    exclude: QuerySet | None,
    now: datetime | None,
    plan_year: int | None,
) -> Iterator[Match]:
    """The eligible agents in the matching order, found by walking the candidate table outwards: the
    caller usually takes the first and stops (two short queries)."""
    leave_out, leave_out_params = "", []
    if exclude is not None:
        exclude_sql, leave_out_params = exclude.order_by().query.sql_with_params()
        leave_out = f" AND agent_id NOT IN ({exclude_sql})"
    sql = NEAREST_CANDIDATES.format(leave_out=leave_out)
    checked: set[int] = set()
    for window in WINDOWS:
        rows = run_prepared(sql, [state, language, *leave_out_params, latitude, longitude, window])
        nearest = [CandidateRow(*row) for row in rows]
        full = len(nearest) == window
        if full:
            # The farthest place in the window may have more candidates beyond it: leave that place
            # to the next, longer walk, so that everyone at one place is ranked together.
            nearest = [row for row in nearest if row.place != nearest[-1].place]
        ranked = [row for row in _in_matching_order(nearest) if row.agent_id not in checked]
        for batch in _growing(ranked):
            eligible = eligible_among([row.agent_id for row in batch], state, language, now, plan_year)
            checked.update(row.agent_id for row in batch)
            for row in batch:
                if row.agent_id in eligible:
                    yield Match(row.agent_id, _miles((latitude, longitude), row.place))
        if not full:
            return  # the walk met every available candidate
    # Nobody eligible among the nearest thousands: ask the whole pool once (the closest only).
    found = _first_of_all(_candidates(state, language, exclude, now, plan_year), latitude, longitude)
    if found is not None and found.agent_id not in checked:
        yield found


def _miles(here: tuple[float, float], there: tuple[float, float]) -> float:
    return great_circle(here, there).miles


def _in_matching_order(rows: list[CandidateRow]) -> list[CandidateRow]:
    """Candidate rows, nearest first, put in the matching order: agents at one place (one ZIP code's
    centroid, so exactly as far) by who waited longest since their last offer, then by id."""
    ranked = []
    for _place, together in groupby(rows, key=lambda row: row.place):
        ranked.extend(sorted(together, key=_longest_wait_first))
    return ranked


def _longest_wait_first(row: CandidateRow) -> tuple:
    return (row.last_offered_at is not None, row.last_offered_at or 0, row.agent_id)


def _growing(rows: list[CandidateRow]) -> Iterator[list[CandidateRow]]:
    """The ranked rows in batches for the rule check: the first alone (who usually passes), then
    batches four times larger, so a run of ineligible agents costs few round trips."""
    start, size = 0, 1
    while start < len(rows):
        yield rows[start : start + size]
        start, size = start + size, size * 4


def _first_of_all(candidates: QuerySet, latitude: float, longitude: float) -> Match | None:
    row = (
        candidates.annotate(chord=RawSQL(CHORD, (latitude, longitude)))
        .order_by("chord", F("last_offered_at").asc(nulls_first=True), "pk")
        .values_list("pk", "latitude", "longitude")
        .first()
    )
    return Match(row[0], _miles((latitude, longitude), (row[1], row[2]))) if row else None


def next_agent_in_python(
    candidates: QuerySet, latitude: float, longitude: float, tie_break_miles: int = 0
) -> Match | None:
    """The same choice made by loading the candidates and sorting them here."""
    ranked = []
    for pk, agent_latitude, agent_longitude, last_offered_at in candidates.values_list(
        "pk", "latitude", "longitude", "last_offered_at"
    ):
        miles = _miles((latitude, longitude), (agent_latitude, agent_longitude))
        ranked.append(((miles, last_offered_at is not None, last_offered_at or 0, pk), Match(pk, miles)))
    if not ranked:
        return None
    ranked.sort(key=lambda pair: pair[0])
    closest = ranked[0][1]
    if tie_break_miles <= 0:
        return closest
    return most_responsive([match for _key, match in ranked if match.miles <= closest.miles + tie_break_miles])
