"""The seeded day's people: the agents (where they are, what they speak, where they are licensed, when they are on,
how they answer) and the consumers (where, in which language, when). Plain Python, no database: the same seed
gives the same day, so every policy is compared on the same agents and the same consumers.

Each agent's behaviour rests on uniform draws of their own (`answer_u`, `silent_u`), turned into an answer rate
and a silent spell by the parameters: a sensitivity run with another answer rate or silent share changes those
agents' behaviour and nothing else (common random numbers).
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import zipcodes

from sim import parameters as P

Interval = tuple[float, float]  # seconds of virtual time since P.START: [start, end)


@dataclass
class AgentSpec:
    index: int  # the agent's id in the database is index + 1
    zip_code: str
    state: str
    latitude: float
    longitude: float
    time_zone: str
    languages: tuple[str, ...]
    licensed: tuple[str, ...]  # the home state first
    display_option: int
    hours: tuple[int, int] | None  # (start hour, length in hours) Monday to Friday; None: the manual switch
    answer_u: float
    silent_u: float
    stretches: list[Interval] = field(default_factory=list)  # the manual switch: on at start, off at end
    # When the agent means to be on (hours or stretches), each with the number of its local day (0: the 15th).
    on_periods: list[tuple[float, float, int]] = field(default_factory=list)
    spell_draws: list[tuple[int, float, float, float]] = field(default_factory=list)  # day, which, length, where
    answer_rate: float = 0.0
    silent: list[Interval] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.index + 1

    def means_to_be_on(self, t: float) -> bool:
        return any(start <= t < end for start, end, _day in self.on_periods)

    def is_silent(self, t: float) -> bool:
        return any(start <= t < end for start, end in self.silent)

    def silence_ends(self, t: float) -> float:
        return next((end for start, end in self.silent if start <= t < end), t)


@dataclass(frozen=True)
class Arrival:
    t: float  # seconds since P.START
    number: int
    zip_code: str
    state: str
    language: str
    local_hour: float  # in the consumer's time zone, for the plot


@dataclass
class Population:
    agents: list[AgentSpec]
    arrivals: list[Arrival]
    states: list[str]

    def apply(self, answer_beta: tuple[float, float], silent_share: float, seed: int = P.SEED) -> None:
        """Turn each agent's own draws into an answer rate and silent spells for these parameters."""
        a, b = answer_beta
        for agent in self.agents:
            agent.answer_rate = _beta_quantile(agent.answer_u, a, b, seed + agent.index)
            agent.silent = []
            if agent.silent_u < silent_share:
                agent.silent = [spell for draws in agent.spell_draws if (spell := _spell(agent, draws))]


def _beta_quantile(u: float, a: float, b: float, seed: int) -> float:
    if b == 1.0:
        return u ** (1.0 / a)  # Beta(a, 1) has the CDF x**a: one draw serves every a
    return random.Random(seed).betavariate(a, b)


def _spell(agent: AgentSpec, draws: tuple[int, float, float, float]) -> Interval | None:
    """One silent spell inside the periods of one local day the agent is on (draws: day, which period, length,
    where in it)."""
    day, which, length_u, where = draws
    periods = [(start, end) for start, end, on_day in agent.on_periods if on_day == day]
    total = sum(end - start for start, end in periods)
    if total <= 0:
        return None
    pick = which * total
    for start, end in periods:
        if pick <= end - start:
            break
        pick -= end - start
    low, high = P.SILENT_SPELL_HOURS
    length = min((low + (high - low) * length_u) * 3600, end - start)
    begin = start + where * (end - start - length)
    return (begin, begin + length)


def local_seconds(day: dt.date, hour: float, zone: str) -> float:
    """Seconds since P.START of `hour` o'clock (fractions allowed) on `day` in `zone`."""
    midnight = dt.datetime.combine(day, dt.time(0), ZoneInfo(zone))
    return (midnight + dt.timedelta(hours=hour)).astimezone(dt.UTC).timestamp() - P.START.timestamp()


def served_places(served_states: set[str]) -> dict[str, list[dict]]:
    """The ZIP codes agents and consumers can have, by state: standard, in use, with a time zone."""
    places: dict[str, list[dict]] = {}
    for entry in zipcodes.list_all():
        if (
            entry["state"] in served_states
            and entry["active"]
            and entry["timezone"]
            and entry["zip_code_type"] == "STANDARD"
        ):
            places.setdefault(entry["state"], []).append(entry)
    return places


