"""The simulation's PostgreSQL databases: one base database migrated and seeded once with COPY (every table the
eligibility rules read, and the standard hours), then a snapshot of it for each run (`CREATE DATABASE … TEMPLATE`),
so every policy starts from the same agents in seconds. All their names start with `hod_sim`.
"""

import datetime as dt
import io
import os
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.db import connection, connections
from django.db.models import Model
from psycopg import sql

from sim import parameters as P
from sim.population import Population

SERVER_URL = os.environ.get("SIM_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432/postgres")
BASE = "hod_sim_base"


def url_of(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server() -> psycopg.Connection:
    return psycopg.connect(SERVER_URL, autocommit=True)


def exists(name: str) -> bool:
    with _server() as server:
        return server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create(name: str, template: str | None = None) -> None:
    """A new database (a copy of `template` when given: a file copy, the fastest for a database this size)."""
    assert name.startswith("hod_sim"), name
    drop(name)
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(template))
    with _server() as server:
        server.execute(statement)


def drop(name: str) -> None:
    assert name.startswith("hod_sim"), name
    with _server() as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def use(name: str) -> None:
    """Point Django's connection at another database of the same server."""
    connections.close_all()
    connection.settings_dict["NAME"] = name


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def copy(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(value) for value in row) + "\n")
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream,
    ):
        while chunk := buffer.read(1 << 20):
            stream.write(chunk)


def copy_models(model: type[Model], rows: list[dict]) -> None:
    """COPY rows of a model: the columns given, and every other column at the field's default (so a field
    added to the model later needs nothing here)."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in rows[0])]
    defaults = {f.attname: (f.get_default() if f.has_default() or f.null else "") for f in fields}
    columns = [f.column for f in fields]
    copy(
        model._meta.db_table, columns, (tuple(row.get(f.attname, defaults[f.attname]) for f in fields) for row in rows)
    )


def seed(population: Population, plan_year: int = P.PLAN_YEAR) -> None:
    """Every agent as a registered, eligible agent (rules 1-7) with their hours, all switched off; the
    migrations' triggers fill the candidate table as the rows arrive."""
    from agents.eligibility import current_terms
    from agents.models import Agent, User

    registered = P.START - dt.timedelta(days=30)
    terms = [document.pk for document in current_terms()]
    users, agents, spoken, licenses, lines, registrations, trainings, acceptances, hours = ([] for _ in range(9))
    license_id = 1
    for spec in population.agents:
        npn = str(30_000_000 + spec.index)
        users.append(
            {
                "id": spec.pk,
                "password": "pbkdf2_sha256$sim",  # usable (rule 7 asks for a password), never matches
                "username": f"sim{spec.index}",
                "first_name": "Sim",
                "last_name": f"Agent {spec.index}",
                "email": f"{npn}@sim.example",
                "is_active": True,
                "date_joined": registered,
            }
        )
        agents.append(
            {
                "id": spec.pk,
                "npn": npn,
                "first_name": "Sim",
                "last_name": f"Agent {spec.index}",
                "email": f"{npn}@sim.example",
                "home_state": spec.state,
                "display_option": spec.display_option,
                "in_mlms": True,
                "user_id": spec.pk,
                "cell_phone": f"+1202{2_000_000 + spec.index:07d}",
                "contact_method": "email_text_app",
                "zip_code": spec.zip_code,
                "latitude": spec.latitude,
                "longitude": spec.longitude,
                "time_zone": spec.time_zone,
                "portal_language": "en",
                "registered_at": registered,
                "taking_referrals": False,
                "schedule_state": "",
                # Agents with hours are due at the start: the first sweep works out where their hours put them.
                "schedule_due_at": P.START if spec.hours else None,
            }
        )
        spoken.extend((spec.pk, code) for code in spec.languages)
        for state in spec.licensed:
            licenses.append((license_id, npn, state, f"{state}{npn}", "Active", state == spec.state, True))
            lines.append((license_id, "Accident and Health", "Active", True))
            license_id += 1
        registrations.append((npn, plan_year, dt.date(plan_year - 1, 11, 1), "Y", True))
        trainings.append((npn, plan_year, dt.date(plan_year - 1, 10, 15), True))
        acceptances.extend((spec.pk, terms_id, registered) for terms_id in terms)
        if spec.hours:
            start, length = spec.hours
            hours.extend((spec.pk, weekday, dt.time(start), dt.time((start + length) % 24)) for weekday in range(5))
    copy_models(User, users)
    copy_models(Agent, agents)
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
    copy("agents_weeklyhours", ["agent_id", "weekday", "starts_at", "ends_at"], hours)
    with connection.cursor() as cursor:
        for table in ("agents_user", "agents_agent", "agents_license"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def settle() -> None:
    """What a running database has: statistics, the visibility map, a checkpoint behind it."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def check_eligible(population: Population) -> None:
    """Every seeded agent must pass rules 1-7 in their home state, or the day would measure nothing."""
    from agents.eligibility import eligible_agents
    from agents.eligibility.rules import checks_for_state, load_facts
    from agents.models import Agent

    noon = P.START + dt.timedelta(hours=12)
    spec = population.agents[0]
    eligible = eligible_agents(spec.state, "en", noon, P.PLAN_YEAR, require_available=False)
    if not eligible.filter(pk=spec.pk).exists():
        agent = Agent.objects.get(pk=spec.pk)
        failing = [str(check) for check in checks_for_state(load_facts(agent, noon), spec.state) if not check.passed]
        raise RuntimeError(f"a seeded agent is not eligible: {'; '.join(failing)}")
