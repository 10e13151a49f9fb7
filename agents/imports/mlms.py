"""The MLMS export: agents' profiles and languages, and their Help On Demand training per plan year.

The export is the whole truth about who is in the MLMS, so an agent it leaves out is marked as gone
from it (and kept, with their account and history); training speaks only for the export's plan
years. Languages have no inactive mark to keep: each imported agent's languages become exactly the
file's. An agent's account follows their MLMS e-mail address, and an agent whose address changed is
told at both (agents.accounts).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from agents.accounts import EmailChange, follow_mlms_emails
from agents.imports.rows import (
    Outcome,
    Progress,
    parse_all,
    parse_date,
    parse_npn,
    parse_plan_year,
    parse_state,
    required_text,
)
from agents.imports.snapshot import BATCH, save_snapshot
from agents.models import Agent, ImportRun, TrainingCompletion
from hod.reference.models import Language

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
        email_changes = _email_changes(profiles)
        agents = save_snapshot(
            Agent,
            [
                Agent(
                    npn=row.npn,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    home_state=row.home_state,
                    display_option=row.display_option,
                )
                for row in profiles.values()
            ],
            run=run,
            unique_fields=["npn"],
            update_fields=["first_name", "last_name", "email", "home_state", "display_option"],
        )
        agent_ids = dict(Agent.objects.filter(mlms_import=run).values_list("npn", "pk"))
        _replace_languages(agent_ids, profiles)
        told = follow_mlms_emails(email_changes)
        training = save_snapshot(
            TrainingCompletion,
            [
                TrainingCompletion(npn=row.npn, plan_year=row.plan_year, completed_on=row.training_completed_on)
                for row in rows
            ],
            run=run,
            unique_fields=["npn", "plan_year"],
            update_fields=["completed_on"],
            within=Q(plan_year__in=years),
        )
    trained = sum(1 for row in rows if row.training_completed_on)
    return Outcome(
        rows=len(rows),
        summary=[
            f"{len(profiles)} agents ({agents.new} new); "
            f"{trained} training completion(s) for {', '.join(map(str, years))}",
            f"{agents.marked_inactive} agent(s) and {training.marked_inactive} training record(s) "
            "missing from this export marked inactive",
            *([f"{told} agent(s) with an account have a new e-mail address, and were told at both"] if told else []),
        ],
    )


def _email_changes(profiles: dict[str, MlmsRow]) -> list[EmailChange]:
    """The accounts whose address is not the file's: their agent's MLMS address changed (or, for an account
    made before accounts followed the MLMS, the account's own differs). One query, before the upsert."""
    accounts = Agent.objects.filter(user__isnull=False).values_list("pk", "npn", "email", "user_id", "user__email")
    changes = []
    for agent_id, npn, old, user_id, account_email in accounts.iterator(chunk_size=BATCH):
        row = profiles.get(npn)
        if row is not None and (row.email != old or row.email != account_email):
            changes.append(EmailChange(agent_id=agent_id, user_id=user_id, old=old, new=row.email))
    return changes


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
