"""Secrets in links (invitations, consumers' status pages): only a hash of each is stored.

A leaf: any app may use it, and it imports none of them.
"""

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """What is stored and looked up in place of the token: a link found in the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
