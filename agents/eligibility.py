"""Who may receive a referral for which state, and why not: the rules of DESIGN.md in one place.

Two forms that must agree (the tests check they do on a generated pool):
- `eligibility_table(agent)`: every rule for every state, passing or failing with a reason, for
  admin and for the agent's own page;
- `eligible_agents(state, language)`: one query for the agents who pass every rule right now,
  for matching to order by distance.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache

import psycopg
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone

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
from hod.reference.lookups import current_plan_year
from hod.reference.models import State, StateMarketplace

# How the CMS files spell an active license or line of authority (the imports store "Active").
ACTIVE = ("Active", "ACTIVE", "active")
PARTICIPATING_DISPLAY_OPTIONS = (Agent.DisplayOption.ALL_STATES, Agent.DisplayOption.ALL_STATES_NO_ADDRESS)


class Rule(Enum):
    """The eligibility rules, numbered as in DESIGN.md (9, language, is asked per referral)."""

    REGISTRATION = (1, "Marketplace registration")
    TRAINING = (2, "Help On Demand training")
    LICENSE = (3, "Health license")
    DISPLAY_OPTION = (4, "MLMS display option")
    STATE_PREFERENCES = (5, "State Preferences")
    MARKETPLACE = (6, "Marketplace type")
    HOD_REGISTRATION = (7, "Help On Demand registration")
    AVAILABLE = (8, "Taking referrals")

    def __init__(self, number: int, label: str) -> None:
        self.number = number
        self.label = label


@dataclass(frozen=True)
class Check:
    rule: Rule
    passed: bool
    reason: str = ""


@dataclass
class Facts:
    """Everything the rules read about one agent, loaded in a handful of queries."""

    agent: Agent
    plan_year: int
    today: date
    registration: MarketplaceRegistration | None
    training: TrainingCompletion | None
    licenses: dict[str, list[License]]
    health_names: set[str]
    marketplaces: dict[str, StateMarketplace]
    deselected: set[str]
    missing_terms: list[TermsDocument]


def current_terms() -> list[TermsDocument]:
    """The newest published version of each kind of Terms of Use."""
    newest = {}
    for terms in TermsDocument.objects.filter(published_at__isnull=False).order_by("kind", "-published_at", "-pk"):
        newest.setdefault(terms.kind, terms)
    return list(newest.values())


def load_facts(agent: Agent, now: datetime | None = None, plan_year: int | None = None) -> Facts:
    now = now or timezone.now()
    year = plan_year or current_plan_year(now)
    licenses: dict[str, list[License]] = {}
    for license in License.objects.filter(npn=agent.npn).prefetch_related("lines_of_authority").order_by("pk"):
        licenses.setdefault(license.state, []).append(license)
    accepted = set(TermsAcceptance.objects.filter(agent=agent).values_list("terms_id", flat=True))
    return Facts(
        agent=agent,
        plan_year=year,
        today=timezone.localdate(now),
        registration=MarketplaceRegistration.objects.filter(npn=agent.npn, plan_year=year).first(),
        training=TrainingCompletion.objects.filter(npn=agent.npn, plan_year=year).first(),
        licenses=licenses,
        health_names={name.lower() for name in HealthLineOfAuthority.objects.values_list("name", flat=True)},
        marketplaces={m.state_id: m for m in StateMarketplace.objects.filter(plan_year=year)},
        deselected=set(StateDeselection.objects.filter(agent=agent).values_list("state_id", flat=True)),
        missing_terms=[terms for terms in current_terms() if terms.pk not in accepted],
    )


def _is_active(status: str) -> bool:
    return status.strip() in ACTIVE


def check_registration(facts: Facts) -> Check:
    row, year = facts.registration, facts.plan_year
    if row is None:
        return Check(Rule.REGISTRATION, False, f"NPN not on the FFM Registration Completion List for {year}")
    if not row.active:
        return Check(Rule.REGISTRATION, False, f"NPN no longer on the latest {year} Registration Completion List")
    if row.individual_registration_completion_date is None:
        return Check(Rule.REGISTRATION, False, f"no individual Marketplace registration completed for {year}")
    if row.individual_marketplace_end_date and row.individual_marketplace_end_date < facts.today:
        return Check(Rule.REGISTRATION, False, f"individual registration ended {row.individual_marketplace_end_date}")
    if row.npn_valid_current_plan_year_only != "Y":
        flag = row.npn_valid_current_plan_year_only or "empty"
        return Check(Rule.REGISTRATION, False, f"not valid for the current plan year (flag {flag!r})")
    return Check(Rule.REGISTRATION, True, f"registered {row.individual_registration_completion_date}")


def check_training(facts: Facts) -> Check:
    row = facts.training
    if row is None or row.completed_on is None:
        return Check(Rule.TRAINING, False, f"Help On Demand training not completed for {facts.plan_year}")
    if not row.active:
        return Check(Rule.TRAINING, False, f"training for {facts.plan_year} missing from the latest MLMS export")
    return Check(Rule.TRAINING, True, f"completed {row.completed_on}")


def check_license(facts: Facts, state: str) -> Check:
    licenses = [license for license in facts.licenses.get(state, []) if license.active]
    if not licenses:
        return Check(Rule.LICENSE, False, f"no license in {state}")
    problems = []
    for license in licenses:
        if not _is_active(license.status):
            problems.append(f"license {license.license_number} is {license.status}")
        elif license.expiration_date and license.expiration_date < facts.today:
            problems.append(f"license {license.license_number} expired {license.expiration_date}")
        elif not any(
            line.active and _is_active(line.status) and line.name.lower() in facts.health_names
            for line in license.lines_of_authority.all()
        ):
            problems.append(f"license {license.license_number} has no active health line of authority")
        else:
            return Check(Rule.LICENSE, True, f"license {license.license_number}")
    return Check(Rule.LICENSE, False, "; ".join(problems))


def check_display_option(facts: Facts, state: str) -> Check:
    agent = facts.agent
    option = agent.display_option
    if option in PARTICIPATING_DISPLAY_OPTIONS:
        return Check(Rule.DISPLAY_OPTION, True, f"option {option}: all licensed states")
    if option == Agent.DisplayOption.HOME_STATE_ONLY:
        if agent.home_state == state:
            return Check(Rule.DISPLAY_OPTION, True, "option 3: home state only")
        return Check(Rule.DISPLAY_OPTION, False, f"option 3: home state ({agent.home_state or 'unknown'}) only")
    if option == Agent.DisplayOption.DOES_NOT_PARTICIPATE:
        return Check(Rule.DISPLAY_OPTION, False, "option 4: does not participate")
    return Check(Rule.DISPLAY_OPTION, False, "no display option in the MLMS export")


def check_state_preferences(facts: Facts, state: str) -> Check:
    if state in facts.deselected:
        return Check(Rule.STATE_PREFERENCES, False, f"{state} deselected in State Preferences")
    return Check(Rule.STATE_PREFERENCES, True)


def check_marketplace(facts: Facts, state: str) -> Check:
    marketplace = facts.marketplaces.get(state)
    if marketplace is None:
        return Check(Rule.MARKETPLACE, False, f"no Marketplace type on file for {state} in {facts.plan_year}")
    if not marketplace.is_served:
        return Check(Rule.MARKETPLACE, False, f"{state} is SBM in {facts.plan_year} ({marketplace.marketplace_name})")
    return Check(Rule.MARKETPLACE, True, marketplace.type)


def check_hod_registration(facts: Facts) -> Check:
    agent = facts.agent
    user = agent.user
    if user is None:
        return Check(Rule.HOD_REGISTRATION, False, "no Help On Demand account yet (invitation not accepted)")
    if not user.is_active:
        return Check(Rule.HOD_REGISTRATION, False, "account deactivated")
    missing = [
        label
        for label, present in (
            ("cell phone", bool(agent.cell_phone)),
            ("ZIP code", bool(agent.zip_code)),
            ("password", user.has_usable_password()),
            ("registration page", agent.registered_at is not None),
        )
        if not present
    ]
    if missing:
        return Check(Rule.HOD_REGISTRATION, False, "profile incomplete: " + ", ".join(missing))
    if facts.missing_terms:
        names = ", ".join(f"{terms.get_kind_display()} ({terms.version})" for terms in facts.missing_terms)
        return Check(Rule.HOD_REGISTRATION, False, f"not accepted: {names}")
    return Check(Rule.HOD_REGISTRATION, True, f"registered {agent.registered_at:%Y-%m-%d}")


def check_available(facts: Facts) -> Check:
    if facts.agent.taking_referrals:
        return Check(Rule.AVAILABLE, True, "taking referrals")
    return Check(Rule.AVAILABLE, False, "not taking referrals")


def checks_for_state(facts: Facts, state: str, agent_wide: list[Check] | None = None) -> list[Check]:
    """Rules 1 to 8 for one state, in order, all of them (not only the first that fails)."""
    agent_wide = agent_wide or [
        check_registration(facts),
        check_training(facts),
        check_hod_registration(facts),
        check_available(facts),
    ]
    registration, training, hod_registration, available = agent_wide
    return [
        registration,
        training,
        check_license(facts, state),
        check_display_option(facts, state),
        check_state_preferences(facts, state),
        check_marketplace(facts, state),
        hod_registration,
        available,
    ]


def eligibility_table(
    agent: Agent, now: datetime | None = None, plan_year: int | None = None
) -> dict[str, list[Check]]:
    """Every state (and DC) × rules 1 to 8 for this agent."""
    facts = load_facts(agent, now, plan_year)
    agent_wide = [
        check_registration(facts),
        check_training(facts),
        check_hod_registration(facts),
        check_available(facts),
    ]
    states = State.objects.order_by("code").values_list("code", flat=True)
    return {state: checks_for_state(facts, state, agent_wide) for state in states}


def eligible_states(agent: Agent, now: datetime | None = None, plan_year: int | None = None) -> list[str]:
    table = eligibility_table(agent, now, plan_year)
    return [state for state, checks in table.items() if all(check.passed for check in checks)]


def is_invitable(agent: Agent, now: datetime | None = None, plan_year: int | None = None) -> bool:
    """Rules 1 and 2 hold and at least one state passes rules 3, 4 and 6 together."""
    facts = load_facts(agent, now, plan_year)
    if not (check_registration(facts).passed and check_training(facts).passed):
        return False
    return any(
        check_license(facts, state).passed
        and check_display_option(facts, state).passed
        and check_marketplace(facts, state).passed
        for state in facts.licenses
    )


def speaks(agent: Agent, language: str) -> bool:
    """Rule 9."""
    return agent.languages.filter(code=language).exists()


# The bulk form ---------------------------------------------------------------------------


def _health_line_names() -> QuerySet:
    return HealthLineOfAuthority.objects.annotate(lowered=Lower("name")).values("lowered")


def _current_terms_of(kind: str) -> Subquery:
    return Subquery(
        TermsDocument.objects.filter(kind=kind, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .values("pk")[:1]
    )


def registered_for(plan_year: int, today: date) -> QuerySet:
    """Rule 1 as a subquery on the outer agent's NPN."""
    return MarketplaceRegistration.objects.filter(
        Q(individual_marketplace_end_date__isnull=True) | Q(individual_marketplace_end_date__gte=today),
        npn=OuterRef("npn"),
        plan_year=plan_year,
        active=True,
        individual_registration_completion_date__isnull=False,
        npn_valid_current_plan_year_only="Y",
    )


