"""Benchmark: Get Contacted submissions over HTTP at a fixed arrival rate, beside /healthz on the same stack.

Run alone with `.venv/bin/python bench/intake.py` (or all benchmarks with `make bench`). It creates a
scratch copy of the DATABASE_URL database (default: the local PostgreSQL `test`) with a pool of agents,
starts gunicorn on it with Redis as broker and cache (a Redis database of its own, emptied at the end;
no Celery worker runs, so the queued messages wait there), then:

1. sends /healthz requests at the target rate, and as fast as CONCURRENCY clients can (the stack's ceiling);
2. submits the Get Contacted form at the target rate: each consumer opens the form (GET, for the CSRF
   cookie), then posts it with a new phone number and a ZIP code in an FFM or SBM-FP state, half in
   Spanish; every answer must be the redirect to the new request's status page.

Beside /healthz it times a fixed reference, /healthz/database (a view that runs one query), whatever
/healthz comes to check. For each Get Contacted run it reports the CPU time per consumer of the gunicorn
workers, of PostgreSQL and of the Redis server (all their processes: run it on a quiet machine), read from
the operating system (psutil) twice a second, so that a database connection closed during the run still
counts: a figure that compares across machines better than requests per second.

Arrivals are open-loop: each request is due at a fixed time whatever happened to the ones before,
and its latency counts from when it was due, so a stalled server shows up in the figures. Settings:
BENCH_RATE (consumers per second, default 20; several, comma-separated, are run one after the other),
BENCH_SECONDS (default 20), BENCH_AGENTS (default 20000), BENCH_WORKERS (gunicorn workers, default cores + 1,
as docker-compose.yml runs 3 on 2 cores: with PostgreSQL and Redis on the same cores, more workers only wait
for them), BENCH_WORKER_CLASS (gunicorn's, default sync), BENCH_THREADS (gunicorn's --threads).
BENCH_PROFILE=1 records the workers with py-spy during a GET-only run and a whole-consumer run at the first
rate and writes flame graphs to bench/profiles/. Figures are recorded in bench/README.md.
"""

import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")

import match  # noqa: E402  (bench/match.py: the agent pool and the ZIP codes it uses)
import psutil  # noqa: E402
from django.db import connection  # noqa: E402

from agents.eligibility import current_terms  # noqa: E402
from hod.reference.lookups import current_plan_year  # noqa: E402

