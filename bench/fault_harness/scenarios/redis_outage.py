"""`redis`: Redis stopped for 60 s during submissions, rate limits on; the form's latency meanwhile.
(redis_outage.py rather than redis.py, so that it is never taken for the Redis client library.)"""

import math
import threading
import time
from collections import Counter

from .common import (
    P99_TARGET,
    Check,
    Run,
    latency,
    message_checks,
    milliseconds,
    say,
    settle,
    submission_checks,
)


def redis_outage(run: Run) -> list[Check]:
    """Redis stopped (SIGTERM: it writes its append-only file) 3 s into 200 submissions at 3 a second, and
    started again 60 s later on the same port and files."""
    from ..ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from ..traffic import Web, at_fixed_rate, percentile, submit

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
