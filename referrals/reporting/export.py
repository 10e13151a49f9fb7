"""A period's referrals or offers as CSV, streamed row by row (a season's export starts at once and never
sits in memory). Consumers' contact details only for staff who may see them, and each such export is
logged as a view of them is. A cell that a spreadsheet would read as a formula (=, +, -, @, a tab or a
carriage return first) gets a leading apostrophe (OWASP's advice on CSV injection).
"""

import csv
from collections.abc import Iterator

from referrals.models import Offer, Referral
from referrals.reporting.periods import Period

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
REFERRAL_COLUMNS = [
    ("reference", "reference"),
    ("created_at", "created at (UTC)"),
    ("state", "state"),
    ("city", "city"),
    ("zip_code", "ZIP code"),
    ("language_id", "language"),
    ("status", "status"),
    ("accepted_at", "accepted at (UTC)"),
    ("closed_at", "closed at (UTC)"),
    ("disposition", "outcome"),
]
CONTACT_COLUMNS = [
    ("first_name", "first name"),
    ("last_name", "last name"),
    ("phone", "phone"),
    ("email", "e-mail"),
    ("disposition_note", "agent's note"),
]
OFFER_COLUMNS = [
    ("referral__reference", "referral"),
    ("referral__state", "state"),
    ("agent__npn", "agent NPN"),
    ("agent__first_name", "agent first name"),
    ("agent__last_name", "agent last name"),
    ("status", "status"),
    ("distance_miles", "miles"),
    ("offered_at", "offered at (UTC)"),
    ("responded_at", "answered at (UTC)"),
    ("reject_reason", "reason given"),
]
KINDS = {"referrals", "offers"}


def safe(value) -> str:
    """The cell as text, with a formula defused."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes into this, and each line is handed on as it is made."""

    def write(self, value: str) -> str:
        return value


def csv_lines(kind: str, period: Period, with_contacts: bool) -> Iterator[str]:
    """The header, then one line per row, in the order they were made."""
    if kind == "offers":
        columns = OFFER_COLUMNS
        rows = Offer.objects.filter(offered_at__gte=period.start, offered_at__lt=period.end).order_by("offered_at")
    else:
        columns = REFERRAL_COLUMNS + (CONTACT_COLUMNS if with_contacts else [])
        rows = Referral.objects.filter(created_at__gte=period.start, created_at__lt=period.end).order_by("created_at")
    writer = csv.writer(_Echo())
    yield writer.writerow([label for _field, label in columns])
    for values in rows.values_list(*[field for field, _label in columns]).iterator(chunk_size=CHUNK):
        yield writer.writerow([safe(value) for value in values])
