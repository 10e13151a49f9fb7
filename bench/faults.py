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

import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

# Only modules that need no Django here: the settings exist once the stand-ins and Redis have their ports, so
# the application's modules (and the harness's that use them) are imported inside the functions.
from fault_harness.stack import RedisServer, Stack, wait_until  # noqa: E402
from fault_harness.stand_ins import Providers, free_port  # noqa: E402

SWEEP_INTERVAL = 5
OFFER_WINDOW = 60
AGENTS = int(os.environ.get("BENCH_AGENTS", "300"))
RECOVERY_SECONDS = float(os.environ.get("BENCH_RECOVERY_SECONDS", "420"))
WEB_WORKERS = 2 * (os.cpu_count() or 1) + 1
DATABASE_NAME = "hod_bench_faults"
P99_TARGET = 0.100  # seconds: the form's p99 while Redis is down
GRACE = timedelta(seconds=2 * SWEEP_INTERVAL)  # how late an offer may lapse once a fault ends


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass
class Check:
    target: str
    passed: bool
    figure: str

    def __str__(self) -> str:
        return f"  {'PASS' if self.passed else 'FAIL'}  {self.target}: {self.figure}"


@dataclass
class Run:
    """What every scenario works with: the stack, the stand-ins' arrivals, and consumers' numbers."""

    stack: Stack
    redis: RedisServer
    providers: Providers
    places: list[dict]
    next_number: int = 0
    checks: dict[str, list[Check]] = field(default_factory=dict)

    @property
    def arrivals(self):
        return self.providers.arrivals

    def numbers(self, count: int) -> list[int]:
        """Consumers never seen before in this run (each has a phone of their own)."""
        first, self.next_number = self.next_number, self.next_number + count
        return list(range(first, first + count))

    def log_marks(self) -> dict[str, int]:
        return {service.name: service.log.mark() for service in self.stack.services}

    def report_log_problems(self, marks: dict[str, int]) -> None:
        from fault_harness.ledger import problems_in

        for service in self.stack.services:
            problems = problems_in(service.log.since(marks.get(service.name, 0)))
            if problems:
                say(f"  {service.name} log, errors during the scenario:")
                for line in problems:
                    say(f"    {line}")


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


# Scenarios ------------------------------------------------------------------------------------


def message_checks(tally, held: set[int] | None = None) -> list[Check]:
    lost = len(tally.lost) + len(tally.stuck)
    figure = f"{len(tally.lost)} lost, {len(tally.stuck)} stuck of {tally.created}"
    if tally.failures:
        figure += "; lost as " + "; ".join(f"{count} x {why}" for why, count in tally.failures.most_common(3))
    checks = [Check("0 messages lost (stuck at the deadline counts as lost)", lost == 0, figure)]
    extra = sum(tally.duplicated.values())
    figure = f"{len(tally.duplicated)} duplicated ({extra} extra copies)"
    if held is None:
        checks.append(Check("no message duplicated", not tally.duplicated, figure))
    else:
        outside = tally.duplicated_outside(held)
        figure += f", {len(outside)} of them outside the {len(held)} held by a killed worker"
        checks.append(Check("duplicates only among messages a killed worker held", not outside, figure))
    return checks


def submission_checks(tally) -> list[Check]:
    return [
        Check("0 submissions lost", tally.lost == 0, f"{tally.lost} lost of {tally.sent} ({tally.kept} kept)"),
        Check("0 5xx answers", tally.server_errors == 0, f"{tally.server_errors} 5xx, {tally.no_answer} unanswered"),
    ]


def milliseconds(seconds: float) -> str:
    return "never answered" if math.isinf(seconds) else f"{seconds * 1000:.0f} ms"


def latency(seconds: list[float]) -> str:
    from fault_harness.traffic import percentile

    return f"p50 {milliseconds(percentile(seconds, 0.5))}, p99 {milliseconds(percentile(seconds, 0.99))}"


