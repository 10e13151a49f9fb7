"""Hot queries as PostgreSQL server-side prepared statements: built once, planned once per connection.

A leaf, like `hod.reference`: any app may use it, and it imports none of them.

Django binds parameters on the client and never prepares; these few queries (matching's, on every
consumer's request) bind on the server so that PostgreSQL keeps their plan. Behind PgBouncer, use
session pooling or PgBouncer 1.21+.
"""

from dataclasses import dataclass

import psycopg
from django.db import connection
from django.db.models import QuerySet


@dataclass(frozen=True)
class Placeholder:
    """A named parameter inside a queryset's SQL, given its value each time the query runs."""

    name: str


@dataclass(frozen=True)
class PreparedQuery:
    """A queryset's SQL and parameters, built once; `run(name=value)` fills its placeholders."""

    sql: str
    params: tuple

    @classmethod
    def of(cls, queryset: QuerySet) -> "PreparedQuery":
        sql, params = queryset.query.sql_with_params()
        return cls(sql, tuple(params))

    def run(self, **values) -> list[tuple]:
        missing = {p.name for p in self.params if isinstance(p, Placeholder)} - set(values)
        if missing:
            raise TypeError(f"no value for the placeholder(s) {', '.join(sorted(missing))}")
        params = [values[p.name] if isinstance(p, Placeholder) else p for p in self.params]
        return run_prepared(self.sql, params)


def run_prepared(sql: str, params: list) -> list[tuple]:
    """Run `sql` (psycopg's %s placeholders) as a prepared statement on Django's connection."""
    connection.ensure_connection()
    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:
        _plan_once(raw, cursor)
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


def _plan_once(raw: psycopg.Connection, cursor: psycopg.Cursor) -> None:
    """Once per connection: let psycopg prepare, and have PostgreSQL keep one generic plan per statement.

    Django turns prepared statements off for poolers' sake; its own cursors bind on the client and
    never prepare, so turning them on affects only these queries, whose best plan does not depend
    on their values. The mark lives on the raw connection, so a reconnect sets it up again.
    """
    if not getattr(raw, "hod_generic_plans", False):
        raw.prepare_threshold = 5
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        raw.hod_generic_plans = True
