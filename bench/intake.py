"""Benchmark: Get Contacted submissions over HTTP at a fixed arrival rate, beside /healthz on the same stack.

Run alone with `.venv/bin/python bench/intake.py` (or all benchmarks with `make bench`). It creates a
scratch copy of the DATABASE_URL database (default: the local PostgreSQL `test`) with a pool of agents,
starts gunicorn on it with Redis as broker and cache (a Redis database of its own, emptied at the end;
no Celery worker runs, so the queued messages wait there), then:

1. sends /healthz requests at the target rate, and as fast as CONCURRENCY clients can (the stack's ceiling);
2. submits the Get Contacted form at the target rate: each consumer opens the form (GET, for the CSRF
   cookie), then posts it with a new phone number and a ZIP code in an FFM or SBM-FP state, half in
   Spanish; every answer must be the redirect to the new request's status page.

Arrivals are open-loop: each request is due at a fixed time whatever happened to the ones before,
and its latency counts from when it was due, so a stalled server shows up in the figures. Settings:
BENCH_RATE (consumers per second, default 20), BENCH_SECONDS (default 20), BENCH_AGENTS (default 20000),
BENCH_WORKERS (gunicorn workers, default 2 x cores + 1). Figures are recorded in bench/README.md.
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
from django.db import connection  # noqa: E402

from agents.eligibility import current_terms  # noqa: E402
from hod.reference.lookups import current_plan_year  # noqa: E402

RATE = float(os.environ.get("BENCH_RATE", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
AGENTS = int(os.environ.get("BENCH_AGENTS", "20000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
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


def main() -> None:
    print(f"rate {RATE:g}/s for {SECONDS:g} s; {AGENTS:,} agents; gunicorn with {WORKERS} workers")
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

        print("\n/healthz (database and broker answer)")
        report(f"at {RATE:g}/s", at_fixed_rate(healthz, RATE, SECONDS))
        report(f"{CONCURRENCY} clients flat out", as_fast_as_possible(healthz, SECONDS / 2))
        print("\nGet Contacted (GET the form, then POST it; one referral matched and offered per consumer)")
        report(f"at {RATE:g}/s", at_fixed_rate(lambda number: submit(number, places), RATE, SECONDS))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        empty_redis()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
