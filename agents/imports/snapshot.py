"""Saving one file's rows as the new snapshot of their kind: upsert what it holds, mark the rest inactive.

Every CMS file is the whole truth about its kind (within its plan years, where it has them), so
every import ends the same way: the file's rows are inserted or updated, and every row of that kind
the file left out is marked inactive. Nothing is deleted: an agent missing from one export keeps
their history and comes back as they were if the next export has them again.

Which rows a file left out is known without asking the database row by row: the upsert stamps every
row it writes with the import run, so the rest are the rows without this run's stamp. Rows go in
batches of `BATCH` as `INSERT … ON CONFLICT DO UPDATE`, so the queries grow with the batches, never
with the rows. Callers run this inside the transaction that covers the whole file, so a file lands
in full or not at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q

from agents.models import Agent, ImportRun

BATCH = 2000


@dataclass(frozen=True)
class Markers:
    """The field saying a row is in the latest file of its kind, and the field naming the import that wrote it."""

    in_latest_file: str
    last_import: str


# The CMS tables exist only through their files; an agent is also a person with an account, so the
# agent's fields say which file they mean.
CMS_MARKERS = Markers(in_latest_file="active", last_import="last_import")
MARKERS: dict[type[models.Model], Markers] = {Agent: Markers(in_latest_file="in_mlms", last_import="mlms_import")}


@dataclass(frozen=True)
class SnapshotCounts:
    new: int
    marked_inactive: int


def save_snapshot(
    model: type[models.Model],
    rows: list[models.Model],
    *,
    run: ImportRun,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    within: Q | None = None,
) -> SnapshotCounts:
    """Upsert `rows` (matched on `unique_fields`) as `run`'s snapshot of `model`, then mark inactive every
    row of `model` (within `within`, such as the file's plan years) that `run` did not write.

    `rows` carry the file's values only: they are marked as in the latest file and stamped with `run`
    here. `new` is how much the table grew, so it is counted inside the same transaction.
    """
    markers = MARKERS.get(model, CMS_MARKERS)
    # The INSERT needs only the run's id; setting it directly skips the related-object checks per row.
    last_import_column = model._meta.get_field(markers.last_import).attname
    for row in rows:
        setattr(row, markers.in_latest_file, True)
        setattr(row, last_import_column, run.pk)
    table = model._default_manager
    with transaction.atomic(savepoint=False):
        before = table.count()
        table.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=list(unique_fields),
            update_fields=[*update_fields, markers.in_latest_file, markers.last_import],
        )
        marked_inactive = (
            table.filter(within or Q(), **{markers.in_latest_file: True})
            .exclude(**{markers.last_import: run})
            .update(**{markers.in_latest_file: False})
        )
        new = table.count() - before
    return SnapshotCounts(new=new, marked_inactive=marked_inactive)
