"""A stand-in Web Push service and browser: what Google's, Mozilla's or Apple's push service checks of our
messages (the VAPID signature, RFC 8292), and what the browser does with them (decrypt, RFC 8291)."""

import base64
import json
import os
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.stand_ins import Received, StandIn


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's side of a subscription: its ECDH key pair and authentication secret (RFC 8291)."""

    name: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, push_service_url: str) -> dict:
        """What `PushSubscription.toJSON()` gives the page."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{push_service_url}/push/{self.name}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


def verify_vapid(authorization: str, application_server_key: str, audience: str) -> dict:
    """The claims of a valid `vapid t=<JWT>, k=<key>` header, or an AssertionError saying what is wrong."""
    scheme, _, parameters = authorization.partition(" ")
    assert scheme == "vapid", f"scheme {scheme!r}, not vapid (RFC 8292)"
    values = dict(part.strip().split("=", 1) for part in parameters.split(","))
    assert values["k"] == application_server_key, "signed with a key the subscription was not made with"
    header, claims, signature = values["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64, "an ES256 signature is r and s, 32 bytes each"
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(values["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public_key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the JWT's signature does not verify") from None
    claims = json.loads(unb64url(claims))
    assert claims["aud"] == audience, f"aud {claims['aud']!r}, not the push service's origin"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "exp must be within 24 hours (RFC 8292)"
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims


@dataclass
class Delivered:
    browser: str
    headers: dict
    claims: dict
    message: dict


class PushService:
    """Plays a push service on a StandIn: checks each message's signature, decrypts it as its browser would,
    and answers 201 Created (or what a test scripted: 410 Gone, 503 …)."""

    def __init__(self, stand_in: StandIn, application_server_key: str) -> None:
        self.stand_in = stand_in
        self.application_server_key = application_server_key
        self.browsers: dict[str, Browser] = {}
        self.delivered: list[Delivered] = []
        self.refused: list[str] = []
        stand_in.defaults["/push/"] = self._receive

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(name)
        return self.browsers[name]

    def subscription(self, name: str) -> dict:
        return self.browsers[name].subscription(self.stand_in.url) if name in self.browsers else {}

    def requests(self) -> list[Received]:
        return self.stand_in.requests_to("/push/")

    def _receive(self, request: Received) -> tuple[int, dict]:
        name = request.path.rsplit("/", 1)[-1]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.stand_in.url))
        try:
            claims = verify_vapid(request.headers.get("authorization", ""), self.application_server_key, origin)
            assert request.headers.get("content-encoding") == "aes128gcm", "RFC 8291 messages are aes128gcm"
            assert request.headers.get("ttl", "").isdigit(), "a push service requires TTL (RFC 8030)"
            message = self.browsers[name].decrypt(request.body)
        except (AssertionError, KeyError, ValueError, http_ece.ECEException) as error:
            self.refused.append(f"{name}: {error}")
            return 403, {"reason": str(error)}
        self.delivered.append(Delivered(name, request.headers, claims, message))
        return 201, {}
