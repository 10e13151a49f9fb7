"""Benchmark: the sweep's first step, applying standard hours and absences, on a large pool (PostgreSQL).

Run alone with `.venv/bin/python bench/sweep.py` (or all benchmarks with `make bench`). A scratch copy
of the DATABASE_URL database (default: the local PostgreSQL `test`) gets BENCH_AGENTS agents (default
100,000; the same pool as bench/match.py), half of them with standard hours Monday to Friday, 9 to 5 in
their own time zone, loaded with COPY. Then it times `agents.availability.apply_schedules` on a Monday:

1. with every agent who has hours due at once (the first sweep after the upgrade; before it, every
   sweep read all of them);
2. a sweep later, when nobody's boundary has come (the usual sweep: 20 runs);
3. at 9:00 on the east coast, when the hours of every agent on Eastern time begin.

Figures are recorded in bench/README.md.
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")

import match  # noqa: E402  (bench/match.py: the agent pool)
from django.db import connection  # noqa: E402

from agents.availability import apply_schedules  # noqa: E402
from agents.eligibility import current_terms  # noqa: E402
from hod.reference.lookups import current_plan_year  # noqa: E402

AGENTS = int(os.environ.get("BENCH_AGENTS", "100000"))
MONDAY = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)  # in winter: Eastern time is UTC-5


def give_hours() -> int:
    """Monday to Friday, 9 to 5, to every other agent; all of them due, as after the upgrade."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM agents_agent WHERE id % 2 = 0")
        ids = [row[0] for row in cursor.fetchall()]
    match.copy(
        "agents_weeklyhours",
        ["agent_id", "weekday", "starts_at", "ends_at"],
        ((agent_id, day, "09:00", "17:00") for agent_id in ids for day in range(5)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agents_agent SET schedule_due_at = %s WHERE id IN (SELECT agent_id FROM agents_weeklyhours)",
            [MONDAY],
        )
        cursor.execute("VACUUM ANALYZE")
    return len(ids)


def timed(moment: dt.datetime) -> tuple[float, int]:
    start = time.perf_counter()
    changed = apply_schedules(moment).done
    return (time.perf_counter() - start) * 1000, changed


def main() -> None:
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": "hod_bench_sweep"}
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        year = current_plan_year()
        places = match.served_zips(year)
        states = sorted({place["state"] for place in places})
        match.seed(0, AGENTS, places, states, year, [terms.pk for terms in current_terms()])
        with_hours = give_hours()
        print(f"{AGENTS:,} agents, {with_hours:,} with standard hours")

        first = MONDAY + dt.timedelta(hours=12)  # 07:00 on the east coast, 04:00 on the west
        elapsed, changed = timed(first)
        print(f"  everyone with hours due (the first sweep): {elapsed:,.0f} ms, {changed:,} switches set")

        quiet = [timed(first + dt.timedelta(seconds=30 * (run + 1))) for run in range(20)]
        print(
            f"  nobody due (a usual sweep), x{len(quiet)}: median {statistics.median(ms for ms, _ in quiet):.2f} ms,"
            f" max {max(ms for ms, _ in quiet):.2f} ms, {sum(changed for _, changed in quiet)} switches flipped"
        )

        nine_eastern = MONDAY + dt.timedelta(hours=14)
        elapsed, changed = timed(nine_eastern)
        print(f"  9:00 on the east coast: {elapsed:,.0f} ms, {changed:,} agents' hours began")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
