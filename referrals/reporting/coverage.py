"""Where agents are missing: for every served state and language, the agents eligible (every rule but
"taking referrals"), those on now (every rule), the referrals waiting now and those that expired in a
period for want of an agent; one state and language in detail; and the gaps admin's index warns about.

The agent figures are the eligibility rules' own query pieces (`agents.eligibility.queries`), composed
over the agents' licenses so that every state and language comes out of one grouped query: the number
of queries stays the same whatever the number of agents, licenses or referrals, and the database plans
the rules once rather than once a state.
"""

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from agents.eligibility.queries import (
    TAKING_REFERRALS,
    beyond_the_agent_row,
    eligible_agents,
    on_the_agent_row,
    served,
)
from agents.models import Agent, License
from hod import cached
from hod.reference.lookups import current_plan_year
from hod.reference.models import Language, State
from referrals.models import Referral
from referrals.reporting.periods import Period

AGENT_COUNTS_MAX_AGE = timedelta(seconds=90)  # the beat job counts them every 60 s
LIST_LIMIT = 200  # agents listed on a cell's page; the count says how many more
OPEN = Q(status__in=Referral.OPEN)


@dataclass
class Figures:
    """One state and language, or one state in every language."""

    eligible: int = 0  # agents passing every rule but "taking referrals"
    on: int = 0  # of them, taking referrals now
    waiting: int = 0  # open referrals now
    expired: int = 0  # referrals that expired in the period: nobody accepted them
    waiting_since: datetime | None = None  # when the oldest open referral came in

    @property
    def no_agent(self) -> bool:
        """Referrals wait that nobody can take, even after switching on: no agent is eligible."""
        return self.waiting > 0 and self.eligible == 0

    @property
    def none_on(self) -> bool:
        """Referrals wait while every eligible agent is switched off."""
        return self.waiting > 0 and self.eligible > 0 and self.on == 0

    @property
    def empty(self) -> bool:
        return not (self.eligible or self.waiting or self.expired)


@dataclass
class StateRow:
    code: str
    name: str
    served: bool
    total: Figures  # agents counted once whatever the languages they speak
    cells: list[tuple[Language, Figures]] = field(default_factory=list)  # in the order of the columns


@dataclass
class Coverage:
    period: Period
    agents_counted_at: datetime  # the agent figures are as of then (at most AGENT_COUNTS_MAX_AGE ago)
    languages: list[Language]  # the columns: languages with an agent or a referral somewhere
    left_out: list[Language]  # languages with neither anywhere
    rows: list[StateRow]  # served states, and any other with referrals
    states: list[StateRow]  # every state, for the map

    @property
    def waiting(self) -> int:
        return sum(row.total.waiting for row in self.rows)

    @property
    def expired(self) -> int:
        return sum(row.total.expired for row in self.rows)

    @property
    def no_agent(self) -> list[tuple[StateRow, Language, Figures]]:
        return [(row, language, cell) for row in self.rows for language, cell in row.cells if cell.no_agent]

    @property
    def none_on(self) -> list[tuple[StateRow, Language, Figures]]:
        return [(row, language, cell) for row in self.rows for language, cell in row.cells if cell.none_on]


def coverage(period: Period, now: datetime) -> Coverage:
    """The states × languages table: five queries, whatever the number of agents and referrals."""
    year = current_plan_year(now)
    referrals = _referrals_by_cell(period)
    states = list(
        State.objects.annotate(is_served=Exists(served(OuterRef("code"), year))).values_list(
            "code", "name", "is_served"
        )
    )
    languages = list(Language.objects.all())
    agents, counted_at = agent_counts(now, year)
    cells: dict[str, dict[str, Figures]] = defaultdict(dict)  # state → language → figures
    for (state, language), counts in agents.items():
        if language is not None:
            cells[state][language] = Figures(*counts)
    for (state, language), (waiting, expired, since) in referrals.items():
        known = cells[state].get(language, Figures())
        cells[state][language] = replace(known, waiting=waiting, expired=expired, waiting_since=since)
    used = {code for by_code in cells.values() for code, figures in by_code.items() if not figures.empty}
    columns = [language for language in languages if language.code in used]
    every_state = [
        _state_row(code, name, is_served, agents.get((code, None), (0, 0)), cells[code], columns)
        for code, name, is_served in states
    ]
    return Coverage(
        period=period,
        agents_counted_at=counted_at,
        languages=columns,
        left_out=[language for language in languages if language.code not in used],
        rows=[row for row in every_state if row.served or row.total.waiting or row.total.expired],
        states=every_state,
    )