def trained_for(plan_year: int) -> QuerySet:
    """Rule 2 as a subquery on the outer agent's NPN."""
    return TrainingCompletion.objects.filter(
        npn=OuterRef("npn"), plan_year=plan_year, active=True, completed_on__isnull=False
    )


def licensed_in(state: str, today: date) -> QuerySet:
    """Rule 3 as a subquery on the outer agent's NPN."""
    health_line = LineOfAuthority.objects.annotate(lowered=Lower("name")).filter(
        license=OuterRef("pk"), active=True, status__in=ACTIVE, lowered__in=_health_line_names()
    )
    return License.objects.filter(
        Q(expiration_date__isnull=True) | Q(expiration_date__gte=today),
        Exists(health_line),
        npn=OuterRef("npn"),
        state=state,
        active=True,
        status__in=ACTIVE,
    )


def _on_the_agent_row(state: str) -> Q:
    """The rules answered by the agent's own row and account: 4, 7 (but the Terms) and 8."""
    return (
        (
            Q(display_option__in=PARTICIPATING_DISPLAY_OPTIONS)
            | Q(display_option=Agent.DisplayOption.HOME_STATE_ONLY, home_state=state)
        )
        & Q(taking_referrals=True, user__is_active=True, registered_at__isnull=False)
        & ~Q(cell_phone="")
        & ~Q(zip_code="")
        & ~Q(user__password__startswith="!")  # an unusable password: no log-in possible
    )


