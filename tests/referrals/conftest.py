from phonenumber_field.phonenumber import PhoneNumber

from hod.reference.lookups import lookup_zip
from referrals.lifecycle import Consumer

MIAMI = "33130"


def consumer(zip_code: str = MIAMI, language: str = "es", phone: str = "+13055550123", **overrides) -> Consumer:
    """María in Miami, asking for help in Spanish; one open request per phone, so give others a phone of their own."""
    data = {
        "first_name": "María",
        "last_name": "Pérez",
        "phone": PhoneNumber.from_string(phone),
        "email": "maria@example.com",
        "language": language,
        "message_language": "es",
        "place": lookup_zip(zip_code),
    }
    return Consumer(**{**data, **overrides})
