"""How agents answer their offers: per agent and overall, for a period — offers, accepted, rejected (with
the reasons given), lapsed, handed back, median time to answer — and the lapses in a row now (the offers
that lapsed since the agent last answered one). Three queries, whatever the number of agents.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from agents.models import Agent
from referrals.models import Offer
from referrals.reporting.aggregates import percentiles
from referrals.reporting.periods import Period

ANSWERED = [Offer.Status.ACCEPTED, Offer.Status.REJECTED, Offer.Status.HANDED_BACK]
SORTS = {  # the table's sortable columns: query string value → ordering
    "offers": "-offers",
    "lapsed": "-lapsed",
    "lapses_in_a_row": "-lapses_in_a_row",
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
    agents = (
        Agent.objects.filter(pk__in=offers.values("agent_id"))
        .annotate(
            n_offers=Count("offers", filter=in_period),
            n_accepted=Count("offers", filter=in_period & Q(offers__status=Offer.Status.ACCEPTED)),
            n_rejected=Count("offers", filter=in_period & Q(offers__status=Offer.Status.REJECTED)),
            n_lapsed=Count("offers", filter=in_period & Q(offers__status=Offer.Status.LAPSED)),
            n_handed_back=Count("offers", filter=in_period & Q(offers__status=Offer.Status.HANDED_BACK)),
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
        "accepted": "n_accepted",
        "rejected": "n_rejected",
    }
    if column == "last_name":
        return ["last_name", "first_name"]
    return [f"-{names[column.lstrip('-')]}"]