def _state_row(
    code: str, name: str, is_served: bool, agents: tuple[int, int], cells: dict[str, Figures], columns: list
) -> StateRow:
    """A state's cells in the columns' order, and its totals (referrals summed over every language)."""
    since = [figures.waiting_since for figures in cells.values() if figures.waiting_since]
    total = Figures(
        *agents,
        waiting=sum(figures.waiting for figures in cells.values()),
        expired=sum(figures.expired for figures in cells.values()),
        waiting_since=min(since, default=None),
    )
    return StateRow(
        code, name, is_served, total, [(language, cells.get(language.code, Figures())) for language in columns]
    )


def _referrals_by_cell(period: Period) -> dict[tuple[str, str], tuple[int, int, datetime | None]]:
    """{(state, language): (waiting now, expired in the period, oldest waiting since)}: one query."""
    expired = Q(status=Referral.Status.EXPIRED, closed_at__gte=period.start, closed_at__lt=period.end)
    rows = (
        Referral.objects.filter(OPEN | expired)
        .order_by()
        .values_list("state", "language_id")
        .annotate(
            waiting=Count("pk", filter=OPEN),
            expired=Count("pk", filter=expired),
            since=Min("created_at", filter=OPEN),
        )
    )
    return {(state, language): (waiting, expired, since) for state, language, waiting, expired, since in rows}


def _agents(states: list[str], year: int, now: datetime) -> dict[tuple[str, str | None], tuple[int, int]]:
    """{(state, language): (eligible, on)} for the states, and {(state, None): …} for every language, each
    agent counted once: one query, whatever the number of agents and languages.

    Its rows are the eligible pairs of a state and an agent, joined to what the agent speaks (rule 9:
    a row in `Agent.languages`) and to one more row with no language, so that grouping by state and
    language gives each language's figures and the state's total in one pass."""
    if not states:
        return {}
    pairs_sql, pairs_params = _eligible_pairs(states, year, timezone.localdate(now)).query.sql_with_params()
    speakers = Agent.languages.through.objects.order_by().values(npn=F("agent__npn"), spoken=F("language_id"))
    everyone = Agent.objects.order_by().values("npn", spoken=Value(None, output_field=CharField()))
    speakers_sql, speakers_params = speakers.union(everyone, all=True).query.sql_with_params()
    # Plain SQL around the ORM's: a license reaches its agent's languages only through the NPN they
    # share, a join the ORM cannot write; the statement is the same on PostgreSQL and SQLite.
    # The two pieces are the ORM's own compiled SQL; every value goes as a parameter.
    sql = (
        "SELECT pairs.state, speakers.spoken, COUNT(*), SUM(CASE WHEN pairs.taking THEN 1 ELSE 0 END) "  # nosec B608
        f"FROM ({pairs_sql}) pairs JOIN ({speakers_sql}) speakers ON speakers.npn = pairs.npn "
        "GROUP BY pairs.state, speakers.spoken"
    )
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic() if postgresql else nullcontext(), connection.cursor() as cursor:
        if postgresql:  # its subqueries cost PostgreSQL's JIT more to compile than the query takes to run
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, (*pairs_params, *speakers_params))
        return {(state, language): (eligible, on) for state, language, eligible, on in cursor.fetchall()}


def _eligible_pairs(states: list[str], year: int, today: date) -> QuerySet:
    """(state, npn, taking referrals) once for each agent passing every rule but 8 in one of the states:
    the licenses there (rule 3's rows) whose agent passes the rules' pieces with the state taken from the
    row, as `eligible_agents` composes them with a constant."""
    # The license's state as the agent's row sees it, and as the tables the agent's rules look at see it.
    state, state_below = OuterRef("state"), OuterRef(OuterRef("state"))
    passes = Agent.objects.filter(
        on_the_agent_row(state, require_available=False),
        *beyond_the_agent_row(state_below, None, year, today).values(),
        npn=OuterRef("npn"),
    )
    taking = Q(npn__in=Agent.objects.filter(TAKING_REFERRALS).values("npn"))
    return (
        License.objects.filter(Exists(passes), state__in=states)
        .order_by()
        .values("npn", "state")  # NPN first: DISTINCT sorts on it, and it tells rows apart sooner
        .annotate(taking=ExpressionWrapper(taking, output_field=BooleanField()))
        .distinct()
    )


