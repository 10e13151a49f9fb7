"""Secrets in messages: never stored, rebuilt when the message is sent.

A message may carry a secret: a link that opens an account (an invitation, a password reset) or a
consumer's request (the status link), or a username. The stored copy of the message (the row admin
shows) has each secret replaced by a marker such as `[link hidden]`; the row names the secret by a
kind and a reference (an invitation's id, a referral's id, a user's id), and the worker asks the app
that owns that kind for the values again just before the message goes out. So nothing that opens an
account is readable from the database, admin, the logs or the broker, and a message can still be sent
again after an outage.

Each app registers, for each kind of secret it owns, a function from the reference to the values by
name (`register`); the values must be what a fresh message would carry (a link that works now).
"""

from collections.abc import Callable
from dataclasses import dataclass

Builder = Callable[[str], dict[str, str]]
_builders: dict[str, Builder] = {}


class SecretGone(Exception):
    """The secret cannot be rebuilt any more (the invitation was replaced, the account removed)."""


@dataclass(frozen=True)
class Secret:
    kind: str  # which app's secret: "invitation", "status_link", "password_reset", "username"
    ref: str  # what it belongs to: an id
    values: dict[str, str]  # name -> the value as it appears in the message being rendered


def register(kind: str, builder: Builder) -> None:
    _builders[kind] = builder


def rebuild(kind: str, ref: str) -> dict[str, str]:
    if kind not in _builders:
        raise SecretGone(f"no way to rebuild a secret of kind {kind!r}")
    return _builders[kind](ref)


def marker(name: str) -> str:
    return f"[{name} hidden]"


def redact(text: str, values: dict[str, str]) -> str:
    """The text with each secret value replaced by its marker (longest first, so none hides inside another)."""
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        if value:
            text = text.replace(value, marker(name))
    return text


def reveal(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(marker(name), value)
    return text
