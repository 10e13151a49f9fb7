"""Channels a message can travel on, and the agents' Preferred Contact Methods that choose them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text (SMS)"
    PUSH = "push", "App notification"


class ContactMethod(models.TextChoices):
    """The four options of the registration page, in the seed's words; e-mail always goes."""

    EMAIL_TEXT_APP = "email_text_app", _("Email, Text & App Notification")
    EMAIL_TEXT = "email_text", _("Email & Text")
    EMAIL_APP = "email_app", _("Email & App Notification")
    EMAIL_ONLY = "email_only", _("Email Only")

    @property
    def channels(self) -> frozenset[str]:
        return _CHANNELS[self]


_CHANNELS = {
    ContactMethod.EMAIL_TEXT_APP: frozenset({Channel.EMAIL, Channel.SMS, Channel.PUSH}),
    ContactMethod.EMAIL_TEXT: frozenset({Channel.EMAIL, Channel.SMS}),
    ContactMethod.EMAIL_APP: frozenset({Channel.EMAIL, Channel.PUSH}),
    ContactMethod.EMAIL_ONLY: frozenset({Channel.EMAIL}),
}

# The seed strongly recommends it: "Notifications via Email Only can cause delays and lost referrals."
RECOMMENDED_CONTACT_METHOD = ContactMethod.EMAIL_TEXT_APP
