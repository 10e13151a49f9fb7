"""The embedded mode `make run` starts: web, worker and beat from one command, on SQLite and a folder broker."""

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
    except OSError:
        return None


def read_all(folder: Path, pattern: str) -> str:
    return "".join(path.read_text(errors="replace") for path in folder.glob(pattern))


def test_web_worker_and_beat_start_together_and_stop_on_ctrl_c(clean_environ, tmp_path, wait_until):
    env = {
        **clean_environ,
        "HOD_VAR_DIR": str(tmp_path),
        "HOD_STATIC_ROOT": str(tmp_path / "static"),
        "HOD_PORT": str(free_port()),
        "HOD_SWEEP_INTERVAL_SECONDS": "2",  # so the test sees beat and the worker sweep within seconds
    }
    env["PATH"] = f"{BIN}:{env['PATH']}"
    for step in (["migrate"], ["collectstatic", "--noinput"]):  # what `make run` does first
        subprocess.run([sys.executable, "manage.py", *step, "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "--procfile", "Procfile.dev", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(honcho.stdout), daemon=True)
    reader.start()
    site = f"http://127.0.0.1:{env['HOD_PORT']}"
    url = f"{site}/healthz"
    try:
        wait_until(lambda: honcho.poll() is not None or get_json(url) is not None, timeout=60)
        assert get_json(f"{site}/livez") == (200, {"status": "ok"})
        wait_until(lambda: "ready." in "".join(lines) and "beat: Starting..." in "".join(lines), timeout=60)
        # Beat sends the sweep, the worker runs it, and /healthz sees its heartbeat.
        wait_until(lambda: get_json(url)[1]["status"] == "ok", timeout=60)
        status, health = get_json(url)
        assert status == 200 and health["database"] == health["broker"] == health["sweep"] == "ok", health
        page = urllib.request.urlopen(f"{site}/es/get-contacted/", timeout=5).read().decode()
        stylesheet = re.search(r'href="(/static/uswds/css/uswds\.min\.[0-9a-f]+\.css)"', page).group(1)
        assert urllib.request.urlopen(site + stylesheet, timeout=5).status == 200
        # A message sent from `manage.py shell` reaches the worker and lands as files within seconds.
        send = (
            "from notifications.sending import Recipient, send;"
            "send(Recipient(email='ana@agents.example', phone='+13135550142', channels={'email', 'sms'}),"
            " 'test_message')"
        )
        subprocess.run([sys.executable, "manage.py", "shell", "-c", send], cwd=ROOT, env=env, check=True, timeout=60)
        # Files appear before they are written: wait for what they say, not for them to exist.
        wait_until(lambda: "Help On Demand" in read_all(tmp_path / "messages", "sms-*.json"), timeout=20)
        wait_until(lambda: "Help On Demand test message" in read_all(tmp_path / "mail", "*.log"), timeout=20)
        assert len(list((tmp_path / "mail").glob("*.log"))) == 1
        assert (tmp_path / "hod.sqlite3").exists()
        assert (tmp_path / "broker" / "queue").is_dir()
    finally:
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C sends
        honcho.wait(timeout=60)
        reader.join(timeout=10)
        honcho.stdout.close()

    output = "".join(lines)
    for process in ("web", "worker", "beat"):
        assert f"{process}.1 stopped" in output, output
    assert "ERROR" not in output, output
