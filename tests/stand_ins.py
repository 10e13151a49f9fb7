"""A local HTTP server that plays a provider (Twilio, FCM), so tests go through the real client libraries."""

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    method: str
    path: str
    headers: dict  # names in lower case
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class StandIn:
    """Answers each request with the next scripted answer for its path, or the default for it."""

    defaults: dict = field(default_factory=dict)  # path fragment -> callable(Received) -> (status, body)
    received: list[Received] = field(default_factory=list)
    scripted: dict = field(default_factory=dict)  # path fragment -> deque of (status, body)
    url: str = ""

    def answer(self, path_fragment: str, status: int, body: dict) -> None:
        self.scripted.setdefault(path_fragment, deque()).append((status, body))

    def requests_to(self, path_fragment: str) -> list[Received]:
        return [request for request in self.received if path_fragment in request.path]

    def respond(self, request: Received) -> tuple[int, dict]:
        self.received.append(request)
        for fragment, answers in self.scripted.items():
            if fragment in request.path and answers:
                return answers.popleft()
        for fragment, make in self.defaults.items():
            if fragment in request.path:
                return make(request)
        return 404, {"error": f"the stand-in knows no {request.path}"}


def serve(stand_in: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Received(self.command, self.path, headers, self.rfile.read(length))
            status, body = stand_in.respond(request)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _handle

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
