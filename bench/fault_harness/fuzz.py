"""Malformed and odd requests: what a public service gets from broken browsers, scanners and the curious.

Each is a Probe; `form_probes` spoils the Get Contacted form one way at a time, `odd_probes` knocks on the
other public addresses. Nothing here may earn a 5xx answer: a bad request is the client's fault (4xx) or
a page that says what is wrong (200).
"""

import json
import random
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

from .traffic import consumer_phone

FORM_PATHS = ["/get-contacted/", "/es/get-contacted/"]
FORM_TYPE = "application/x-www-form-urlencoded"
PROVIDERS = ["amazon_ses", "brevo", "mailgun", "mailjet", "mandrill", "postal", "postmark", "resend", "sendgrid"]
PROVIDERS += ["sparkpost"]
WEBHOOK_SECRET = "fault-suite:webhook-secret"


@dataclass
class Probe:
    category: str
    method: str
    path: str
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    with_csrf: bool = True  # send the CSRF cookie and the X-CSRFToken header a real page would have

    def describe(self) -> str:
        path = self.path if len(self.path) <= 70 else self.path[:60] + f"…({len(self.path)} chars)"
        headers = ", ".join(f"{name} {value[:40]!r}" for name, value in self.headers.items() if value != FORM_TYPE)
        return f"{self.method} {path} [{len(self.body)} bytes{'; ' + headers if headers else ''}]"


def encode(fields: list[tuple[str, bytes | str]]) -> bytes:
    """URL-encode any bytes, valid UTF-8 or not."""
    parts = []
    for name, value in fields:
        raw = value if isinstance(value, bytes) else value.encode()
        parts.append(f"{quote_from_bytes(name.encode())}={quote_from_bytes(raw)}")
    return "&".join(parts).encode()


def good_form(number: int) -> dict[str, bytes | str]:
    return {
        "first_name": "Fuzz",
        "last_name": f"Consumer {number}",
        "phone": consumer_phone(number),
        "email": f"fuzz{number}@bench.example",
        "zip_code": "33130",
        "language": "en",
        "consent": "on",
    }


def long_email(length: int) -> str:
    """A well-formed address of about `length` characters (the validator allows 320, the column holds 254)."""
    local, domain = "a" * 64, "example"
    while len(local) + 1 + len(domain) < length:
        room = length - (len(local) + 1 + len(domain)) - 1  # less the dot before the next label
        domain = "b" * max(1, min(63, room)) + "." + domain  # a label holds at most 63 characters
    return f"{local}@{domain}"


ODD_PHONES = [
    "+44 20 7946 0958",
    "+1 (202) 555-0199 ext. 1234",
    "1-800-FLOWERS",
    "٠١٢٣٤٥٦٧٨٩",
    "+",
    "0" * 60,
    "+1202555019９",
    "+1 202 555 01\u200b99",
    "(202) 555-0199;DROP TABLE",
    "+999999999999999",
    "202-555-0199\n",
    "+1-202-555-0199" * 20,
    "tel:+12025550199",
    "+1 (000) 000-0000",
    "911",
]
BAD_ZIPS = [
    "00000",
    "99999",
    "1234",
    "123456",
    "ABCDE",
    "20001-1234",
    "２０００１",
    " 20001 ",
    "-1",
    "1e5",
    "0x4e21",
    "٣٣١٣٠",
    "33130\n33131",
    "33 130",
    "",
    "96799",
    "00601",
]
ODD_TEXT = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "{% debug %}",
    "%s%s%n",
    "${jndi:ldap://x/a}",
    "\u202eevil",
    "😀" * 40,
    "\u200b\u200c\u200d",
    "Robert'); DROP TABLE referrals_referral;--",
    "\r\nBcc: x@y.z",
    "\t \n",
    "ǅǈ̸̢̛̖̳̙̮͎̩̥̊̿̒̓̑̈́ͅ",
    "null",
    "undefined",
    "[object Object]",
]
BAD_BYTES = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9", b"\x80\x81\x82", b"ok\xf0\x28\x8c\x28"]


