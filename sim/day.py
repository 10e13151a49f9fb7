"""One seeded deadline day on PostgreSQL in virtual time, driven through the project's own functions.

SimPy keeps the clock and the queue of events; every change goes through the function production calls,
with `now` passed in (and the frozen clock of time_machine moved to it, for any code that asks the clock):

- a consumer asks: `referrals.lifecycle.create_referral` (offered to the nearest eligible agent, or waits);
- an agent answers: `accept_offer` / `reject_offer` (refused when the window has closed);
- beat: `referrals.sweep.sweep_once` every HOD_SWEEP_INTERVAL_SECONDS (standard hours, lapses with their
  re-offers and whatever rule the project applies to them, such as auto-pause, waiting referrals, expiries);
- an agent on the manual switch, or one switched off by auto-pause switching back on:
  `agents.availability.set_taking_referrals`; an agent switching on is offered waiting referrals at once
  (`offer_waiting_referrals`, which the Celery task `offer_waiting` runs in production).

The simulation learns what the project did from the database (new offers; lapses and switches at a sweep),
as an observer would, and plans the agents' answers from their own seeded draws. Two shortcuts keep a day
within minutes, neither of which changes what happens:

- a beat tick runs the sweep only when it has something to do: an offer's window has closed, an agent's
  hours boundary has come, a request has reached its expiry, or a request waits and something that could
  free an agent (an answer, a lapse, a switch) happened since the last sweep; otherwise the sweep would
  find nothing to change;
- an agent switching on runs the waiting pass only when a waiting request is one they could take (their
  licensed states and languages); otherwise the pass would only find what the next sweep finds.

No worker runs: messages are not sent (SIM_MESSAGES=1 records them, as production does, without a broker).
"""

import logging
import math
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import simpy
import time_machine
from django.conf import settings
from django.db import connection

from agents.availability import agents_became_available, set_taking_referrals
from agents.models import Agent
from hod.reference.lookups import lookup_zip
from referrals.lifecycle import Consumer, OfferClosed, accept_offer, create_referral, reject_offer
from referrals.models import Offer, Referral
from referrals.sweep import offer_waiting_referrals, sweep_once
from sim import parameters as P
from sim.population import AgentSpec, Arrival, Population

logger = logging.getLogger(__name__)

# The simulation's own two questions, asked after every call and at every beat tick: plain SQL, as the ORM's
# compiling would cost more than the queries.
NEW_OFFERS = "SELECT id, agent_id FROM referrals_offer WHERE id > %s ORDER BY id"
BUSY_TABLES = ("agents_agent", "matching_candidate", "referrals_offer", "referrals_referral", "referrals_event")
ANALYZE_EVERY = 1800.0  # virtual seconds
SWEEP_HAS_WORK = """
SELECT EXISTS (SELECT 1 FROM referrals_offer WHERE status = 'pending' AND expires_at <= %(now)s)
    OR EXISTS (SELECT 1 FROM agents_agent WHERE schedule_due_at <= %(now)s)
    OR EXISTS (SELECT 1 FROM referrals_referral WHERE status = ANY(%(open)s) AND expires_at <= %(now)s),
    EXISTS (SELECT 1 FROM referrals_referral WHERE status = 'waiting')
"""
# With HOD_OFFERS_AT_ONCE above 1, a request holding fewer pending offers than that waits for more agents too.
OFFERED_WITH_A_FREE_PLACE = """
SELECT EXISTS (SELECT 1 FROM referrals_referral referral WHERE referral.status = 'offered' AND (
    SELECT count(*) FROM referrals_offer offer WHERE offer.referral_id = referral.id AND offer.status = 'pending'
) < %(places)s)
"""


def pause_setting() -> int | None:
    """The auto-pause setting as the project has it (None: the rule is not in the code)."""
    return getattr(settings, "HOD_PAUSE_AFTER_LAPSES", None)


