"""The eligibility rules as queries, for many agents at once: one piece per rule, composed three ways.

- `eligible_agents(state, language)`: the agents who pass every rule now (admin's filter, matching's
  fallback on SQLite);
- `eligible_among(agent_ids, state, language)`: which of a few agents pass (matching on PostgreSQL,
  a prepared statement built once per state, language and day);
- `invitable_agents()`: rules 1 and 2, and a state passing rules 3, 4 and 6 together.

Each piece is a condition on the outer agent (`OuterRef("pk")`, `OuterRef("npn")`); the per-agent
engine with its reasons is `rules`, and tests check the two agree on a generated pool.
"""

from datetime import date, datetime
from functools import lru_cache

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone

from agents.eligibility.rules import ACTIVE, Rule
from agents.models import (
    Agent,
    HealthLineOfAuthority,
    License,
    LineOfAuthority,
    MarketplaceRegistration,
    StateDeselection,
    TermsAcceptance,
    TermsDocument,
    TrainingCompletion,
)
from hod.db import Placeholder, PreparedQuery
from hod.reference.lookups import current_plan_year
from hod.reference.models import StateMarketplace

# Rule 1 ---------------------------------------------------------------------------------------


def registered_for(plan_year: int, today: date) -> QuerySet:
    """Rule 1: the outer agent's NPN is validly registered with the Marketplace for the plan year."""
    return MarketplaceRegistration.objects.filter(
        Q(individual_marketplace_end_date__isnull=True) | Q(individual_marketplace_end_date__gte=today),
        npn=OuterRef("npn"),
        plan_year=plan_year,
        active=True,
        individual_registration_completion_date__isnull=False,
        npn_valid_current_plan_year_only="Y",
    )


# Rule 2 ---------------------------------------------------------------------------------------


def trained_for(plan_year: int) -> QuerySet:
    """Rule 2: Help On Demand training completed for the plan year."""
    return TrainingCompletion.objects.filter(
        npn=OuterRef("npn"), plan_year=plan_year, active=True, completed_on__isnull=False
    )


# Rule 3 ---------------------------------------------------------------------------------------


def licensed_in(today: date, state=None) -> QuerySet:
    """Rule 3: the outer agent's active, unexpired licenses with an active health line of authority,
    in `state` (a code or an expression), or in any state when None."""
    health_names = HealthLineOfAuthority.objects.annotate(lowered=Lower("name")).values("lowered")
    health_line = LineOfAuthority.objects.annotate(lowered=Lower("name")).filter(
        license=OuterRef("pk"), active=True, status__in=ACTIVE, lowered__in=health_names
    )
    licenses = License.objects.filter(
        Q(expiration_date__isnull=True) | Q(expiration_date__gte=today),
        Exists(health_line),
        npn=OuterRef("npn"),
        active=True,
        status__in=ACTIVE,
    )
    return licenses if state is None else licenses.filter(state=state)


# Rule 4 ---------------------------------------------------------------------------------------


def display_option_allows(state) -> Q:
    """Rule 4: options 1 and 2 allow every licensed state, option 3 the home state only, 4 none."""
    return Q(display_option__in=Agent.EVERYWHERE_OPTIONS) | Q(
        display_option=Agent.DisplayOption.HOME_STATE_ONLY, home_state=state
    )


# Rule 5 ---------------------------------------------------------------------------------------


def kept_in_preferences(state: str) -> Exists:
    """Rule 5: the agent has not switched the state off in State Preferences."""
    return ~Exists(StateDeselection.objects.filter(agent_id=OuterRef("pk"), state_id=state))


# Rule 6 ---------------------------------------------------------------------------------------


def served(state, plan_year: int) -> QuerySet:
    """Rule 6: Help On Demand serves the state's Marketplace (FFM or SBM-FP) in the plan year, or, while the
    year's types are not on file yet, in the latest year before it that has them (one query, still)."""
    on_file = StateMarketplace.objects.filter(plan_year__lte=plan_year).order_by("-plan_year").values("plan_year")
    return StateMarketplace.objects.filter(
        state_id=state, plan_year=Subquery(on_file[:1]), type__in=StateMarketplace.SERVED_TYPES
    )


# Rule 7 ---------------------------------------------------------------------------------------

REGISTERED_IN_HOD = (
    Q(user__is_active=True, registered_at__isnull=False)
    & ~Q(cell_phone="")
    & ~Q(zip_code="")
    & ~Q(user__password__startswith="!")  # an unusable password: no log-in possible
)


