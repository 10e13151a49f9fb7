"""For pages that show an agent's cell phone: has it stopped our texts, and where to reply START."""

import phonenumbers
from django import template
from django.conf import settings

from notifications import opt_outs

register = template.Library()


@register.filter
def texts_stopped(phone) -> bool:
    """`{% if agent.cell_phone|texts_stopped %}`: the number replied STOP and not START since."""
    return opt_outs.texts_stopped(phone)


@register.simple_tag
def our_text_number() -> str:
    """The number our texts come from, as people write it ((202) 555-0123); "" when a Twilio Messaging
    Service picks it (then the agent replies to any of our texts)."""
    number = opt_outs.e164(settings.TWILIO_FROM_NUMBER) if not settings.TWILIO_MESSAGING_SERVICE_SID else ""
    if not number:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL)
