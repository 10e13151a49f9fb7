"""The periods the dashboards report on: today, the last 7 days, the open-enrollment season, or custom
dates, as [start, end) moments in the viewer's time zone."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

DEFAULT_ZONE = "America/New_York"
# Time zones a viewer may pick: those of the states and territories served.
ZONES = [
    ("America/New_York", "Eastern"),
    ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"),
    ("America/Phoenix", "Arizona"),
    ("America/Los_Angeles", "Pacific"),
    ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
    ("America/Puerto_Rico", "Atlantic"),
    ("UTC", "UTC"),
]
KINDS = [("today", "Today"), ("week", "Last 7 days"), ("season", "Open enrollment"), ("custom", "Custom dates")]
SEASON_START = (11, 1)  # open enrollment runs from November 1 …
SEASON_END = (1, 15)  # … to January 15 of the next year


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime
    end: datetime
    zone: str

    @property
    def label(self) -> str:
        tz = ZoneInfo(self.zone)
        first, last = self.start.astimezone(tz).date(), (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return f"{first:%b %d, %Y}" if first == last else f"{first:%b %d, %Y} – {last:%b %d, %Y}"

    def days(self) -> list[date]:
        """Every day of the period, in its time zone (the x axis of a chart by day)."""
        tz = ZoneInfo(self.zone)
        first, last = self.start.astimezone(tz).date(), (self.end - timedelta(microseconds=1)).astimezone(tz).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def zone_of(value: str | None) -> str:
    return value if value in dict(ZONES) else DEFAULT_ZONE


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tz)


def season_of(today: date) -> tuple[date, date]:
    """The open-enrollment season that includes `today`, or else the last one (first and last day)."""
    year = today.year if today.month >= SEASON_START[0] else today.year - 1
    return date(year, *SEASON_START), date(year + 1, *SEASON_END)


def period_from(params, now: datetime | None = None) -> tuple[Period, dict[str, str]]:
    """The period asked for in the page's query string (kind, start, end, zone), with errors by field for
    custom dates that do not make sense (then today is shown)."""
    now = now or timezone.now()
    zone = zone_of(params.get("zone"))
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    kind = params.get("period") or "today"
    errors: dict[str, str] = {}
    if kind == "week":
        first, last = today - timedelta(days=6), today
    elif kind == "season":
        first, last = season_of(today)
        last = min(last, today)
    elif kind == "custom":
        first, last = _date(params.get("start")), _date(params.get("end"))
        if first is None:
            errors["start"] = "Enter the first day as YYYY-MM-DD."
        if last is None:
            errors["end"] = "Enter the last day as YYYY-MM-DD."
        if first and last and last < first:
            errors["end"] = "The last day must be on or after the first day."
        if first and last and (last - first).days > 400:
            errors["end"] = "Choose at most 400 days."
        if errors:
            kind, first, last = "today", today, today
    else:
        kind, first, last = "today", today, today
    return Period(kind, _midnight(first, tz), _midnight(last + timedelta(days=1), tz), zone), errors


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None
