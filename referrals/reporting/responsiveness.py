"""How agents answer their offers: per agent and overall, for a period — offers, accepted, rejected (with
the reasons given), lapsed, handed back, consumers who said nobody called, median time to answer, the times
unanswered offers switched the agent off (agents.pauses) — and now: the lapses in a row (the offers that lapsed
since the agent last answered one, as the lifecycle counts them) and whether they are switched off for them. Four
queries, whatever the number of agents.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from agents.models import AgentChange
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
COUNTED = ["accepted", "rejected", "lapsed", "handed_back", "not_called"]  # offers' statuses counted per agent


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
    """The agents with offers in the period (or one agent), sorted by `sort` (a key of SORTS).

    The period's offers are grouped by agent in one pass over their index; the lapses in a row now are the
    count the lifecycle keeps on the agent (`Agent.lapses_in_a_row`, agents.pauses), not recounted here."""
    offers = _offers_in(period)
    if agent_id is not None:
        offers = offers.filter(agent_id=agent_id)
    pauses = (  # a subquery per agent shown, not a join that would multiply the offers
        AgentChange.objects.filter(
            agent=OuterRef("agent_id"), kind=AgentChange.Kind.PAUSED, at__gte=period.start, at__lt=period.end
        )
        .order_by()
        .values("agent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    by_status = {f"n_{status}": Count("pk", filter=Q(status=status)) for status in COUNTED}
    agents = (
        offers.values("agent_id")
        .annotate(
            last_name=F("agent__last_name"),
            first_name=F("agent__first_name"),
            npn=F("agent__npn"),
            in_a_row=F("agent__lapses_in_a_row"),
            paused_at=F("agent__paused_at"),
            on=F("agent__taking_referrals"),
            n_offers=Count("pk"),
            **by_status,
            # Only to sort by: a subquery per agent in the period, so not asked for otherwise.
            **({"n_pauses": Coalesce(Subquery(pauses), 0)} if sort == "pauses" else {}),
        )
        .order_by(*_ordering(sort), "agent_id")
    )
    rows = [
        Row(
            agent["agent_id"],
            f"{agent['first_name']} {agent['last_name']}",
            agent["npn"],
            agent["n_offers"],
            agent["n_accepted"],
            agent["n_rejected"],
            agent["n_lapsed"],
            agent["n_handed_back"],
            agent["in_a_row"],
            not_called=agent["n_not_called"],
            paused_now=int(agent["paused_at"] is not None and not agent["on"]),
        )
        for agent in agents[:limit]
    ]
    paused = dict(
        AgentChange.objects.filter(
            agent_id__in=[row.agent_id for row in rows],
            kind=AgentChange.Kind.PAUSED,
            at__gte=period.start,
            at__lt=period.end,
        )
        .order_by()
        .values_list("agent_id")
        .annotate(Count("pk"))
    )
    for row in rows:
        row.pauses = paused.get(row.agent_id, 0)
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
    names = {
        "offers": "-n_offers",
        "lapsed": "-n_lapsed",
        "lapses_in_a_row": "-in_a_row",
        "pauses": "-n_pauses",
        "accepted": "-n_accepted",
        "rejected": "-n_rejected",
        "name": "last_name",
    }
    if sort == "name":
        return ["last_name", "first_name"]
    return [names.get(sort, names["lapsed"])]