def _choose(chance: random.Random, weights: dict):
    return chance.choices(list(weights), weights=list(weights.values()))[0]


def _languages(chance: random.Random) -> tuple[str, ...]:
    kind = _choose(chance, P.LANGUAGE_MIX)
    if kind == "en":
        return ("en",)
    if kind == "es":
        return ("en", "es")
    return ("en", _choose(chance, P.OTHER_LANGUAGES))


def _consumer_language(chance: random.Random) -> str:
    kind = _choose(chance, P.CONSUMER_LANGUAGE_MIX)
    return _choose(chance, P.OTHER_LANGUAGES) if kind == "other" else kind


def _lognormal(chance: random.Random, median: float, p90: float) -> float:
    return median * math.exp(P.lognormal_sigma(median, p90) * chance.gauss(0.0, 1.0))


def _local_hour(chance: random.Random) -> float:
    return _choose(chance, dict(enumerate(P.DIURNAL))) + chance.random()


def build(served_states: set[str], scale: float = 1.0, seed: int = P.SEED) -> Population:
    """The agents and consumers of the seeded day, `scale` times the base case's numbers."""
    places = served_places(served_states)
    states = sorted(places)
    population = {state: P.STATE_POPULATION[state] for state in states}
    days = [P.DAY + dt.timedelta(days=offset) for offset in range(P.BEHAVIOUR_DAYS)]

    chance = random.Random(seed)
    agents = []
    for index in range(max(1, round(P.AGENTS * scale))):
        state = _choose(chance, population)
        place = chance.choice(places[state])
        low, high = P.LICENSED_STATES
        others = set()
        wanted = chance.randint(low, high) - 1
        while len(others) < min(wanted, len(states) - 1):
            other = _choose(chance, population)
            if other != state:
                others.add(other)
        agent = AgentSpec(
            index=index,
            zip_code=place["zip_code"],
            state=state,
            latitude=float(place["lat"]),
            longitude=float(place["long"]),
            time_zone=place["timezone"],
            languages=_languages(chance),
            licensed=(state, *sorted(others)),
            display_option=_choose(chance, P.DISPLAY_OPTIONS),
            hours=None,
            answer_u=chance.random(),
            silent_u=chance.random(),
        )
        zone = agent.time_zone
        if chance.random() < P.STANDARD_HOURS_SHARE:
            agent.hours = (_choose(chance, P.HOURS_STARTS), _choose(chance, P.HOURS_LENGTHS))
            start, length = agent.hours
            agent.on_periods = [
                (local_seconds(day, start, zone), local_seconds(day, start + length, zone), number)
                for number, day in enumerate(days)
                if day.weekday() < 5
            ]
        else:
            for number, day in enumerate(days):
                if chance.random() >= P.MANUAL_ACTIVE_SHARE:
                    continue
                count = 2 if chance.random() < P.MANUAL_SECOND_STRETCH_SHARE else 1
                begin = 0.0
                for _ in range(count):
                    begin = max(begin, _local_hour(chance))
                    low_h, high_h = P.MANUAL_STRETCH_HOURS
                    hours = min(max(_lognormal(chance, P.MANUAL_STRETCH_MEDIAN_HOURS, P.MANUAL_STRETCH_P90_HOURS),
                                    low_h), high_h)  # fmt: skip
                    end = min(begin + hours, 24.0)
                    if end - begin >= low_h:
                        stretch = (local_seconds(day, begin, zone), local_seconds(day, end, zone))
                        agent.stretches.append(stretch)
                        agent.on_periods.append((*stretch, number))
                    begin = end + 0.5  # a break of at least half an hour before a second stretch
                    if begin >= 23.5:
                        break
        agent.spell_draws = [(number, chance.random(), chance.random(), chance.random()) for number in range(len(days))]
        agents.append(agent)

    consumers = random.Random(seed + 1)
    arrivals = []
    for number in range(max(1, round(P.REQUESTS * scale))):
        state = _choose(consumers, population)
        place = consumers.choice(places[state])
        language = _consumer_language(consumers)
        hour = _local_hour(consumers)
        arrivals.append(
            Arrival(
                t=local_seconds(P.DAY, hour, place["timezone"]),
                number=number,
                zip_code=place["zip_code"],
                state=state,
                language=language,
                local_hour=hour,
            )
        )
    arrivals.sort(key=lambda arrival: (arrival.t, arrival.number))
    result = Population(agents=agents, arrivals=arrivals, states=states)
    result.apply(P.ANSWER_RATE_BETA, P.SILENT_SHARE, seed)
    return result
