"""`make sim` (or `.venv/bin/python -m sim`): the deadline day under each policy, then the sensitivity grid.

Settings (environment):
- SIM_SCALE (1): the share of the base case's agents and requests for the policy comparison (0.01: a quick one);
- SIM_SENSITIVITY_SCALE (0.25): the same for the sensitivity grid (3 answer rates × 3 silent shares, under
  the default policy); SIM_SENSITIVITY=0 skips the grid;
- SIM_COMPARISON=0 skips the policies (only the grid);
- SIM_POLICIES: a comma-separated subset of the policies' names in sim/parameters.py (all by default);
- SIM_JOBS (2): days run at once, each in its own process and database snapshot;
- SIM_KEEP_DATABASES=1 keeps the `hod_sim_*` databases (the seeded base is then reused by the next run);
- SIM_DATABASE_SERVER: the PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres).

It prints the comparison and sensitivity tables and writes sim/out/results.json and sim/out/deadline_day.png.
"""

import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "out"
RUNS = OUT / "runs"  # each finished day's figures, as soon as it finishes


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    from sim import database

    os.environ["DATABASE_URL"] = database.url_of("hod_sim_base")  # a name only: each step picks its database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("HOD_LOG_LEVEL", "WARNING")
    os.environ.setdefault("HOD_PLAN_YEAR", "2027")
    import django

    django.setup()


@dataclass(frozen=True)
class Job:
    label: str
    overrides: dict
    scale: float
    answer_beta: tuple[float, float]
    silent_share: float
    group: str  # "policies" or "sensitivity"


def base_name(scale: float) -> str:
    return "hod_sim_base_" + f"{scale:g}".replace(".", "_")


def prepare_base(scale: float, keep: bool):
    """The seeded database for this scale (reused when kept from an earlier run), and the day's people."""
    from django.core.management import call_command

    from hod.reference.models import StateMarketplace
    from sim import database, population
    from sim import parameters as P

    name = base_name(scale)
    reuse = keep and database.exists(name)
    if not reuse:
        database.create(name)
    database.use(name)
    started = time.perf_counter()
    if not reuse:
        call_command("migrate", verbosity=0)
    served = set(
        StateMarketplace.objects.filter(plan_year=P.PLAN_YEAR, type__in=StateMarketplace.SERVED_TYPES).values_list(
            "state_id", flat=True
        )
    )
    people = population.build(served, scale)
    if not reuse:
        migrated = time.perf_counter()
        database.seed(people)
        database.check_eligible(people)
        seeded = time.perf_counter()
        _first_sweep()
        database.settle()
        print(
            f"base {name}: {len(people.agents):,} agents in {len(people.states)} states; migrate "
            f"{migrated - started:.0f} s, COPY {seeded - migrated:.0f} s, first sweep and VACUUM "
            f"{time.perf_counter() - seeded:.0f} s",
            flush=True,
        )
    else:
        print(f"base {name} reused ({len(people.agents):,} agents)", flush=True)
    database.use("hod_sim_base")  # nobody stays connected to the template
    return name, people


def _first_sweep() -> None:
    """The sweep at the start of the day: everyone's hours looked at once (all are off at midnight)."""
    import time_machine

    from referrals.sweep import sweep_once
    from sim import parameters as P

    with time_machine.travel(P.START, tick=False):
        report = sweep_once(P.START)
    if not report.ok:
        raise RuntimeError(str(report))


_people = {}  # scale -> (base database, Population), inherited by the worker processes
_clone_lock = None


def _init_worker(lock) -> None:
    global _clone_lock
    _clone_lock = lock


