"""The eligibility rules of DESIGN.md for one agent, each with the reason it passes or fails.

`eligibility_table(agent)` is every state × rules 1 to 8, for admin and for the agent's own page.
The same rules as queries (for many agents at once) are in `queries`; tests check the two agree.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from django.utils import timezone

from agents.models import (
    Agent,
    HealthLineOfAuthority,
    License,
    MarketplaceRegistration,
    StateDeselection,
    TermsAcceptance,
    TermsDocument,
    TrainingCompletion,
)
from hod.reference.lookups import current_plan_year, marketplace_year
from hod.reference.models import State, StateMarketplace

# How the CMS files spell an active license or line of authority (the imports store "Active").
ACTIVE = ("Active", "ACTIVE", "active")


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


AGENT_WIDE = (Rule.REGISTRATION, Rule.TRAINING, Rule.HOD_REGISTRATION, Rule.AVAILABLE)  # the same in every state


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
        marketplaces={m.state_id: m for m in StateMarketplace.objects.filter(plan_year=marketplace_year(year))},
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
    if agent.participates_everywhere:
        return Check(Rule.DISPLAY_OPTION, True, f"option {option}: all licensed states")
    if agent.home_state_only:
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


AGENT_WIDE_CHECKS = {
    Rule.REGISTRATION: check_registration,
    Rule.TRAINING: check_training,
    Rule.HOD_REGISTRATION: check_hod_registration,
    Rule.AVAILABLE: check_available,
}
PER_STATE_CHECKS = {
    Rule.LICENSE: check_license,
    Rule.DISPLAY_OPTION: check_display_option,
    Rule.STATE_PREFERENCES: check_state_preferences,
    Rule.MARKETPLACE: check_marketplace,
}


def checks_for_state(facts: Facts, state: str, agent_wide: dict[Rule, Check] | None = None) -> list[Check]:
    """Rules 1 to 8 for one state, in their order, all of them (not only the first that fails)."""
    agent_wide = agent_wide or {rule: check(facts) for rule, check in AGENT_WIDE_CHECKS.items()}
    return [agent_wide[rule] if rule in agent_wide else PER_STATE_CHECKS[rule](facts, state) for rule in Rule]


def eligibility_table(
    agent: Agent, now: datetime | None = None, plan_year: int | None = None
) -> dict[str, list[Check]]:
    """Every state (and DC) × rules 1 to 8 for this agent."""
    facts = load_facts(agent, now, plan_year)
    agent_wide = {rule: check(facts) for rule, check in AGENT_WIDE_CHECKS.items()}
    states = State.objects.order_by("code").values_list("code", flat=True)
    return {state: checks_for_state(facts, state, agent_wide) for state in states}


def eligible_states(agent: Agent, now: datetime | None = None, plan_year: int | None = None) -> list[str]:
    table = eligibility_table(agent, now, plan_year)
    return [state for state, checks in table.items() if all(check.passed for check in checks)]


def licensed_states(facts: Facts) -> list[str]:
    """States where the agent holds an active license with an active health line of authority (rule 3)."""
    return sorted(state for state in facts.licenses if check_license(facts, state).passed)


def is_invitable(agent: Agent, now: datetime | None = None, plan_year: int | None = None) -> bool:
    """Rules 1 and 2 hold and at least one state passes rules 3, 4 and 6 together."""
    facts = load_facts(agent, now, plan_year)
    if not (check_registration(facts).passed and check_training(facts).passed):
        return False
    return any(
        check_display_option(facts, state).passed and check_marketplace(facts, state).passed
        for state in licensed_states(facts)
    )


def speaks(agent: Agent, language: str) -> bool:
    """Rule 9."""
    return agent.languages.filter(code=language).exists()
