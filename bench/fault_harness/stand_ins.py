"""The providers, played locally: messages are counted where they arrive, not where the application says it
sent them.

- e-mail: an SMTP server (aiosmtpd); each e-mail carries `X-HOD-Notification: <notification id>`;
- texts: Twilio's Messages API over HTTP (tests/stand_ins.py), through the real `twilio` library; a text
  carries no id, so it is known by its (To, Body);
- app notifications: Google's token endpoint and FCM's send endpoint, through the real `firebase-admin`;
  each carries `"notification": <id>` in its data.
"""

import asyncio
import email
import email.policy
import json
import os
import socket
import threading
import time
from collections import Counter, defaultdict

from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.stand_ins import StandIn, serve

TWILIO_SID = "AC" + "5" * 32
TWILIO_TOKEN = "twilio-auth-token-for-the-fault-suite"
MESSAGING_SERVICE = "MG" + "6" * 32
FCM_PROJECT = "hod-bench"
# How long each provider takes to take a message (BENCH_PROVIDER_SECONDS). Real ones take a tenth of a second or
# more; an instant stand-in would leave a worker killed mid-send almost never holding a message.
PROVIDER_SECONDS = float(os.environ.get("BENCH_PROVIDER_SECONDS", "0.1"))


class Arrivals:
    """Every message that reached a provider, by channel, with the time of the latest one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.emails: Counter[int] = Counter()  # notification id -> copies received
        self.pushes: Counter[int] = Counter()
        self.texts: Counter[tuple[str, str]] = Counter()  # (To, Body) -> copies received
        self.mail_to: dict[str, list[str]] = defaultdict(list)  # address -> plain-text bodies, oldest first
        self.latest = 0.0  # time.monotonic() of the latest arrival
        self.cut_off = 0  # answers the sender never read: it died (or gave up) while the provider was answering

    def email(self, notification: int, recipients: list[str], text: str) -> None:
        with self._lock:
            self.emails[notification] += 1
            for address in recipients:
                self.mail_to[address.lower()].append(text)
            self.latest = time.monotonic()

    def push(self, notification: int) -> None:
        with self._lock:
            self.pushes[notification] += 1
            self.latest = time.monotonic()

    def text(self, to: str, body: str) -> None:
        with self._lock:
            self.texts[(to, body)] += 1
            self.latest = time.monotonic()

    def mail_for(self, address: str) -> list[str]:
        with self._lock:
            return list(self.mail_to.get(address.lower(), []))

    def total(self) -> int:
        with self._lock:
            return sum(self.emails.values()) + sum(self.pushes.values()) + sum(self.texts.values())


class _Mailbox:
    """aiosmtpd's handler: takes every e-mail and counts it by its notification id."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(PROVIDER_SECONDS)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        plain = message.get_body(preferencelist=("plain",))
        notification = int(message.get("X-HOD-Notification", "0") or 0)
        self.arrivals.email(notification, envelope.rcpt_tos, plain.get_content() if plain else "")
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_account(token_uri: str) -> str:
    """A service-account key of our own: firebase-admin signs a JWT with it and trades it at `token_uri`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": FCM_PROJECT,
            "private_key_id": "fault-suite",
            "private_key": pem,
            "client_email": f"hod@{FCM_PROJECT}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": token_uri,
        }
    )


class Providers:
    """The three stand-ins, started together; `environment()` is what points the stack at them."""

    def __init__(self) -> None:
        self.arrivals = Arrivals()
        self._sids = iter(range(1, 10**9))
        self._lock = threading.Lock()
        self.http = StandIn()
        self.http.defaults.update(
            {"/Messages.json": self._twilio_message, "/token": self._google_token, "/messages:send": self._fcm_send}
        )
        self._http_server = None
        self._smtp = None

    def start(self) -> None:
        self._http_server = serve(self.http)
        self._http_server.handle_error = self._sender_gone
        self._smtp = Controller(_Mailbox(self.arrivals), hostname="127.0.0.1", port=free_port())
        self._smtp.start()

    def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        if self._http_server is not None:
            self._http_server.shutdown()
            self._http_server.server_close()

    def environment(self) -> dict[str, str]:
        return {
            "BENCH_SMTP_PORT": str(self._smtp.port),
            "BENCH_TWILIO_URL": self.http.url,
            "BENCH_FCM_URL": self.http.url,
            "HOD_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE,
            "HOD_PUSH_BACKEND": "fcm",
            "FCM_CREDENTIALS": service_account(self.http.url + "/token"),
        }

    def _sender_gone(self, request, client_address) -> None:
        """The sender hung up before the answer (a killed worker): counted, not printed as a traceback."""
        self.arrivals.cut_off += 1

    def _twilio_message(self, request) -> tuple[int, dict]:
        time.sleep(PROVIDER_SECONDS)
        form = request.form
        self.arrivals.text(form.get("To", ""), form.get("Body", ""))
        with self._lock:
            sid = f"SM{next(self._sids):032d}"
        return 201, {"sid": sid, "status": "accepted", "to": form.get("To"), "body": form.get("Body")}

    def _google_token(self, request) -> tuple[int, dict]:
        return 200, {"access_token": "ya29.fault-suite", "expires_in": 3600, "token_type": "Bearer"}

    def _fcm_send(self, request) -> tuple[int, dict]:
        time.sleep(PROVIDER_SECONDS)
        data = request.json.get("message", {}).get("data", {})
        self.arrivals.push(int(data.get("notification", 0)))
        with self._lock:
            name = f"projects/{FCM_PROJECT}/messages/{next(self._sids)}"
        return 200, {"name": name}