def settle(first_id: int, last_id: int, label: str) -> float | None:
    from fault_harness.ledger import wait_until_settled

    seconds = wait_until_settled(first_id, last_id, RECOVERY_SECONDS)
    if seconds is None:
        say(f"  messages: still unsettled {RECOVERY_SECONDS:.0f} s after {label}")
    else:
        say(f"  messages: all settled {seconds:.1f} s after {label}")
    return seconds


def worker_killed(run: Run) -> list[Check]:
    """300 submissions in 30 s; the worker's process group SIGKILLed at 10 s and 20 s, restarted at once."""
    from django.db import connection
    from fault_harness.ledger import (
        last_notification_id,
        sending_now,
        tally_messages,
        tally_submissions,
        withdraw_open_requests,
    )
    from fault_harness.traffic import Web, at_fixed_rate, submit

    first_id = last_notification_id() + 1
    held: set[int] = set()
    kills = []
    started, stopping = time.monotonic(), threading.Event()
    cut_off_before = run.arrivals.cut_off

    def kill_twice() -> None:
        try:
            for at in (10, 20):
                if stopping.wait(max(0.0, started + at - time.monotonic())):
                    return
                run.stack.worker.kill()
                # Nothing else sends while the worker is dead: the rows in `sending` are what it held (and what
                # an earlier kill left there, its lease still running).
                newly_held = sending_now(first_id) - held
                held.update(newly_held)
                ready = run.stack.start_worker()
                kills.append(f"at {at} s: held {len(newly_held)} message(s); restarted, ready in {ready:.1f} s")
        finally:
            connection.close()

    killer = threading.Thread(target=kill_twice, name="killer")
    killer.start()
    web = Web(run.stack.web_port)
    try:
        submissions = at_fixed_rate(lambda number: submit(web, number, run.places), run.numbers(300), rate=10)
    except BaseException:
        stopping.set()  # Ctrl-C: no more kills; the suite stops the stack
        raise
    finally:
        killer.join()
    last_id = last_notification_id()
    for kill in kills:
        say(f"  worker killed {kill}")
    cut_off = run.arrivals.cut_off - cut_off_before
    say(f"  provider answers a killed worker never read (texts and app notifications): {cut_off}")
    settle(first_id, last_id, "the submissions ended")
    submitted = tally_submissions(submissions)
    messages = tally_messages(first_id, last_id, run.arrivals)
    say(f"  submissions: {submitted}")
    say(f"  messages: {messages}")
    withdraw_open_requests([s.phone for s in submissions])
    return submission_checks(submitted) + message_checks(messages, held)


def redis_outage(run: Run) -> list[Check]:
    """Redis stopped (SIGTERM: it writes its append-only file) 3 s into 200 submissions at 3 a second, and
    started again 60 s later on the same port and files."""
    from fault_harness.ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from fault_harness.traffic import Web, at_fixed_rate, percentile, submit

    first_id = last_notification_id() + 1
    outage: dict[str, float] = {}
    health: dict[str, Counter] = {"/healthz": Counter(), "/livez": Counter()}
    done, stopping = threading.Event(), threading.Event()

    def stop_and_start_redis() -> None:
        if stopping.wait(3):
            return
        run.redis.stop()
        outage["start"] = time.monotonic()
        stopping.wait(60)
        run.redis.start()
        outage["end"] = time.monotonic()

    def probe_health() -> None:
        while not done.wait(1):
            if "start" in outage and "end" not in outage:
                for path, seen in health.items():
                    seen[run.stack.web_status(path)] += 1

    threads = [threading.Thread(target=stop_and_start_redis), threading.Thread(target=probe_health)]
    for thread in threads:
        thread.start()
    web = Web(run.stack.web_port)
    try:
        submissions = at_fixed_rate(lambda number: submit(web, number, run.places), run.numbers(200), rate=3)
    except BaseException:
        stopping.set()  # Ctrl-C: Redis back at once, so the suite's own clean-up finds it
        raise
    finally:
        threads[0].join()
        done.set()
        threads[1].join()
    last_id = last_notification_id()

    # A consumer who got an error instead of their page waited for ever, as far as the target is concerned.
    during = [s for s in submissions if outage["start"] <= s.started < outage["end"]]
    opened = [s.opened.seconds if s.opened.status == 200 else math.inf for s in during]
    sent = [s.sent.seconds if s.redirected_to_status else math.inf for s in during]
    say(f"  {len(during)} consumers came while Redis was down (a failed page counts as never answered)")
    say(f"  form during the outage: GET {latency(opened)}; POST {latency(sent)}")
    for path, seen in health.items():
        say(f"  {path} during the outage (informational): {dict(seen)}")
    settle(first_id, last_id, "Redis came back")
    submitted = tally_submissions(submissions)
    messages = tally_messages(first_id, last_id, run.arrivals)
    say(f"  submissions: {submitted}")
    say(f"  messages: {messages}")
    withdraw_open_requests([s.phone for s in submissions])
    worst = max(percentile(opened, 0.99), percentile(sent, 0.99))
    p99 = Check("the form's p99 under 100 ms while Redis is down", worst < P99_TARGET, milliseconds(worst))
    return submission_checks(submitted) + [p99] + message_checks(messages, held=None)