@dataclass
class Observed:
    """What the simulation did and saw, counted on its side (the test compares it with the database)."""

    created: int = 0
    accepted: int = 0
    rejected: int = 0
    answers_refused: Counter = field(default_factory=Counter)  # by OfferClosed's reason
    lapsed: int = 0  # as the sweeps reported them
    expired: int = 0
    offers: int = 0
    not_answered: Counter = field(default_factory=Counter)  # why an offer got no answer from its agent
    switched: Counter = field(default_factory=Counter)  # manual switch on and off
    paused: int = 0  # agents switched off right after a lapse while they meant to be on
    reactivated: int = 0
    sweeps_run: int = 0
    sweeps_skipped: int = 0
    waiting_passes: int = 0  # offer_waiting_referrals run for an agent switching on
    seconds: Counter = field(default_factory=Counter)  # wall-clock time by kind of call
    wall_seconds: float = 0.0
    # CPU time of the simulation's process and of its PostgreSQL backend: they take turns, so their sum is about
    # what the day takes on an otherwise idle machine (the wall time grows with whatever else runs).
    cpu_seconds: dict = field(default_factory=dict)


class Day:
    def __init__(self, population: Population, seed: int = P.SEED) -> None:
        self.population = population
        self.seed = seed
        self.env = simpy.Environment()
        self.window = settings.HOD_OFFER_WINDOW_SECONDS
        self.interval = settings.HOD_SWEEP_INTERVAL_SECONDS
        self.expiry = settings.HOD_REFERRAL_EXPIRY_SECONDS
        self.seen = Observed()
        self.offers_to: dict[int, int] = defaultdict(int)  # offers seen per agent: their k-th draw
        self.pauses_of: dict[int, int] = defaultdict(int)
        self.arrival_of: dict[int, Arrival] = {}  # referral id -> its consumer
        self.created_at: dict[int, float] = {}
        self.answer_sigma = P.lognormal_sigma(P.ANSWER_MEDIAN_SECONDS, P.ANSWER_P90_SECONDS)
        self.react_sigma = P.lognormal_sigma(P.REACTIVATE_MEDIAN_SECONDS, P.REACTIVATE_P90_SECONDS)
        self.last_offer_id = Offer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.dirty = True
        self.switched_on: list[int] = []
        self.arrivals_left = len(population.arrivals)
        self.done = self.env.event()
        self.clock = None
        self.wall_start = 0.0
        self.open_cells: set | None = None  # after the last arrival: the cells of open requests, as of the last tick

    # --- the clock ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        return P.START + timedelta(seconds=self.env.now)

    def at(self, t: float, action: Callable[[], None]) -> None:
        self.env.timeout(max(0.0, t - self.env.now)).callbacks.append(lambda _event: action())

    def _call(self, kind: str, function: Callable, *args, **kwargs):
        """Run one of the project's functions at the current virtual time; then see what it did."""
        now = self.now()
        self.clock.move_to(now)
        started = time.perf_counter()
        try:
            result = function(*args, now=now, **kwargs)
        except OfferClosed as closed:
            self.seen.answers_refused[closed.reason] += 1
            result = None
        self.seen.seconds[kind] += time.perf_counter() - started
        self._after(now)
        return result

    def _after(self, now: datetime) -> None:
        if self.switched_on:
            agent_ids, self.switched_on = self.switched_on, []
            if self._could_take_a_waiting_referral(agent_ids, now):
                self.seen.waiting_passes += 1
                started = time.perf_counter()
                offer_waiting_referrals(now)
                self.seen.seconds["waiting pass"] += time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(NEW_OFFERS, [self.last_offer_id])
            new = cursor.fetchall()
        for offer_id, agent_id in new:
            self.last_offer_id = offer_id
            self.seen.offers += 1
            self._plan_answer(offer_id, agent_id)

    def _became_available(self, sender, agent_ids, **kwargs) -> None:
        """Replaces the receiver that queues the Celery task `offer_waiting`: the pass runs after the call."""
        self.switched_on.extend(agent_ids)

    def _could_take_a_waiting_referral(self, agent_ids: list[int], now: datetime) -> bool:
        waiting = Referral.objects.filter(status=Referral.Status.WAITING, expires_at__gt=now)
        if len(agent_ids) > 50:  # hours beginning for many agents at once: whoever waits may find one
            return waiting.exists()
        cells = {(state, language) for pk in agent_ids for state in self._spec(pk).licensed
                 for language in self._spec(pk).languages}  # fmt: skip
        states = {state for state, _ in cells}
        return any(
            (state, language) in cells
            for state, language in waiting.filter(state__in=states).values_list("state", "language_id").distinct()
        )

    def _spec(self, agent_id: int) -> AgentSpec:
        return self.population.agents[agent_id - 1]

    def _agent(self, agent_id: int) -> Agent:
        return Agent(pk=agent_id, time_zone=self._spec(agent_id).time_zone)

    # --- consumers -----------------------------------------------------------------------------------

    def _arrive(self, arrival: Arrival) -> None:
        consumer = Consumer(
            first_name="Sim",
            last_name=f"Consumer {arrival.number}",
            phone=f"+1303{2_000_000 + arrival.number:07d}",
            email=f"consumer{arrival.number}@sim.example",
            language=arrival.language,
            message_language="es" if arrival.language == "es" else "en",
            place=lookup_zip(arrival.zip_code),
        )
        referral = self._call("create_referral", create_referral, consumer)
        self.seen.created += 1
        self.arrival_of[referral.pk] = arrival
        self.created_at[referral.pk] = self.env.now
        self.arrivals_left -= 1

    # --- agents --------------------------------------------------------------------------------------

    def _plan_answer(self, offer_id: int, agent_id: int) -> None:
        """The agent's answer to a new offer, from their own k-th draws (the same in every policy)."""
        spec = self._spec(agent_id)
        draw = random.Random(f"{self.seed}/answer/{agent_id}/{self.offers_to[agent_id]}")
        self.offers_to[agent_id] += 1
        answers, z, accepts = draw.random(), draw.gauss(0.0, 1.0), draw.random()
        offered = self.env.now
        if spec.is_silent(offered):
            self.seen.not_answered["silent spell"] += 1
            return
        if answers >= spec.answer_rate:
            self.seen.not_answered["does not answer"] += 1
            return
        answered = offered + P.ANSWER_MEDIAN_SECONDS * math.exp(self.answer_sigma * z)
        if spec.is_silent(answered):
            self.seen.not_answered["silent spell"] += 1
            return
        if answered - offered >= self.window:
            self.seen.not_answered["answers too late"] += 1  # tried all the same: the database refuses it
        accept = accepts < P.ACCEPT_SHARE
        self.at(answered, lambda: self._answer(offer_id, agent_id, accept))

    def _answer(self, offer_id: int, agent_id: int, accept: bool) -> None:
        agent = self._agent(agent_id)
        if accept:
            if self._call("accept_offer", accept_offer, offer_id, agent) is not None:
                self.seen.accepted += 1
        else:
            offer = self._call("reject_offer", reject_offer, offer_id, agent, "sim: not now")
            if offer is not None:
                self.seen.rejected += 1
                self._count_expired_by(offer.referral_id)
            self.dirty = True
        self.dirty = True

    def _switch(self, agent_id: int, on: bool) -> None:
        if self.arrivals_left == 0 and not self._could_serve_an_open_request(agent_id):
            self.seen.switched["left out after the last request"] += 1
            return
        if self._call("set_taking_referrals", set_taking_referrals, self._agent(agent_id), on):
            self.seen.switched["on" if on else "off"] += 1
        self.dirty = True

    def _could_serve_an_open_request(self, agent_id: int) -> bool:
        """Once every consumer has come, an agent who could take none of the open requests changes nothing by
        switching (matching looks only at a request's state and language): their switch is left out."""
        if self.open_cells is None:
            self.open_cells = set(
                Referral.objects.filter(status__in=Referral.OPEN).values_list("state", "language_id").distinct()
            )
        spec = self._spec(agent_id)
        return any((state, language) in self.open_cells for state in spec.licensed for language in spec.languages)

    def _paused(self, agent_id: int) -> None:
        """Auto-pause switched the agent off: some switch back on when they see why (after a silent spell)."""
        spec = self._spec(agent_id)
        self.seen.paused += 1
        draw = random.Random(f"{self.seed}/pause/{agent_id}/{self.pauses_of[agent_id]}")
        self.pauses_of[agent_id] += 1
        comes_back, z = draw.random(), draw.gauss(0.0, 1.0)
        if comes_back >= P.REACTIVATE_SHARE:
            return
        back = spec.silence_ends(self.env.now) + P.REACTIVATE_MEDIAN_SECONDS * math.exp(self.react_sigma * z)
        self.at(back, lambda: self._reactivate(agent_id))

    def _reactivate(self, agent_id: int) -> None:
        if not self._spec(agent_id).means_to_be_on(self.env.now):
            return  # their hours or stretch ended meanwhile: the next ones switch them on
        if self._call("set_taking_referrals", set_taking_referrals, self._agent(agent_id), True):
            self.seen.reactivated += 1
        self.dirty = True

    # --- beat ----------------------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self.now()
        self.open_cells = None
        if self._sweep_has_work(now):
            self.seen.sweeps_run += 1
            self.dirty = False
            report = self._call("sweep_once", sweep_once)
            if not report.ok:
                raise RuntimeError(f"the sweep failed at {now}: {report}")
            self.seen.lapsed += report.lapsed
            if report.lapsed:
                self._look_for_pauses(now)
            if report.lapsed or report.expired:
                self.seen.expired += Referral.objects.filter(status=Referral.Status.EXPIRED, closed_at=now).count()
            if any(report.done.values()):
                self.dirty = True
        else:
            self.seen.sweeps_skipped += 1
        if self.arrivals_left == 0 and not Referral.objects.filter(status__in=Referral.OPEN).exists():
            self.done.succeed()
            return
        self.at(self.env.now + self.interval, self._tick)

    def _sweep_has_work(self, now: datetime) -> bool:
        """One query (four indexed probes): would a sweep now change anything?"""
        with connection.cursor() as cursor:
            cursor.execute(SWEEP_HAS_WORK, {"now": now, "open": list(Referral.OPEN)})
            due, waiting = cursor.fetchone()
            if not due and self.dirty and not waiting and settings.HOD_OFFERS_AT_ONCE > 1:
                cursor.execute(OFFERED_WITH_A_FREE_PLACE, {"places": settings.HOD_OFFERS_AT_ONCE})
                waiting = cursor.fetchone()[0]
        return due or (self.dirty and waiting)

    def _look_for_pauses(self, now: datetime) -> None:
        """Agents switched off at the very moment an offer of theirs lapsed, while they meant to be on."""
        lapsed = Offer.objects.filter(status=Offer.Status.LAPSED, responded_at=now).values("agent_id")
        for agent_id in Agent.objects.filter(
            pk__in=lapsed, taking_referrals=False, taking_referrals_changed_at=now
        ).values_list("pk", flat=True):
            if self._spec(agent_id).means_to_be_on(self.env.now):
                self._paused(agent_id)

    def _count_expired_by(self, referral_id: int) -> None:
        """A reject re-offers the request, which expires instead when its time is up."""
        created = self.created_at.get(referral_id)
        if created is not None and self.env.now - created >= self.expiry:
            now = self.now()
            self.seen.expired += Referral.objects.filter(
                pk=referral_id, status=Referral.Status.EXPIRED, closed_at=now
            ).count()

    def _analyze(self) -> None:
        """What autovacuum does on a running server (this one runs with it off): fresh statistics for the tables
        the day changes, so the planner (and the prepared statements, planned again after it) sees the agents
        who are on now, not the few who were on at midnight."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(BUSY_TABLES)}")
        self.seen.seconds["analyze"] += time.perf_counter() - started
        self.at(self.env.now + ANALYZE_EVERY, self._analyze)

    # --- the run -------------------------------------------------------------------------------------

    def schedule(self) -> None:
        for arrival in self.population.arrivals:
            self.at(arrival.t, lambda arrival=arrival: self._arrive(arrival))
        for spec in self.population.agents:
            for start, end in spec.stretches:
                self.at(start, lambda pk=spec.pk: self._switch(pk, True))
                self.at(end, lambda pk=spec.pk: self._switch(pk, False))
        self.at(0.0, self._tick)
        self.at(ANALYZE_EVERY, self._analyze)

    def run(self, progress: Callable[[str], None] | None = None, hours: float | None = None) -> Observed:
        """Run the day until every request is accepted or expired (or a day past the last arrival); `hours`
        stops it sooner (for profiling a stretch of it)."""
        self.schedule()
        last = max(arrival.t for arrival in self.population.arrivals)
        limit = last + self.expiry + 4 * self.interval
        if hours is not None:
            limit = min(limit, hours * 3600)
        self.wall_start = time.perf_counter()
        with _virtual_clock() as clock, _offer_waiting_here(self._became_available), _no_broker(), _quick_commits():
            self.clock = clock
            backend, cpu = _backend_pid(), time.process_time()
            backend_cpu = _cpu_of(backend)
            if progress:
                self.env.process(self._report_progress(progress))
            self.env.run(until=simpy.AnyOf(self.env, [self.done, self.env.timeout(limit)]))
            self.seen.cpu_seconds = {"simulation": round(time.process_time() - cpu, 1)}
            if backend_cpu is not None and (now_cpu := _cpu_of(backend)) is not None:
                self.seen.cpu_seconds["postgresql"] = round(now_cpu - backend_cpu, 1)
        self.seen.wall_seconds = round(time.perf_counter() - self.wall_start, 1)
        return self.seen

    def _report_progress(self, progress: Callable[[str], None]) -> Iterator:
        while True:
            yield self.env.timeout(3 * 3600)
            progress(
                f"  {self.now():%d %b %H:%M} UTC: {self.seen.created:,} requests, {self.seen.accepted:,} accepted, "
                f"{self.seen.offers:,} offers; {time.perf_counter() - self.wall_start:,.0f} s"
            )


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_of(pid: int) -> float | None:
    """CPU seconds of a process on this machine (the database server's backend), None where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


@contextmanager
def _virtual_clock() -> Iterator:
    traveller = time_machine.travel(P.START, tick=False)
    coordinates = traveller.start()
    try:
        yield coordinates
    finally:
        traveller.stop()


@contextmanager
def _offer_waiting_here(receiver: Callable) -> Iterator[None]:
    """While the day runs, an agent switching on reaches the simulation instead of the Celery task."""
    with agents_became_available.lock:
        saved = list(agents_became_available.receivers)
    agents_became_available.disconnect(dispatch_uid="referrals.offer_waiting")
    agents_became_available.connect(receiver, dispatch_uid="sim.offer_waiting", weak=False)
    try:
        yield
    finally:
        with agents_became_available.lock:
            agents_became_available.receivers = saved
            agents_became_available.sender_receivers_cache.clear()


@contextmanager
def _no_broker() -> Iterator[None]:
    """No worker runs here. With SIM_MESSAGES=1 messages are recorded as production records them (rendered, one
    row per channel) and handed to no broker; by default they are not made at all, nor the sweep's heartbeats
    (what they cost is a tenth of a day's time, and neither changes who is offered what, or when)."""
    from notifications import sending
    from referrals import messages, sweep

    saved = sending.hand_off, messages.send, sweep._record
    sending.hand_off = lambda ids, countdown=None: []
    if os.environ.get("SIM_MESSAGES") != "1":
        messages.send = lambda *args, **kwargs: []
        sweep._record = lambda *args: None
    try:
        yield
    finally:
        sending.hand_off, messages.send, sweep._record = saved


@contextmanager
def _quick_commits() -> Iterator[None]:
    """A commit need not wait for the disk here (a crash loses only a simulation), and no query is worth
    compiling to machine code (PostgreSQL's JIT costs more than it saves on these short queries)."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off; SET jit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT; SET jit TO DEFAULT")
