"""Every rule passing and failing, in the per-agent table and in the bulk query, which must agree."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from agents.eligibility import (
    Rule,
    eligibility_table,
    eligible_agents,
    eligible_states,
    is_invitable,
)
from agents.models import (
    Agent,
    License,
    LineOfAuthority,
    MarketplaceRegistration,
    StateDeselection,
    TermsDocument,
    TrainingCompletion,
)
from hod.reference.lookups import current_plan_year
from tests.factories import make_eligible_agent

pytestmark = pytest.mark.django_db


def failing(agent: Agent, state: str = "FL") -> dict[Rule, str]:
    return {check.rule: check.reason for check in eligibility_table(agent)[state] if not check.passed}


def in_bulk(agent: Agent, state: str = "FL", language: str = "en") -> bool:
    return eligible_agents(state, language).filter(pk=agent.pk).exists()


def test_an_agent_who_meets_every_rule_is_eligible_in_their_licensed_state():
    agent = make_eligible_agent()

    assert failing(agent) == {}
    assert eligible_states(agent) == ["FL"]
    assert in_bulk(agent)
    assert is_invitable(agent)


def years_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def not_registered(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).delete()


def registration_ended(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).update(individual_marketplace_end_date=years_ago(1))


def registration_not_valid_this_year(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).update(npn_valid_current_plan_year_only="-")


def registration_without_individual_date(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).update(individual_registration_completion_date=None)


def registration_off_the_latest_list(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).update(active=False)


def registered_only_last_year(agent):
    MarketplaceRegistration.objects.filter(npn=agent.npn).update(plan_year=current_plan_year() - 1)


def not_trained(agent):
    TrainingCompletion.objects.filter(npn=agent.npn).update(completed_on=None)


def license_inactive(agent):
    License.objects.filter(npn=agent.npn).update(status="Inactive")


def license_expired(agent):
    License.objects.filter(npn=agent.npn).update(expiration_date=years_ago(1))


def license_dropped_from_the_latest_import(agent):
    License.objects.filter(npn=agent.npn).update(active=False)


def line_of_authority_not_health(agent):
    LineOfAuthority.objects.filter(license__npn=agent.npn).update(name="Property")


def line_of_authority_inactive(agent):
    LineOfAuthority.objects.filter(license__npn=agent.npn).update(status="Inactive")


def display_option_4(agent):
    Agent.objects.filter(pk=agent.pk).update(display_option=4)


def display_option_3_other_home_state(agent):
    Agent.objects.filter(pk=agent.pk).update(display_option=3, home_state="GA")


def florida_deselected(agent):
    StateDeselection.objects.create(agent=agent, state_id="FL")


def no_account(agent):
    Agent.objects.filter(pk=agent.pk).update(user=None)


def no_cell_phone(agent):
    Agent.objects.filter(pk=agent.pk).update(cell_phone="")


def new_terms_published(agent):
    TermsDocument.objects.create(
        kind="help_on_demand", version="2", title="Help On Demand Terms of Use", text="…", published_at=timezone.now()
    )


def switched_off(agent):
    Agent.objects.filter(pk=agent.pk).update(taking_referrals=False)


@pytest.mark.parametrize(
    ("breaks", "rule", "reason"),
    [
        (not_registered, Rule.REGISTRATION, "NPN not on the FFM Registration Completion List"),
        (registration_ended, Rule.REGISTRATION, "individual registration ended"),
        (registration_not_valid_this_year, Rule.REGISTRATION, "not valid for the current plan year (flag '-')"),
        (registration_without_individual_date, Rule.REGISTRATION, "no individual Marketplace registration"),
        (registration_off_the_latest_list, Rule.REGISTRATION, "no longer on the latest"),
        (registered_only_last_year, Rule.REGISTRATION, "NPN not on the FFM Registration Completion List"),
        (not_trained, Rule.TRAINING, "training not completed"),
        (license_inactive, Rule.LICENSE, "is Inactive"),
        (license_expired, Rule.LICENSE, "expired"),
        (license_dropped_from_the_latest_import, Rule.LICENSE, "no license in FL"),
        (line_of_authority_not_health, Rule.LICENSE, "no active health line of authority"),
        (line_of_authority_inactive, Rule.LICENSE, "no active health line of authority"),
        (display_option_4, Rule.DISPLAY_OPTION, "option 4: does not participate"),
        (display_option_3_other_home_state, Rule.DISPLAY_OPTION, "option 3: home state (GA) only"),
        (florida_deselected, Rule.STATE_PREFERENCES, "FL deselected in State Preferences"),
        (no_account, Rule.HOD_REGISTRATION, "no Help On Demand account yet"),
        (no_cell_phone, Rule.HOD_REGISTRATION, "profile incomplete: cell phone"),
        (new_terms_published, Rule.HOD_REGISTRATION, "not accepted: Help On Demand Terms of Use (2)"),
        (switched_off, Rule.AVAILABLE, "not taking referrals"),
    ],
    ids=lambda value: getattr(value, "__name__", None) or (value.name if isinstance(value, Rule) else ""),
)
def test_each_broken_rule_fails_with_its_reason_and_only_that_rule(breaks, rule, reason):
    agent = make_eligible_agent()

    breaks(agent)
    agent.refresh_from_db()

    failures = failing(agent)
    assert list(failures) == [rule]
    assert reason in failures[rule]
    assert not in_bulk(agent)


def test_an_sbm_state_fails_the_marketplace_rule_with_its_marketplace():
    agent = make_eligible_agent(state="CA", zip_code="90012")

    failures = failing(agent, "CA")

    assert list(failures) == [Rule.MARKETPLACE]
    assert "CA is SBM" in failures[Rule.MARKETPLACE] and "Covered California" in failures[Rule.MARKETPLACE]
    assert not in_bulk(agent, "CA")
    assert not is_invitable(agent)


def test_every_failing_rule_is_reported_not_only_the_first():
    agent = make_eligible_agent()
    not_registered(agent)
    switched_off(agent)
    agent.refresh_from_db()

    assert list(failing(agent, "TX")) == [Rule.REGISTRATION, Rule.LICENSE, Rule.AVAILABLE]


@pytest.mark.parametrize(
    ("option", "home_state", "eligible_in"),
    [(1, "GA", ["FL", "MI"]), (2, "GA", ["FL", "MI"]), (3, "MI", ["MI"]), (3, "GA", []), (4, "FL", [])],
)
def test_display_options_1_to_4(option, home_state, eligible_in):
    agent = make_eligible_agent()
    florida = License.objects.get(npn=agent.npn)
    michigan = License.objects.create(npn=agent.npn, state="MI", license_number="MI-1", status="Active")
    LineOfAuthority.objects.create(license=michigan, name="Health", status="Active")
    Agent.objects.filter(pk=agent.pk).update(display_option=option, home_state=home_state)
    agent.refresh_from_db()

    assert eligible_states(agent) == eligible_in
    assert [state for state in ("FL", "MI") if in_bulk(agent, state)] == eligible_in
    assert florida.active


def test_a_newly_licensed_state_is_on_by_default_in_state_preferences():
    agent = make_eligible_agent()
    StateDeselection.objects.create(agent=agent, state_id="FL")
    texas = License.objects.create(npn=agent.npn, state="TX", license_number="TX-9", status="Active")
    LineOfAuthority.objects.create(license=texas, name="accident & health or sickness", status="active")

    assert eligible_states(agent) == ["TX"]


def test_the_bulk_form_only_returns_speakers_of_the_language():
    agent = make_eligible_agent(languages=("en", "vi"))

    assert in_bulk(agent, language="vi")
    assert not in_bulk(agent, language="es")


@pytest.mark.parametrize(
    ("breaks", "invitable"),
    [
        (None, True),
        (not_registered, False),
        (not_trained, False),
        (display_option_4, False),
        (license_expired, False),
        (switched_off, True),  # invitations do not depend on what is set up in Help On Demand
        (no_account, True),
        (florida_deselected, True),
    ],
)
def test_an_agent_is_invitable_with_rules_1_and_2_and_one_state_passing_3_4_and_6(breaks, invitable):
    agent = make_eligible_agent()
    if breaks:
        breaks(agent)
        agent.refresh_from_db()

    assert is_invitable(agent) is invitable


def test_the_bulk_form_is_one_query(django_assert_num_queries):
    make_eligible_agent()
    year = current_plan_year()

    with django_assert_num_queries(1):
        assert len(list(eligible_agents("FL", "en", plan_year=year))) == 1


BREAKERS = [
    not_registered,
    registration_ended,
    registration_not_valid_this_year,
    not_trained,
    license_inactive,
    license_expired,
    line_of_authority_not_health,
    display_option_4,
    display_option_3_other_home_state,
    florida_deselected,
    no_account,
    no_cell_phone,
    switched_off,
]


def test_the_bulk_form_agrees_with_the_engine_on_a_generated_pool():
    chance = random.Random(20271101)
    pool = []
    for number in range(60):
        languages = tuple(chance.sample(["en", "es", "vi", "zh"], k=chance.randint(1, 2)))
        state = chance.choice(["FL", "MI", "TX"])
        agent = make_eligible_agent(npn=str(2000000 + number), state=state, languages=languages)
        if chance.random() < 0.3:  # a second license
            extra = License.objects.create(
                npn=agent.npn, state=chance.choice(["FL", "MI", "GA"]), license_number=f"X{number}", status="Active"
            )
            LineOfAuthority.objects.create(license=extra, name=chance.choice(["Health", "Life"]), status="Active")
        for breaks in chance.sample(BREAKERS, k=chance.choice([0, 0, 1, 1, 2])):
            breaks(agent)
        pool.append(agent.pk)

    agents = {agent.pk: agent for agent in Agent.objects.filter(pk__in=pool).prefetch_related("languages")}
    tables = {pk: eligibility_table(agent) for pk, agent in agents.items()}
    for state in ("FL", "MI", "TX", "GA", "CA"):
        for language in ("en", "es", "vi", "zh"):
            by_engine = {
                pk
                for pk, table in tables.items()
                if all(check.passed for check in table[state])
                and language in {lang.code for lang in agents[pk].languages.all()}
            }
            by_query = set(eligible_agents(state, language).values_list("pk", flat=True))
            assert by_query == by_engine, (state, language)
    assert any(tables[pk]["FL"][0].passed for pk in pool) and not all(tables[pk]["FL"][0].passed for pk in pool)


def test_every_rule_has_its_piece_in_the_query_form():
    from agents.eligibility.queries import RULES_AS_QUERIES

    assert set(RULES_AS_QUERIES) == set(Rule)