def _sweeps_sent(beat, mark: int) -> int:
    return beat.log.since(mark).count("Sending due task sweep-offers")


def _sweeps_run(worker, mark: int) -> int:
    return sum("referrals.tasks.sweep[" in line and "succeeded" in line for line in worker.log.since(mark).splitlines())


def _last_sweep():
    from hod.monitoring.models import Heartbeat

    return max(
        Heartbeat.objects.filter(name__startswith="sweep").values_list("last_success_at", flat=True), default=None
    )


def _offers_due_soon(run: Run, count: int):
    """`count` consumers, each offered to an agent now: their windows close OFFER_WINDOW from now."""
    from fault_harness.ledger import OfferWatch
    from fault_harness.traffic import Web, at_fixed_rate, submit

    from referrals.models import Referral

    web = Web(run.stack.web_port)
    submissions = at_fixed_rate(lambda number: submit(web, number, run.places), run.numbers(count), rate=10)
    phones = [submission.phone for submission in submissions]
    watch = OfferWatch(set(Referral.objects.filter(phone__in=phones).values_list("pk", flat=True)))
    watch.poll()
    return submissions, watch


def _two_beats(run: Run, watch, seconds: float) -> tuple[dict[str, int], int]:
    """The stopped beat and a second one started together; the sweeps each sent and the worker ran."""
    beats = [run.stack.beats[0], run.stack.add_beat("beat-2")]
    marks = {beat.name: beat.log.mark() for beat in beats}
    worker_mark = run.stack.worker.log.mark()
    for beat in beats:
        beat.start()
    watch.watch(seconds)
    sent = {beat.name: _sweeps_sent(beat, marks[beat.name]) for beat in beats}
    return sent, _sweeps_run(run.stack.worker, worker_mark)


def _stop_the_busier_beat(run: Run, sent: dict[str, int]) -> float | None:
    """Stop the beat that sent the sweeps (as a redeploy would); seconds until a sweep ran again, None if none
    did within 90 s."""
    from django.utils import timezone

    busier = max(run.stack.beats, key=lambda beat: sent.get(beat.name, 0))
    run.stack.retire_beat(busier)
    stopped = timezone.now()
    resumed = wait_until(lambda: (_last_sweep() or stopped) > stopped, 90, every=0.5)
    seconds = (timezone.now() - stopped).total_seconds()
    say(f"  {busier.name} stopped: " + (f"the next sweep ran {seconds:.1f} s later" if resumed else "no sweep since"))
    return seconds if resumed else None


