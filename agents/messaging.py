"""How `agents` reaches an agent: through notifications, on the channels their Preferred Contact Method picks."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from agents.models import Agent
from notifications.channels import Channel, ContactMethod
from notifications.sending import Recipient


def recipient(agent: Agent, channels: frozenset[str] | None = None) -> Recipient:
    """The agent as notifications sees them; `channels` narrows their Preferred Contact Method's."""
    chosen = ContactMethod(agent.contact_method).channels
    return Recipient(
        user=agent.user,
        email=agent.email,
        phone=agent.cell_phone.as_e164 if agent.cell_phone else "",  # providers want E.164
        language=agent.portal_language,
        channels=chosen & channels if channels is not None else chosen,
    )


def absolute_url(view_name: str, language: str, *args) -> str:
    """A link for a message, in the recipient's language, built from HOD_BASE_URL."""
    with translation.override(language):
        return settings.HOD_BASE_URL + reverse(view_name, args=args)


EMAIL_ONLY = frozenset({Channel.EMAIL})
TEXT_ONLY = frozenset({Channel.SMS})
