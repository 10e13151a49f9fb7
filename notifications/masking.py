"""Consumers' contact details stay hidden from staff who lack the permission to see them."""

import logging

from django.db.models.constants import LOOKUP_SEP

from hod.redaction import mask_address  # noqa: F401 (imported from here by the admins)

logger = logging.getLogger(__name__)

CONTACT_PERMISSION = "notifications.view_consumer_contact"


def may_see_consumer_contact(user) -> bool:
    return user.has_perm(CONTACT_PERMISSION)


def log_contact_view(user, what: str, object_id) -> None:
    """Every time someone is shown a consumer's contact details, it is on record (identifiers only)."""
    logger.info("consumer contact details shown: user=%s %s=%s", user.pk, what, object_id)


class HidesConsumerContact:
    """For a ModelAdmin: the fields in `contact_fields` cannot be filtered or searched by staff who may
    not see consumers' contact details, or `?email__startswith=` would spell an address out letter by letter."""

    contact_fields: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request) -> bool:
        if lookup.split(LOOKUP_SEP)[0] in self.contact_fields and not may_see_consumer_contact(request.user):
            return False
        return super().lookup_allowed(lookup, value, request)
