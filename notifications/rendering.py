"""Turn a kind of message and its context into the text each channel sends, in a language."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from notifications import sms
from notifications.channels import Channel

logger = logging.getLogger(__name__)

ALL_CHANNELS = frozenset(Channel.values)
EMAIL = frozenset({Channel.EMAIL})


@dataclass(frozen=True)
class Kind:
    label: str
    channels: frozenset[str] = ALL_CHANNELS  # the channels it may go on; templates exist for each


# The kinds of message there are; each has templates in templates/notifications/<kind>/:
# email_subject.txt, email.txt and email.html; sms.txt; push_title.txt and push_body.txt.
KINDS = {
    "test_message": Kind("Test message (profile page)"),
    "invitation": Kind("Invitation to register", EMAIL),
    "registration_test_text": Kind("Test text at registration", frozenset({Channel.SMS})),
    "registration_confirmed": Kind("Access confirmed, with the log-in link", EMAIL),
    "forgot_username": Kind("Forgotten username", EMAIL),
    "password_reset": Kind("Password reset link", EMAIL),
    "offer": Kind("A referral offered to an agent"),
    "agent_accepted": Kind("To the consumer: your agent is …", frozenset({Channel.EMAIL, Channel.SMS})),
    "request_received": Kind(
        "To the consumer: request received, with the status link", frozenset({Channel.EMAIL, Channel.SMS})
    ),
    "status_link_again": Kind(
        "To the consumer: the link to their open request again (someone asked with their number)",
        frozenset({Channel.EMAIL, Channel.SMS}),
    ),
    "offer_lapsed": Kind("To the agent: an offer went to someone else, unanswered"),
    "offer_taken": Kind("To the agent: another agent offered the referral at the same time accepted first"),
    "referral_withdrawn": Kind("To the agent: the consumer withdrew a referral they had accepted"),
    "paused_for_lapses": Kind("To the agent: switched off after offers went unanswered, and how to switch back on"),
    "consumer_not_called": Kind("To the agent: the consumer said nobody called; the request went to another agent"),
    "agent_handed_back": Kind(
        "To the consumer: the agent handed the request back; another will call", frozenset({Channel.EMAIL, Channel.SMS})
    ),
    "text_reply": Kind("Answer to an agent's YES or NO by text", frozenset({Channel.SMS})),
    "referral_expired": Kind("To the consumer: nobody accepted in time", frozenset({Channel.EMAIL, Channel.SMS})),
    "email_changed": Kind("To an agent, at the old and the new address: their MLMS e-mail address changed", EMAIL),
    "eligibility_at_risk": Kind("To an agent: what to do before they lose eligibility (new Terms, plan year)", EMAIL),
}


@dataclass(frozen=True)
class Rendered:
    subject: str = ""
    body: str = ""
    html: str = ""
    link: str = ""


def _render(kind: str, name: str, context: dict) -> str:
    return render_to_string(f"notifications/{kind}/{name}", context).strip()


def render(kind: str, channel: str, language: str, context: dict) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of message {kind!r}; add it to notifications.rendering.KINDS")
    context = {"base_url": settings.HOD_BASE_URL, **context}
    link = context.get("link", "")
    with translation.override(language):
        if channel == Channel.EMAIL:
            return Rendered(
                subject=" ".join(_render(kind, "email_subject.txt", context).split()),
                body=_render(kind, "email.txt", context) + "\n",
                html=_render(kind, "email.html", context),
                link=link,
            )
        if channel == Channel.SMS:
            text = sms.fold_to_gsm(" ".join(_render(kind, "sms.txt", context).split()))
            if sms.segments(text) > sms.MAX_SEGMENTS:
                logger.warning("text of kind %s in %s takes %d segments", kind, language, sms.segments(text))
            return Rendered(body=text, link=link)
        if channel == Channel.PUSH:
            return Rendered(
                subject=" ".join(_render(kind, "push_title.txt", context).split()),
                body=" ".join(_render(kind, "push_body.txt", context).split()),
                link=link,
            )
    raise ValueError(f"unknown channel {channel!r}")
