"""The three CMS imports: the FFM Registration Completion List, licenses (NIPR) and the MLMS export.

Each file is a full snapshot of its kind (and plan year, where it has one): what it holds is
inserted or updated; what is missing from it becomes inactive; nothing is deleted. An import is
atomic: every bad row is reported with its line number (the header is line 1) and a file with
any bad row imports nothing. Running the same file twice changes nothing. Rows are written in
bulk, so 100k rows take seconds.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from agents.models import Agent, ImportRun, License, LineOfAuthority, MarketplaceRegistration, TrainingCompletion
from hod.reference.models import Language

BATCH = 2000
NPN = re.compile(r"^\d{1,10}$")
STATE = re.compile(r"^[A-Z]{2}$")
TRUE_WORDS, FALSE_WORDS = {"y", "yes", "true", "1"}, {"n", "no", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s); nothing was imported")
        self.errors = errors


@dataclass
class Outcome:
    rows: int = 0
    summary: list[str] = field(default_factory=list)


Progress = Callable[[int], None]


# Reading and checking values ---------------------------------------------------------------


def parse_date(value: str, *, column: str, required: bool = False) -> date | None:
    value = value.strip()
    if not value:
        if required:
            raise ValueError(f"{column} is required")
        return None
    for pattern in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{column} {value!r} is not a date (MM/DD/YYYY or YYYY-MM-DD)")


def parse_npn(value: str) -> str:
    value = value.strip()
    if not NPN.match(value):
        raise ValueError(f"npn {value!r} is not 1 to 10 digits")
    return value


def parse_state(value: str, column: str = "state") -> str:
    value = value.strip().upper()
    if not STATE.match(value):
        raise ValueError(f"{column} {value!r} is not a two-letter state code")
    return value


def parse_plan_year(value: str) -> int:
    value = value.strip()
    if not value.isdigit() or not 2014 <= int(value) <= 2100:
        raise ValueError(f"plan year {value!r} is not a year such as 2027")
    return int(value)


def parse_flag(value: str, column: str) -> bool:
    if value.strip().lower() in TRUE_WORDS:
        return True
    if value.strip().lower() in FALSE_WORDS:
        return False
    raise ValueError(f"{column} {value!r} is not Y or N")


def required_text(value: str, column: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{column} is required")
    if len(value) > max_length:
        raise ValueError(f"{column} is longer than {max_length} characters")
    return value


def read_rows(text: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows as dicts keyed by the (lower-cased) header, with their line numbers; checks the header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ImportFailed([RowError(1, "the file is empty")])
    names = [name.strip().lower() for name in header]
    missing = [column for column in columns if column not in names]
    if missing:
        raise ImportFailed([RowError(1, f"missing column(s): {', '.join(missing)}")])
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            yield reader.line_num, {"__error__": f"{len(row)} fields where the header has {len(names)}"}
            continue
        yield reader.line_num, {name: (row[i] if i < len(row) else "") for i, name in enumerate(names)}


def parse_all(
    text: str, columns: tuple[str, ...], parse: Callable[[dict], Any], key: Callable[[Any], Any], progress: Progress
) -> list[Any]:
    """Parse every row, collecting every error; raise ImportFailed if there was any."""
    errors: list[RowError] = []
    parsed, seen = [], {}
    for count, (line, row) in enumerate(read_rows(text, columns), start=1):
        if count % 1000 == 0:
            progress(count)
        if "__error__" in row:
            errors.append(RowError(line, row["__error__"]))
            continue
        try:
            item = parse(row)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        item_key = key(item)
        if item_key in seen:
            errors.append(RowError(line, f"the same record as line {seen[item_key]}"))
            continue
        seen[item_key] = line
        parsed.append(item)
    if errors:
        raise ImportFailed(errors)
    progress(len(parsed))
    return parsed


def _count_rows(text: str) -> int:
    return max(text.count("\n") - 1, 0)


# FFM Registration Completion List -----------------------------------------------------------

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
        before = MarketplaceRegistration.objects.count()
        for row in rows:
            row.active, row.last_import = True, run
        MarketplaceRegistration.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["npn", "plan_year"],
            update_fields=[*REGISTRATION_COLUMNS[2:], "active", "last_import"],
        )
        gone = (
            MarketplaceRegistration.objects.filter(plan_year__in=years, active=True)
            .exclude(last_import=run)
            .update(active=False)
        )
        new = MarketplaceRegistration.objects.count() - before
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(rows)} registrations for plan year(s) {', '.join(map(str, years)) or '-'} ({new} new)",
            f"{gone} registration(s) missing from this list marked inactive",
        ],
    )


# Licenses (one row per license line of authority) -------------------------------------------

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
            active=True,
            last_import=run,
        )
    with transaction.atomic():
        before = License.objects.count()
        License.objects.bulk_create(
            list(licenses.values()),
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["npn", "state", "license_number"],
            update_fields=["status", "expiration_date", "resident", "active", "last_import"],
        )
        ids = {
            (npn, state, number): pk
            for npn, state, number, pk in License.objects.filter(last_import=run).values_list(
                "npn", "state", "license_number", "pk"
            )
        }
        LineOfAuthority.objects.bulk_create(
            [
                LineOfAuthority(
                    license_id=ids[(row.npn, row.state, row.license_number)],
                    name=row.loa_name,
                    status=row.loa_status,
                    active=True,
                    last_import=run,
                )
                for row in rows
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["license", "name"],
            update_fields=["status", "active", "last_import"],
        )
        gone = License.objects.filter(active=True).exclude(last_import=run).update(active=False)
        lines_gone = LineOfAuthority.objects.filter(active=True).exclude(last_import=run).update(active=False)
        new = License.objects.count() - before
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(licenses)} licenses ({new} new) with {len(rows)} lines of authority",
            f"{gone} license(s) and {lines_gone} line(s) of authority missing from this file marked inactive",
        ],
    )


# MLMS profiles and Help On Demand training ---------------------------------------------------

MLMS_COLUMNS = (
    "npn",
    "first_name",
    "last_name",
    "email",
    "home_state",
    "languages",
    "display_option",
    "hod_training_completed_date",
    "plan_year",
)


@dataclass(frozen=True)
class MlmsRow:
    npn: str
    first_name: str
    last_name: str
    email: str
    home_state: str
    languages: tuple[str, ...]
    display_option: int
    training_completed_on: date | None
    plan_year: int


def _mlms_parser(known_languages: set[str]) -> Callable[[dict], MlmsRow]:
    def parse(row: dict) -> MlmsRow:
        email = required_text(row["email"], "email", 254)
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"email {email!r} is not an e-mail address") from None
        codes = tuple(dict.fromkeys(code.strip().lower() for code in row["languages"].split(";") if code.strip()))
        unknown = [code for code in codes if code not in known_languages]
        if unknown:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)} (add them in admin under Languages)")
        option = row["display_option"].strip()
        if option not in {"1", "2", "3", "4"}:
            raise ValueError(f"display_option {option!r} is not 1, 2, 3 or 4")
        return MlmsRow(
            npn=parse_npn(row["npn"]),
            first_name=required_text(row["first_name"], "first_name", 100),
            last_name=required_text(row["last_name"], "last_name", 100),
            email=email,
            home_state=parse_state(row["home_state"], "home_state"),
            languages=codes,
            display_option=int(option),
            training_completed_on=parse_date(row["hod_training_completed_date"], column="hod_training_completed_date"),
            plan_year=parse_plan_year(row["plan_year"]),
        )

    return parse


def import_mlms(text: str, run: ImportRun, progress: Progress) -> Outcome:
    parse = _mlms_parser(set(Language.objects.values_list("code", flat=True)))
    rows = parse_all(text, MLMS_COLUMNS, parse, lambda r: (r.npn, r.plan_year), progress)
    # An agent appears once per plan year; the profile of the latest plan year wins.
    profiles = {row.npn: row for row in sorted(rows, key=lambda r: r.plan_year)}
    years = sorted({row.plan_year for row in rows})
    with transaction.atomic():
        before = Agent.objects.count()
        Agent.objects.bulk_create(
            [
                Agent(
                    npn=row.npn,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    home_state=row.home_state,
                    display_option=row.display_option,
                    in_mlms=True,
                    mlms_import=run,
                )
                for row in profiles.values()
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["npn"],
            update_fields=[
                "first_name",
                "last_name",
                "email",
                "home_state",
                "display_option",
                "in_mlms",
                "mlms_import",
            ],
        )
        agent_ids = dict(Agent.objects.filter(mlms_import=run).values_list("npn", "pk"))
        _replace_languages(agent_ids, profiles)
        TrainingCompletion.objects.bulk_create(
            [
                TrainingCompletion(
                    npn=row.npn,
                    plan_year=row.plan_year,
                    completed_on=row.training_completed_on,
                    active=True,
                    last_import=run,
                )
                for row in rows
            ],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["npn", "plan_year"],
            update_fields=["completed_on", "active", "last_import"],
        )
        gone = Agent.objects.filter(in_mlms=True).exclude(mlms_import=run).update(in_mlms=False)
        training_gone = (
            TrainingCompletion.objects.filter(plan_year__in=years, active=True)
            .exclude(last_import=run)
            .update(active=False)
        )
        new = Agent.objects.count() - before
    trained = sum(1 for row in rows if row.training_completed_on)
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(profiles)} agents ({new} new); {trained} training completion(s) for {', '.join(map(str, years))}",
            f"{gone} agent(s) and {training_gone} training record(s) missing from this export marked inactive",
        ],
    )


def _replace_languages(agent_ids: dict[str, int], profiles: dict[str, MlmsRow]) -> None:
    """Languages come from the MLMS: each imported agent's set becomes exactly the file's."""
    through = Agent.languages.through
    wanted = {(agent_ids[npn], code) for npn, row in profiles.items() for code in row.languages}
    ids = list(agent_ids.values())
    existing: set[tuple[int, str]] = set()
    for chunk in _batches(ids):
        existing |= set(through.objects.filter(agent_id__in=chunk).values_list("agent_id", "language_id"))
    stale_holders: dict[str, list[int]] = {}
    for agent_id, code in existing - wanted:
        stale_holders.setdefault(code, []).append(agent_id)
    for code, holders in stale_holders.items():
        for chunk in _batches(holders):
            through.objects.filter(agent_id__in=chunk, language_id=code).delete()
    through.objects.bulk_create(
        [through(agent_id=agent_id, language_id=code) for agent_id, code in wanted - existing], batch_size=BATCH
    )


def _batches(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


# Running an import -------------------------------------------------------------------------

IMPORTERS = {
    ImportRun.Kind.REGISTRATION_LIST: import_registration_list,
    ImportRun.Kind.LICENSES: import_licenses,
    ImportRun.Kind.MLMS: import_mlms,
}


def run_import(run: ImportRun, text: str, progress: Progress | None = None) -> Outcome:
    """Run an import recorded as `run`, keeping its status, progress and report up to date."""
    total = _count_rows(text)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, rows_total=total, rows_done=0)

    def report_progress(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(rows_done=done)
        if progress:
            progress(done)

    try:
        outcome = IMPORTERS[run.kind](text, run, report_progress)
    except ImportFailed as failure:
        report = "\n".join([f"Nothing was imported: {len(failure.errors)} bad row(s).", *map(str, failure.errors)])
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, report=report, finished_at=timezone.now(), source=""
        )
        raise
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.SUCCEEDED,
        rows_done=outcome.rows,
        report="\n".join(outcome.summary),
        finished_at=timezone.now(),
        source="",
    )
    return outcome
