"""Benchmark: import 100,000 license rows (one per line of authority) into PostgreSQL.

Run alone with `.venv/bin/python bench/import.py` (or all benchmarks with `make bench`). It uses a
scratch copy of the database DATABASE_URL names (default: the local PostgreSQL `test` database),
created and dropped around the run. Figures are recorded in bench/README.md.
"""

import os
import random
import sys
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from agents.imports import LICENSE_COLUMNS, run_import  # noqa: E402
from agents.models import ImportRun, License, LineOfAuthority  # noqa: E402

STATES = ["AL", "AZ", "FL", "GA", "IN", "MI", "NC", "OH", "TX", "WI"]
LINES = ["Accident and Health", "Life", "Property", "Casualty"]


def license_file(rows: int, seed: int = 1) -> str:
    chance = random.Random(seed)
    lines = [",".join(LICENSE_COLUMNS)]
    npn = 10_000_000
    while len(lines) <= rows:
        npn += 1
        for state in chance.sample(STATES, k=chance.randint(1, 3)):
            for line in chance.sample(LINES, k=chance.randint(1, 3)):
                lines.append(f"{npn},{state},{state}{npn},Active,{line},Active,12/31/2028,{chance.choice('YN')}")
    return "\n".join(lines[: rows + 1]) + "\n"


def timed_import(text: str, label: str) -> float:
    run = ImportRun.objects.create(kind=ImportRun.Kind.LICENSES, file_name=label)
    start = time.perf_counter()
    run_import(run, text)
    return time.perf_counter() - start


def main() -> None:
    print(f"database: {connection.vendor}; rows: {ROWS:,}")
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": "hod_bench"}
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        text = license_file(ROWS)
        first = timed_import(text, "first.csv")
        print(f"first import (all new):      {first:6.1f} s  ({ROWS / first:,.0f} rows/s)")
        print(f"  {License.objects.count():,} licenses, {LineOfAuthority.objects.count():,} lines of authority")
        again = timed_import(text, "again.csv")
        print(f"same file again (no change): {again:6.1f} s  ({ROWS / again:,.0f} rows/s)")
        fewer = "\n".join(text.splitlines()[: ROWS // 2 + 1]) + "\n"
        half = timed_import(fewer, "half.csv")
        inactive = License.objects.filter(active=False).count()
        print(f"half the file (snapshot):    {half:6.1f} s  ({inactive:,} licenses marked inactive)")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
