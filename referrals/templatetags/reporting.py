"""Filters for the reporting pages: durations and shares as people read them."""

from datetime import datetime

from django import template

from referrals.reporting.access import menu

register = template.Library()


@register.filter
def seconds(value: float | None) -> str:
    """90 → "1 min 30 s"; 4000 → "1 h 6 min"; None → "–"."""
    if value is None:
        return "–"
    value = round(value)
    if value < 60:
        return f"{value} s"
    minutes, secs = divmod(value, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def duration_since(later: datetime, earlier: datetime) -> str:
    return seconds(max((later - earlier).total_seconds(), 0))


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@register.filter
def share_of(part: int, whole: int) -> str:
    return percent(part / whole if whole else None)


@register.filter
def sum_of(values) -> int:
    return sum(values)


@register.filter
def active_states(by_state: dict) -> int:
    """How many states have at least one."""
    return sum(1 for count in by_state.values() if count)


@register.filter
def outcome_none(by_outcome: dict) -> int:
    return by_outcome.get("", 0)


@register.simple_tag(takes_context=True)
def reporting_menu(context) -> list[tuple[str, str]]:
    """The reporting pages the user may open (admin's index links them)."""
    return menu(context["request"].user)
