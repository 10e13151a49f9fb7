"""Times as a reader reads them: in their own time zone, with its short name, formatted the way their
language does ("Nov. 29, 2026, 12:54 p.m. EST", "29 de noviembre de 2026 a las 12:54 EST").

A leaf: consumers' pages and messages (the ZIP code's zone) and agents' (their profile's) use it.
The language is the active one: pages run in the visitor's, messages render in the recipient's.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone


def in_zone(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(zone))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def time_in_zone(moment: datetime | None, zone: str) -> str:
    """The time of day only, with the zone ("9:00 a.m. EST"), for moments the reader knows the day of."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(zone))
    return f"{formats.time_format(local, 'TIME_FORMAT')} {local.tzname()}"