def accepted_current_terms(kind: str) -> ExpressionWrapper:
    """Rule 7, its other half: the newest published version of this kind of Terms accepted (or none published)."""
    newest = Subquery(
        TermsDocument.objects.filter(kind=kind, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .values("pk")[:1]
    )
    accepted = Exists(TermsAcceptance.objects.filter(agent_id=OuterRef("pk"), terms_id=newest))
    nothing_to_accept = ~Exists(TermsDocument.objects.filter(kind=kind, published_at__isnull=False))
    return ExpressionWrapper(Q(accepted) | Q(nothing_to_accept), output_field=BooleanField())


def hod_registration_complete() -> list:
    """Rule 7 whole: the account and profile, and every kind of current Terms accepted (filter conditions)."""
    return [REGISTERED_IN_HOD, *(accepted_current_terms(kind) for kind in TermsDocument.Kind.values)]


# Rule 8 ---------------------------------------------------------------------------------------

TAKING_REFERRALS = Q(taking_referrals=True)


# Rule 9 ---------------------------------------------------------------------------------------


def speaks(language: str) -> Exists:
    return Exists(Agent.languages.through.objects.filter(agent_id=OuterRef("pk"), language_id=language))


# The three forms --------------------------------------------------------------------------------


def on_the_agent_row(state: str, require_available: bool = True) -> Q:
    """The rules answered by the agent's own row and account: 4, 7 (but the Terms) and 8."""
    condition = display_option_allows(state) & REGISTERED_IN_HOD
    return condition & TAKING_REFERRALS if require_available else condition


def beyond_the_agent_row(state: str, language: str | None, year: int, today: date) -> dict[str, object]:
    """The rules that look at other tables, each a boolean expression on the outer agent, by name."""
    checks = {
        "registered": Exists(registered_for(year, today)),
        "trained": Exists(trained_for(year)),
        "licensed": Exists(licensed_in(today, state)),
        "kept_in_preferences": kept_in_preferences(state),
        "served": Exists(served(state, year)),
        **{f"accepted_terms_{kind}": accepted_current_terms(kind) for kind in TermsDocument.Kind.values},
    }
    if language is not None:
        checks["speaks"] = speaks(language)
    return checks


def _year_and_day(now: datetime | None, plan_year: int | None) -> tuple[int, date]:
    now = now or timezone.now()
    return plan_year or current_plan_year(now), timezone.localdate(now)


def eligible_agents(
    state: str,
    language: str | None,
    now: datetime | None = None,
    plan_year: int | None = None,
    require_available: bool = True,
) -> QuerySet[Agent]:
    """Agents who may receive a referral for a consumer in `state` speaking `language` right now: one
    query. With no language, rule 9 is left out (admin's "eligible now in state S"); without
    `require_available`, rule 8 (an agent who switched off may still answer the offer they hold)."""
    year, today = _year_and_day(now, plan_year)
    checks = beyond_the_agent_row(state, language, year, today).values()
    return Agent.objects.filter(on_the_agent_row(state, require_available), *checks)


def eligible_among(
    agent_ids: list[int],
    state: str,
    language: str,
    now: datetime | None = None,
    plan_year: int | None = None,
    require_available: bool = True,
) -> set[int]:
    """Which of a few agents are eligible (PostgreSQL): the rules asked per agent as columns of the
    result, which the database evaluates for just these agents, as a prepared statement. Without
    `require_available`, rule 8 is left out, as in `eligible_agents`."""
    year, today = _year_and_day(now, plan_year)
    rows = _eligible_among_query(state, language, year, today, require_available).run(agent_ids=list(agent_ids))
    return {row[0] for row in rows if all(row[1:])}


@lru_cache(maxsize=1024)
def _eligible_among_query(
    state: str, language: str, year: int, today: date, require_available: bool = True
) -> PreparedQuery:
    checks = beyond_the_agent_row(state, language, year, today)
    ids = RawSQL("SELECT unnest(%s::bigint[])", (Placeholder("agent_ids"),))
    rows = (
        Agent.objects.filter(on_the_agent_row(state, require_available), pk__in=ids)
        .annotate(**checks)
        .order_by()
        .values_list("pk", *checks)
    )
    return PreparedQuery.of(rows)


def invitable_agents(now: datetime | None = None, plan_year: int | None = None) -> QuerySet[Agent]:
    """The bulk form of `is_invitable`: rules 1 and 2, and a state passing rules 3, 4 and 6 together."""
    year, today = _year_and_day(now, plan_year)
    usable = licensed_in(today).filter(Exists(served(OuterRef("state"), year)))
    return Agent.objects.filter(
        Q(display_option__in=Agent.EVERYWHERE_OPTIONS, pk__in=Agent.objects.filter(Exists(usable)))
        | Q(
            display_option=Agent.DisplayOption.HOME_STATE_ONLY,
            pk__in=Agent.objects.filter(Exists(usable.filter(state=OuterRef(OuterRef("home_state"))))),
        ),
        Exists(registered_for(year, today)),
        Exists(trained_for(year)),
    )


RULES_AS_QUERIES = {  # for readers: which piece answers which rule
    Rule.REGISTRATION: registered_for,
    Rule.TRAINING: trained_for,
    Rule.LICENSE: licensed_in,
    Rule.DISPLAY_OPTION: display_option_allows,
    Rule.STATE_PREFERENCES: kept_in_preferences,
    Rule.MARKETPLACE: served,
    Rule.HOD_REGISTRATION: (REGISTERED_IN_HOD, accepted_current_terms),
    Rule.AVAILABLE: TAKING_REFERRALS,
}
