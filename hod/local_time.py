"""Times as a reader reads them: in their own time zone, with its short name, formatted the way their
language does ("Nov. 29, 2026, 12:54 p.m. EST", "29 de noviembre de 2026 a las 12:54 EST").

A leaf: consumers' pages and messages (the ZIP code's zone) and agents' (their profile's) use it.
The language is the active one: pages run in the visitor's, messages render in the recipient's.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


def day_and_time(moment: datetime | None, zone: str) -> str:
    """The weekday and time with the zone ("Monday 9:00 a.m. EST", "lunes 9:00 EST"): a moment within the week."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, ZoneInfo(zone))
    return f"{formats.date_format(local, 'l')} {formats.time_format(local, 'TIME_FORMAT')} {local.tzname()}"


# A zone's everyday name, by its standard-time abbreviation (every U.S. zone has one).
_ZONE_NAMES = {
    "EST": gettext_lazy("Eastern Time"),
    "CST": gettext_lazy("Central Time"),
    "MST": gettext_lazy("Mountain Time"),
    "PST": gettext_lazy("Pacific Time"),
    "AKST": gettext_lazy("Alaska Time"),
    "HST": gettext_lazy("Hawaii-Aleutian Time"),
    "AST": gettext_lazy("Atlantic Time"),
    "ChST": gettext_lazy("Chamorro Time"),
    "SST": gettext_lazy("Samoa Time"),
}


def zone_name(zone: str) -> str:
    """ "Eastern Time" for America/New_York (or America/Detroit…); Arizona's says it keeps no daylight time."""
    info = ZoneInfo(zone)
    winter, summer = datetime(2027, 1, 15, 12, tzinfo=info), datetime(2027, 7, 15, 12, tzinfo=info)
    name = _ZONE_NAMES.get(winter.tzname())
    if name is None:
        return zone
    if winter.utcoffset() == summer.utcoffset() and winter.tzname() in ("MST", "EST", "CST", "PST"):
        return _("%(zone)s, no daylight saving time") % {"zone": name}
    return str(name)
