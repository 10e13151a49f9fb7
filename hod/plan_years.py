"""Is the next plan year ready? Its data must be in before the site switches to it (on November 1).

Rules 1, 2 and 7 stay strict (CMS requires registration and training for the new year), so a year
that begins without them leaves nobody eligible: administrators are warned 60 days ahead, by an alert
on admin's index and by `manage.py check --database default`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from agents.models import MarketplaceRegistration, TermsDocument, TrainingCompletion
from hod.reference.lookups import current_plan_year, marketplace_year
from hod.reference.models import StateMarketplace

WARN_AHEAD = timedelta(days=60)


@dataclass(frozen=True)
class Readiness:
    plan_year: int
    missing: list[str]  # what is not in yet, in the administrators' words


def switch_day(plan_year: int) -> date:
    """The day the site starts serving `plan_year`: November 1 before it (open enrollment begins)."""
    return date(plan_year - 1, 11, 1)


def missing_for(plan_year: int) -> list[str]:
    missing = []
    if not StateMarketplace.objects.filter(plan_year=plan_year).exists():
        missing.append(f"the Marketplace types of the states for {plan_year} (Reference data → State Marketplaces)")
    if not MarketplaceRegistration.objects.filter(plan_year=plan_year, active=True).exists():
        missing.append(f"the FFM Registration Completion List for {plan_year}")
    if not TrainingCompletion.objects.filter(plan_year=plan_year, active=True).exists():
        missing.append(f"the MLMS export with Help On Demand training for {plan_year}")
    for kind, label in TermsDocument.Kind.choices:
        published = TermsDocument.objects.filter(kind=kind, published_at__isnull=False)
        if not published.filter(Q(plan_year=plan_year) | Q(plan_year__isnull=True)).exists():
            missing.append(f"a published version of the {label} for {plan_year}")
    return missing


def next_year_readiness(now: datetime | None = None) -> Readiness | None:
    """What the next plan year lacks, from 60 days before the site switches to it; None when nothing is missing
    or it is not yet time to ask."""
    today = timezone.localdate(now)
    upcoming = current_plan_year(now) + 1
    if today < switch_day(upcoming) - WARN_AHEAD:
        return None
    missing = missing_for(upcoming)
    return Readiness(upcoming, missing) if missing else None


def marketplace_fallback(now: datetime | None = None) -> tuple[int, int] | None:
    """(current plan year, the year whose Marketplace types stand in) when the current year's are missing."""
    year = current_plan_year(now)
    used = marketplace_year(year)
    return (year, used) if used != year else None
