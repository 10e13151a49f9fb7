"""Who may receive a referral for which state, and why not: the rules of DESIGN.md in one place.

- `rules`: the per-agent engine, every rule with its reason (admin, the agent's pages, invitations);
- `queries`: the same rules as query pieces, composed for many agents at once (matching, admin filters,
  invitations); tests check the two forms agree on a generated pool;
- `summary`: the agent's own view of it, in their words.

Adding a rule: its check in `rules` (and its place in `Rule`), its piece in `queries`, and a sentence
in `summary` if agents should read about it.
"""

from agents.eligibility.queries import (
    eligible_agents,
    eligible_among,
    hod_registration_complete,
    invitable_agents,
    licensed_in,
    registered_for,
)
from agents.eligibility.rules import (
    ACTIVE,
    Check,
    Rule,
    current_terms,
    eligibility_table,
    eligible_states,
    is_invitable,
    speaks,
)
from agents.eligibility.summary import Summary, eligibility_summary, state_preference_choices

__all__ = [
    "ACTIVE",
    "Check",
    "Rule",
    "Summary",
    "current_terms",
    "eligibility_summary",
    "eligibility_table",
    "eligible_agents",
    "eligible_among",
    "eligible_states",
    "hod_registration_complete",
    "invitable_agents",
    "is_invitable",
    "licensed_in",
    "registered_for",
    "speaks",
    "state_preference_choices",
]
