"""`beat`: beat stopped with offers due, then two beats at once, then the busier one stopped."""

from datetime import timedelta

from ..stack import wait_until
from .common import (
    GRACE,
    OFFER_WINDOW,
    SWEEP_INTERVAL,
    Check,
    Run,
    message_checks,
    say,
    settle,
    submission_checks,
)


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
    from referrals.models import Referral

    from ..ledger import OfferWatch
    from ..traffic import Web, at_fixed_rate, submit

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

    from ..ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from ..traffic import percentile

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
