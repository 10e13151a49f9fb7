"""Where agents are missing: for every served state and language, the agents eligible (every rule but
"taking referrals"), those on now (every rule), the referrals waiting now and those that expired in a
period for want of an agent; one state and language in detail; and the gaps admin's index warns about.

The agent figures are the eligibility rules' own query pieces (`agents.eligibility.queries`), composed
over the agents' licenses so that every state and language comes out of one grouped query: the number
of queries stays the same whatever the number of agents, licenses or referrals, and the database plans
the rules once rather than once a state.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from agents.eligibility.queries import (
    TAKING_REFERRALS,
    beyond_the_agent_row,
    eligible_agents,
    on_the_agent_row,
    served,
    speaks,
)
from agents.models import Agent, License
from hod.reference.lookups import current_plan_year
from hod.reference.models import Language, State
from referrals.models import Referral
from referrals.reporting.periods import Period

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
    languages = list(
        Language.objects.annotate(spoken=Exists(Agent.languages.through.objects.filter(language=OuterRef("pk"))))
    )
    served_codes = [code for code, _name, is_served in states if is_served]
    agents = _agents(served_codes, [language.code for language in languages if language.spoken], year, now)
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


def _agents(
    states: list[str], languages: list[str], year: int, now: datetime
) -> dict[tuple[str, str | None], tuple[int, int]]:
    """{(state, language): (eligible, on)} for the states and languages, and {(state, None): …} for every
    language, each agent counted once: one query, whatever the number of agents.

    The rows are the licenses in the states (rule 3's rows), kept when their agent passes every rule
    but 8 for the license's state: the rule pieces with the state taken from the row, as `eligible_agents`
    composes them with a constant. The agents on (rule 8) and the speakers of each language (rule 9) are
    filters on the NPN, so the rules are written once, in `agents.eligibility.queries`."""
    if not states:
        return {}
    # The license's state as the agent's row sees it, and as the tables the agent's rules look at see it.
    state, state_below = OuterRef("state"), OuterRef(OuterRef("state"))
    passes = Agent.objects.filter(
        on_the_agent_row(state, require_available=False),
        *beyond_the_agent_row(state_below, None, year, timezone.localdate(now)).values(),
        npn=OuterRef("npn"),
    )
    on = Q(npn__in=Agent.objects.filter(TAKING_REFERRALS).values("npn"))
    columns = {"eligible": Count("npn", distinct=True), "on": Count("npn", distinct=True, filter=on)}
    for number, language in enumerate(languages):  # by position: a language code is no column name
        speaks_it = Q(npn__in=Agent.objects.filter(speaks(language)).values("npn"))
        columns[f"eligible_{number}"] = Count("npn", distinct=True, filter=speaks_it)
        columns[f"on_{number}"] = Count("npn", distinct=True, filter=speaks_it & on)
    rows = License.objects.filter(Exists(passes), state__in=states).order_by().values("state").annotate(**columns)
    if connection.vendor == "postgresql":
        # Its many subqueries cost PostgreSQL's JIT seconds to compile for a query that runs in less.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            rows = list(rows)
    found = {}
    for row in rows:
        found[row["state"], None] = (row["eligible"], row["on"])
        for number, language in enumerate(languages):
            found[row["state"], language] = (row[f"eligible_{number}"], row[f"on_{number}"])
    return found


def taking_referrals_by_state(now: datetime) -> dict[str, int]:
    """{served state: agents passing every rule now, in any language}: three queries."""
    year = current_plan_year(now)
    states = list(State.objects.filter(Exists(served(OuterRef("code"), year))).values_list("code", flat=True))
    agents = _agents(states, [], year, now)
    return {state: agents.get((state, None), (0, 0))[1] for state in states}


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
    year = current_plan_year(now)
    agents = _agents(sorted({state for state, _ in waiting}), sorted({language for _, language in waiting}), year, now)
    empty = sorted(key for key in waiting if agents.get(key, (0, 0))[0] == 0)
    if not empty:
        return []
    names = dict(
        Language.objects.filter(code__in={language for _state, language in empty}).values_list("code", "name_en")
    )
    return [Gap(state, names.get(language, language), waiting[state, language]) for state, language in empty]
