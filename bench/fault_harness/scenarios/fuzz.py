"""`fuzz`: spoiled Get Contacted posts and odd requests to the other public addresses (the probes themselves
are made in fault_harness/fuzz.py)."""

import threading
import time
from collections import Counter, defaultdict

from .common import Check, Run, say


def malformed_requests(run: Run) -> list[Check]:
    """1,000 spoiled Get Contacted posts and 200 odd requests elsewhere, 8 at a time."""
    from ..fuzz import form_probes, odd_probes
    from ..ledger import withdraw_open_requests
    from ..traffic import Web, consumer_phone, cookie_from, csrf_token, in_parallel, submit

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
