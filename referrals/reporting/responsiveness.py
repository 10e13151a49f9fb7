"""How agents answer their offers: per agent and overall, for a period — offers, accepted, rejected (with
the reasons given), lapsed, handed back, consumers who said nobody called, median time to answer, the times
unanswered offers switched the agent off (agents.pauses) — and now: the lapses in a row (the offers that lapsed
since the agent last answered one) and whether they are switched off for them. Three queries, whatever the
number of agents.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from agents.models import Agent, AgentChange
from referrals.models import Offer
from referrals.reporting.aggregates import percentiles
from referrals.reporting.periods import Period

# Offers the agent answered: a hand-back, or a consumer saying nobody called, came after an accept.
ANSWERED = [Offer.Status.ACCEPTED, Offer.Status.REJECTED, Offer.Status.HANDED_BACK, Offer.Status.NOT_CALLED]
SORTS = {  # the table's sortable columns: query string value → ordering
    "offers": "-offers",
    "lapsed": "-lapsed",
    "lapses_in_a_row": "-lapses_in_a_row",
    "pauses": "-pauses",
    "accepted": "-accepted",
    "rejected": "-rejected",
    "name": "last_name",
}
NEVER = Value("1970-01-01T00:00:00Z", output_field=DateTimeField())


@dataclass
class Row:
    agent_id: int
    name: str
    npn: str
    offers: int
    accepted: int
    rejected: int
    lapsed: int
    handed_back: int
    lapses_in_a_row: int
    median_answer: float | None = None  # seconds from the offer to the answer
    not_called: int = 0  # accepted, and the consumer said nobody called (not a hand-back)
    pauses: int = 0  # times unanswered offers switched the agent off in the period
    paused_now: int = 0  # 1 when switched off for unanswered offers now (the total: how many agents)

    @property
    def lapse_share(self) -> float | None:
        return self.lapsed / self.offers if self.offers else None


@dataclass
class Responsiveness:
    rows: list[Row]
    total: Row
    reasons: Counter  # why offers were rejected, with how many


def _offers_in(period: Period) -> QuerySet:
    return Offer.objects.filter(offered_at__gte=period.start, offered_at__lt=period.end).order_by()


def responsiveness(
    period: Period, sort: str = "lapsed", agent_id: int | None = None, limit: int = 200
) -> Responsiveness:
    """The agents with offers in the period (or one agent), sorted by `sort` (a key of SORTS)."""
    offers = _offers_in(period)
    if agent_id is not None:
        offers = offers.filter(agent_id=agent_id)
    last_answer = Offer.objects.filter(agent=OuterRef("pk"), status__in=ANSWERED).order_by().values("agent")
    last_answer = last_answer.annotate(at=Max("offered_at")).values("at")
    in_period = Q(offers__offered_at__gte=period.start, offers__offered_at__lt=period.end)
    pauses = (  # a subquery, not a join: a second relation counted alongside the offers would multiply both
        AgentChange.objects.filter(
            agent=OuterRef("pk"), kind=AgentChange.Kind.PAUSED, at__gte=period.start, at__lt=period.end
        )
        .order_by()
        .values("agent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    agents = (
        Agent.objects.filter(pk__in=offers.values("agent_id"))
        .annotate(
            n_offers=Count("offers", filter=in_period),
            n_accepted=Count("offers", filter=in_period & Q(offers__status=Offer.Status.ACCEPTED)),
            n_rejected=Count("offers", filter=in_period & Q(offers__status=Offer.Status.REJECTED)),
            n_lapsed=Count("offers", filter=in_period & Q(offers__status=Offer.Status.LAPSED)),
            n_handed_back=Count("offers", filter=in_period & Q(offers__status=Offer.Status.HANDED_BACK)),
            n_not_called=Count("offers", filter=in_period & Q(offers__status=Offer.Status.NOT_CALLED)),
            n_pauses=Coalesce(Subquery(pauses), 0),
            n_in_a_row=Count(
                "offers",
                filter=Q(offers__status=Offer.Status.LAPSED)
                & Q(offers__offered_at__gt=Coalesce(Subquery(last_answer), NEVER)),
            ),
        )
        .order_by(*_ordering(sort), "pk")
    )
    rows = [
        Row(
            agent.pk,
            agent.full_name,
            agent.npn,
            agent.n_offers,
            agent.n_accepted,
            agent.n_rejected,
            agent.n_lapsed,
            agent.n_handed_back,
            agent.n_in_a_row,
            not_called=agent.n_not_called,
            pauses=agent.n_pauses,
            paused_now=int(agent.paused_at is not None and not agent.taking_referrals),
        )
        for agent in agents[:limit]
    ]
    answered = offers.filter(status__in=ANSWERED)
    medians = percentiles(
        answered.filter(agent_id__in=[row.agent_id for row in rows]), "responded_at", "offered_at", [0.5], by="agent_id"
    )
    for row in rows:
        row.median_answer = medians.get(row.agent_id, [None])[0]
    by_status = Counter(dict(offers.values_list("status").annotate(Count("pk"))))
    total = Row(
        0,
        "All agents",
        "",
        sum(by_status.values()),
        by_status[Offer.Status.ACCEPTED],
        by_status[Offer.Status.REJECTED],
        by_status[Offer.Status.LAPSED],
        by_status[Offer.Status.HANDED_BACK],
        sum(row.lapses_in_a_row for row in rows),
        (percentiles(answered, "responded_at", "offered_at", [0.5]).get(None) or [None])[0],
        not_called=by_status[Offer.Status.NOT_CALLED],
        pauses=sum(row.pauses for row in rows),
        paused_now=sum(row.paused_now for row in rows),
    )
    reasons = Counter(
        dict(
            offers.filter(status=Offer.Status.REJECTED)
            .exclude(reject_reason="")
            .values_list("reject_reason")
            .annotate(Count("pk"))
        )
    )
    return Responsiveness(rows, total, reasons)


def _ordering(sort: str) -> list[str]:
    column = SORTS.get(sort, SORTS["lapsed"])
    names = {
        "offers": "n_offers",
        "lapsed": "n_lapsed",
        "lapses_in_a_row": "n_in_a_row",
        "pauses": "n_pauses",
        "accepted": "n_accepted",
        "rejected": "n_rejected",
    }
    if column == "last_name":
        return ["last_name", "first_name"]
    return [f"-{names[column.lstrip('-')]}"]
