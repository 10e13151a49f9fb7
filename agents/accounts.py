"""Forgotten usernames and passwords: what is sent, to whom, in their language."""

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agents import messaging
from agents.models import Agent
from notifications.sending import Recipient, send

RESET_LINK_HOURS = 24  # settings.PASSWORD_RESET_TIMEOUT


def send_usernames(email: str) -> None:
    """E-mail the username of each active account with this address; nothing tells whether there was one."""
    agents = Agent.objects.filter(user__email__iexact=email, user__is_active=True).select_related("user")
    for agent in agents:
        send(
            messaging.recipient(agent, messaging.EMAIL_ONLY),
            "forgot_username",
            {"usernames": [agent.user.username], "link": messaging.absolute_url("agents:login", agent.portal_language)},
        )


def send_password_reset(user, email: str) -> None:
    """Django's reset link, sent through notifications (on record, retried, in the agent's language)."""
    agent = getattr(user, "agent", None)
    language = agent.portal_language if agent else "en"
    link = messaging.absolute_url(
        "agents:password_reset_confirm",
        language,
        urlsafe_base64_encode(force_bytes(user.pk)),
        default_token_generator.make_token(user),
    )
    send(
        Recipient(user=user, email=email, language=language),
        "password_reset",
        {"username": user.get_username(), "link": link, "hours": RESET_LINK_HOURS},
    )
