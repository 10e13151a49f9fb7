"""Eligibility as an agent reads it on their pages: where they can receive referrals, and why not elsewhere."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from agents.availability import off_reason
from agents.eligibility.rules import AGENT_WIDE, Rule, eligibility_table, licensed_states, load_facts
from agents.models import Agent
from hod.reference.lookups import current_plan_year
from hod.reference.models import State


@dataclass(frozen=True)
class Summary:
    eligible: list[str]  # states the agent can receive referrals for now
    reasons: list[str]  # what stands in the way elsewhere, in the agent's words


def _sentences(agent: Agent) -> dict[Rule, str]:
    return {
        Rule.REGISTRATION: _("Your NPN is not listed as valid on the FFM Registration Completion List for %(year)s."),
        Rule.TRAINING: _("Help On Demand training for %(year)s is not recorded as complete in the MLMS."),
        Rule.DISPLAY_OPTION: _("Your MLMS display option does not allow referrals in: %(states)s."),
        Rule.STATE_PREFERENCES: _("You switched these states off in State Preferences: %(states)s."),
        Rule.MARKETPLACE: _("These states run their own Marketplace, which Help On Demand does not serve: %(states)s."),
        Rule.HOD_REGISTRATION: _("Your registration in Help On Demand is not complete."),
        Rule.AVAILABLE: off_reason(agent),
    }


def eligibility_summary(agent: Agent) -> Summary:
    """Only the states the agent is licensed in are explained (nobody needs to hear about the others)."""
    table = {state: {check.rule: check for check in checks} for state, checks in eligibility_table(agent).items()}
    licensed = [state for state, checks in table.items() if checks[Rule.LICENSE].passed]
    eligible = [state for state, checks in table.items() if all(check.passed for check in checks.values())]
    failing: dict[Rule, list[str]] = {}
    for state in licensed:
        for rule, check in table[state].items():
            if not check.passed:
                failing.setdefault(rule, []).append(state)
    if not licensed and table:  # the rules about the agent, not a state, still have something to say
        anywhere = next(iter(table.values()))
        for rule in AGENT_WIDE:
            if not anywhere[rule].passed:
                failing.setdefault(rule, [])
    sentences = _sentences(agent)
    year = current_plan_year()
    reasons = [
        sentences[rule] % {"year": year, "states": ", ".join(states)}
        for rule, states in failing.items()
        if rule in sentences
    ]
    if not licensed:
        reasons.insert(0, _("No active state license with a health line of authority is on file for your NPN."))
    return Summary(eligible, reasons)


def state_preference_choices(agent: Agent) -> list[tuple[str, str]]:
    """The states the agent may choose among in State Preferences: licensed with a health line of
    authority, narrowed by the MLMS display option (3: home state only; 4: none)."""
    if not agent.participates:
        return []
    licensed = licensed_states(load_facts(agent))
    if agent.home_state_only:
        licensed = [state for state in licensed if state == agent.home_state]
    names = dict(State.objects.filter(code__in=licensed).values_list("code", "name"))
    return [(state, f"{state} – {names.get(state, state)}") for state in licensed]
