"""How `agents` reaches an agent: through notifications, on the channels their Preferred Contact Method picks."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from agents.models import Agent
from notifications.channels import Channel, ContactMethod
from notifications.devices import reachable_devices
from notifications.opt_outs import texts_stopped
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


def channels_that_cannot_reach(agent: Agent, recipient: Recipient) -> dict[str, str]:
    """The agent's chosen channels that would not reach them now, with why, in their words (the profile's
    test message says so instead of failing quietly)."""
    cannot = {}
    if Channel.PUSH in recipient.channels and not reachable_devices(recipient.user.pk if recipient.user else None):
        cannot[Channel.PUSH] = _("no phone or browser is registered for app notifications yet")
    if Channel.SMS in recipient.channels and texts_stopped(recipient.phone):
        cannot[Channel.SMS] = _("you replied STOP to our texts (reply START to receive them again)")
    return cannot


EMAIL_ONLY = frozenset({Channel.EMAIL})
TEXT_ONLY = frozenset({Channel.SMS})