def run_job(job: Job) -> dict:
    from django.test import override_settings

    from sim import database
    from sim.day import Day, pause_setting
    from sim.results import collect

    base, people = _people[job.scale]
    name = f"hod_sim_run_{os.getpid()}"
    with _clone_lock:
        database.create(name, template=base)
    database.use(name)
    rule_in_code = pause_setting() is not None
    try:
        people.apply(job.answer_beta, job.silent_share)
        started = time.perf_counter()
        with override_settings(**job.overrides):
            day = Day(people)
            day.run(progress=lambda line: print(f"[{job.label}] {line.strip()}", flush=True))
            result = collect(day, job.label, job.overrides, rule_in_code, len(people.agents))
        result.wall_seconds = time.perf_counter() - started
        result.scale = job.scale
        print(
            f"[{job.label}] done in {result.wall_seconds:,.0f} s: {result.within_15:.1%} within 15 min, "
            f"median {_minutes(result.median)}",
            flush=True,
        )
        figures = {"group": job.group, "answer_rate": _mean(job.answer_beta), "silent_share": job.silent_share,
                   **result.as_dict()}  # fmt: skip
        RUNS.mkdir(parents=True, exist_ok=True)
        (RUNS / f"{job.group}-{job.scale:g}-{_slug(job.label)}.json").write_text(json.dumps(figures, default=str))
        return figures
    finally:
        database.use("hod_sim_base")
        if os.environ.get("SIM_KEEP_DATABASES") != "1":
            database.drop(name)


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")


def _mean(beta: tuple[float, float]) -> float:
    return round(beta[0] / (beta[0] + beta[1]), 3)


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def jobs_to_run() -> list[Job]:
    from sim import parameters as P

    scale = float(os.environ.get("SIM_SCALE", "1"))
    chosen = [name.strip() for name in os.environ.get("SIM_POLICIES", "").split(",") if name.strip()]
    unknown = set(chosen) - set(P.POLICIES)
    if unknown:
        raise SystemExit(f"unknown policies: {', '.join(sorted(unknown))}; known: {', '.join(P.POLICIES)}")
    jobs = [
        Job(label, P.POLICIES[label], scale, P.ANSWER_RATE_BETA, P.SILENT_SHARE, "policies")
        for label in (chosen or P.POLICIES)
        if os.environ.get("SIM_COMPARISON", "1") != "0"
    ]
    if os.environ.get("SIM_SENSITIVITY", "1") != "0":
        small = float(os.environ.get("SIM_SENSITIVITY_SCALE", "0.25"))
        for rate, beta in P.SENSITIVITY_ANSWER_RATES.items():
            for silent in P.SENSITIVITY_SILENT_SHARES:
                label = f"answer rate {rate:.2f}, silent {silent:.0%}"
                jobs.append(Job(label, P.POLICIES[P.DEFAULT_POLICY], small, beta, silent, "sensitivity"))
    return jobs


def main() -> None:
    _setup_django()
    from sim import database, report

    keep = os.environ.get("SIM_KEEP_DATABASES") == "1"
    jobs = jobs_to_run()
    started = time.perf_counter()
    try:
        for scale in sorted({job.scale for job in jobs}, reverse=True):
            _people[scale] = prepare_base(scale, keep)
        from django.db import connections

        connections.close_all()
        workers = max(1, int(os.environ.get("SIM_JOBS", "2")))
        lock = multiprocessing.get_context("fork").Lock()
        # Biggest days first, so that the two processes finish together.
        ordered = sorted(jobs, key=lambda job: -job.scale)
        with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(lock,)) as pool:
            results = pool.map(run_job, ordered, chunksize=1)
    finally:
        if not keep:
            for scale in _people:
                database.drop(base_name(scale))
    OUT.mkdir(exist_ok=True)
    order = {job.label: number for number, job in enumerate(jobs)}
    results.sort(key=lambda result: order[result["label"]])
    machine = report.machine()
    (OUT / "results.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1, default=str))
    print()
    print(report.tables(results, machine))
    report.plot(results, OUT / "deadline_day.png")
    print(f"\nplot: {OUT / 'deadline_day.png'}; figures: {OUT / 'results.json'}")
    print(f"all runs: {time.perf_counter() - started:,.0f} s")
