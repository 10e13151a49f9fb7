"""Forgotten usernames and passwords, and the account's e-mail address: what is sent, to whom, in their language.

An agent's address is the one in their MLMS profile (`Agent.email`, which each MLMS import keeps):
forgotten usernames and password resets are looked up by it (or by the account's own address, for
staff and accounts the MLMS has not spoken for) and always sent to it. An import that changes it
changes the account's too, and tells the agent at both addresses.

The reset link and the username are secrets of the message (notifications.secrets): the stored copy
shows markers, and the worker rebuilds them from the account when it sends, so staff who may read
messages in admin cannot take over an account.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Q
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents import messaging
from agents.models import Agent
from hod.redaction import mask_address
from notifications.secrets import Secret, SecretGone
from notifications.sending import Recipient, send

RESET_LINK_HOURS = 24  # settings.PASSWORD_RESET_TIMEOUT


def _user(user_id: str):
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise SecretGone(f"account {user_id} is gone or deactivated")
    return user


def reset_path(user) -> str:
    """The part of a reset link that opens the account: the account's id and a token Django checks."""
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}"


def username_secret(user_id: str) -> dict[str, str]:
    return {"username": _user(user_id).get_username()}


def password_reset_secret(user_id: str) -> dict[str, str]:
    user = _user(user_id)
    return {"reset link": reset_path(user), "username": user.get_username()}


def send_usernames(email: str) -> None:
    """E-mail the username of each active account with this address to the agent's MLMS address; nothing
    tells whether there was one."""
    agents = Agent.objects.filter(
        Q(email__iexact=email) | Q(user__email__iexact=email), user__is_active=True
    ).select_related("user")
    for agent in agents:
        username = agent.user.get_username()
        send(
            messaging.recipient(agent, messaging.EMAIL_ONLY),
            "forgot_username",
            {"usernames": [username], "link": messaging.absolute_url("agents:login", agent.portal_language)},
            secret=Secret("username", str(agent.user.pk), {"username": username}),
        )


def accounts_to_reset(email: str) -> Iterator:
    """The active accounts with a password whose agent's MLMS address, or own address, is this one."""
    users = (
        get_user_model()
        .objects.filter(Q(agent__email__iexact=email) | Q(email__iexact=email), is_active=True)
        .select_related("agent")
    )
    return (user for user in users if user.has_usable_password())


def address_of(user) -> str:
    """Where an account's messages go: the agent's MLMS address, or the account's own (staff)."""
    agent = getattr(user, "agent", None)
    return agent.email if agent else user.email


def send_password_reset(user) -> None:
    """Django's reset link, sent through notifications (on record, retried, in the agent's language) to
    the agent's MLMS address."""
    agent = getattr(user, "agent", None)
    language = agent.portal_language if agent else "en"
    path = reset_path(user)
    link = messaging.absolute_url("agents:password_reset_confirm", language, *path.split("/"))
    send(
        Recipient(user=user, email=address_of(user), language=language),
        "password_reset",
        {"username": user.get_username(), "link": link, "hours": RESET_LINK_HOURS},
        secret=Secret("password_reset", str(user.pk), {"reset link": path, "username": user.get_username()}),
    )


@dataclass(frozen=True)
class EmailChange:
    """An MLMS import gave an agent with an account a new e-mail address."""

    agent_id: int
    user_id: int
    old: str
    new: str


def follow_mlms_emails(changes: list[EmailChange]) -> int:
    """The accounts take their agents' new MLMS addresses, and each agent is told at the old address and the
    new one (both masked: the message may reach someone who no longer should read the other). Called inside
    the import's transaction, so the messages go after commit. Returns how many agents were told."""
    if not changes:
        return 0
    User = get_user_model()
    User.objects.bulk_update([User(pk=change.user_id, email=change.new) for change in changes], ["email"], 1000)
    agents = Agent.objects.filter(pk__in=[change.agent_id for change in changes]).select_related("user").in_bulk()
    told = 0
    for change in changes:
        agent = agents[change.agent_id]
        if change.old.lower() == change.new.lower() or not agent.user.is_active:
            continue  # the same address in other letters (or nobody to tell): the account follows silently
        context = {
            "first_name": agent.first_name,
            "old": mask_address(change.old),
            "new": mask_address(change.new),
            "link": messaging.absolute_url("agents:login", agent.portal_language),
        }
        for address in (change.old, change.new):
            send(Recipient(user=agent.user, email=address, language=agent.portal_language), "email_changed", context)
        told += 1
    return told
