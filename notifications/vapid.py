"""The VAPID key pair that signs our Web Push messages (RFC 8292).

A browser's push subscription is bound to the public key the page gave it, so the pair must not
change: settings give it in production (HOD_VAPID_PUBLIC_KEY, HOD_VAPID_PRIVATE_KEY); the embedded
mode makes one the first time it is asked and keeps it in the var folder, so subscriptions survive
restarts. Outside the embedded mode, without keys, Web Push is off (a start-up check says so).
"""

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

KEY_FILE_NAME = "vapid.json"


class VapidKeyError(ValueError):
    """The keys in settings cannot be read, or do not belong together."""


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # the raw 32-byte private number, base64url without padding
    public_key: str  # the uncompressed P-256 point (65 bytes), base64url: the browsers' applicationServerKey
    subject: str  # mailto: or https: address push services may write to about our messages


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(private_key: str) -> str:
    """The public key (applicationServerKey) that goes with a raw base64url private key."""
    try:
        raw = _unb64url(private_key.strip())
        if len(raw) != 32:
            raise ValueError(f"{len(raw)} bytes instead of 32")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as error:
        raise VapidKeyError(f"HOD_VAPID_PRIVATE_KEY is not a base64url P-256 private key: {error}") from None
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64url(point)


def new_key_pair() -> tuple[str, str]:
    """A fresh (private, public) pair in the form settings take."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = _b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    return private, public_key_of(private)


def _embedded() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _kept_pair(folder: Path) -> tuple[str, str]:
    """The pair kept in `folder`, made the first time. Two processes starting at once agree on one pair:
    the file is linked into place only if none is there, and the loser reads the winner's."""
    path = folder / KEY_FILE_NAME
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        private, public = new_key_pair()
        with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp", encoding="utf-8") as file:
            json.dump({"private_key": private, "public_key": public}, file)
        os.chmod(file.name, 0o600)
        try:
            os.link(file.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(file.name)
    kept = json.loads(path.read_text(encoding="utf-8"))
    return kept["private_key"], kept["public_key"]


def vapid_keys() -> VapidKeys | None:
    """The keys to sign with, or None when Web Push is off."""
    private = settings.HOD_VAPID_PRIVATE_KEY
    if private:
        public = public_key_of(private)
        given = settings.HOD_VAPID_PUBLIC_KEY
        if given and given.strip().rstrip("=") != public:
            raise VapidKeyError("HOD_VAPID_PUBLIC_KEY is not the public key of HOD_VAPID_PRIVATE_KEY")
        return VapidKeys(private, public, settings.HOD_VAPID_SUBJECT)
    if not _embedded():
        return None
    private, public = _kept_pair(Path(settings.VAR_DIR))
    return VapidKeys(private, public, settings.HOD_VAPID_SUBJECT)


def web_push_is_on() -> bool:
    try:
        return vapid_keys() is not None
    except VapidKeyError:
        return False
