"""A passkey in software, for tests through HTTP: it answers the server's options as a phone would (an ES256
key, "none" attestation, user present and verified), so py_webauthn's real checks run on what it sends."""

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class SoftPasskey:
    def __init__(self, origin: str = "http://localhost:8000", counts: bool = True) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.counts = counts  # synced passkeys keep their counter at 0
        self.user_handle = ""

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin}).encode()

    def _public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})  # COSE: EC2, ES256, P-256

    def register(self, options: dict, *, origin: str | None = None) -> dict:
        """The answer to navigator.credentials.create(options)."""
        self.user_handle = options["user"]["id"]
        auth_data = (
            _sha256(options["rp"]["id"].encode())
            + bytes([USER_PRESENT | USER_VERIFIED | ATTESTED])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def assertion(
        self, options: dict, *, origin: str | None = None, signed_by: "SoftPasskey | None" = None, verified: bool = True
    ) -> dict:
        """The answer to navigator.credentials.get(options); `signed_by` another key makes a forgery."""
        if self.counts:
            self.sign_count += 1
        flags = USER_PRESENT | (USER_VERIFIED if verified else 0)
        auth_data = _sha256(options["rpId"].encode()) + bytes([flags]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = (signed_by or self).key.sign(auth_data + _sha256(client_data), ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
