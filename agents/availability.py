"""Rule 8: the stored "taking referrals" switch, and the standard hours and absences that flip it.

The agent flips the switch at any time. Standard weekly hours (in the agent's own time zone, from
their ZIP code) switch it on when they begin and off when they end; during an extended absence it
stays off. `apply_schedules(now)` is the step the sweep calls: it works out where each agent's
hours and absences put them and flips the switch only where that changed since the last sweep, so
a manual flip holds until the next boundary.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from agents.models import Absence, Agent, ScheduleState, WeeklyHours

FALLBACK_TIME_ZONE = "America/New_York"

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
    moment = local.time()
    if any(h.weekday == local.weekday() and h.starts_at <= moment < h.ends_at for h in hours):
        return ScheduleState.IN_HOURS
    return ScheduleState.OUT_OF_HOURS


def _switch_for(state: str) -> bool | None:
    """What reaching this schedule state does to the switch (None: leave it as the agent set it)."""
    return {ScheduleState.IN_HOURS: True, ScheduleState.OUT_OF_HOURS: False, ScheduleState.ABSENT: False}.get(state)


def apply_schedules(now: datetime | None = None) -> int:
    """Flip the switches of agents whose hours began or ended, or whose absence began or ended.

    Safe with two sweeps at once: each change is a conditional update on the state it read.
    Returns how many agents changed.
    """
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=2)  # absences are in local dates; keep a margin
    agents = (
        Agent.objects.filter(
            Q(weekly_hours__isnull=False) | Q(absences__last_day__gte=yesterday) | ~Q(schedule_state=ScheduleState.NONE)
        )
        .distinct()
        .only("pk", "time_zone", "schedule_state", "taking_referrals")
    )
    hours: dict[int, list[WeeklyHours]] = {}
    for row in WeeklyHours.objects.filter(agent__in=agents):
        hours.setdefault(row.agent_id, []).append(row)
    absences: dict[int, list[Absence]] = {}
    for row in Absence.objects.filter(agent__in=agents, last_day__gte=yesterday):
        absences.setdefault(row.agent_id, []).append(row)

    changes: dict[tuple[str, str], list[int]] = {}
    for agent in agents:
        state = schedule_state_at(agent, hours.get(agent.pk, []), absences.get(agent.pk, []), now)
        if state != agent.schedule_state:
            changes.setdefault((agent.schedule_state, state), []).append(agent.pk)

    changed, switched_on = 0, []
    with transaction.atomic():
        for (old, new), ids in changes.items():
            switch = _switch_for(new)
            fields = {"schedule_state": new}
            if switch is not None:
                fields.update(taking_referrals=switch, taking_referrals_changed_at=now)
                if switch:
                    switched_on.extend(ids)
            changed += Agent.objects.filter(pk__in=ids, schedule_state=old).update(**fields)
        if switched_on:
            transaction.on_commit(lambda: agents_became_available.send(sender=Agent, agent_ids=switched_on))
    return changed


def set_taking_referrals(agent: Agent, on: bool, now: datetime | None = None) -> None:
    """The agent's own flip of the switch. Refused (AbsentError) during an extended absence."""
    now = now or timezone.now()
    if on:
        local_day = local_now(agent, now).date()
        absence = agent.absences.filter(first_day__lte=local_day, last_day__gte=local_day).first()
        if absence is not None:
            raise AbsentError(absence.last_day)
    with transaction.atomic():
        updated = (
            Agent.objects.filter(pk=agent.pk)
            .exclude(taking_referrals=on)
            .update(taking_referrals=on, taking_referrals_changed_at=now)
        )
        agent.taking_referrals = on
        if updated and on:
            transaction.on_commit(lambda: agents_became_available.send(sender=Agent, agent_ids=[agent.pk]))


def record_offer(agent_id: int, when: datetime) -> None:
    """Matching ranks ties by who waited longest since their last offer; the referral loop reports offers here."""
    Agent.objects.filter(pk=agent_id).update(last_offered_at=when)
