"""The production stack on this machine: a Redis server of the suite's own (with an append-only file, as
production runs it), gunicorn, a Celery worker and beat, each in its own process group with its own log,
and an orchestrator that restarts whatever exits on its own.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def wait_until(condition, timeout: float, every: float = 0.2) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; True when it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


def _live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies waiting to be reaped do not count)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


class Log:
    """A process's log file, read from a mark: what it wrote during one scenario."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int) -> str:
        if not self.path.exists():
            return ""
        with self.path.open("rb") as file:
            file.seek(mark)
            return file.read().decode("utf-8", "replace")


class RedisServer:
    """redis-server on a spare port, persisting to an append-only file in `folder` so a restart keeps the queue."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.log = Log(folder / "redis.log")
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, database: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"]
        command += ["--dir", str(self.folder), "--logfile", str(self.log.path)]
        self.process = subprocess.Popen(command, start_new_session=True)
        if not wait_until(self.answers, 10):
            raise RuntimeError(f"redis-server did not answer on port {self.port}; see {self.log.path}")

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """A clean stop (SIGTERM): Redis writes its append-only file out first."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@dataclass
class Service:
    """One process of the stack (web, worker, beat): a command run in its own process group, so that it
    and its children can be stopped or killed together."""

    name: str
    command: list[str]
    environment: dict[str, str]
    log: Log
    process: subprocess.Popen | None = None
    wanted: bool = False  # the orchestrator restarts a wanted process that exits
    restarts: list[str] = field(default_factory=list)  # what the orchestrator saw exit, and how
    lock: threading.RLock = field(default_factory=threading.RLock)

    def start(self) -> None:
        with self.lock:
            with self.log.path.open("ab") as output:
                self.process = subprocess.Popen(
                    self.command,
                    cwd=ROOT,
                    env=self.environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.wanted = True

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the whole group (a warm shutdown), SIGKILL if it is still there after `timeout`."""
        with self.lock:
            self.wanted = False
            if not self.running:
                return
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
            self._reap_group()

    def kill(self) -> None:
        """SIGKILL to the whole group: the process and its children die where they stand."""
        with self.lock:
            self.wanted = False
            if self.process is None:
                return
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)
            self._reap_group()

    def _signal_group(self, signal_number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal_number)

    def _reap_group(self) -> None:
        """Children left in the group (a pool process the parent did not wait for) are killed too."""
        if not wait_until(lambda: not _live_members(self.process.pid), 5, every=0.05):
            self._signal_group(signal.SIGKILL)

    def restart_if_exited(self) -> None:
        with self.lock:
            if self.wanted and self.process is not None and self.process.poll() is not None:
                self.restarts.append(f"exited with {self.process.returncode} at {time.strftime('%H:%M:%S')}")
                self._reap_group()
                self.start()


class Orchestrator:
    """Restarts any wanted process that exits on its own, as a container orchestrator would."""

    def __init__(self, services: list[Service]) -> None:
        self.services = services
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="orchestrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for service in list(self.services):
                service.restart_if_exited()


class Stack:
    """gunicorn, one worker and one beat against `environment` (the database, Redis and the stand-ins)."""

    def __init__(self, folder: Path, environment: dict[str, str], web_port: int, gunicorn_workers: int) -> None:
        self.folder, self.environment, self.web_port = folder, environment, web_port
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        self.web = self._service(
            "web",
            [str(BIN / "gunicorn"), "hod.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", str(gunicorn_workers)]
            + ["--log-level", "warning"],
        )
        self.worker = self._service(
            "worker", [str(BIN / "celery"), "-A", "hod", "worker", "--loglevel", "INFO", "--concurrency", "4"]
        )
        self.beats = [self.new_beat("beat")]
        self.orchestrator = Orchestrator([self.web, self.worker, *self.beats])

    def _service(self, name: str, command: list[str]) -> Service:
        return Service(name, command, self.environment, Log(self.folder / "logs" / f"{name}.log"))

    def new_beat(self, name: str) -> Service:
        """A beat with its own schedule file, as a beat in its own container has."""
        schedule = self.folder / f"{name}-schedule"
        return self._service(
            name, [str(BIN / "celery"), "-A", "hod", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]
        )

    def add_beat(self, name: str) -> Service:
        beat = self.new_beat(name)
        self.beats.append(beat)
        self.orchestrator.services.append(beat)
        return beat

    def retire_beat(self, beat: Service) -> None:
        """Stop a beat for good; the first beat left is the stack's beat from now on."""
        beat.stop()
        self.beats.remove(beat)
        self.orchestrator.services.remove(beat)

    @property
    def services(self) -> list[Service]:
        return [self.web, self.worker, *self.beats]

    def start(self) -> None:
        self.web.start()
        self.start_worker()
        self.beats[0].start()
        if not wait_until(lambda: self.web_status("/healthz") == 200, 60):
            raise RuntimeError(f"gunicorn did not answer /healthz; see {self.web.log.path}")
        self.orchestrator.start()

    def start_worker(self, timeout: float = 60) -> float:
        """Start the worker and wait until it says it is ready; returns the seconds that took."""
        started, mark = time.monotonic(), self.worker.log.mark()
        self.worker.start()
        if not wait_until(lambda: " ready." in self.worker.log.since(mark), timeout):
            raise RuntimeError(f"the Celery worker did not get ready; see {self.worker.log.path}")
        return time.monotonic() - started

    def stop(self) -> None:
        self.orchestrator.stop()
        for service in self.services:
            service.stop()

    def web_status(self, path: str) -> int | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=5)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def restarts(self) -> list[str]:
        return [f"{service.name} {event}" for service in self.services for event in service.restarts]
