"""What the three import commands share: read the file, record the run, show progress, report."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from agents.imports import ImportFailed, run_import
from agents.models import ImportRun


class ImportCommand(BaseCommand):
    kind: str

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="CSV file with a header row")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        run = ImportRun.objects.create(kind=self.kind, file_name=file.name)
        bar = tqdm(
            total=max(text.count("\n") - 1, 0),
            unit=" rows",
            desc=f"Checking {file.name}",
            disable=not sys.stderr.isatty(),
            file=sys.stderr,
        )

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        try:
            outcome = run_import(run, text, progress)
        except ImportFailed as failure:
            bar.close()
            for error in failure.errors:
                self.stderr.write(f"{file.name}: {error}")
            raise CommandError(f"{len(failure.errors)} bad row(s) in {file.name}; nothing was imported") from None
        bar.close()
        for line in outcome.summary:
            self.stdout.write(line)
