"""The three CMS imports: the FFM Registration Completion List, licenses (NIPR) and the MLMS export.

Each file is a full snapshot of its kind (and plan year, where it has one): what it holds is
inserted or updated; what is missing from it becomes inactive; nothing is deleted. An import is
atomic: every bad row is reported with its line number (the header is line 1) and a file with
any bad row imports nothing. Running the same file twice changes nothing. Rows are written in
bulk, so 100k rows take seconds.

- `rows`: reading the CSV and checking every value, collecting every bad row before anything is written;
- `snapshot`: `save_snapshot`, the one routine that upserts a file's rows and marks what it left out inactive;
- `registration_list`, `licenses`, `mlms`: one module per file kind, its columns, its rows and its summary.

Adding a kind of file: a module with its columns, a parser for one row and an importer that calls
`parse_all` and then `save_snapshot` inside one transaction; then its entry in `IMPORTERS`.
"""

from django.utils import timezone

from agents.imports.licenses import LICENSE_COLUMNS, import_licenses
from agents.imports.mlms import MLMS_COLUMNS, import_mlms
from agents.imports.registration_list import REGISTRATION_COLUMNS, import_registration_list
from agents.imports.rows import ImportFailed, Outcome, Progress, RowError, count_rows
from agents.models import ImportRun

__all__ = [
    "IMPORTERS",
    "LICENSE_COLUMNS",
    "MLMS_COLUMNS",
    "REGISTRATION_COLUMNS",
    "ImportFailed",
    "Outcome",
    "Progress",
    "RowError",
    "import_licenses",
    "import_mlms",
    "import_registration_list",
    "run_import",
]

IMPORTERS = {
    ImportRun.Kind.REGISTRATION_LIST: import_registration_list,
    ImportRun.Kind.LICENSES: import_licenses,
    ImportRun.Kind.MLMS: import_mlms,
}


def run_import(run: ImportRun, text: str, progress: Progress | None = None) -> Outcome:
    """Run an import recorded as `run`, keeping its status, progress and report up to date."""
    total = count_rows(text)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, rows_total=total, rows_done=0)

    def report_progress(done: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(rows_done=done)
        if progress:
            progress(done)

    try:
        outcome = IMPORTERS[run.kind](text, run, report_progress)
    except ImportFailed as failure:
        report = "\n".join([f"Nothing was imported: {len(failure.errors)} bad row(s).", *map(str, failure.errors)])
        _failed(run, report)
        raise
    except Exception as error:
        # Never left "running" with the uploaded file (agents' data) kept: failed, the file deleted.
        _failed(run, f"Nothing was imported: the import stopped with an error ({type(error).__name__}).")
        raise
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.SUCCEEDED,
        rows_done=outcome.rows,
        report="\n".join(outcome.summary),
        finished_at=timezone.now(),
        source="",
    )
    return outcome


def _failed(run: ImportRun, report: str) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, report=report, finished_at=timezone.now(), source=""
    )
