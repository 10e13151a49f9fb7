"""Consumers' contact details stay hidden from staff who lack the permission to see them."""

import logging

logger = logging.getLogger(__name__)

CONTACT_PERMISSION = "notifications.view_consumer_contact"


def mask_address(address: str) -> str:
    """`m•••@example.com` for an e-mail address, `•••••••1234` for a phone number."""
    if not address:
        return ""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}•••@{domain}"
    return "•" * max(len(address) - 4, 3) + address[-4:]


def may_see_consumer_contact(user) -> bool:
    return user.has_perm(CONTACT_PERMISSION)


def log_contact_view(user, what: str, object_id) -> None:
    """Every time someone is shown a consumer's contact details, it is on record (identifiers only)."""
    logger.info("consumer contact details shown: user=%s %s=%s", user.pk, what, object_id)
