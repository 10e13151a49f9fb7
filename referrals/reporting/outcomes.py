"""What came of accepted referrals, from the outcomes agents record: a funnel (accepted → contacted →
enrolled) and every outcome; `service.figures` adds them up overall and by state for the requests made in a
period."""

from collections import defaultdict
from dataclasses import dataclass, field

from referrals.models import Referral

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
