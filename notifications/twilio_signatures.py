"""Is a request really from Twilio? Its status callbacks and agents' replies are signed with our auth token."""

from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import RequestValidator


def twilio_signature_is_valid(request: HttpRequest) -> bool:
    """Twilio signs the public URL it called and the posted fields with our auth token."""
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.HOD_BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature)
