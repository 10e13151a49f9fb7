"""Numbers that replied STOP: carriers refuse our texts to them until they reply START.

Twilio keeps its own list: it answers a text to such a number with error 21610, and it replies to the
keywords itself (so we do not). Ours mirrors it, so that a text we know will be refused is not tried
(nor counted as the provider failing), and the agent's profile can say why texts stopped and how to
restart them. A number goes on the list when Twilio refuses a text with 21610 or when a text from it
is a stop word, and comes off when a text from it is a start word. Twilio also restarts on YES, but
here YES accepts an offer, so it restarts nothing: the profile tells the agent to reply START.
"""

import phonenumbers
from django.utils import timezone

from notifications.models import SmsOptOut

# Twilio's standard opt-out and opt-in keywords, but YES (see above).
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop"})
STOP, START = "stop", "start"

# Why a text to such a number was not sent (the notification's last error).
TEXTS_STOPPED = "Not sent: the recipient replied STOP (texts resume when they reply START)"


def e164(phone) -> str:
    """The number in E.164 (+13135550142), from a PhoneNumber or text; "" when it is not a number."""
    if not phone:
        return ""
    if hasattr(phone, "as_e164"):
        return phone.as_e164 if phone.is_valid() else ""
    try:
        parsed = phonenumbers.parse(str(phone), "US")
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def keyword(body: str) -> str | None:
    """STOP or START when the whole text is one of their keywords (any case, trailing punctuation aside)."""
    word = (body or "").strip().strip(".!").strip().lower()
    if word in STOP_WORDS:
        return STOP
    if word in START_WORDS:
        return START
    return None


def texts_stopped(phone) -> bool:
    """Did this number reply STOP (and not START since)?"""
    number = e164(phone)
    return bool(number) and SmsOptOut.objects.filter(phone=number).exists()


def record_stop(phone, now=None) -> bool:
    """The number replied STOP (or Twilio refused a text to it with 21610); True when it is new on the list."""
    number = e164(phone)
    if not number:
        return False
    _row, created = SmsOptOut.objects.get_or_create(phone=number, defaults={"opted_out_at": now or timezone.now()})
    return created


def record_start(phone) -> bool:
    """The number replied START: our texts go to it again. True when it was on the list."""
    number = e164(phone)
    deleted, _kinds = SmsOptOut.objects.filter(phone=number).delete() if number else (0, {})
    return bool(deleted)