def _spoiled(chance: random.Random, number: int, category: str) -> Probe:
    form: dict[str, bytes | str] = good_form(number)
    headers = {"Content-Type": FORM_TYPE}
    name = chance.choice(list(form))
    with_csrf = True
    if category == "huge field":
        form[name] = "x" * chance.choice([10_000, 100_000, 1_000_000, 3_000_000])
    elif category == "latin-1 charset":
        headers["Content-Type"] = FORM_TYPE + "; charset=" + chance.choice(["latin-1", "iso-8859-1", "utf-16", "bogus"])
        form["first_name"], form["last_name"] = "José".encode("latin-1"), "Muñoz Ibáñez".encode("latin-1")
    elif category == "invalid UTF-8":
        form[name] = chance.choice(BAD_BYTES) + str(form[name]).encode()
    elif category == "no CSRF":
        with_csrf = chance.random() < 0.5  # half with no token at all, half with a wrong one
        headers["X-CSRFToken"] = "wrong" * 8
    elif category == "long e-mail":
        form["email"] = long_email(chance.randint(255, 320))
    elif category == "odd phone":
        form["phone"] = chance.choice(ODD_PHONES)
    elif category == "bad ZIP":
        form["zip_code"] = chance.choice(BAD_ZIPS)
    elif category == "NUL byte":
        form[name] = str(form[name]) + "\x00" + chance.choice(["", "x", "0"])
    elif category == "odd text":
        form[name] = chance.choice(ODD_TEXT)
    elif category == "odd language and consent":
        form["language"] = chance.choice(["xx", "", "EN", "en-US", "es" * 500, "de\x00", "../../etc"])
        form["consent"] = chance.choice(["off", "0", "", "false", "on" * 1000])
    elif category == "missing fields":
        for missing in chance.sample(list(form), k=chance.randint(1, len(form))):
            del form[missing]
    elif category == "repeated fields":
        pairs = list(form.items()) + [(key, "second " + str(v)) for key, v in form.items()]
        pairs += [("phone[]", "1"), ("zip_code[0]", "33130")]
        return Probe(category, "POST", chance.choice(FORM_PATHS), encode(pairs), headers)
    elif category == "too many fields":
        pairs = list(form.items()) + [(f"extra{n}", "1") for n in range(chance.choice([999, 1500, 5000]))]
        return Probe(category, "POST", chance.choice(FORM_PATHS), encode(pairs), headers)
    elif category == "wrong body":
        return _wrong_body(chance, form)
    return Probe(category, "POST", chance.choice(FORM_PATHS), encode(list(form.items())), headers, with_csrf)


def _wrong_body(chance: random.Random, form: dict) -> Probe:
    path = chance.choice(FORM_PATHS)
    plain = {key: value if isinstance(value, str) else value.decode("latin-1") for key, value in form.items()}
    boundary = "faultsuiteboundary"
    multipart = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in plain.items()
    )
    choices = [
        ({"Content-Type": "application/json"}, json.dumps(plain).encode()),
        ({"Content-Type": "text/plain"}, b"first_name=Fuzz&phone=2025550199"),
        ({}, encode(list(form.items()))),  # no Content-Type at all
        ({"Content-Type": f"multipart/form-data; boundary={boundary}"}, (multipart + f"--{boundary}--\r\n").encode()),
        ({"Content-Type": "multipart/form-data; boundary=other"}, multipart.encode()),  # a boundary that never comes
        ({"Content-Type": "multipart/form-data"}, multipart.encode()),  # no boundary at all
        ({"Content-Type": FORM_TYPE}, bytes(chance.getrandbits(8) for _ in range(2000))),
        ({"Content-Type": FORM_TYPE}, b""),
        ({"Content-Type": FORM_TYPE}, b"&&&===&=&%%%25%ZZ&phone=%"),
    ]
    headers, body = chance.choice(choices)
    return Probe("wrong body", "POST", path, body, headers)


FORM_CATEGORIES = [
    "huge field",
    "latin-1 charset",
    "invalid UTF-8",
    "no CSRF",
    "long e-mail",
    "odd phone",
    "bad ZIP",
    "NUL byte",
    "odd text",
    "odd language and consent",
    "missing fields",
    "repeated fields",
    "too many fields",
    "wrong body",
]


def form_probes(count: int, first_number: int) -> list[Probe]:
    chance = random.Random(2027)
    return [
        _spoiled(chance, first_number + index, FORM_CATEGORIES[index % len(FORM_CATEGORIES)]) for index in range(count)
    ]


def _webhooks(chance: random.Random) -> list[Probe]:
    probes = []
    wrong, right = "Basic ZmF1bHQ6d3Jvbmc=", "Basic " + _base64(WEBHOOK_SECRET)
    bodies = [b"", b"{}", b"[]", b"not json at all", b'{"event": "delivered", "MessageID": 1}', b"\xff\xfe" * 10]
    bodies.append(json.dumps([{"event": "x" * 10_000}] * 50).encode())
    for provider in PROVIDERS:
        for authorization in (None, wrong, right):
            body = chance.choice(bodies)
            headers = {"Content-Type": "application/json"}
            if authorization:
                headers["Authorization"] = authorization
            label = {None: "no auth", wrong: "wrong auth", right: "right auth"}[authorization]
            probes.append(Probe(f"anymail webhook, {label}", "POST", f"/anymail/{provider}/tracking/", body, headers))
    return probes


