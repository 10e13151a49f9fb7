"""Benchmark: "who is next" for random consumers against pools of 10k, 100k and 1M agents (PostgreSQL).

Run alone with `.venv/bin/python bench/match.py` (or all benchmarks with `make bench`). A scratch
copy of the DATABASE_URL database (default: the local PostgreSQL `test`) is created, filled with
COPY and dropped at the end. Agents are spread over the ZIP codes of FFM and SBM-FP states, speak
1-3 languages (English and Spanish the most common), hold 1-5 state licenses, and about a third are
taking referrals (the migrations' triggers fill the candidate table as the rows arrive). After each
load the database is vacuumed, checkpointed and read into PostgreSQL's buffers as far as they hold
it, as on a running server. For each pool size it times 3 rounds (BENCH_ROUNDS) of 1,000 calls of
matching.nearest.next_agent for random consumers and reports the median round, and 20 calls of a
naive baseline (load the eligible agents, sort them in Python with geopy). The database's size and
shared_buffers are printed beside the figures: a pool larger than the buffers is read from the
operating system's cache. Set BENCH_SIZES=10000,100000 to run fewer sizes. Figures are recorded in bench/README.md.
"""

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hod.settings")

import django  # noqa: E402

django.setup()

import zipcodes  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from geopy.distance import great_circle  # noqa: E402

from agents.eligibility import current_terms, eligible_agents  # noqa: E402
from hod.reference.lookups import current_plan_year  # noqa: E402
from hod.reference.models import StateMarketplace  # noqa: E402
from matching.nearest import next_agent  # noqa: E402
from referrals.lifecycle import agents_to_leave_out  # noqa: E402
from referrals.models import Referral  # noqa: E402

SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
CALLS, BASELINE_CALLS = 1000, 20
# Rounds of CALLS calls each; the figures are the median round's, so one noisy stretch on a shared machine
# does not decide them (every round is printed).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
OTHER_LANGUAGES = ["vi", "zh", "ht", "ko", "ar", "ru", "tl", "fr", "pt"]
chance = random.Random(2027)


def served_zips(year: int) -> list[dict]:
    served = set(
        StateMarketplace.objects.filter(plan_year=year, type__in=StateMarketplace.SERVED_TYPES).values_list(
            "state_id", flat=True
        )
    )
    return [
        z
        for z in zipcodes.list_all()
        if z["state"] in served and z["active"] and z["timezone"] and z["zip_code_type"] == "STANDARD"
    ]


def languages() -> list[str]:
    spoken = ["en"] if chance.random() < 0.85 else []
    if chance.random() < 0.35:
        spoken.append("es")
    while len(spoken) < 1 or (len(spoken) < 3 and chance.random() < 0.15):
        extra = chance.choice(OTHER_LANGUAGES)
        if extra not in spoken:
            spoken.append(extra)
    return spoken


def copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream,
    ):
        while chunk := buffer.read(1 << 20):
            stream.write(chunk)


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def seed(first: int, count: int, places: list[dict], states: list[str], year: int, terms: list[int]) -> None:
    """Add agents number `first` to `first + count - 1`, every table the eligibility rules read."""
    now = timezone.now().isoformat()
    user_id, agent_id = next_id("agents_user"), next_id("agents_agent")
    license_id = next_id("agents_license")
    users, agents, spoken, licenses, lines, registrations, trainings, acceptances = [], [], [], [], [], [], [], []
    for number in range(first, first + count):
        place = chance.choice(places)
        npn = str(20_000_000 + number)
        uid, aid = user_id + number - first, agent_id + number - first
        users.append((uid, "pbkdf2_sha256$bench", "f", f"bench{number}", "Bench", "Agent", "", "f", "t", now))
        option = chance.choices([1, 2, 3, 4], weights=[60, 25, 10, 5])[0]
        offered = None if chance.random() < 0.5 else now
        agents.append(
            (
                aid,
                npn,
                "Bench",
                f"Agent {number}",
                f"{npn}@bench.example",
                place["state"],
                option,
                "t",
                uid,
                f"+1202{2_000_000 + number:07d}",  # a cell phone of each agent's own (they are unique among agents)
                "email_text_app",
                place["zip_code"],
                place["lat"],
                place["long"],
                place["timezone"],
                "en",
                now,
                "t" if chance.random() < 1 / 3 else "f",
                "",
                offered,
            )
        )
        spoken.extend((aid, code) for code in languages())
        licensed = {place["state"], *chance.sample(states, k=chance.randint(0, 4))}
        for state in licensed:
            licenses.append((license_id, npn, state, f"{state}{npn}", "Active", "t", "t"))
            lines.append((license_id, "Accident and Health", "Active", "t"))
            license_id += 1
        registrations.append((npn, year, f"{year - 1}-11-01", "Y", "t"))
        trainings.append((npn, year, f"{year - 1}-10-15", "t"))
        acceptances.extend((aid, terms_id, now) for terms_id in terms)
    copy(
        "agents_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        users,
    )
    copy(
        "agents_agent",
        [
            "id",
            "npn",
            "first_name",
            "last_name",
            "email",
            "home_state",
            "display_option",
            "in_mlms",
            "user_id",
            "cell_phone",
            "contact_method",
            "zip_code",
            "latitude",
            "longitude",
            "time_zone",
            "portal_language",
            "registered_at",
            "taking_referrals",
            "schedule_state",
            "last_offered_at",
        ],
        agents,
    )
    copy("agents_agent_languages", ["agent_id", "language_id"], spoken)
    copy("agents_license", ["id", "npn", "state", "license_number", "status", "resident", "active"], licenses)
    copy("agents_lineofauthority", ["license_id", "name", "status", "active"], lines)
    copy(
        "agents_marketplaceregistration",
        ["npn", "plan_year", "individual_registration_completion_date", "npn_valid_current_plan_year_only", "active"],
        registrations,
    )
    copy("agents_trainingcompletion", ["npn", "plan_year", "completed_on", "active"], trainings)
    copy("agents_termsacceptance", ["agent_id", "terms_id", "accepted_at"], acceptances)
    with connection.cursor() as cursor:
        for table in ("agents_user", "agents_agent", "agents_license"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        # The steady state of a running database: autovacuum has set the visibility map and the
        # statistics, and the checkpoint after a bulk load is behind it.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
        # Read the pool into PostgreSQL's buffers as far as they hold it, as a running server has it.
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT sum(pg_prewarm(pg_class.oid::regclass)) FROM pg_class JOIN pg_namespace "
            "ON pg_namespace.oid = pg_class.relnamespace WHERE nspname = 'public' AND relkind IN ('r', 'i')"
        )


