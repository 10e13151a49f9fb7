"""Telling agents before they lose eligibility: a new version of a Terms of Use they have not accepted,
and a plan year that will begin without their Marketplace registration or Help On Demand training.

- `warn_agents_before_ineligible(now)` (beat, daily): each agent is e-mailed, in their language, the
  causes they were not told about yet, with what to do; every cause is recorded as an `AgentNotice`
  (unique per agent, kind and subject), so none is ever sent twice;
- `notices_for(agent, now)`: the same warnings, as sentences for the agent's home page.

Who is warned: agents who can receive referrals now but for the cause, i.e. with a complete Help On
Demand registration (rule 7 but the Terms) who pass rules 1 and 2 and have a state passing rules 3, 4
and 6 (`invitable_agents`). A new Terms version concerns the agents who accepted an earlier version of
that kind (the others are still finishing their registration, which asks for both). The next plan year
concerns them from `WARN_AHEAD` before the site switches to it, and only once that year's file is in
(the registration list, the MLMS training): before that, every agent would be told they lack what the
administrators have not imported yet, and admin's alert about the next plan year says so instead.

Every query is for all agents at once; the loop that follows only sends.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from agents import messaging
from agents.eligibility import current_terms
from agents.eligibility.queries import REGISTERED_IN_HOD, invitable_agents, registered_for, trained_for
from agents.models import (
    Agent,
    AgentNotice,
    MarketplaceRegistration,
    TermsAcceptance,
    TermsDocument,
    TrainingCompletion,
)
from hod.plan_years import WARN_AHEAD, switch_day
from hod.reference.lookups import current_plan_year
from notifications.sending import send

# AgentNotice kinds
NEW_TERMS = "new_terms"
NEXT_YEAR_REGISTRATION = "next_year_registration"
NEXT_YEAR_TRAINING = "next_year_training"

BATCH = 500  # agents told per transaction


@dataclass(frozen=True)
class Cause:
    """One reason an agent is about to lose eligibility, and what the notice about it is about."""

    kind: str  # AgentNotice.kind
    about: str  # AgentNotice.about: the Terms version, or the plan year
    terms_kind: str = ""
    plan_year: int = 0
    starts_on: date | None = None  # the day the plan year begins in Help On Demand


def causes_at_risk(agents: QuerySet[Agent], now: datetime, *, untold_only: bool = False) -> dict[int, list[Cause]]:
    """For the agents of `agents` who may receive referrals now but for a cause: their causes, by agent id.
    With `untold_only`, the causes they were already told about are left out."""
    serving = agents.filter(REGISTERED_IN_HOD, pk__in=invitable_agents(now).values("pk"))
    found: dict[int, list[Cause]] = {}
    for cause, at_risk in _pending_causes(serving, now):
        if untold_only:
            told = AgentNotice.objects.filter(agent=OuterRef("pk"), kind=cause.kind, about=cause.about)
            at_risk = at_risk.filter(~Exists(told))
        for agent_id in at_risk.values_list("pk", flat=True):
            found.setdefault(agent_id, []).append(cause)
    return found


def _pending_causes(serving: QuerySet[Agent], now: datetime) -> Iterable[tuple[Cause, QuerySet[Agent]]]:
    for terms in current_terms():
        accepted = TermsAcceptance.objects.filter(agent=OuterRef("pk"))
        yield (
            Cause(NEW_TERMS, f"{terms.kind} {terms.version}", terms_kind=terms.kind),
            serving.filter(~Exists(accepted.filter(terms=terms)), Exists(accepted.filter(terms__kind=terms.kind))),
        )
    upcoming = current_plan_year(now) + 1
    starts_on = switch_day(upcoming)
    if not starts_on - WARN_AHEAD <= timezone.localdate(now) < starts_on:
        return
    about = str(upcoming)
    if MarketplaceRegistration.objects.filter(plan_year=upcoming, active=True).exists():
        yield (
            Cause(NEXT_YEAR_REGISTRATION, about, plan_year=upcoming, starts_on=starts_on),
            serving.filter(~Exists(registered_for(upcoming, starts_on))),
        )
    if TrainingCompletion.objects.filter(plan_year=upcoming, active=True).exists():
        yield (
            Cause(NEXT_YEAR_TRAINING, about, plan_year=upcoming, starts_on=starts_on),
            serving.filter(~Exists(trained_for(upcoming))),
        )


def sentence(cause: Cause) -> str:
    """The warning and what to do, in the active language."""
    if cause.kind == NEW_TERMS:
        terms = {
            TermsDocument.Kind.AGENTS_BROKERS: _("the Help On Demand Agents and Brokers Terms of Use"),
            TermsDocument.Kind.HELP_ON_DEMAND: _("the Help On Demand Terms of Use"),
        }[cause.terms_kind]
        return _(
            "A new version of %(terms)s was published. Until you accept it, you will not receive referrals: "
            "log in to Help On Demand, where it is the first page you see, and accept it."
        ) % {"terms": terms}
    values = {"year": cause.plan_year, "date": formats.date_format(cause.starts_on, "DATE_FORMAT")}
    if cause.kind == NEXT_YEAR_REGISTRATION:
        return (
            _(
                "Help On Demand starts serving plan year %(year)s on %(date)s. Your NPN is not yet listed as valid on "
                "the FFM Registration Completion List for %(year)s: to keep receiving referrals from that day, "
                "complete your Individual Marketplace registration for %(year)s at https://portal.cms.gov."
            )
            % values
        )
    return (
        _(
            "Help On Demand starts serving plan year %(year)s on %(date)s. Your Help On Demand training for %(year)s "
            "is not yet recorded as complete in the MLMS: to keep receiving referrals from that day, complete it at "
            "https://portal.cms.gov."
        )
        % values
    )


def notices_for(agent: Agent, now: datetime | None = None) -> list[str]:
    """The agent's home page: what will stop their referrals and what to do, in the active language
    (empty when nothing will)."""
    now = now or timezone.now()
    causes = causes_at_risk(Agent.objects.filter(pk=agent.pk), now).get(agent.pk, [])
    return [sentence(cause) for cause in causes]


def warn_agents_before_ineligible(now: datetime | None = None) -> int:
    """E-mail every agent the causes they were not told about yet (one e-mail per agent, each cause once).
    Returns how many agents were e-mailed."""
    now = now or timezone.now()
    untold = causes_at_risk(Agent.objects.all(), now, untold_only=True)
    agent_ids = sorted(untold)
    told = 0
    for start in range(0, len(agent_ids), BATCH):
        told += _tell({agent_id: untold[agent_id] for agent_id in agent_ids[start : start + BATCH]}, now)
    return told


def _tell(causes: dict[int, list[Cause]], now: datetime) -> int:
    """Record the notices, then send them; a notice another run recorded first is that run's to send."""
    with transaction.atomic():
        AgentNotice.objects.bulk_create(
            [
                AgentNotice(agent_id=agent_id, kind=cause.kind, about=cause.about, sent_at=now)
                for agent_id, agent_causes in causes.items()
                for cause in agent_causes
            ],
            ignore_conflicts=True,
        )
        ours = set(
            AgentNotice.objects.filter(agent_id__in=list(causes), sent_at=now).values_list("agent_id", "kind", "about")
        )
        agents = Agent.objects.filter(pk__in={agent_id for agent_id, _kind, _about in ours}).select_related("user")
        for agent in agents:
            mine = [cause for cause in causes[agent.pk] if (agent.pk, cause.kind, cause.about) in ours]
            with translation.override(agent.portal_language):
                notices = [sentence(cause) for cause in mine]
            send(
                messaging.recipient(agent, messaging.EMAIL_ONLY),
                "eligibility_at_risk",
                {
                    "first_name": agent.first_name,
                    "notices": notices,
                    "link": messaging.absolute_url("agents:login", agent.portal_language),
                },
            )
        return len(agents)