RATES = [float(rate) for rate in os.environ.get("BENCH_RATE", "20").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
AGENTS = int(os.environ.get("BENCH_AGENTS", "20000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))  # as docker-compose.yml runs it
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
PROFILES = ROOT / "bench" / "profiles"
CONCURRENCY = 64
PORT = int(os.environ.get("BENCH_PORT", "8765"))
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
local = threading.local()


def client() -> http.client.HTTPConnection:
    """One keep-alive connection per thread, as a browser holds one."""
    if getattr(local, "connection", None) is None:
        local.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    return local.connection


def request(method: str, path: str, body: str | None = None, headers: dict | None = None):
    for attempt in range(2):
        try:
            connection_ = client()
            connection_.request(method, path, body=body, headers=headers or {})
            response = connection_.getresponse()
            return response, response.read()
        except (http.client.HTTPException, ConnectionError):
            local.connection = None  # the server closed a kept-alive connection: open a new one once
            if attempt:
                raise


def healthz(_: int) -> bool:
    response, _body = request("GET", "/healthz")
    return response.status == 200


def database_only(_: int) -> bool:
    response, _body = request("GET", "/healthz/database")
    return response.status == 200


def form_only(number: int) -> bool:
    response, body = request("GET", "/es/get-contacted/" if number % 2 else "/get-contacted/")
    return response.status == 200 and CSRF.search(body) is not None


def submit(number: int, places: list[dict]) -> bool | str:
    """One consumer: open the form, then send it. True when the answer is the new request's status page."""
    chance = random.Random(number)
    place = chance.choice(places)
    spanish = number % 2 == 1
    prefix = "/es" if spanish else ""
    response, body = request("GET", f"{prefix}/get-contacted/")
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = CSRF.search(body).group(1).decode()
    form = {
        "csrfmiddlewaretoken": token,
        "first_name": "Bench",
        "last_name": f"Consumer {number}",
        "phone": f"+1202{2000000 + number:07d}",  # a new number each time: no duplicate requests
        "email": "",
        "zip_code": place["zip_code"],
        "language": "es" if spanish else "en",
        "consent": "on",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    response, body = request("POST", f"{prefix}/get-contacted/", urlencode(form), headers)
    if response.status == 302 and "/get-contacted/status/" in response.getheader("Location", ""):
        return True
    return f"POST answered {response.status}: {body[:200]!r}"


def at_fixed_rate(action, rate: float, seconds: float) -> dict:
    """Start action(n) at n / rate seconds, whatever the earlier ones are doing; time each from when it was due."""
    count = int(rate * seconds)
    latencies, failures, first_failure = [], 0, ""
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def run(number: int) -> None:
        nonlocal failures, first_failure
        due = start + number / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        try:
            outcome = action(number)
        except Exception as error:  # a refused or broken connection is a failed request, not a crashed benchmark
            outcome = repr(error)
        with lock:
            latencies.append((time.perf_counter() - due) * 1000)
            if outcome is not True:
                failures += 1
                first_failure = first_failure or str(outcome)

    with ThreadPoolExecutor(max_workers=max(CONCURRENCY, int(rate) * 2)) as threads:
        list(threads.map(run, range(count)))
    elapsed = time.perf_counter() - start
    if first_failure:
        print(f"  first failure: {first_failure}")
    return summary(latencies, failures, elapsed)


def as_fast_as_possible(action, seconds: float) -> dict:
    latencies, failures, stop = [], 0, time.perf_counter() + seconds
    lock = threading.Lock()
    start = time.perf_counter()

    def loop(_: int) -> None:
        nonlocal failures
        while time.perf_counter() < stop:
            began = time.perf_counter()
            ok = action(0)
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                failures += not ok

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as threads:
        list(threads.map(loop, range(CONCURRENCY)))
    return summary(latencies, failures, time.perf_counter() - start)


def summary(latencies: list[float], failures: int, elapsed: float) -> dict:
    return {
        "requests": len(latencies),
        "failures": failures,
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": match.percentile(latencies, 0.99),
    }


def report(label: str, result: dict) -> None:
    print(
        f"  {label}: {result['requests']} requests, {result['rate']:.1f}/s achieved, "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, {result['failures']} failed"
    )


def start_gunicorn(database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS,
        "CACHE_URL": REDIS,
        "HOD_RATELIMIT_ENABLED": "false",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "HOD_SMS_BACKEND": "memory",
        "HOD_PUSH_BACKEND": "memory",
        "HOD_LOG_LEVEL": "WARNING",
    }
    # DEBUG off serves hashed static file names from the manifest, as in production.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "hod.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            if healthz(0):
                return server
        except (OSError, http.client.HTTPException):
            local.connection = None
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz")


def empty_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


class CpuClock:
    """CPU seconds (user + system) used by the gunicorn workers, by PostgreSQL and by the Redis server, between
    two readings."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = psutil.Process(server.pid)

    def processes(self) -> dict[str, list]:
        found: dict[str, list] = {
            "web": [self.server, *self.server.children(recursive=True)],
            "postgres": [],
            "redis": [],
        }
        for process in psutil.process_iter(["name", "cmdline"]):
            command = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" or command.startswith("postgres:"):
                found["postgres"].append(process)  # all of it: its writers and checkpoints are per consumer too
            elif (process.info["name"] or "").startswith("redis-server"):
                found["redis"].append(process)
        return found

    def read(self) -> dict[str, dict[int, float]]:
        readings = {}
        for part, processes in self.processes().items():
            readings[part] = {}
            for process in processes:
                try:
                    times = process.cpu_times()
                    readings[part][process.pid] = times.user + times.system
                except psutil.NoSuchProcess:
                    pass
        return readings

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """Seconds each part used; a process that started in between counts from zero."""
        return {
            part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()) for part in after
        }


def consumers(rate: float, places: list[dict], clock: CpuClock, first: int) -> dict:
    before, last, done_running = clock.read(), clock.read(), threading.Event()

    def sample() -> None:  # the last reading of every process, including those that end during the run
        while not done_running.wait(0.5):
            for part, seconds in clock.read().items():
                last[part].update(seconds)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = at_fixed_rate(lambda number: submit(first + number, places), rate, SECONDS)
    done_running.set()
    sampler.join()
    for part, seconds in clock.read().items():
        last[part].update(seconds)
    used = CpuClock.used(before, last)
    done = max(result["requests"] - result["failures"], 1)
    result["cpu_ms"] = {part: seconds * 1000 / done for part, seconds in used.items()}
    return result


def report_cpu(result: dict) -> None:
    cpu = result["cpu_ms"]
    print(
        f"    CPU per consumer: web {cpu['web']:.1f} ms, PostgreSQL {cpu['postgres']:.1f} ms, "
        f"Redis {cpu['redis']:.1f} ms, in all {sum(cpu.values()):.1f} ms"
    )


def profiled(name: str, server: subprocess.Popen, run) -> None:
    """Run `run()` while py-spy records the gunicorn workers; write bench/profiles/<name>.svg."""
    PROFILES.mkdir(exist_ok=True)
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(server.pid),
            "--subprocesses",
            "--rate",
            "200",
            "--nonblocking",
            "--output",
            str(PROFILES / f"{name}.svg"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # py-spy attaches
    try:
        run()
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def main() -> None:
    print(
        f"rates {', '.join(f'{rate:g}/s' for rate in RATES)} for {SECONDS:g} s each; {AGENTS:,} agents; gunicorn "
        f"with {WORKERS} {WORKER_CLASS} workers, {THREADS} thread{'s' if THREADS > 1 else ''} each"
    )
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": "hod_bench_intake"}
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    try:
        year = current_plan_year()
        places = match.served_zips(year)
        states = sorted({place["state"] for place in places})
        match.seed(0, AGENTS, places, states, year, [terms.pk for terms in current_terms()])
        settings = connection.settings_dict
        database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        connection.close()
        empty_redis()
        server = start_gunicorn(database_url)
        local.connection = None
        # Each worker's first requests load templates and plan queries: warm every worker first.
        with ThreadPoolExecutor(max_workers=WORKERS) as threads:
            list(threads.map(lambda number: submit(number, places), range(1_000_000, 1_000_000 + 10 * WORKERS)))
        clock = CpuClock(server)

        rate = RATES[0]
        print("\n/healthz (database and broker answer)")
        report(f"at {rate:g}/s", at_fixed_rate(healthz, rate, SECONDS))
        report(f"{CONCURRENCY} clients flat out", as_fast_as_possible(healthz, SECONDS / 2))
        print("/healthz/database (the fixed reference: one query)")
        report(f"{CONCURRENCY} clients flat out", as_fast_as_possible(database_only, SECONDS / 2))
        if PROFILE:
            print("\nprofiling (py-spy) the form alone, then whole consumers, at the first rate")
            profiled("get-contacted-form", server, lambda: at_fixed_rate(form_only, rate * 2, SECONDS))
            profiled("get-contacted-consumer", server, lambda: consumers(rate, places, clock, 2_000_000))
            print(f"  flame graphs in {PROFILES}")
        print("\nGet Contacted (GET the form, then POST it; one referral matched and offered per consumer)")
        for number, rate in enumerate(RATES):
            result = consumers(rate, places, clock, number * 100_000)
            report(f"at {rate:g}/s", result)
            report_cpu(result)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        empty_redis()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
