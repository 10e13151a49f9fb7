"""What came of accepted referrals, from the outcomes agents record: a funnel (accepted → contacted →
enrolled) and every outcome, overall and by state, for the requests made in a period. One query."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from referrals.models import Referral
from referrals.reporting.periods import Period

Disposition = Referral.Disposition
REACHED = {Disposition.CONTACTED, Disposition.ENROLLED}  # enrolled means they were contacted too


@dataclass
class Funnel:
    accepted: int = 0
    contacted: int = 0
    enrolled: int = 0
    by_outcome: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "" when none recorded

    def add(self, disposition: str, count: int) -> None:
        self.accepted += count
        self.contacted += count if disposition in REACHED else 0
        self.enrolled += count if disposition == Disposition.ENROLLED else 0
        self.by_outcome[disposition] += count


def outcomes(period: Period) -> tuple[Funnel, dict[str, Funnel]]:
    """The funnel overall and by state."""
    accepted = Referral.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end, status=Referral.Status.ACCEPTED
    ).order_by()
    total, by_state = Funnel(), defaultdict(Funnel)
    for state, disposition, count in accepted.values_list("state", "disposition").annotate(Count("pk")):
        total.add(disposition, count)
        by_state[state].add(disposition, count)
    return total, dict(sorted(by_state.items()))
