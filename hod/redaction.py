"""What must not reach a log: the secrets in links, and consumers' (or anyone's) contact details.

A leaf: the logging filter, gunicorn's access log and notifications use it; it imports nothing of ours.
"""

import logging
import re

# Paths whose last parts open something: an invitation, a consumer's status page, a password reset.
SECRET_PATHS = re.compile(
    r"(?P<path>/(?:[a-z]{2}/)?(?:agents/invitation|get-contacted/status|agents/reset))/[^\s\"'?#]+?/(?=[\s\"'?#]|$)"
)
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_NUMBER = re.compile(r"\+1\d{10}\b|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}-\d{3}-\d{4}\b")


def mask_address(address: str) -> str:
    """`m•••@example.com` for an e-mail address, `•••••••1234` for a phone number."""
    if not address:
        return ""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}•••@{domain}"
    return "•" * max(len(address) - 4, 3) + address[-4:]


def redact_links(text: str) -> str:
    return SECRET_PATHS.sub(r"\g<path>/[hidden]/", text)


def scrub_contacts(text: str) -> str:
    text = EMAIL_ADDRESS.sub(lambda found: mask_address(found.group()), text)
    return PHONE_NUMBER.sub(lambda found: mask_address(re.sub(r"\D", "", found.group())), text)


def redact(text: str) -> str:
    return scrub_contacts(redact_links(text))


class RedactSecrets(logging.Filter):
    """On every handler: each record's message and traceback without link secrets or contact details."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
