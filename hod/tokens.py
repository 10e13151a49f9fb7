"""The secrets in links (invitations, consumers' status pages): derived, never stored.

A link's token is the row's id (and a version) signed with SECRET_KEY for one purpose: nothing in the
database opens anything, the same token can be rebuilt to send a message again, and bumping the
version voids the old links. A leaf: any app may use it, and it imports none of them.
"""

import hashlib

from django.core import signing


def sign(purpose: str, *parts: object) -> str:
    """A URL-safe token for these parts (ids, versions), good only for `purpose`."""
    return signing.Signer(salt=f"hod.{purpose}").sign(".".join(str(part) for part in parts))


def unsign(purpose: str, token: str) -> list[str] | None:
    """The parts a token was signed with, or None when it was not signed by us for this purpose."""
    try:
        return signing.Signer(salt=f"hod.{purpose}").unsign(token).split(".")
    except signing.BadSignature:
        return None


def hash_token(token: str) -> str:
    """How links made before signed tokens were stored (a hash only); kept to open those old links."""
    return hashlib.sha256(token.encode()).hexdigest()
