"""What an agent sets on their profile page: contact details, language, and State Preferences."""

from django.db import transaction
from django.utils import timezone

from agents import audit
from agents.models import Agent, StateDeselection
from hod.reference.lookups import ZipCode


def set_zip_code(agent: Agent, place: ZipCode) -> list[str]:
    """The ZIP code places the agent (distance to consumers) and sets their time zone (hours).
    Sets the fields on `agent` and returns their names, for `save(update_fields=…)`."""
    fields = ["zip_code", "latitude", "longitude", "time_zone"]
    if place.time_zone != agent.time_zone:
        agent.schedule_due_at = timezone.now()  # the hours now fall at other moments
        fields.append("schedule_due_at")
    agent.zip_code = place.code
    agent.latitude, agent.longitude, agent.time_zone = place.latitude, place.longitude, place.time_zone
    return fields


PROFILE_FIELDS = ("cell_phone", "callback_phone", "contact_method", "zip_code", "portal_language")


def update_profile(
    agent: Agent, *, cell_phone, contact_method: str, place: ZipCode, portal_language: str, callback_phone="", by=None
):
    """Save the profile page: only its own fields, since the switch and the sweep's columns may have
    changed since the page was loaded."""
    before = {name: getattr(agent, name) for name in PROFILE_FIELDS}
    agent.cell_phone, agent.callback_phone = cell_phone, callback_phone or ""
    agent.contact_method, agent.portal_language = contact_method, portal_language
    fields = ["cell_phone", "callback_phone", "contact_method", "portal_language", *set_zip_code(agent, place)]
    changed = [name for name, value in before.items() if getattr(agent, name) != value]
    with transaction.atomic():
        agent.save(update_fields=fields)
        if changed:
            audit.record(agent.pk, audit.Kind.PROFILE, timezone.now(), by, "changed: " + ", ".join(changed))
    return agent


def save_state_preferences(agent: Agent, offered: list[str], chosen: set[str], by=None) -> list[str]:
    """Of the states `offered` on the page, the ones not `chosen` are switched off. Stored as the
    exception, so that a state the agent becomes licensed in later is on by default. Returns them."""
    off = [code for code in offered if code not in chosen]
    with transaction.atomic():
        StateDeselection.objects.filter(agent=agent).exclude(state_id__in=off).delete()
        StateDeselection.objects.bulk_create(
            [StateDeselection(agent=agent, state_id=code) for code in off], ignore_conflicts=True
        )
        detail = "switched off: " + (", ".join(off) or "none")
        audit.record(agent.pk, audit.Kind.STATE_PREFERENCES, timezone.now(), by, detail)
    return off
