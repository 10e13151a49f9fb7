"""Pausing intake: administrators stop new requests everywhere or in one state, with a message in English and
Spanish that the Get Contacted page shows instead of the form; requests already made still go to agents.

One function per change (`pause_intake`, `resume_intake`), atomic, checked by the database (one active pause
per scope; the first resume wins), each writing admin's log entry in the same transaction and a log line after
it. `pause_for` is what the Get Contacted page asks, once per request: one small query, no cache, so a pause
applies to every web process at once and nothing but the database needs to be up.
"""

import logging
from collections.abc import Mapping
from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from hod import cached
from hod.reference.models import State
from referrals.models import IntakePause

logger = logging.getLogger(__name__)

EVERYWHERE = None  # the scope of a pause that applies in every state
PAUSES_KEY = "intake:pauses"


class AlreadyPaused(Exception):
    """Intake is paused in that scope already; `pause` is the active pause."""

    def __init__(self, pause: IntakePause) -> None:
        super().__init__(f"intake is already paused {pause.where}")
        self.pause = pause


def _in_effect(now: datetime) -> Q:
    return Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))


def pause_for(state: str | None, now: datetime | None = None) -> IntakePause | None:
    """The pause that keeps a consumer in `state` (a 2-letter code; None: state not known yet) from asking for
    help at `now`: the state's own, else the one everywhere; None when intake is open.

    Every consumer's GET and POST asks, so the pauses not ended yet are kept a few seconds in each process
    (hod.cached): a pause begun or ended here applies at once, in the other web processes within seconds."""
    now = now or timezone.now()
    not_ended = Q(ended_at__isnull=True) | Q(ended_at__gt=now)
    pauses = cached.read_through(
        PAUSES_KEY, lambda: list(IntakePause.objects.filter(not_ended).select_related("state"))
    )
    found = [
        pause
        for pause in pauses
        if pause.started_at <= now
        and (pause.ended_at is None or pause.ended_at > now)
        and pause.state_id in (None, state or None)
    ]
    return min(found, key=lambda pause: pause.state_id is None, default=None)  # the state's own first


def forget_pauses(**kwargs) -> None:
    cached.forget(PAUSES_KEY)


def _forget_now_and_after_commit() -> None:
    """Now, for this transaction's own next look; after commit, for another process that looked meanwhile."""
    forget_pauses()
    transaction.on_commit(forget_pauses)


def active_pause_in(scope: State | None) -> IntakePause | None:
    """The active pause of exactly this scope (a state, or EVERYWHERE), if there is one."""
    return IntakePause.objects.filter(state=scope, ended_at__isnull=True).select_related("started_by").first()


def active_pauses(now: datetime | None = None) -> QuerySet[IntakePause]:
    """Every pause in effect now, everywhere's first, then by state."""
    now = now or timezone.now()
    pauses = IntakePause.objects.filter(_in_effect(now)).select_related("started_by")
    return pauses.order_by(F("state").asc(nulls_first=True))


def pause_intake(scope: State | None, messages: Mapping[str, str], by, now: datetime | None = None) -> IntakePause:
    """Pause intake in `scope` (a State, or EVERYWHERE) with `messages` {"en": …, "es": …}, both required.

    The database allows one active pause per scope: a second one gets AlreadyPaused with the first.
    """
    now = now or timezone.now()
    text = {language: (messages.get(language) or "").strip() for language in ("en", "es")}
    missing = [language for language, message in text.items() if not message]
    if missing:
        raise ValueError(f"a pause needs a message in each language; missing: {', '.join(missing)}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                pause = IntakePause.objects.create(
                    state=scope, message_en=text["en"], message_es=text["es"], started_at=now, started_by=by
                )
        except IntegrityError:
            existing = active_pause_in(scope)
            if existing is None:
                raise
            raise AlreadyPaused(existing) from None
        _log(by, pause, ADDITION, f"Paused intake {pause.where}.")
        _forget_now_and_after_commit()
    logger.info("intake paused %s by user %s (pause %s)", pause.where, by.pk, pause.pk)
    return pause


def resume_intake(pause: IntakePause, by, now: datetime | None = None) -> bool:
    """End the pause: consumers in its scope can ask for help again (unless another pause covers them).
    Returns False when it had ended already (another administrator resumed first)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not IntakePause.objects.filter(pk=pause.pk, ended_at__isnull=True).update(ended_at=now, ended_by=by):
            return False
        pause.ended_at, pause.ended_by = now, by
        _log(by, pause, CHANGE, f"Resumed intake {pause.where}.")
        _forget_now_and_after_commit()
    logger.info("intake resumed %s by user %s (pause %s)", pause.where, by.pk, pause.pk)
    return True


def _log(by, pause: IntakePause, action: int, message: str) -> None:
    """Admin's own history of the pause (its History page and the log of recent actions)."""
    LogEntry.objects.log_actions(by.pk, [pause], action, message, single_object=True)
