"""Three weeks of past requests for the demo, so that every chart and table of /admin/service/ has data.

The live demo referrals go through the real lifecycle functions (`referrals.demo`); these are the past, written
directly in three bulk inserts (referrals, their offers, their timelines), as the lifecycle would have left
them: consumers in the demo's served states, in its languages, at every hour of the day (most in the daytime,
in their own time zone), fewer at weekends; each request offered to the nearest eligible demo agents one at a
time, who lapse or reject now and then before one accepts within the offer window; some withdrawn by the
consumer, some expired (a request in a language nobody in the state speaks waits, then expires or is withdrawn),
most accepted ones with an outcome; and consumers sent to another Marketplace. Every request is closed and no
offer is pending, so the sweep and the one-open-request-per-phone rule never see them. No hand-backs or requests
closed by an administrator: the demo's test expects the live referrals' statuses only. Deterministic for a given
`now` and seed.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from geopy.distance import great_circle

from agents.eligibility import eligible_agents
from agents.models import Agent
from hod.reference.lookups import ZipCode, lookup_zip, marketplace_for
from referrals.models import Event, Offer, Referral, SentElsewhere

DAYS = 21
PER_WEEKDAY = 15  # requests on a weekday; about half as many on a Saturday or Sunday
SWEEP = 30  # seconds: a lapsed offer closes at the first sweep after its window
# Consumers' ZIP codes (served states of the demo pool) with a fictitious area code each, and how often.
PLACES = [
    ("33130", "305", 9),
    ("33012", "786", 4),
    ("32801", "407", 5),
    ("33138", "305", 3),
    ("32202", "904", 3),
    ("33607", "813", 3),
    ("77002", "713", 6),
    ("75201", "214", 4),
    ("78205", "210", 3),
    ("77036", "832", 3),
    ("48201", "313", 3),
    ("48371", "248", 1),
    ("43215", "614", 3),
    ("85004", "602", 3),
    ("85701", "520", 2),
    ("27601", "919", 2),
    ("28202", "704", 2),
    ("29201", "803", 1),
    ("73102", "405", 2),
]
# The languages consumers ask in, by state. A few have no eligible agent in the state (Korean in Florida, Somali
# in Ohio, Spanish in Michigan and Oklahoma): those requests wait, then expire or are withdrawn, as coverage shows.
LANGUAGES = {
    "FL": [("en", 45), ("es", 40), ("ht", 8), ("vi", 4), ("ko", 2)],
    "TX": [("en", 50), ("es", 40), ("vi", 5), ("zh", 5)],
    "AZ": [("en", 55), ("es", 35), ("ko", 10)],
    "MI": [("en", 75), ("ar", 20), ("es", 5)],
    "OH": [("en", 80), ("ru", 10), ("ar", 6), ("so", 4)],
    "NC": [("en", 70), ("es", 30)],
    "SC": [("en", 80), ("es", 20)],
    "OK": [("en", 85), ("zh", 8), ("es", 7)],
}
# Consumers by hour of their own day.
HOURS = [1, 1, 0, 0, 0, 1, 2, 4, 7, 10, 12, 12, 11, 11, 11, 10, 10, 10, 9, 8, 7, 5, 3, 2]
ELSEWHERE = ["GA", "IL", "NM", "CA", "NY", "PA"]  # nearby states with a Marketplace of their own
NAMES = {
    "en": (["James", "Mary", "Robert", "Linda", "Keisha", "Tyler", "Grace"], ["Smith", "Johnson", "Brown", "Miller"]),
    "es": (["María", "José", "Lucía", "Carlos", "Rosa", "Javier"], ["García", "Hernández", "López", "Martínez"]),
    "vi": (["Linh", "Minh", "Thao"], ["Nguyen", "Tran", "Le"]),
    "zh": (["Wei", "Mei", "Jun"], ["Chen", "Wang", "Li"]),
    "ar": (["Omar", "Layla", "Yusuf"], ["Haddad", "Saleh", "Khalil"]),
    "ht": (["Jean", "Marie", "Wilner"], ["Pierre", "Joseph", "Louis"]),
    "ko": (["Ji-woo", "Min-jun"], ["Kim", "Park"]),
    "ru": (["Olga", "Dmitri"], ["Ivanova", "Smirnov"]),
    "so": (["Hodan", "Abdi"], ["Farah", "Warsame"]),
}
REASONS = ["Already with a client", "Outside my hours", "Too far away", "Driving, cannot call now", ""]
OUTCOMES = [
    (Referral.Disposition.CONTACTED, 30, ""),
    (Referral.Disposition.ENROLLED, 30, ""),
    (Referral.Disposition.COULD_NOT_REACH, 20, "Left a voicemail twice"),
    (Referral.Disposition.NOT_INTERESTED, 12, ""),
    (Referral.Disposition.OTHER, 8, "Has coverage through work already"),
]


@dataclass
class _Request:
    """One past request as the lifecycle would have left it, before it is saved."""

    referral: Referral
    offers: list[Offer] = field(default_factory=list)
    events: list[tuple[str, datetime, Offer | None, str]] = field(default_factory=list)  # kind, at, offer, detail

    def event(self, kind: str, at: datetime, offer: Offer | None = None, detail: str = "") -> None:
        self.events.append((kind, at, offer, detail))


class _History:
    def __init__(self, now: datetime, seed: int) -> None:
        self.now = now
        self.chance = random.Random(seed)
        self.window = timedelta(seconds=settings.HOD_OFFER_WINDOW_SECONDS)
        self.expiry = timedelta(seconds=settings.HOD_REFERRAL_EXPIRY_SECONDS)
        self.places = [(lookup_zip(code), area, weight) for code, area, weight in PLACES]
        self.places = [(place, area, weight) for place, area, weight in self.places if _served(place.state)]
        self.candidates: dict[tuple[str, str], list[Agent]] = {}
        self.lapse_rate: dict[int, float] = {}  # some agents let offers lapse far more than others

    def agents_for(self, place: ZipCode, language: str) -> list[Agent]:
        """The demo agents who could take the request, nearest first (matching's order)."""
        key = (place.state, language)
        if key not in self.candidates:
            found = eligible_agents(place.state, language, now=self.now, require_available=False).order_by("pk")
            self.candidates[key] = list(found)
            for agent in self.candidates[key]:
                self.lapse_rate.setdefault(agent.pk, self.chance.choice([0.1, 0.15, 0.2, 0.25, 0.5]))
        return sorted(self.candidates[key], key=lambda agent: _miles(agent, place))

    def moments(self, days: int) -> list[tuple[datetime, ZipCode, str]]:
        """When consumers asked, from where (and with which area code): every day, most in their daytime."""
        places, areas, weights = zip(*self.places, strict=True)
        asked = []
        for days_ago in range(days, -1, -1):
            for _ in range(self.per_day(self.now.date() - timedelta(days=days_ago))):
                index = self.chance.choices(range(len(places)), weights=weights)[0]
                zone = ZoneInfo(places[index].time_zone)
                day = (self.now - timedelta(days=days_ago)).astimezone(zone).date()
                hour = self.chance.choices(range(24), weights=HOURS)[0]
                local = datetime.combine(day, time(hour, self.chance.randrange(60), self.chance.randrange(60)), zone)
                asked.append((local.astimezone(self.now.tzinfo), places[index], areas[index]))
        return sorted(asked, key=lambda item: item[0])

    def per_day(self, day: date) -> int:
        usual = PER_WEEKDAY // 2 if day.weekday() >= 5 else PER_WEEKDAY
        return usual + self.chance.randint(-2, 2)

    def request(self, created: datetime, place: ZipCode, area: str) -> _Request | None:
        """A request and what became of it; None if its story would not be over by now."""
        chance = self.chance
        spoken = LANGUAGES.get(place.state, [("en", 1)])
        language = chance.choices([code for code, _ in spoken], weights=[weight for _, weight in spoken])[0]
        firsts, lasts = NAMES[language]
        referral = Referral(
            first_name=chance.choice(firsts),
            last_name=chance.choice(lasts),
            phone=f"+1{area}55501{chance.randrange(10, 100)}",  # fictitious; the live demo's are 555-0101 to 0107
            language_id=language,
            message_language="es" if language == "es" else "en",
            consented_at=created,
            zip_code=place.code,
            city=place.city,
            state=place.state,
            latitude=place.latitude,
            longitude=place.longitude,
            created_at=created,
            expires_at=created + self.expiry,
        )
        request = _Request(referral)
        request.event(Event.Kind.CREATED, created)
        agents = self.agents_for(place, language)
        can_expire = created + self.expiry + timedelta(seconds=SWEEP) < self.now
        fate = chance.random()
        if not agents:  # nobody can take it: the consumer gives up, or it expires
            if can_expire and fate < 0.5:
                self.expire(request, agents, created)
            else:
                self.withdraw(request, agents, created)
        elif fate < 0.78 or (fate >= 0.9 and not can_expire):
            self.accept(request, agents, created)
        elif fate < 0.9:
            self.withdraw(request, agents, created)
        else:
            self.expire(request, agents, created)
        last = max(at for _kind, at, _offer, _detail in request.events)
        return request if last < self.now - timedelta(minutes=1) else None

    def offer(self, request: _Request, agent: Agent, at: datetime) -> Offer:
        referral = request.referral
        miles = _miles(agent, lookup_zip(referral.zip_code))
        offer = Offer(agent=agent, distance_miles=round(miles, 1), offered_at=at, expires_at=at + self.window)
        request.offers.append(offer)
        request.event(Event.Kind.OFFERED, at, offer, f"to agent {agent.pk}, {miles:.1f} miles")
        return offer

    def unanswered(self, request: _Request, agent: Agent, at: datetime) -> datetime:
        """An offer the agent lets lapse or rejects; returns when the next one can be made."""
        offer = self.offer(request, agent, at)
        if self.chance.random() < self.lapse_rate[agent.pk] * 2:
            offer.status, offer.responded_at = Offer.Status.LAPSED, offer.expires_at + self._seconds(SWEEP)
            request.event(Event.Kind.LAPSED, offer.responded_at, offer)
        else:
            offer.status, offer.reject_reason = Offer.Status.REJECTED, self.chance.choice(REASONS)
            offer.responded_at = at + self.window * self.chance.uniform(0.1, 0.8)
            request.event(Event.Kind.REJECTED, offer.responded_at, offer, offer.reject_reason)
        return offer.responded_at + self._seconds(2)

    def wait_now_and_then(self, request: _Request, at: datetime) -> datetime:
        """Now and then nobody is available for a while (everyone busy, or before hours begin)."""
        if self.chance.random() < 0.12:
            request.event(Event.Kind.WAITING, at)
            return at + timedelta(minutes=self.chance.randrange(10, 120))
        return at

    def accept(self, request: _Request, agents: list[Agent], at: datetime) -> None:
        before = min(len(agents) - 1, self.chance.choices([0, 1, 2, 3], weights=[40, 30, 18, 12])[0])
        for agent in agents[:before]:
            at = self.unanswered(request, agent, self.wait_now_and_then(request, at))
        agent = agents[before]
        offer = self.offer(request, agent, self.wait_now_and_then(request, at))
        # Most accept within a few minutes, all within the window.
        answer = self.window * min(0.95, self.chance.expovariate(1 / 0.2)) + timedelta(seconds=1)
        offer.status, offer.responded_at = Offer.Status.ACCEPTED, offer.offered_at + min(answer, self.window)
        referral = request.referral
        referral.status, referral.accepted_at = Referral.Status.ACCEPTED, offer.responded_at
        referral.closed_at = offer.responded_at
        request.event(Event.Kind.ACCEPTED, offer.responded_at, offer, f"by agent {agent.pk}")
        if self.chance.random() < 0.8:  # most agents record what came of it, within a few days
            recorded = offer.responded_at + timedelta(minutes=self.chance.randrange(30, 3 * 24 * 60))
            if recorded < self.now - timedelta(minutes=5):
                outcome, note = self._outcome()
                referral.disposition, referral.disposition_note, referral.disposition_at = outcome, note, recorded
                request.event(Event.Kind.OUTCOME, recorded, offer, outcome)

    def withdraw(self, request: _Request, agents: list[Agent], at: datetime) -> None:
        """The consumer withdraws: while an agent holds the offer, or while the request waits."""
        tried = min(len(agents), self.chance.choice([0, 1, 1, 2]))
        for agent in agents[:tried]:
            at = self.unanswered(request, agent, at)
        withdrawn = at + self.window * self.chance.uniform(0.2, 0.9)
        if tried < len(agents) and self.chance.random() < 0.6:
            offer = self.offer(request, agents[tried], at)
            offer.status, offer.responded_at = Offer.Status.WITHDRAWN, withdrawn
        else:
            request.event(Event.Kind.WAITING, at)
            withdrawn += timedelta(minutes=self.chance.randrange(5, 90))
        request.referral.status, request.referral.closed_at = Referral.Status.WITHDRAWN, withdrawn
        request.event(Event.Kind.WITHDRAWN, withdrawn)

    def expire(self, request: _Request, agents: list[Agent], at: datetime) -> None:
        """Nobody accepted: every agent who could take it let it lapse or rejected it, then it waited."""
        for agent in agents[:4]:
            at = self.unanswered(request, agent, at)
        request.event(Event.Kind.WAITING, at)
        expired = max(request.referral.expires_at, at) + self._seconds(SWEEP)
        request.referral.status, request.referral.closed_at = Referral.Status.EXPIRED, expired
        request.event(Event.Kind.EXPIRED, expired)

    def _outcome(self) -> tuple[str, str]:
        outcome, _weight, note = self.chance.choices(OUTCOMES, weights=[weight for _, weight, _ in OUTCOMES])[0]
        return outcome, note

    def _seconds(self, most: int) -> timedelta:
        return timedelta(seconds=self.chance.randrange(1, most))

    def sent_elsewhere(self, days: int) -> list[SentElsewhere]:
        states = [state for state in ELSEWHERE if not _served(state)]
        today = self.now.date()
        return [
            SentElsewhere(state=state, day=today - timedelta(days=days_ago), count=count)
            for days_ago in range(days, -1, -1)
            for state in states
            if (count := self.chance.choice([0, 0, 1, 1, 2, 3]))
        ]


def _served(state: str) -> bool:
    marketplace = marketplace_for(state)
    return marketplace is not None and marketplace.is_served


def _miles(agent: Agent, place: ZipCode) -> float:
    if agent.latitude is None or agent.longitude is None:
        return 0.0
    return great_circle((agent.latitude, agent.longitude), (place.latitude, place.longitude)).miles


def seed_history(now: datetime, days: int = DAYS, seed: int = 2027) -> str:
    """Add `days` days of past requests before `now` (and today's so far); returns what was added."""
    history = _History(now, seed)
    requests = [
        request
        for created, place, area in history.moments(days)
        if created < now - timedelta(hours=2) and (request := history.request(created, place, area))
    ]
    with transaction.atomic():
        Referral.objects.bulk_create([request.referral for request in requests])
        for request in requests:
            for offer in request.offers:
                offer.referral = request.referral
        Offer.objects.bulk_create([offer for request in requests for offer in request.offers])
        Event.objects.bulk_create(
            [
                Event(referral=request.referral, offer=offer, kind=kind, at=at, detail=detail[:255])
                for request in requests
                for kind, at, offer, detail in request.events
            ]
        )
        elsewhere = SentElsewhere.objects.bulk_create(history.sent_elsewhere(days), ignore_conflicts=True)
    offers = sum(len(request.offers) for request in requests)
    return (
        f"{len(requests)} past requests over {days} days with {offers} offers, and "
        f"{sum(row.count for row in elsewhere)} consumers sent to another Marketplace"
    )
