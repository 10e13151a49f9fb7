"""What the suite counts: submissions kept or lost, messages delivered, duplicated, stuck or lost (by what
reached the stand-ins, against the application's own rows), offers and how late they lapsed.

Import after django.setup().
"""

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from notifications.models import Notification, Status
from referrals.lifecycle import withdraw_referral
from referrals.models import Offer, Referral

from .stand_ins import Arrivals
from .traffic import Submission

UNSETTLED = (Status.QUEUED, Status.SENDING)


# Submissions --------------------------------------------------------------------------------


@dataclass
class SubmissionTally:
    sent: int
    kept: int  # a referral row exists for the consumer's phone
    redirected: int  # answered with the redirect to the new request's status page
    server_errors: int  # 5xx answers, to the GET or the POST
    no_answer: int  # refused, reset or timed out
    answers: Counter  # POST status -> count

    @property
    def lost(self) -> int:
        """Consumers with no request on record (whatever the page told them): their data vanished."""
        return self.sent - self.kept

    def __str__(self) -> str:
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(self.answers.items(), key=str))
        return (
            f"sent {self.sent}, kept {self.kept}, lost {self.lost}, redirected to their status page "
            f"{self.redirected}, 5xx answers {self.server_errors}, no answer {self.no_answer} (POST answers: {answers})"
        )


def tally_submissions(submissions: list[Submission]) -> SubmissionTally:
    phones = [submission.phone for submission in submissions]
    kept = Referral.objects.filter(phone__in=phones).values("phone").distinct().count()
    answers = [answer for submission in submissions for answer in submission.answers]
    return SubmissionTally(
        sent=len(submissions),
        kept=kept,
        redirected=sum(submission.redirected_to_status for submission in submissions),
        server_errors=sum(answer.server_error for answer in answers),
        no_answer=sum(answer.status is None for answer in answers),
        answers=Counter(submission.sent.status if submission.sent else "no POST" for submission in submissions),
    )


def withdraw_open_requests(phones: list[str]) -> int:
    """The scenario's consumers withdraw what is still open, so its offers stop churning through the next one."""
    open_requests = Referral.objects.filter(phone__in=phones, status__in=Referral.OPEN)
    return sum(withdraw_referral(referral) for referral in open_requests)


# Messages -----------------------------------------------------------------------------------


def last_notification_id() -> int:
    return Notification.objects.aggregate(last=Max("pk"))["last"] or 0


@dataclass
class MessageTally:
    created: int = 0
    delivered: int = 0  # reached its provider at least once
    duplicated: dict[int, int] = field(default_factory=dict)  # notification id -> copies beyond the first
    stuck: list[int] = field(default_factory=list)  # still queued or sending
    lost: list[int] = field(default_factory=list)  # settled (sent or failed) but never reached its provider
    failures: Counter = field(default_factory=Counter)  # last errors of the lost rows
    by_channel: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def duplicated_outside(self, held: set[int]) -> dict[int, int]:
        return {pk: extra for pk, extra in self.duplicated.items() if pk not in held}

    def __str__(self) -> str:
        channels = "; ".join(
            f"{channel} {counts['created']} created, {counts['delivered']} delivered"
            for channel, counts in sorted(self.by_channel.items())
        )
        copies = sum(self.duplicated.values())
        return (
            f"created {self.created}, delivered {self.delivered}, duplicated {len(self.duplicated)} "
            f"({copies} extra copies), stuck {len(self.stuck)}, lost {len(self.lost)} ({channels})"
        )


def _arrived(rows: list[dict], arrivals: Arrivals) -> dict[int, int]:
    """Copies received per row. E-mails and app notifications carry their id; texts are matched on
    (To, Body) against every text on record, settled rows first, extra copies to the most-tried row."""
    received = {}
    for row in rows:
        if row["channel"] == "email":
            received[row["pk"]] = arrivals.emails.get(row["pk"], 0)
        elif row["channel"] == "push":
            received[row["pk"]] = arrivals.pushes.get(row["pk"], 0)
    keys = {(row["to"], row["body"]) for row in rows if row["channel"] == "sms"}
    if not keys:
        return received
    same_text = defaultdict(list)
    for row in Notification.objects.filter(channel="sms", to__in={to for to, _ in keys}).values(
        "pk", "to", "body", "status", "attempts"
    ):
        if (row["to"], row["body"]) in keys:
            same_text[(row["to"], row["body"])].append(row)
    for key, candidates in same_text.items():
        candidates.sort(key=lambda row: (row["status"] in UNSETTLED, row["pk"]))
        copies = arrivals.texts.get(key, 0)
        for index, row in enumerate(candidates):
            received[row["pk"]] = 1 if index < copies else 0
        if copies > len(candidates):
            most_tried = max(candidates, key=lambda row: row["attempts"])
            received[most_tried["pk"]] += copies - len(candidates)
    return received