def _rule_checks(state: str, language: str | None, now: datetime | None, plan_year: int | None) -> dict:
    """The rules that look beyond the agent's row, each a boolean subquery on the outer agent."""
    now = now or timezone.now()
    return _checks(state, language, plan_year or current_plan_year(now), timezone.localdate(now))


def _checks(state: str, language: str | None, year: int, today: date) -> dict:
    checks = {
        "served": Exists(
            StateMarketplace.objects.filter(state_id=state, plan_year=year, type__in=StateMarketplace.SERVED_TYPES)
        ),
        "registered": Exists(registered_for(year, today)),
        "trained": Exists(trained_for(year)),
        "licensed": Exists(licensed_in(state, today)),
        "kept_in_preferences": ~Exists(StateDeselection.objects.filter(agent_id=OuterRef("pk"), state_id=state)),
    }
    if language is not None:
        checks["speaks"] = Exists(Agent.languages.through.objects.filter(agent_id=OuterRef("pk"), language_id=language))
    for kind in TermsDocument.Kind.values:
        accepted = Exists(TermsAcceptance.objects.filter(agent_id=OuterRef("pk"), terms_id=_current_terms_of(kind)))
        nothing_to_accept = ~Exists(TermsDocument.objects.filter(kind=kind, published_at__isnull=False))
        checks[f"terms_{kind}"] = ExpressionWrapper(Q(accepted) | Q(nothing_to_accept), output_field=BooleanField())
    return checks


