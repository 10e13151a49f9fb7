"""Only one beat at a time: `celery -A hod beat` uses SingleBeatScheduler (CELERY_BEAT_SCHEDULER).

Every beat enqueues the whole schedule, so two would run every sweep twice. Each beat takes a lock
before it sends anything; a second beat finds it held and waits, checking every few seconds, and
takes over when the first one stops. On PostgreSQL the lock is an advisory lock held by a database
connection of the beat's own, so it spans machines and is released the moment that beat's process
or connection dies; elsewhere (the embedded mode's SQLite, one machine) it is a file lock beside
the database.
"""

import contextlib
import fcntl
import logging
import time
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 4_730_201_110  # any fixed number; advisory locks are per database
RETRY_SECONDS = 5.0  # a waiting beat tries again this often; a holding one checks its lock this often


class PostgresLock:
    def __init__(self) -> None:
        self.database = None  # a connection of the lock's own, never Django's shared one

    def acquire(self) -> bool:
        self.release()
        database = connections.create_connection("default")
        database.connect()
        with database.connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            if cursor.fetchone()[0]:
                self.database = database
                return True
        database.close()
        return False

    def still_held(self) -> bool:
        try:
            with self.database.connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except Exception as error:  # the connection dropped: so did the lock
            logger.warning("beat: lost the lock's database connection (%s)", error)
            self.release()
            return False

    def release(self) -> None:
        if self.database is not None:
            with contextlib.suppress(Exception):
                self.database.close()
            self.database = None


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path, self.file = path, None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.close()
            return False
        self.file = file
        return True

    def still_held(self) -> bool:
        return True  # a file lock lasts as long as the process

    def release(self) -> None:
        if self.file is not None:
            self.file.close()  # closing the file releases the lock
            self.file = None


def beat_lock():
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return PostgresLock()
    return FileLock(Path(settings.VAR_DIR) / "beat.lock")


class SingleBeatScheduler(PersistentScheduler):
    """Celery's own scheduler, sending nothing unless this beat holds the lock."""

    def __init__(self, *args, **kwargs) -> None:
        self.lock = beat_lock()
        self.holding = False
        self.checked_at = 0.0
        self.told_waiting = False
        super().__init__(*args, **kwargs)

    def setup_schedule(self) -> None:
        # Celery's shelve of last run times lives in VAR_DIR, which a fresh production host may not have yet.
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()

    def tick(self, *args, **kwargs) -> float:
        if not self._hold_lock():
            return RETRY_SECONDS
        return min(super().tick(*args, **kwargs), RETRY_SECONDS)

    def _hold_lock(self) -> bool:
        if self.holding and time.monotonic() - self.checked_at < RETRY_SECONDS:
            return True
        self.checked_at = time.monotonic()
        if self.holding and self.lock.still_held():
            return True
        try:
            self.holding = self.lock.acquire()
        except Exception as error:
            logger.warning("beat: cannot take the lock (%s); trying again in %.0f s", error, RETRY_SECONDS)
            self.holding = False
        if self.holding:
            logger.info("beat: this beat holds the lock and sends the schedule")
            self.told_waiting = False
        elif not self.told_waiting:
            logger.warning("beat: another beat holds the lock; this one waits and takes over if it stops")
            self.told_waiting = True
        return self.holding

    def close(self) -> None:
        super().close()
        self.lock.release()