def sizes() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), current_setting('shared_buffers')")
        database, buffers = cursor.fetchone()
    return f"database {database}, shared_buffers {buffers}"


def random_consumer(places: list[dict]) -> tuple[str, str, float, float]:
    place = chance.choice(places)
    language = chance.choices(["en", "es", *OTHER_LANGUAGES[:3]], weights=[55, 35, 4, 3, 3])[0]
    return place["state"], language, float(place["lat"]), float(place["long"])


def naive(state: str, language: str, latitude: float, longitude: float, year: int):
    """The baseline: every eligible agent loaded, sorted here by great-circle distance."""
    rows = eligible_agents(state, language, plan_year=year).values_list("pk", "latitude", "longitude")
    ranked = sorted(rows, key=lambda row: great_circle((latitude, longitude), (row[1], row[2])).miles)
    return ranked[0][0] if ranked else None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(places: list[dict], year: int) -> dict:
    # The agents a new referral leaves out, as the referral loop asks (none offered it yet; at capacity).
    leave_out = agents_to_leave_out(Referral(pk=0), timezone.now())
    # Warm up as a long-running web process is: the per-state-and-language SQL is built once a day.
    for state in sorted({place["state"] for place in places}):
        for language in ["en", "es", *OTHER_LANGUAGES[:3]]:
            next_agent(state, language, 30.0, -90.0, exclude=leave_out, plan_year=year)
    rounds, found = [], 0
    for _ in range(ROUNDS):
        timings = []
        for _ in range(CALLS):
            state, language, latitude, longitude = random_consumer(places)
            start = time.perf_counter()
            match = next_agent(state, language, latitude, longitude, exclude=leave_out, plan_year=year)
            timings.append((time.perf_counter() - start) * 1000)
            found += match is not None
        figures = {"p50": statistics.median(timings), "p99": percentile(timings, 0.99)}
        figures["mean"] = statistics.fmean(timings)
        rounds.append(figures)
        print("    round: " + ", ".join(f"{name} {value:.2f} ms" for name, value in figures.items()))
    baseline = []
    for _ in range(BASELINE_CALLS):
        consumer = random_consumer(places)
        start = time.perf_counter()
        naive(*consumer, year)
        baseline.append((time.perf_counter() - start) * 1000)
    return {
        **{figure: statistics.median(round_[figure] for round_ in rounds) for figure in ("p50", "p99", "mean")},
        "found": found,
        "baseline_mean": statistics.fmean(baseline),
    }


def main() -> None:
    print(f"database: {connection.vendor}; pool sizes: {', '.join(f'{size:,}' for size in SIZES)}")
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": "hod_bench"}
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        year = current_plan_year()
        places = served_zips(year)
        states = sorted({place["state"] for place in places})
        terms = [document.pk for document in current_terms()]
        seeded, results = 0, {}
        for size in SIZES:
            start = time.perf_counter()
            seed(seeded, size - seeded, places, states, year, terms)
            seeded = size
            print(f"\n{size:,} agents seeded in {time.perf_counter() - start:.0f} s ({sizes()})")
            result = measure(places, year)
            results[size] = result
            print(
                f"  next_agent, median of {ROUNDS} rounds of {CALLS}: p50 {result['p50']:.2f} ms, "
                f"p99 {result['p99']:.2f} ms, mean {result['mean']:.2f} ms ({result['found']} found an agent)"
            )
            print(
                f"  naive baseline x{BASELINE_CALLS}: mean {result['baseline_mean']:.1f} ms "
                f"({result['baseline_mean'] / result['mean']:.0f}x slower)"
            )
        if len(results) > 1:
            smallest, largest = results[min(results)], results[max(results)]
            print(
                f"\nlargest pool vs smallest: p99 {largest['p99'] / smallest['p99']:.2f}x, "
                f"mean {largest['mean'] / smallest['mean']:.2f}x"
            )
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
