"""Percentiles of a duration between two moments of a row, overall or by a column.

PostgreSQL computes them (`percentile_cont`, one query for every group); SQLite, the embedded mode's
database, has no such function, so there the durations are read and the same interpolation is done here.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func, QuerySet

NO_GROUP = None


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def seconds_between(later: str, earlier: str) -> Func:
    """PostgreSQL: the seconds from `earlier` to `later` (two datetime columns)."""
    return Func(
        F(later),
        F(earlier),
        template="EXTRACT(EPOCH FROM (%(expressions)s))",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def percentiles(
    rows: QuerySet, later: str, earlier: str, fractions: Sequence[float], by: str | None = NO_GROUP
) -> dict:
    """{group: [seconds at each fraction]} of `later - earlier` over `rows` (rows where either is null are
    left out), by the column `by`, or {None: […]} overall. Groups with no row are absent."""
    rows = rows.filter(**{f"{later}__isnull": False, f"{earlier}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        columns = {
            f"p{n}": PercentileCont(seconds_between(later, earlier), fraction) for n, fraction in enumerate(fractions)
        }
        if by is NO_GROUP:
            result = rows.aggregate(**columns)
            return {NO_GROUP: [result[name] for name in columns]} if result["p0"] is not None else {}
        return {row[by]: [row[name] for name in columns] for row in rows.values(by).annotate(**columns)}
    durations: dict = defaultdict(list)
    for group, end, start in rows.values_list(by or "pk", later, earlier):
        durations[group if by else NO_GROUP].append((end - start).total_seconds())
    return {
        group: [_interpolated(sorted(values), fraction) for fraction in fractions]
        for group, values in durations.items()
    }


def _interpolated(values: list[float], fraction: float) -> float:
    """percentile_cont's linear interpolation between the closest ranks."""
    position = fraction * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
