"""Fault suite: the production stack on this machine, broken on purpose, and what consumers and agents lose.

Run all scenarios with `.venv/bin/python bench/faults.py` (or `make bench`), or some of them by name:
`.venv/bin/python bench/faults.py redis beat` (or BENCH_FAULTS=redis,beat). Scenarios:

  worker      300 Get Contacted submissions in 30 s; the worker's process group is SIGKILLed twice and
              restarted each time, as an orchestrator would.
  redis       Redis stopped for 60 s during 200 submissions (3 a second), rate limits on; the form's p50/p99
              latency during the outage.
  beat        beat stopped for 2 minutes with offers due, then two beats for 30 s: how late offers lapse,
              how many sweeps ran, whether the second beat waits; then one beat again.
  fuzz        1,000 malformed Get Contacted posts and 200 odd requests to the other public addresses.
  onboarding  agents register through the pages (invitation e-mail, registration, log-in, both Terms,
              a device, the switch), then their offers lapse: the sweep must keep lapsing and re-offering.

The stack: gunicorn, one `celery -A hod worker`, one `celery -A hod beat`, PostgreSQL (a scratch database,
hod_bench_faults, created and dropped here) and a Redis server of the suite's own on a spare port, with an
append-only file as production runs it (broker in database 0, cache in 1). DEBUG off, rate limits on (with
limits legitimate load never reaches), a sweep every 5 s, offers open for 60 s. A few hundred agents are
seeded (BENCH_AGENTS, default 300), each with a phone and a registered device.

Messages are counted where they arrive: local stand-ins for SMTP, Twilio's Messages API and FCM (see
fault_harness/stand_ins.py). For each scenario's messages: delivered at least once, duplicated, stuck
(still queued or sending when the suite stops waiting, after BENCH_RECOVERY_SECONDS, default 420) and
lost (settled without reaching its provider). A submission is kept when its referral row exists, lost
otherwise. Each scenario prints its figures and PASS or FAIL against the targets of issue 13:

  0 submissions lost; 0 messages lost; 0 5xx answers; the form's p99 under 100 ms while Redis is down;
  no offer overdue by more than two sweep intervals once a fault ends; duplicates only among messages a
  killed worker held at the moment of the kill.

Each stand-in takes BENCH_PROVIDER_SECONDS (default 0.1) per message, as real providers do. The exit
status is 0 when the suite ran, whatever the targets say (so `make bench` goes on to the other benchmarks);
with --strict (or BENCH_STRICT=1) it is 1 when a target failed. Logs are kept with BENCH_KEEP_LOGS=1.
Figures are recorded in bench/README.md.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

# Only modules that need no Django here: the settings exist once the stand-ins and Redis have their ports, so
# the application's modules (and the harness's that use them) are imported inside the functions. The scenarios
# are in fault_harness/scenarios/, one module each.
from fault_harness.scenarios import SCENARIOS  # noqa: E402
from fault_harness.scenarios.common import OFFER_WINDOW, SWEEP_INTERVAL, Run, say  # noqa: E402
from fault_harness.stack import RedisServer, Stack  # noqa: E402
from fault_harness.stand_ins import Providers, free_port  # noqa: E402

AGENTS = int(os.environ.get("BENCH_AGENTS", "300"))
WEB_WORKERS = 2 * (os.cpu_count() or 1) + 1
DATABASE_NAME = "hod_bench_faults"


# The stack ------------------------------------------------------------------------------------


def stack_environment(redis: RedisServer, providers: Providers, web_port: int, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        **providers.environment(),
        "DJANGO_SETTINGS_MODULE": "fault_harness.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "CELERY_BROKER_URL": redis.url(0),
        "CACHE_URL": redis.url(1),
        "DEBUG": "false",
        "SECRET_KEY": "fault-suite-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HOD_BASE_URL": f"http://127.0.0.1:{web_port}",
        "HOD_RATELIMIT_ENABLED": "true",
        # High enough that no legitimate load is refused: the limits are on, their cache is what is tested.
        "HOD_RATELIMIT_PER_IP": "100000/h",
        "HOD_RATELIMIT_PER_PHONE": "100000/h",
        "HOD_SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL),
        "HOD_OFFER_WINDOW_SECONDS": str(OFFER_WINDOW),
        "HOD_VAR_DIR": str(folder / "var"),
        "HOD_STATIC_ROOT": str(folder / "static"),
        "ANYMAIL_WEBHOOK_SECRET": "fault-suite:webhook-secret",
        "HOD_LOG_LEVEL": "INFO",
    }


def create_database() -> tuple[str, str]:
    """A scratch database next to DATABASE_URL's (default: the local PostgreSQL); returns its URL and the name
    to give back to destroy_test_db."""
    from django.db import connection

    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": DATABASE_NAME}
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    url = f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    return url, original


def collect_static(environment: dict[str, str]) -> None:
    """DEBUG off serves hashed static file names from the manifest, as in production."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True)