def _base64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _twilio(chance: random.Random) -> list[Probe]:
    probes = []
    for path in ("/notifications/twilio/status/", "/referrals/twilio/inbound/"):
        for signature in (None, "bad-signature", "A" * 5000):
            fields = [("MessageSid", "SM" + "x" * chance.choice([10, 34, 10_000])), ("MessageStatus", "delivered")]
            fields += [("From", "+12025550199"), ("Body", chance.choice(["YES", "NO", "SÍ", "x" * 5000, "\x00"]))]
            headers = {"Content-Type": FORM_TYPE}
            if signature:
                headers["X-Twilio-Signature"] = signature
            probes.append(Probe("Twilio webhook, unsigned", "POST", path, encode(fields), headers, with_csrf=False))
        probes.append(
            Probe("Twilio webhook, unsigned", "POST", path, b"\xff" * 100, {"Content-Type": FORM_TYPE}, False)
        )
        probes.append(Probe("Twilio webhook, GET", "GET", path, with_csrf=False))
    return probes


def _logins() -> list[Probe]:
    huge = "u" * 100_000
    probes = []
    for path in ("/agents/login/", "/es/agents/login/", "/admin/login/"):
        for username in (huge, "ana\x00", "' OR 1=1 --", "😀" * 200):
            body = encode([("username", username), ("password", "Sunny-Day-2027!")])
            probes.append(Probe("log-in", "POST", path, body, {"Content-Type": FORM_TYPE}))
    for path in ("/agents/forgot-username/", "/agents/forgot-password/"):
        for address in (long_email(300), "a@b\x00.com", "x" * 100_000, "nobody@bench.example"):
            probes.append(
                Probe("forgotten details", "POST", path, encode([("email", address)]), {"Content-Type": FORM_TYPE})
            )
    return probes


ODD_PATHS = [
    "/wp-login.php",
    "/.env",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/get-contacted/status/" + "A" * 2000 + "/",
    "/agents/invitation/" + "x" * 3000 + "/",
    "/agents/reset/%FF%FE/set-password/",
    "/agents/offers/99999999999999999999/",
    "/agents/offers/-1/",
    "/es/no-such-page/",
    "/es/get-contacted/status/bad/",
    "/static/../hod/settings.py",
    "/static/uswds/css/nope.css",
    "/get-contacted/status/%00/",
    "/%FF%FE/",
    "/admin/",
    "/agents/",
    "/es/agents/",
    "/es/",
    "/es/get-contacted/",
    "/es/agents/login/",
    "/es/agents/invitation/bad/",
    "/livez",
    "/healthz",
    "/notifications/devices/",
    "/agents/registered/",
    "/agents/terms/",
    "/es/agents/profile/",
]


def _odd_addresses(chance: random.Random) -> list[Probe]:
    probes = [Probe("odd path", "GET", path, with_csrf=False) for path in ODD_PATHS]
    probes += [Probe("health, wrong method", method, "/healthz") for method in ("POST", "PUT", "DELETE", "PATCH")]
    probes += [Probe("health, wrong method", "POST", "/livez")]
    probes += [Probe("wrong method", method, "/get-contacted/") for method in ("PUT", "PATCH", "DELETE", "OPTIONS")]
    probes += [Probe("wrong method", "TRACE", "/", with_csrf=False)]
    long_value = "x" * 3500
    probes += [
        Probe("huge query string", "GET", "/get-contacted/?q=" + long_value, with_csrf=False),
        Probe(
            "huge query string", "GET", "/get-contacted/?" + "&".join(f"k{n}=v" for n in range(1500)), with_csrf=False
        ),
        Probe("huge query string", "GET", "/get-contacted/status/x/?new=1&" + "a=1&" * 900, with_csrf=False),
        Probe("huge query string", "GET", "/?next=%FF%FE&lang=" + "es" * 1000, with_csrf=False),
        Probe("huge query string", "GET", "/agents/login/?next=" + "/" * 2000 + "evil.example", with_csrf=False),
        Probe("huge query string", "GET", "/es/get-contacted/?" + "%FF" * 1000, with_csrf=False),
    ]
    odd_headers = [
        {"Host": "evil.example"},
        {"Accept-Language": "x" * 10_000},
        {"Accept-Language": "es-ES;q=abc, *;q=-1, ;;;"},
        {"Cookie": "sessionid=" + "A" * 4000},
        {"Cookie": "csrftoken=\x7f\x7f; sessionid=%FF"},
        {"X-Forwarded-For": "1.2.3.4, " * 500},
        {"Referer": "http://" + "r" * 3000},
        {"User-Agent": "u" * 6000},
    ]
    probes += [
        Probe("odd header", "GET", chance.choice(["/", "/get-contacted/", "/es/"]), headers=h, with_csrf=False)
        for h in odd_headers
    ]
    devices = [b"{}", b"[]", b"not json", json.dumps({"token": "t" * 600, "platform": "android"}).encode()]
    probes += [
        Probe("devices, logged out", "POST", "/notifications/devices/", body, {"Content-Type": "application/json"})
        for body in devices
    ]
    return probes


def odd_probes(count: int) -> list[Probe]:
    """`count` requests to addresses other than the form, cycling through every kind of oddity."""
    chance = random.Random(2028)
    kinds = _webhooks(chance) + _twilio(chance) + _logins() + _odd_addresses(chance)
    return [kinds[index % len(kinds)] for index in range(count)]