def eligible_agents(
    state: str, language: str | None, now: datetime | None = None, plan_year: int | None = None
) -> QuerySet[Agent]:
    """Agents who may receive a referral for a consumer in `state` speaking `language` right now.

    One query (rules 1 to 9 as conditions and EXISTS subqueries). With no language, rule 9 is
    left out (admin's "eligible now in state S").
    """
    return Agent.objects.filter(_on_the_agent_row(state), *_rule_checks(state, language, now, plan_year).values())


def eligible_among(
    agent_ids: list[int], state: str, language: str, now: datetime | None = None, plan_year: int | None = None
) -> set[int]:
    """Which of a few agents are eligible (PostgreSQL).

    The rules of `eligible_agents`, asked per agent as columns of the result, which the database
    evaluates row by row for just these agents. Matching calls this on every request, so the SQL
    is built once per state, language and day, and runs as a prepared statement.
    """
    now = now or timezone.now()
    year, today = plan_year or current_plan_year(now), timezone.localdate(now)
    sql, params, ids_at = _eligible_among_sql(state, language, year, today)
    params = list(params)
    params[ids_at] = list(agent_ids)
    return {row[0] for row in run_prepared(sql, params) if all(row[1:])}


def run_prepared(sql: str, params: list | dict) -> list[tuple]:
    """Run a hot query as a server-side prepared statement (planned once per connection).

    Django binds parameters on the client; this one query binds them on the server so that
    PostgreSQL can keep its plan. (Behind PgBouncer, use session pooling or PgBouncer 1.21+.)
    """
    connection.ensure_connection()
    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:
        if not getattr(raw, "hod_generic_plans", False):
            # Django turns prepared statements off for poolers' sake; its own cursors bind on the
            # client and never prepare, so turning them on affects only these queries. Plan once,
            # not per call: their best plan does not depend on their values.
            raw.prepare_threshold = 5
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            raw.hod_generic_plans = True
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


_IDS = ["the agent ids"]  # stands in for the ids while the SQL is built


@lru_cache(maxsize=1024)
def _eligible_among_sql(state: str, language: str, year: int, today: date) -> tuple[str, tuple, int]:
    checks = _checks(state, language, year, today)
    rows = (
        Agent.objects.filter(_on_the_agent_row(state), pk__in=RawSQL("SELECT unnest(%s::bigint[])", (_IDS,)))
        .annotate(**checks)
        .order_by()
        .values_list("pk", *checks)
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params), next(i for i, param in enumerate(params) if param is _IDS)


def invitable_agents(now: datetime | None = None, plan_year: int | None = None) -> QuerySet[Agent]:
    """The bulk form of `is_invitable`: rules 1 and 2, and a state passing rules 3, 4 and 6 together."""
    now = now or timezone.now()
    year = plan_year or current_plan_year(now)
    today = timezone.localdate(now)
    served = StateMarketplace.objects.filter(
        state_id=OuterRef("state"), plan_year=year, type__in=StateMarketplace.SERVED_TYPES
    )
    health_line = LineOfAuthority.objects.annotate(lowered=Lower("name")).filter(
        license=OuterRef("pk"), active=True, status__in=ACTIVE, lowered__in=_health_line_names()
    )
    usable_license = License.objects.filter(
        Q(expiration_date__isnull=True) | Q(expiration_date__gte=today),
        Exists(health_line),
        Exists(served),
        npn=OuterRef("npn"),
        active=True,
        status__in=ACTIVE,
    )
    return Agent.objects.filter(
        Q(display_option__in=PARTICIPATING_DISPLAY_OPTIONS, pk__in=Agent.objects.filter(Exists(usable_license)))
        | Q(
            display_option=Agent.DisplayOption.HOME_STATE_ONLY,
            pk__in=Agent.objects.filter(Exists(usable_license.filter(state=OuterRef(OuterRef("home_state"))))),
        ),
        Exists(registered_for(year, today)),
        Exists(trained_for(year)),
    )
