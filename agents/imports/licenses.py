"""The licenses file (NIPR): one row per line of authority of a state license.

A file is the whole truth about every license and line of authority, so anything it leaves out
is marked inactive, whatever the state. Licenses are saved first because each line of authority
points at its license's row.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from agents.imports.rows import (
    Outcome,
    Progress,
    parse_all,
    parse_date,
    parse_flag,
    parse_npn,
    parse_state,
    required_text,
)
from agents.imports.snapshot import save_snapshot
from agents.models import ImportRun, License, LineOfAuthority

LICENSE_COLUMNS = (
    "npn",
    "state",
    "license_number",
    "license_status",
    "loa_name",
    "loa_status",
    "expiration_date",
    "resident",
)


@dataclass(frozen=True)
class LicenseRow:
    npn: str
    state: str
    license_number: str
    license_status: str
    loa_name: str
    loa_status: str
    expiration_date: date | None
    resident: bool


def _parse_license(row: dict) -> LicenseRow:
    return LicenseRow(
        npn=parse_npn(row["npn"]),
        state=parse_state(row["state"]),
        license_number=required_text(row["license_number"], "license_number", 40),
        license_status=_status(row["license_status"], "license_status"),
        loa_name=required_text(row["loa_name"], "loa_name", 120),
        loa_status=_status(row["loa_status"], "loa_status"),
        expiration_date=parse_date(row["expiration_date"], column="expiration_date"),
        resident=parse_flag(row["resident"], "resident"),
    )


def _status(value: str, column: str) -> str:
    """NIPR writes statuses in any case; one spelling ("Active", "Inactive") keeps queries simple."""
    return required_text(value, column, 40).capitalize()


def import_licenses(text: str, run: ImportRun, progress: Progress) -> Outcome:
    rows = parse_all(
        text,
        LICENSE_COLUMNS,
        _parse_license,
        lambda r: (r.npn, r.state, r.license_number, r.loa_name.lower()),
        progress,
    )
    licenses: dict[tuple, License] = {}
    for row in rows:
        licenses[(row.npn, row.state, row.license_number)] = License(
            npn=row.npn,
            state=row.state,
            license_number=row.license_number,
            status=row.license_status,
            expiration_date=row.expiration_date,
            resident=row.resident,
        )
    with transaction.atomic():
        saved_licenses = save_snapshot(
            License,
            list(licenses.values()),
            run=run,
            unique_fields=["npn", "state", "license_number"],
            update_fields=["status", "expiration_date", "resident"],
        )
        ids = {
            (npn, state, number): pk
            for npn, state, number, pk in License.objects.filter(last_import=run).values_list(
                "npn", "state", "license_number", "pk"
            )
        }
        saved_lines = save_snapshot(
            LineOfAuthority,
            [
                LineOfAuthority(
                    license_id=ids[(row.npn, row.state, row.license_number)], name=row.loa_name, status=row.loa_status
                )
                for row in rows
            ],
            run=run,
            unique_fields=["license", "name"],
            update_fields=["status"],
        )
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(licenses)} licenses ({saved_licenses.new} new) with {len(rows)} lines of authority",
            f"{saved_licenses.marked_inactive} license(s) and {saved_lines.marked_inactive} line(s) of authority "
            "missing from this file marked inactive",
        ],
    )
