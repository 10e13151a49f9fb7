"""Rule 8: the stored "taking referrals" switch, and the standard hours and absences that flip it.

The agent flips the switch at any time. Standard weekly hours (in the agent's own time zone, from
their ZIP code) switch it on when they begin and off when they end; during an extended absence it
stays off. `apply_schedules(now)` is the step the sweep calls: it works out where each agent's
hours and absences put them and flips the switch only where that changed since the last sweep, so
a manual flip holds until the next boundary.

Each agent carries `schedule_due_at`, the next boundary; the sweep looks only at agents whose
boundary has come, so its work follows the boundaries, not the size of the pool. Any change to
hours, absences or time zone makes the agent due at once (`schedule_changed`).

An agent whose offers lapse HOD_PAUSE_AFTER_LAPSES times in a row is switched off (`agents.pauses`,
through `set_taking_referrals`): `paused_at` says so until the switch is on again, by the agent's own tap
or when their hours next begin. The pause leaves `schedule_state` alone, so a sweep that looks at the
agent again within the same hours finds no change and leaves the switch off.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agents import audit
from agents.models import Absence, Agent, ScheduleState, WeeklyHours
from hod.local_time import day_and_time
from hod.monitoring.heartbeats import Tally

FALLBACK_TIME_ZONE = "America/New_York"
SCHEDULE_BATCH = 1000  # agents per transaction in apply_schedules
SKIPPED_AGENT_RETRY = timedelta(minutes=10)  # an agent whose schedule could not be applied is tried again then
SCHEDULE_COLUMNS = ("pk", "time_zone", "schedule_state", "taking_referrals")  # what applying a schedule reads
logger = logging.getLogger(__name__)

# Sent after commit when an agent starts taking referrals (by hand or when hours begin), with
# `agent_ids`; referrals listens, to offer waiting referrals at once.
agents_became_available = Signal()


class AbsentError(Exception):
    """The agent is on an extended absence and cannot switch referrals on."""


def local_now(agent: Agent, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(agent.time_zone or FALLBACK_TIME_ZONE))


def schedule_state_at(agent: Agent, hours: list[WeeklyHours], absences: list[Absence], now: datetime) -> str:
    local = local_now(agent, now)
    if any(absence.first_day <= local.date() <= absence.last_day for absence in absences):
        return ScheduleState.ABSENT
    if not hours:
        return ScheduleState.NONE
    if any(_within(stretch, local.weekday(), local.time()) for stretch in hours):
        return ScheduleState.IN_HOURS
    return ScheduleState.OUT_OF_HOURS


def _within(stretch, weekday: int, moment: time) -> bool:
    """Is `moment` of `weekday` inside the stretch? One that ends before it starts runs past midnight into
    the next day (a shift from 6 p.m. to 2 a.m.)."""
    if stretch.starts_at < stretch.ends_at:
        return stretch.weekday == weekday and stretch.starts_at <= moment < stretch.ends_at
    return (stretch.weekday == weekday and moment >= stretch.starts_at) or (
        stretch.weekday == (weekday - 1) % 7 and moment < stretch.ends_at
    )


def _switch_for(state: str) -> bool | None:
    """What reaching this schedule state does to the switch (None: leave it as the agent set it)."""
    return {ScheduleState.IN_HOURS: True, ScheduleState.OUT_OF_HOURS: False, ScheduleState.ABSENT: False}.get(state)


def next_boundary(agent: Agent, hours: list[WeeklyHours], absences: list[Absence], now: datetime) -> datetime | None:
    """The first moment after `now` at which the agent's hours begin or end, or an absence begins or
    ends (midnight in the agent's time zone); None when there is none to come."""
    zone = ZoneInfo(agent.time_zone or FALLBACK_TIME_ZONE)
    today = now.astimezone(zone).date()
    moments = [
        datetime.combine(day, time.min, zone)
        for absence in absences
        for day in (absence.first_day, absence.last_day + timedelta(days=1))
    ]
    for offset in range(-1, 8):  # yesterday (a shift past midnight), a week ahead and today's weekday once more
        day = today + timedelta(days=offset)
        for stretch in hours:
            if stretch.weekday == day.weekday():
                ends_on = day + timedelta(days=1) if stretch.ends_at <= stretch.starts_at else day
                moments += [
                    datetime.combine(day, stretch.starts_at, zone),
                    datetime.combine(ends_on, stretch.ends_at, zone),
                ]
    # In UTC: datetimes sharing a zone compare by their wall-clock time, which is wrong across a clock change.
    return min((moment.astimezone(UTC) for moment in moments if moment > now), default=None)


def schedule_changed(agent_ids: list[int], now: datetime | None = None) -> None:
    """Hours, absences or time zone changed: the next sweep works out where they put these agents."""
    Agent.objects.filter(pk__in=agent_ids).update(schedule_due_at=now or timezone.now())


def hours_or_absence_saved(sender, instance: WeeklyHours | Absence, **kwargs) -> None:
    """Connected to the save and delete of hours and absences, however they are made (pages, admin, shell)."""
    schedule_changed([instance.agent_id])


@dataclass(frozen=True)
class HoursPreview:
    """What saving these hours does to the switch now, said before saving it."""

    switch_now: bool | None  # the switch after saving, when saving flips it; None when it stays as it is
    until: datetime | None  # when the hours flip it next

    @property
    def flips(self) -> bool:
        return self.switch_now is not None


def preview_hours(agent: Agent, stretches: list[tuple[int, time, time]], now: datetime | None = None) -> HoursPreview:
    now = now or timezone.now()
    hours = [SimpleNamespace(weekday=day, starts_at=starts, ends_at=ends) for day, starts, ends in stretches]
    absences = list(agent.absences.filter(last_day__gte=timezone.localdate(now) - timedelta(days=2)))
    state = schedule_state_at(agent, hours, absences, now)
    switch = _switch_for(state)
    flips = state != agent.schedule_state and switch is not None and switch != agent.taking_referrals
    return HoursPreview(switch if flips else None, next_boundary(agent, hours, absences, now))


def switch_explained(agent: Agent, now: datetime | None = None) -> str:
    """The switch in a sentence, with why it is where it is and until when: the header says the same
    on every page, so the switch, the home page and the hours never disagree."""
    now = now or timezone.now()
    zone = agent.time_zone or FALLBACK_TIME_ZONE
    when = day_and_time(agent.schedule_due_at, zone) if agent.schedule_due_at and agent.schedule_due_at > now else ""
    state = agent.schedule_state
    if agent.taking_referrals:
        if state == ScheduleState.IN_HOURS and when:
            return _("On: you are taking referrals until %(when)s, when your hours end.") % {"when": when}
        return _("On: you are taking referrals.")
    if state == ScheduleState.ABSENT:
        return _("Off: you are away (see your absences under Availability).")
    if agent.paused_at:
        count = settings.HOD_PAUSE_AFTER_LAPSES
        paused = ngettext(
            "Off: switched off after %(count)d offer went unanswered. Switch on to take referrals again.",
            "Off: switched off after %(count)d offers went unanswered. Switch on to take referrals again.",
            count,
        ) % {"count": count}
        if state == ScheduleState.OUT_OF_HOURS and when:
            return paused + " " + _("Your hours begin %(when)s.") % {"when": when}
        return paused
    if state == ScheduleState.OUT_OF_HOURS and when:
        return _("Off: your hours begin %(when)s.") % {"when": when}
    return _("Off: you are not taking referrals.")


def off_reason(agent: Agent, now: datetime | None = None) -> str:
    """Why an agent is not taking referrals, for the home page: the same reason the switch gives."""
    now = now or timezone.now()
    due = agent.schedule_due_at if agent.schedule_due_at and agent.schedule_due_at > now else None
    if agent.paused_at and agent.schedule_state != ScheduleState.ABSENT:
        count = settings.HOD_PAUSE_AFTER_LAPSES
        paused = ngettext(
            "You were switched off after %(count)d offer in a row went unanswered, so that consumers do not wait. "
            "Switch on “Taking referrals” to receive referrals again.",
            "You were switched off after %(count)d offers in a row went unanswered, so that consumers do not wait. "
            "Switch on “Taking referrals” to receive referrals again.",
            count,
        ) % {"count": count}
        if agent.schedule_state in (ScheduleState.IN_HOURS, ScheduleState.OUT_OF_HOURS):
            return paused + " " + _("Your standard hours switch it on again when they next begin.")
        return paused
    if agent.schedule_state == ScheduleState.OUT_OF_HOURS and due:
        when = day_and_time(due, agent.time_zone or FALLBACK_TIME_ZONE)
        return _(
            "Your standard hours have not begun: you start taking referrals %(when)s. Switch on “Taking "
            "referrals” to receive them sooner."
        ) % {"when": when}
    if agent.schedule_state == ScheduleState.ABSENT:
        return _("You are away (see your absences under Availability), so you are not taking referrals.")
    return _("Switch on “Taking referrals” to receive referrals.")


def set_weekly_hours(agent: Agent, stretches: list[tuple[int, time, time]], by=None) -> None:
    """Replace the agent's standard hours with (weekday, starts at, ends at) stretches, and apply them at
    once: the switch, the header and the home page agree the moment the page is saved."""
    now = timezone.now()
    with transaction.atomic():
        WeeklyHours.objects.filter(agent=agent).delete()
        WeeklyHours.objects.bulk_create(
            [WeeklyHours(agent=agent, weekday=day, starts_at=starts, ends_at=ends) for day, starts, ends in stretches]
        )
        audit.record(agent.pk, audit.Kind.HOURS, now, by, f"{len(stretches)} stretch(es) a week")
        locked = Agent.objects.select_for_update().filter(pk=agent.pk)
        _apply_schedules_to(list(locked.values_list(*SCHEDULE_COLUMNS, named=True)), now)
    agent.refresh_from_db(fields=["taking_referrals", "schedule_state", "schedule_due_at"])


def schedule_absence(agent: Agent, first_day: date, last_day: date, by=None) -> Absence:
    """An extended absence: referrals stay off from the first day to the last (in the agent's time zone)."""
    now = timezone.now()
    with transaction.atomic():
        absence = Absence.objects.create(agent=agent, first_day=first_day, last_day=last_day)
        audit.record(agent.pk, audit.Kind.ABSENCE_ADDED, now, by, f"{first_day} to {last_day}")
    return absence


def cancel_absence(agent: Agent, absence_id: int, by=None) -> bool:
    """Remove one of the agent's absences; False when the agent has no such absence."""
    now = timezone.now()
    with transaction.atomic():
        absence = Absence.objects.filter(pk=absence_id, agent=agent).first()
        if absence is None:
            return False
        absence.delete()
        audit.record(agent.pk, audit.Kind.ABSENCE_REMOVED, now, by, f"{absence.first_day} to {absence.last_day}")
    return True


def apply_schedules(now: datetime | None = None) -> Tally:
    """Flip the switches of agents whose hours began or ended, or whose absence began or ended.

    Looks only at agents whose next boundary has come (or whose hours, absences or time zone
    changed), off an index, in batches; each batch's agents are locked, and ones another sweep or
    an edit holds are left for the next sweep. `done` counts the agents whose switch or state changed.

    A batch that fails is done again one agent at a time, and an agent that fails on its own is
    skipped, reported, and looked at again after SKIPPED_AGENT_RETRY, so one bad row never holds
    back the rest.
    """
    now = now or timezone.now()
    tally = Tally()
    given_up: set[int] = set()  # agents that failed in this run and could not even be put off
    while True:
        try:
            with transaction.atomic():
                due = _lock_due_agents(now, SCHEDULE_BATCH, leave_out=given_up)
                tally.done += _apply_schedules_to(due, now)
        except Exception:
            logger.exception("schedules: a batch failed; applying it one agent at a time")
            due = list(_due_agents(now, SCHEDULE_BATCH, leave_out=given_up).values_list("pk", flat=True))
            for agent_id in due:
                tally.done += _apply_schedule_of_one(agent_id, now, tally, given_up)
        if len(due) < SCHEDULE_BATCH:
            return tally


def _due_agents(now: datetime, limit: int, leave_out: set[int]):
    agents = Agent.objects.filter(schedule_due_at__lte=now).order_by("schedule_due_at")
    if leave_out:
        agents = agents.exclude(pk__in=leave_out)
    return agents[:limit]


def _lock_due_agents(now: datetime, limit: int, leave_out: set[int]) -> list:
    agents = Agent.objects.select_for_update(skip_locked=True).filter(schedule_due_at__lte=now)
    if leave_out:
        agents = agents.exclude(pk__in=leave_out)
    return list(agents.order_by("schedule_due_at").values_list(*SCHEDULE_COLUMNS, named=True)[:limit])


def _apply_schedule_of_one(agent_id: int, now: datetime, tally: Tally, given_up: set[int]) -> int:
    try:
        with transaction.atomic():
            agents = list(
                Agent.objects.select_for_update(skip_locked=True)
                .filter(pk=agent_id, schedule_due_at__lte=now)
                .values_list(*SCHEDULE_COLUMNS, named=True)
            )
            return _apply_schedules_to(agents, now)
    except Exception as error:
        logger.exception("schedules: agent %s skipped", agent_id)
        tally.skip(f"agent {agent_id}", error)
        try:
            Agent.objects.filter(pk=agent_id).update(schedule_due_at=now + SKIPPED_AGENT_RETRY)
        except Exception:
            logger.exception("schedules: agent %s could not be put off either", agent_id)
            given_up.add(agent_id)
        return 0


def _apply_schedules_to(agents: list, now: datetime) -> int:
    """`agents` are rows with pk, time_zone, schedule_state and taking_referrals; hours and absences
    are read as rows too (with the models' field names), as thousands of model instances are slow."""
    if not agents:
        return 0
    recent = timezone.localdate(now) - timedelta(days=2)  # absences are in local dates; keep a margin
    ids = [agent.pk for agent in agents]
    hours: dict[int, list] = {}
    for row in WeeklyHours.objects.filter(agent__in=ids).values_list(
        "agent_id", "weekday", "starts_at", "ends_at", named=True
    ):
        hours.setdefault(row.agent_id, []).append(row)
    absences: dict[int, list] = {}
    for row in Absence.objects.filter(agent__in=ids, last_day__gte=recent).values_list(
        "agent_id", "first_day", "last_day", named=True
    ):
        absences.setdefault(row.agent_id, []).append(row)

    # The agents are locked: one update sets every next look, agents grouped by moment (many share a
    # time zone and hours), and one per new state flips the switches; none per agent.
    new_states: dict[str, list[int]] = {}
    next_looks: dict[datetime | None, list[int]] = {}
    switched_on = []
    for agent in agents:
        agent_hours, agent_absences = hours.get(agent.pk, []), absences.get(agent.pk, [])
        state = schedule_state_at(agent, agent_hours, agent_absences, now)
        next_looks.setdefault(next_boundary(agent, agent_hours, agent_absences, now), []).append(agent.pk)
        if state != agent.schedule_state:
            new_states.setdefault(state, []).append(agent.pk)
            if _switch_for(state) and not agent.taking_referrals:
                switched_on.append(agent.pk)
    never = next_looks.pop(None, [])
    if never:
        Agent.objects.filter(pk__in=never).update(schedule_due_at=None)
    if next_looks:
        # The CASE is typed: PostgreSQL refuses an untyped one that only yields NULL (SQLite takes anything).
        looks = [When(pk__in=ids, then=Value(moment)) for moment, ids in next_looks.items()]
        moments = [pk for ids in next_looks.values() for pk in ids]
        Agent.objects.filter(pk__in=moments).update(schedule_due_at=Case(*looks, output_field=DateTimeField()))
    for state, ids in new_states.items():
        switch = _switch_for(state)
        fields = {} if switch is None else {"taking_referrals": switch, "taking_referrals_changed_at": now}
        if switch:
            fields["paused_at"] = None  # the hours began: a pause for unanswered offers ends with them
        Agent.objects.filter(pk__in=ids).update(schedule_state=state, **fields)
    # No audit rows here: these flips follow the agent's own hours and absences, whose changes are
    # recorded; at 9:00 on the East Coast a row each would slow the sweep by a quarter (bench/sweep.py).
    if switched_on:
        transaction.on_commit(lambda: agents_became_available.send(sender=Agent, agent_ids=switched_on))
    return sum(len(ids) for ids in new_states.values())


def set_taking_referrals(
    agent: Agent, on: bool, by=None, now: datetime | None = None, *, paused_after_lapses: int = 0
) -> bool:
    """A flip of the switch by a person: the agent on their pages (or by text), or an administrator; or by
    Help On Demand itself, switching off an agent whose last `paused_after_lapses` offers lapsed (agents.pauses:
    its own audit row, by nobody). Switching on ends such a pause. Refused (AbsentError) during an extended
    absence. Returns whether it changed anything."""
    now = now or timezone.now()
    if on:
        local_day = local_now(agent, now).date()
        absence = agent.absences.filter(first_day__lte=local_day, last_day__gte=local_day).first()
        if absence is not None:
            raise AbsentError(absence.last_day)
    paused = not on and paused_after_lapses > 0
    with transaction.atomic():
        updated = (
            Agent.objects.filter(pk=agent.pk)
            .exclude(taking_referrals=on)
            .update(taking_referrals=on, taking_referrals_changed_at=now, paused_at=now if paused else None)
        )
        agent.taking_referrals = on
        if updated:
            agent.paused_at = now if paused else None
            kind = audit.Kind.SWITCHED_ON if on else audit.Kind.PAUSED if paused else audit.Kind.SWITCHED_OFF
            detail = f"{paused_after_lapses} offer(s) in a row lapsed unanswered" if paused else ""
            audit.record(agent.pk, kind, now, None if paused else by, detail)
        if updated and on:
            transaction.on_commit(lambda: agents_became_available.send(sender=Agent, agent_ids=[agent.pk]))
    return bool(updated)


def record_offer(agent_id: int, when: datetime) -> None:
    """Matching ranks ties by who waited longest since their last offer; the referral loop reports offers here."""
    Agent.objects.filter(pk=agent_id).update(last_offered_at=when)