def warm_up(run: Run) -> None:
    """Each gunicorn worker's first requests load templates and plan queries: not a fault, so done first."""
    from fault_harness.ledger import withdraw_open_requests
    from fault_harness.traffic import Web, in_parallel, submit

    web = Web(run.stack.web_port)
    submissions = in_parallel(lambda number: submit(web, number, run.places), run.numbers(4 * WEB_WORKERS), WEB_WORKERS)
    failed = [submission for submission in submissions if not submission.redirected_to_status]
    if failed:
        answer = failed[0].sent or failed[0].opened
        raise RuntimeError(f"the form does not work before any fault: {answer.status} {answer.body[:300]!r}")
    withdraw_open_requests([s.phone for s in submissions])


def chosen_scenarios() -> list[str]:
    names = [name for name in sys.argv[1:] if not name.startswith("--")]
    names = names or [name for name in os.environ.get("BENCH_FAULTS", "").split(",") if name]
    unknown = set(names) - SCENARIOS.keys()
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    return names or list(SCENARIOS)


def run_scenario(run: Run, name: str) -> None:
    title, scenario = SCENARIOS[name]
    say(f"\n== {name}: {title}")
    marks, restarts = run.log_marks(), len(run.stack.restarts())
    started = time.monotonic()
    checks = scenario(run)
    for restart in run.stack.restarts()[restarts:]:
        say(f"  the orchestrator restarted {restart}")
    run.report_log_problems(marks)
    say(f"  ({time.monotonic() - started:.0f} s)")
    for check in checks:
        say(str(check))
    run.checks[name] = checks


def summary(run: Run) -> bool:
    say("\n== summary")
    for name, checks in run.checks.items():
        for check in checks:
            say(f"{'PASS' if check.passed else 'FAIL'}  {name}: {check.target}")
    return all(check.passed for checks in run.checks.values() for check in checks)


def quiet_harness_logs() -> None:
    """The stack logs at INFO into its files; the suite's own process (which seeds and invites) prints figures only."""
    import logging

    for name in ("hod", "agents", "referrals", "matching", "notifications"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _stop_on_sigterm(signal_number, frame) -> None:
    raise KeyboardInterrupt  # so the finally blocks stop every process and drop the database


def database_server() -> str:
    """DATABASE_URL when it is a PostgreSQL one (the scratch database goes next to it), else the local server."""
    configured = os.environ.get("DATABASE_URL", "")
    return configured if configured.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def production_stack(folder: Path):
    """The stand-ins, Redis, the scratch database with its agents, and the stack on them; every process, the
    Redis server and the database are gone afterwards, after a failure or Ctrl-C too."""
    providers, redis, stack, database = Providers(), None, None, None
    try:
        providers.start()
        redis = RedisServer(folder / "redis", free_port())
        redis.start()
        web_port = free_port()
        environment = stack_environment(redis, providers, web_port, folder)
        environment["DATABASE_URL"] = database_server()
        os.environ.update(environment)  # the suite's own Django (seeding, invitations, counting) uses them too

        import django

        django.setup()
        environment["DATABASE_URL"], database = create_database()
        os.environ["DATABASE_URL"] = environment["DATABASE_URL"]
        from fault_harness.pool import seed_pool

        quiet_harness_logs()  # after bench/match.py's own django.setup(), which configures logging again
        places = seed_pool(AGENTS)
        collect_static(environment)
        stack = Stack(folder, environment, web_port, WEB_WORKERS)
        say(
            f"stack: gunicorn ({WEB_WORKERS} workers), a Celery worker, beat, PostgreSQL ({DATABASE_NAME}), "
            f"Redis on port {redis.port}; {AGENTS} agents; sweep every {SWEEP_INTERVAL} s; offers open {OFFER_WINDOW} s"
        )
        stack.start()
        yield Run(stack, redis, providers, places)
    finally:
        if stack is not None:
            stack.stop()
        if redis is not None:
            redis.stop()
        providers.stop()
        if database is not None:
            from django.db import connection

            connection.close()
            connection.creation.destroy_test_db(database, verbosity=0)


def main() -> int:
    names = chosen_scenarios()
    strict = "--strict" in sys.argv or os.environ.get("BENCH_STRICT") == "1"
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    folder = Path(tempfile.mkdtemp(prefix="hod-faults-"))
    began = time.monotonic()
    try:
        with production_stack(folder) as run:
            warm_up(run)
            for name in names:
                run_scenario(run, name)
        passed = summary(run)
        say(f"\n({time.monotonic() - began:.0f} s in all)")
        return 1 if strict and not passed else 0
    finally:
        if os.environ.get("BENCH_KEEP_LOGS") == "1":
            say(f"logs kept in {folder / 'logs'}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
