"""The FFM Registration Completion List: which agents completed Marketplace registration, per plan year.

A list speaks only for the plan years it holds (a 2027 list says nothing about 2026), so only the
registrations of those plan years that it leaves out are marked inactive.
"""

from django.db import transaction
from django.db.models import Q

from agents.imports.rows import Outcome, Progress, parse_all, parse_date, parse_npn, parse_plan_year
from agents.imports.snapshot import save_snapshot
from agents.models import ImportRun, MarketplaceRegistration

REGISTRATION_COLUMNS = (
    "npn",
    "applicable_plan_year",
    "individual_registration_completion_date",
    "individual_marketplace_end_date",
    "shop_registration_completion_date",
    "shop_end_date",
    "npn_valid_current_plan_year_only",
)


def _parse_registration(row: dict) -> MarketplaceRegistration:
    valid = row["npn_valid_current_plan_year_only"].strip().upper()
    if len(valid) > 5:
        raise ValueError(f"npn_valid_current_plan_year_only {valid!r} is not Y, N or -")
    return MarketplaceRegistration(
        npn=parse_npn(row["npn"]),
        plan_year=parse_plan_year(row["applicable_plan_year"]),
        individual_registration_completion_date=parse_date(
            row["individual_registration_completion_date"], column="individual_registration_completion_date"
        ),
        individual_marketplace_end_date=parse_date(
            row["individual_marketplace_end_date"], column="individual_marketplace_end_date"
        ),
        shop_registration_completion_date=parse_date(
            row["shop_registration_completion_date"], column="shop_registration_completion_date"
        ),
        shop_end_date=parse_date(row["shop_end_date"], column="shop_end_date"),
        npn_valid_current_plan_year_only=valid,
    )


def import_registration_list(text: str, run: ImportRun, progress: Progress) -> Outcome:
    rows = parse_all(text, REGISTRATION_COLUMNS, _parse_registration, lambda r: (r.npn, r.plan_year), progress)
    years = sorted({row.plan_year for row in rows})
    with transaction.atomic():
        registrations = save_snapshot(
            MarketplaceRegistration,
            rows,
            run=run,
            unique_fields=["npn", "plan_year"],
            update_fields=REGISTRATION_COLUMNS[2:],
            within=Q(plan_year__in=years),
        )
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(rows)} registrations for plan year(s) {', '.join(map(str, years)) or '-'} ({registrations.new} new)",
            f"{registrations.marked_inactive} registration(s) missing from this list marked inactive",
        ],
    )
