"""`worker`: the worker's process group SIGKILLed twice during a burst of submissions, restarted each time."""

import threading
import time

from .common import Check, Run, message_checks, say, settle, submission_checks


def worker_killed(run: Run) -> list[Check]:
    """300 submissions in 30 s; the worker's process group SIGKILLed at 10 s and 20 s, restarted at once."""
    from django.db import connection

    from ..ledger import (
        last_notification_id,
        sending_now,
        tally_messages,
        tally_submissions,
        withdraw_open_requests,
    )
    from ..traffic import Web, at_fixed_rate, submit

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