def taking_referrals_by_state(now: datetime) -> dict[str, int]:
    """{served state: agents passing every rule now, in any language}, as of at most 90 seconds ago."""
    agents, _at = agent_counts(now)
    return dict(sorted((state, on) for (state, language), (_eligible, on) in agents.items() if language is None))


def agent_counts(
    now: datetime, year: int | None = None
) -> tuple[dict[tuple[str, str | None], tuple[int, int]], datetime]:
    """`_agents` for every served state, and when they were counted. The count reads every license of
    every agent, and the dashboard's "right now" asks for it every few seconds: it is kept for
    AGENT_COUNTS_MAX_AGE, and the beat job `refresh_agent_counts` counts again every minute, so that a
    viewer rarely waits for it."""
    year = year or current_plan_year(now)
    kept = cached.get(_counts_key(year))
    if kept is not None and now - AGENT_COUNTS_MAX_AGE <= kept[1] <= now:
        return kept
    return refresh_agent_counts(now, year)


def refresh_agent_counts(
    now: datetime | None = None, year: int | None = None
) -> tuple[dict[tuple[str, str | None], tuple[int, int]], datetime]:
    """Count the agents of every served state again, and keep the counts: two queries."""
    now = now or timezone.now()
    year = year or current_plan_year(now)
    states = list(State.objects.filter(Exists(served(OuterRef("code"), year))).values_list("code", flat=True))
    counts = {(state, None): (0, 0) for state in states} | _agents(states, year, now)  # every served state
    counted = (counts, now)
    cached.put(_counts_key(year), counted, int(AGENT_COUNTS_MAX_AGE.total_seconds()) * 2)
    return counted


def _counts_key(year: int) -> str:
    return f"coverage:agent-counts:{year}"


# One cell --------------------------------------------------------------------------------------


@dataclass
class WaitingReferral:
    """What a cell's page shows of a waiting referral: never the consumer's name, phone or e-mail."""

    reference: str
    city: str
    status: str
    since: datetime


@dataclass
class Cell:
    state: str
    language: str
    eligible: int
    on: int
    waiting: list[WaitingReferral]
    switched_off: list[Agent]  # eligible agents not taking referrals (at most LIST_LIMIT): name and NPN
    expired: int | None = None  # in the period, when one is given

    @property
    def switched_off_count(self) -> int:
        return self.eligible - self.on


def cell(state: str, language: str, now: datetime, period: Period | None = None) -> Cell:
    """One state and language: the referrals waiting, and the eligible agents who could switch on to take
    them. Four queries (five with a period)."""
    year = current_plan_year(now)
    waiting = [
        WaitingReferral(reference, city, Referral.Status(status).label, since)
        for reference, city, status, since in Referral.objects.filter(OPEN, state=state, language_id=language)
        .order_by("created_at", "pk")
        .values_list("reference", "city", "status", "created_at")
    ]
    agents = eligible_agents(state, language, now=now, plan_year=year, require_available=False)
    counts = agents.order_by().aggregate(eligible=Count("pk"), on=Count("pk", filter=TAKING_REFERRALS))
    switched_off = list(agents.exclude(TAKING_REFERRALS).only("pk", "first_name", "last_name", "npn")[:LIST_LIMIT])
    expired = None
    if period is not None:
        expired = Referral.objects.filter(
            state=state,
            language_id=language,
            status=Referral.Status.EXPIRED,
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        ).count()
    return Cell(state, language, counts["eligible"], counts["on"], waiting, switched_off, expired)


# Admin's index ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    state: str
    language: str  # its English name
    waiting: int


def gaps(now: datetime) -> list[Gap]:
    """The states and languages where referrals wait and no agent is eligible at all, even switched off:
    those referrals will expire unless someone is registered. One query when nothing waits, four else."""
    waiting = {
        (state, language): count
        for state, language, count in Referral.objects.filter(OPEN)
        .order_by()
        .values_list("state", "language_id")
        .annotate(Count("pk"))
    }
    if not waiting:
        return []
    agents, _at = agent_counts(now)
    empty = sorted(key for key in waiting if agents.get(key, (0, 0))[0] == 0)
    if not empty:
        return []
    names = dict(
        Language.objects.filter(code__in={language for _state, language in empty}).values_list("code", "name_en")
    )
    return [Gap(state, names.get(language, language), waiting[state, language]) for state, language in empty]
