"""What every scenario shares: the stack's timing, the targets, the run it works with, and the checks of
submissions and messages that several scenarios make."""

import math
import os
from dataclasses import dataclass, field
from datetime import timedelta

from ..stack import RedisServer, Stack
from ..stand_ins import Providers

SWEEP_INTERVAL = 5
OFFER_WINDOW = 60
RECOVERY_SECONDS = float(os.environ.get("BENCH_RECOVERY_SECONDS", "420"))
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
        from ..ledger import problems_in

        for service in self.stack.services:
            problems = problems_in(service.log.since(marks.get(service.name, 0)))
            if problems:
                say(f"  {service.name} log, errors during the scenario:")
                for line in problems:
                    say(f"    {line}")


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
    from ..traffic import percentile

    return f"p50 {milliseconds(percentile(seconds, 0.5))}, p99 {milliseconds(percentile(seconds, 0.99))}"


def settle(first_id: int, last_id: int, label: str) -> float | None:
    from ..ledger import wait_until_settled

    seconds = wait_until_settled(first_id, last_id, RECOVERY_SECONDS)
    if seconds is None:
        say(f"  messages: still unsettled {RECOVERY_SECONDS:.0f} s after {label}")
    else:
        say(f"  messages: all settled {seconds:.1f} s after {label}")
    return seconds