def beat_stopped_then_doubled(run: Run) -> list[Check]:
    """Offers made, beat stopped for 2 minutes (their windows close meanwhile), then two beats for 30 s,
    then the busier beat stopped: the other must carry on."""
    from django.utils import timezone
    from fault_harness.ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from fault_harness.traffic import percentile

    first_id = last_notification_id() + 1
    submissions, watch = _offers_due_soon(run, 40)
    say(f"  {len(watch.expires)} offers pending, their windows closing within {OFFER_WINDOW} s")
    run.stack.beats[0].stop()
    stopped_at = timezone.now()
    watch.watch(120)
    say(f"  beat stopped for 120 s: {len(watch.overdue_now(timedelta(0)))} offers past their window, still pending")

    fault_ended = timezone.now()
    sent, ran = _two_beats(run, watch, 30)
    one_beat = 30 // SWEEP_INTERVAL
    say(f"  two beats for 30 s: sweeps sent {sent}, sweeps the worker ran {ran} (one beat sends about {one_beat})")
    during = [
        (watch.closed[offer] - expires).total_seconds()
        for offer, expires in watch.expires.items()
        if offer in watch.closed and stopped_at <= expires <= fault_ended
    ]
    say(
        f"  offers whose window closed while beat was down: {len(during)}, lapsed late by p50 "
        f"{percentile(during, 0.5):.0f} s, max {max(during, default=0):.0f} s"
    )
    after = watch.lateness(after=fault_ended)
    worst = max(after.values(), default=0.0)
    say(f"  once beats were back: {len(after)} offers lapsed or due, the latest {worst:.1f} s past due")
    resumed_after = _stop_the_busier_beat(run, sent)

    last_id = last_notification_id()
    settle(first_id, last_id, "one beat was left")
    submitted = tally_submissions(submissions)
    messages = tally_messages(first_id, last_id, run.arrivals)
    say(f"  submissions: {submitted}")
    say(f"  messages: {messages}")
    withdraw_open_requests([s.phone for s in submissions])
    grace, stale = GRACE.total_seconds(), 3 * SWEEP_INTERVAL  # stale: what check_health --sweep calls stale
    ran_again = "never" if resumed_after is None else f"{resumed_after:.1f} s later"
    beat_checks = [
        Check(
            "no offer overdue by more than two sweep intervals once the fault ends",
            worst <= grace,
            f"latest {worst:.1f} s past due (allowed {grace:.0f} s)",
        ),
        Check(
            "a second beat waits while one runs",
            min(sent.values()) == 0 and ran <= one_beat + 1,
            f"sweeps sent {sent}, run {ran} in 30 s",
        ),
        Check(
            "sweeps go on when the running beat stops",
            resumed_after is not None and resumed_after <= stale,
            f"next sweep {ran_again} (allowed {stale} s)",
        ),
    ]
    return beat_checks + submission_checks(submitted) + message_checks(messages, held=None)


def malformed_requests(run: Run) -> list[Check]:
    """1,000 spoiled Get Contacted posts and 200 odd requests elsewhere, 8 at a time."""
    from fault_harness.fuzz import form_probes, odd_probes
    from fault_harness.ledger import withdraw_open_requests
    from fault_harness.traffic import Web, consumer_phone, cookie_from, csrf_token, in_parallel, submit

    numbers = run.numbers(1000)
    probes = form_probes(1000, numbers[0]) + odd_probes(200)
    local = threading.local()

    def send(probe):
        if not hasattr(local, "web"):
            local.web = Web(run.stack.web_port)
            page = local.web.request("GET", "/get-contacted/")
            local.cookie, local.token = cookie_from(page), csrf_token(page)
        headers = dict(probe.headers)
        if probe.with_csrf:
            headers["Cookie"] = local.cookie
            headers.setdefault("X-CSRFToken", local.token)
        return probe, local.web.request(probe.method, probe.path, probe.body or None, headers)

    started = time.monotonic()
    answered = in_parallel(send, probes, threads=8)
    say(f"  {len(probes)} requests in {time.monotonic() - started:.0f} s")
    by_category = defaultdict(Counter)
    failing = defaultdict(Counter)
    for probe, answer in answered:
        by_category[probe.category][answer.status or "none"] += 1
        if answer.status is None or answer.server_error:
            failing[probe.category][f"{answer.status or answer.error}: {probe.describe()}"] += 1
    for category, statuses in by_category.items():
        say(f"  {category}: {dict(sorted(statuses.items(), key=str))}")
    for category, samples in sorted(failing.items()):
        say(f"  5xx or no answer for {category}:")
        for sample, count in samples.most_common(5):
            say(f"    {count} x {sample}")

    after = submit(Web(run.stack.web_port), run.numbers(1)[0], run.places)
    phones = [consumer_phone(number) for number in numbers] + [after.phone]
    from referrals.models import Referral

    made = Referral.objects.filter(phone__in=phones).count()
    say(f"  referrals the spoiled posts still made (valid enough): {made - after.redirected_to_status}")
    withdraw_open_requests(phones)
    server_errors = sum(answer.server_error for _, answer in answered)
    unanswered = sum(answer.status is None for _, answer in answered)
    return [
        Check("0 5xx answers", server_errors == 0, f"{server_errors} of {len(probes)}"),
        Check("every request answered", unanswered == 0, f"{unanswered} left without an answer"),
        Check(
            "the form works right after",
            after.redirected_to_status,
            f"POST answered {after.sent and after.sent.status}",
        ),
    ]


