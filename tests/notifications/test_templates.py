"""Every kind of message has every template in both languages, and every text fits in two SMS segments."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from notifications import sms
from notifications.channels import Channel
from notifications.rendering import KINDS, _render, render

# Tokens as long as real ones (hod.tokens: a signed id and version), for ids far beyond today's.
LONG_LINK = "https://helpondemand.example.org/es/agents/invitation/" + "9" * 9 + ":" + "x" * 43 + "/"
STATUS_LINK = "https://helpondemand.example.org/es/get-contacted/status/" + "9" * 9 + ".99:" + "x" * 43 + "/"
# The longest context each kind is sent with (later kinds add theirs here).
LONGEST_CONTEXT: dict[str, dict] = {
    "test_message": {},
    "invitation": {"first_name": "Maximiliana", "link": LONG_LINK, "hours": 48},
    "registration_test_text": {"first_name": "Maximiliana"},
    "registration_confirmed": {"first_name": "Maximiliana", "username": "maximiliana.rodriguez", "link": LONG_LINK},
    "forgot_username": {"usernames": ["maximiliana.rodriguez", "maxi.r"], "link": LONG_LINK},
    "password_reset": {"username": "maximiliana.rodriguez", "link": LONG_LINK, "hours": 24},
    "offer": {
        "city": "Rancho Santa Margarita",
        "state": "FL",
        "zip_code": "33130",
        "language": SimpleNamespace(local_name="Criollo haitiano"),
        "miles": 2345.67,
        "minutes": 15,
        "link": "https://helpondemand.example.org/es/agents/offers/12345678/",
    },
    "agent_accepted": {
        "reference": "ABCD2345",
        "agent_name": "Maximiliana Rodríguez-Santiesteban",
        "agent_phone": "(313) 555-0142",
    },
    "request_received": {
        "reference": "ABCD2345",
        "outlook": "nobody",
        "minutes": 15,
        "link": STATUS_LINK,
    },
    "status_link_again": {"reference": "ABCD2345", "link": STATUS_LINK},
    "offer_lapsed": {"city": "Rancho Santa Margarita", "state": "FL", "minutes": 15, "link": LONG_LINK},
    "offer_taken": {"city": "Rancho Santa Margarita", "state": "FL", "link": LONG_LINK},
    "referral_withdrawn": {"first_name": "Maximiliana", "reference": "ABCD2345", "link": LONG_LINK},
    "paused_for_lapses": {"count": 12, "city": "Rancho Santa Margarita", "state": "FL", "link": LONG_LINK + "#switch"},
    "consumer_not_called": {"first_name": "Maximiliana", "reference": "ABCD2345", "link": LONG_LINK},
    "agent_handed_back": {"reference": "ABCD2345", "link": STATUS_LINK},
    "text_reply": {"reply": "unknown", "link": "https://helpondemand.example.org/es/agents/offers/12345678/"},
    "email_changed": {
        "first_name": "Maximiliana",
        "old": "m•••@agencia-de-seguros-del-sur.example.com",
        "new": "m•••@corredores-unidos-de-florida.example.com",
        "link": LONG_LINK,
    },
    "eligibility_at_risk": {
        "first_name": "Maximiliana",
        "notices": ["A new version of the Help On Demand Terms of Use was published.", "Training for 2028 is missing."],
        "link": LONG_LINK,
    },
    "referral_expired": {
        "reference": "ABCD2345",
        "hours": 24,
        "link": "https://helpondemand.example.org/es/get-contacted/",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_message_renders_in_both_languages_and_its_text_fits_two_segments(kind, language):
    texts = {channel: render(kind, channel, language, LONGEST_CONTEXT[kind]) for channel in KINDS[kind].channels}

    if Channel.EMAIL in texts:
        assert texts[Channel.EMAIL].subject and texts[Channel.EMAIL].body and texts[Channel.EMAIL].html
    if Channel.PUSH in texts:
        assert texts[Channel.PUSH].subject and texts[Channel.PUSH].body
    if Channel.SMS in texts:
        assert sms.segments(texts[Channel.SMS].body) <= sms.MAX_SEGMENTS


def test_spanish_letters_outside_gsm_are_folded_so_a_text_keeps_160_characters_a_segment():
    folded = sms.fold_to_gsm("¿Aceptará el referido? Sí, número de teléfono — “ya”")

    assert folded == '¿Aceptara el referido? Si, numero de teléfono - "ya"'
    assert sms.segments("a" * 160) == 1
    assert sms.segments("a" * 161) == 2
    assert sms.segments("a" * 306) == 2
    assert sms.segments("á" * 70) == 1  # a character with no GSM-7 spelling keeps the text in UCS-2
    assert sms.segments("€" * 80) == 1  # extension characters take two septets each
    assert sms.segments("€" * 81) == 2


# Every wording a text can take: each kind, with each branch its template has.
SMS_VARIANTS = [
    (kind, {**LONGEST_CONTEXT[kind], **variant})
    for kind in sorted(name for name, kind in KINDS.items() if Channel.SMS in kind.channels)
    for variant in {
        "request_received": [{"outlook": outlook} for outlook in ("now", "later", "nobody")],
        "text_reply": [{"reply": reply} for reply in ("accepted", "rejected", "closed", "yes_or_no", "use_link")],
        "paused_for_lapses": [{"count": count} for count in (1, 2, 12)],
    }.get(kind, [{}])
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("kind", "context"), SMS_VARIANTS)
def test_every_text_keeps_its_words_whole_and_fits_two_segments(kind, context, language):
    """Folding to GSM-7 turns "aceptó" (accepted) into "acepto" (I accept): our own words must need none."""
    plain = {key: _ascii(value) for key, value in context.items()}  # names and places are the people's own
    with translation.override(language):
        text = " ".join(_render(kind, "sms.txt", plain).split())

    assert sms.fold_to_gsm(text) == text, [word for word in text.split() if sms.fold_to_gsm(word) != word]
    assert sms.segments(text) <= sms.MAX_SEGMENTS


def _ascii(value):
    if isinstance(value, str):
        return value.encode("ascii", "ignore").decode()
    return value