def tally_messages(first_id: int, last_id: int, arrivals: Arrivals) -> MessageTally:
    """Every notification row with an id in [first_id, last_id], against what reached the stand-ins."""
    rows = list(
        Notification.objects.filter(pk__gte=first_id, pk__lte=last_id).values(
            "pk", "channel", "to", "body", "status", "last_error"
        )
    )
    received = _arrived(rows, arrivals)
    tally = MessageTally(created=len(rows))
    for row in rows:
        copies = received.get(row["pk"], 0)
        counts = tally.by_channel[row["channel"]]
        counts["created"] += 1
        if copies:
            tally.delivered += 1
            counts["delivered"] += 1
            if copies > 1:
                tally.duplicated[row["pk"]] = copies - 1
        elif row["status"] in UNSETTLED:
            tally.stuck.append(row["pk"])
        else:
            tally.lost.append(row["pk"])
            tally.failures[f"{row['status']}: {row['last_error'][:120]}"] += 1
    return tally


def wait_until_settled(first_id: int, last_id: int, timeout: float) -> float | None:
    """Poll until no row in [first_id, last_id] is queued or sending; seconds it took, None at the deadline."""
    started = time.monotonic()
    unsettled = Notification.objects.filter(pk__gte=first_id, pk__lte=last_id, status__in=UNSETTLED)
    while time.monotonic() - started < timeout:
        if not unsettled.exists():
            return time.monotonic() - started
        time.sleep(1)
    return None


def sending_now(first_id: int = 0) -> set[int]:
    """Rows a worker holds (claimed, not yet recorded as sent): what a worker killed now leaves behind."""
    return set(Notification.objects.filter(pk__gte=first_id, status=Status.SENDING).values_list("pk", flat=True))


# Offers -------------------------------------------------------------------------------------


class OfferWatch:
    """Polls the pending offers and notes when each was first seen no longer pending: the real moment an offer
    lapsed, to half a second (the row's own `responded_at` is the sweep's start, earlier than the lapse when
    a sweep has many to do)."""

    def __init__(self, referral_ids: set[int] | None = None) -> None:
        self.referral_ids = referral_ids
        self.expires: dict[int, datetime] = {}  # pending offer -> end of its window
        self.closed: dict[int, datetime] = {}  # offer -> when it was first seen no longer pending

    def poll(self) -> None:
        now = timezone.now()
        pending = Offer.objects.filter(status=Offer.Status.PENDING)
        if self.referral_ids is not None:
            pending = pending.filter(referral_id__in=self.referral_ids)
        current = dict(pending.values_list("pk", "expires_at"))
        for offer, expires in current.items():
            self.expires.setdefault(offer, expires)
        for offer in self.expires.keys() - current.keys() - self.closed.keys():
            self.closed[offer] = now

    def watch(self, seconds: float, every: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll()
            time.sleep(every)

    def lateness(self, after: datetime | None = None) -> dict[int, float]:
        """Seconds each offer stayed pending past the end of its window: until it lapsed or, if it is still
        pending, until now. With `after` (the end of a fault), only offers still pending then, counted from
        `after` when their window had closed before it."""
        now = timezone.now()
        late = {}
        for offer, expires in self.expires.items():
            ended = self.closed.get(offer)
            if after is not None and ended is not None and ended < after:
                continue
            if ended is None and expires > now:
                continue  # still inside its window
            due = max(expires, after) if after is not None else expires
            late[offer] = max(0.0, ((ended or now) - due).total_seconds())
        return late

    def overdue_now(self, grace: timedelta) -> list[int]:
        now = timezone.now()
        return [offer for offer, expires in self.expires.items() if offer not in self.closed and expires + grace < now]


# Logs ---------------------------------------------------------------------------------------

_HEADER = re.compile(r"^(\[?\d{4}-\d\d-\d\d[ T][\d:,.]+)[: ]+(\w+)(/\w+)?\]?\s*(.*)$")
_EXCEPTION = re.compile(r"^[\w.]+(Error|Exception|Failure|Refused|Timeout|Exit)\b.*")
_NUMBERS = re.compile(r"\d+")


def problems_in(text: str, limit: int = 8) -> list[str]:
    """What went wrong in a log excerpt, most frequent first: each ERROR or CRITICAL entry (or entry with a
    traceback) as its message and the exception it ended with, numbers folded. Django's security entries
    (the 400s a malformed request earns) are left out: they are the application doing its job."""
    found: Counter[str] = Counter()
    level, message, exception = "", "", ""

    def close_entry() -> None:
        if (level in ("ERROR", "CRITICAL") or exception) and "django.security" not in message:
            entry = f"{message[:140]} -> {exception[:160]}" if exception else message[:220]
            found[_NUMBERS.sub("N", entry)] += 1

    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            close_entry()
            level, message, exception = header.group(2), header.group(4).strip(), ""
        elif _EXCEPTION.match(line.strip()):
            exception = line.strip()
    close_entry()
    return [f"{count} x {entry}" for entry, count in found.most_common(limit)]
