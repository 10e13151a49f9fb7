"""Forgotten usernames and passwords: what is sent, to whom, in their language.

The reset link and the username are secrets of the message (notifications.secrets): the stored copy
shows markers, and the worker rebuilds them from the account when it sends, so staff who may read
messages in admin cannot take over an account.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents import messaging
from agents.models import Agent
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
    """E-mail the username of each active account with this address; nothing tells whether there was one."""
    agents = Agent.objects.filter(user__email__iexact=email, user__is_active=True).select_related("user")
    for agent in agents:
        username = agent.user.get_username()
        send(
            messaging.recipient(agent, messaging.EMAIL_ONLY),
            "forgot_username",
            {"usernames": [username], "link": messaging.absolute_url("agents:login", agent.portal_language)},
            secret=Secret("username", str(agent.user.pk), {"username": username}),
        )


def send_password_reset(user, email: str) -> None:
    """Django's reset link, sent through notifications (on record, retried, in the agent's language)."""
    agent = getattr(user, "agent", None)
    language = agent.portal_language if agent else "en"
    path = reset_path(user)
    link = messaging.absolute_url("agents:password_reset_confirm", language, *path.split("/"))
    send(
        Recipient(user=user, email=email, language=language),
        "password_reset",
        {"username": user.get_username(), "link": link, "hours": RESET_LINK_HOURS},
        secret=Secret("password_reset", str(user.pk), {"reset link": path, "username": user.get_username()}),
    )
