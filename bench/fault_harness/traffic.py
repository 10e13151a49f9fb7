"""What the suite sends the web: consumers filling in Get Contacted at a fixed arrival rate, and a browser with
cookies for agents going through the registration pages."""

import http.client
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 30  # seconds a consumer's browser waits for a page


@dataclass
class Answer:
    status: int | None  # None: no answer at all (refused, reset, timed out)
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str = ""
    set_cookies: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


class Web:
    """HTTP to gunicorn: one keep-alive connection per thread, as each browser holds its own."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        if getattr(self._local, "connection", None) is None:
            self._local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return self._local.connection

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None) -> Answer:
        started = time.perf_counter()
        try:
            connection = self._connection()
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            content = response.read()
            if response.will_close:
                self._drop()
            found = {name.lower(): value for name, value in response.getheaders()}
            cookies = response.msg.get_all("Set-Cookie") or []
            return Answer(response.status, found, content, time.perf_counter() - started, set_cookies=cookies)
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            return Answer(None, {}, b"", time.perf_counter() - started, f"{type(error).__name__}: {error}")

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None


def cookies_set_by(answer: Answer) -> dict[str, str]:
    found = {}
    for header in answer.set_cookies:
        cookie = SimpleCookie()
        cookie.load(header)
        found.update({name: morsel.value for name, morsel in cookie.items()})
    return found


def cookie_from(answer: Answer) -> str:
    """The Cookie header a browser sends back after this answer."""
    return "; ".join(f"{name}={value}" for name, value in cookies_set_by(answer).items())


def csrf_token(answer: Answer) -> str:
    found = CSRF_FIELD.search(answer.body)
    return found.group(1).decode() if found else ""


def consumer_phone(number: int) -> str:
    """A phone number of its own for each consumer of the run (one open request per phone)."""
    return f"+1202{3000000 + number:07d}"


@dataclass
class Submission:
    """One consumer: the form opened (GET) and sent (POST)."""

    number: int
    phone: str
    started: float  # time.monotonic() when the consumer opened the form
    opened: Answer
    sent: Answer | None

    @property
    def redirected_to_status(self) -> bool:
        return self.sent is not None and self.sent.status == 302 and "/get-contacted/status/" in self.sent.location

    @property
    def answers(self) -> list[Answer]:
        return [answer for answer in (self.opened, self.sent) if answer is not None]


def submit(web: Web, number: int, places: list[dict], language: str | None = None) -> Submission:
    """A consumer opens Get Contacted (for the CSRF cookie), then sends it; half in Spanish, half with an e-mail."""
    chance = random.Random(number)
    place = chance.choice(places)
    spanish = number % 2 == 1
    prefix = "/es" if spanish else ""
    started = time.monotonic()
    opened = web.request("GET", f"{prefix}/get-contacted/")
    phone = consumer_phone(number)
    if opened.status != 200:
        return Submission(number, phone, started, opened, None)
    form = {
        "csrfmiddlewaretoken": csrf_token(opened),
        "first_name": "Fault",
        "last_name": f"Consumer {number}",
        "phone": phone,
        "email": f"consumer{number}@bench.example" if number % 4 < 2 else "",
        "zip_code": place["zip_code"],
        "language": language or ("es" if spanish else "en"),
        "consent": "on",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_from(opened)}
    sent = web.request("POST", f"{prefix}/get-contacted/", urlencode(form), headers)
    return Submission(number, phone, started, opened, sent)


def at_fixed_rate(action, numbers: list[int], rate: float, threads: int = 64) -> list:
    """Start action(number) for the i-th number at i / rate seconds from now, whatever the earlier ones are
    doing (open-loop arrivals, so a stalled server shows in the figures); returns the results in order."""
    start = time.monotonic() + 0.2
    stopping = threading.Event()

    def run(index: int):
        if stopping.wait(max(0.0, start + index / rate - time.monotonic())):
            return None
        return action(numbers[index])

    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        return list(pool.map(run, range(len(numbers))))
    finally:
        stopping.set()  # after Ctrl-C, the consumers not yet due never come
        pool.shutdown(cancel_futures=True)


def in_parallel(action, items: list, threads: int) -> list:
    """action(item) for every item, `threads` at a time; after Ctrl-C, the items not yet begun are dropped."""
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        return list(pool.map(action, items))
    finally:
        pool.shutdown(cancel_futures=True)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Browser:
    """One person's browser: its own connection and cookies; redirects are not followed, so each is checked."""

    def __init__(self, port: int) -> None:
        self.web = Web(port)
        self.cookies: dict[str, str] = {}

    def _remember(self, answer: Answer) -> Answer:
        self.cookies.update(cookies_set_by(answer))
        return answer

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        return {**headers, **(extra or {})}

    def get(self, path: str) -> Answer:
        return self._remember(self.web.request("GET", path, headers=self._headers()))

    def post_form(self, path: str, form: dict, page: str | None = None) -> Answer:
        """Open the page the form is on (`path` unless said) for its CSRF token, then post the form with it."""
        page = self.get(page or path)
        data = {"csrfmiddlewaretoken": csrf_token(page), **form}
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        return self._remember(self.web.request("POST", path, urlencode(data), headers))

    def post_json(self, path: str, body: str) -> Answer:
        headers = self._headers({"Content-Type": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")})
        return self._remember(self.web.request("POST", path, body, headers))