def _register(run: Run, agent, number: int) -> list[str]:
    """One agent from the invitation e-mail to the switch, through the pages; returns what went wrong."""
    import json
    import re

    from fault_harness.traffic import Browser

    mail = next((text for text in run.arrivals.mail_for(agent.email) if "/agents/invitation/" in text), "")
    link = re.search(r"https?://[^/\s]+(/agents/invitation/[^\s]+/)", mail)
    if not link:
        return ["no invitation e-mail arrived"]
    browser, problems = Browser(run.stack.web_port), []
    username, password = f"onboarding.{number}", "Sunny-Day-2027!"

    def expect(step: str, answer, location: str | None = None) -> None:
        if answer.status is None or answer.status >= 400 or (location and answer.location != location):
            problems.append(f"{step}: {answer.status} {answer.location or answer.body[:120]!r}")

    profile = {"cell_phone": f"(713) 555-01{number:02d}", "contact_method": "email_text_app", "agree": "on"}
    profile |= {"zip_code": agent.zip_code or "77002", "username": username, "password1": password}
    expect("registration", browser.post_form(link.group(1), profile | {"password2": password}), "/agents/registered/")
    expect("almost complete", browser.get("/agents/registered/"))
    expect("log-in", browser.post_form("/agents/login/", {"username": username, "password": password}), "/agents/")
    terms = {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"}
    expect("both Terms", browser.post_form("/agents/terms/", terms), "/agents/")
    device = json.dumps({"token": f"onboarding-device-{number}", "platform": "android"})
    expect("device", browser.post_json("/notifications/devices/", device))
    expect("switch on", browser.post_form("/agents/switch/", {"taking_referrals": "on"}, page="/agents/"), "/agents/")
    return problems


def _register_invitable_agents(run: Run, count: int) -> tuple[int, list[str]]:
    """Invitable agents invited (the e-mail goes through the worker to the SMTP stand-in), then registered
    through the pages; returns how many ended up taking referrals, and what went wrong."""
    from fault_harness.pool import create_invitable_agents

    from agents.invitations import invite
    from agents.models import Agent

    agents = create_invitable_agents(count)
    for agent in agents:
        invite(agent)
    if not wait_until(lambda: all(run.arrivals.mail_for(agent.email) for agent in agents), 60):
        say("  not every invitation e-mail arrived within 60 s")
    problems = [
        f"agent {agent.npn}: {problem}" for n, agent in enumerate(agents) for problem in _register(run, agent, n)
    ]
    ready = Agent.objects.filter(pk__in=[agent.pk for agent in agents], taking_referrals=True).exclude(user=None)
    return ready.count(), problems


def _watch_offers_lapse(referrals: set[int], rounds: int):
    """Poll until every referral has had `rounds` offers (or the time that takes, with a margin, is up)."""
    from fault_harness.ledger import OfferWatch

    from referrals.models import Offer

    watch = OfferWatch(referrals)
    offers = Offer.objects.filter(referral__in=referrals)
    deadline = time.monotonic() + (rounds - 1) * OFFER_WINDOW + 4 * SWEEP_INTERVAL + 15
    while time.monotonic() < deadline:
        watch.poll()
        if all(offers.filter(referral=referral).count() >= rounds for referral in referrals):
            break
        time.sleep(0.5)
    return watch, list(
        offers.order_by("referral", "offered_at").values("referral", "offered_at", "expires_at", "status")
    )


def _reoffer_delays(offers: list[dict]) -> list[float]:
    """For each offer followed by another of the same referral: seconds from the end of its window to the next."""
    return [
        (later["offered_at"] - earlier["expires_at"]).total_seconds()
        for earlier, later in zip(offers, offers[1:], strict=False)
        if earlier["referral"] == later["referral"]
    ]


def registered_agents_lapse(run: Run) -> list[Check]:
    """Four agents register through the pages with no hours; two consumers who speak only their language come;
    nobody answers, so every offer lapses and the sweep must offer each referral to the next agent."""
    from fault_harness.ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from fault_harness.pool import ONBOARDING_LANGUAGE, onboarding_places
    from fault_harness.traffic import Web, submit

    from referrals.models import Referral

    first_id = last_notification_id() + 1
    agents, rounds = 4, 3  # three offers per referral: two lapses each
    ready, problems = _register_invitable_agents(run, agents)
    for problem in problems:
        say(f"  {problem}")
    say(f"  agents registered through the pages and taking referrals: {ready} of {agents}")

    web = Web(run.stack.web_port)
    consumers = [submit(web, number, onboarding_places(), ONBOARDING_LANGUAGE) for number in run.numbers(2)]
    referrals = set(Referral.objects.filter(phone__in=[c.phone for c in consumers]).values_list("pk", flat=True))
    watch, made = _watch_offers_lapse(referrals, rounds)
    last_id = last_notification_id()
    worst_late = max(watch.lateness().values(), default=0.0)
    worst_delay = max(_reoffer_delays(made), default=math.inf)
    statuses = dict(Counter(offer["status"] for offer in made))
    say(
        f"  offers: {len(made)} made for {len(referrals)} referrals ({statuses}); lapsed at most "
        f"{worst_late:.1f} s past their window; re-offered at most {worst_delay:.1f} s after a window closed"
    )
    settle(first_id, last_id, "the last offer")
    messages = tally_messages(first_id, last_id, run.arrivals)
    say(f"  messages: {messages}")
    submitted = tally_submissions(consumers)
    withdraw_open_requests([c.phone for c in consumers])
    enough = all(sum(offer["referral"] == referral for offer in made) >= rounds for referral in referrals)
    grace = GRACE.total_seconds()
    lapse_checks = [
        Check("agents register through the pages", ready == agents and not problems, f"{ready} of {agents} on"),
        Check(
            "the sweep keeps lapsing offers and re-offering",
            enough and worst_late <= grace and worst_delay <= grace,
            f"{len(made)} offers for {len(referrals)} referrals, lapsed <= {worst_late:.1f} s late, "
            f"re-offered <= {worst_delay:.1f} s after the window (allowed {grace:.0f} s)",
        ),
    ]
    return lapse_checks + submission_checks(submitted) + message_checks(messages, held=None)


SCENARIOS: dict[str, tuple[str, Callable[[Run], list[Check]]]] = {
    "worker": ("worker killed twice during 300 submissions in 30 s", worker_killed),
    "redis": ("Redis down for 60 s during 200 submissions, rate limits on", redis_outage),
    "beat": ("beat down for 2 minutes with offers due, then two beats for 30 s", beat_stopped_then_doubled),
    "fuzz": ("1,000 malformed form posts and 200 odd requests", malformed_requests),
    "onboarding": ("agents register through the pages, then their offers lapse", registered_agents_lapse),
}


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
