"""Texts through Twilio's own library."""

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications import opt_outs
from notifications.models import Notification
from notifications.transports import TransportError

# Twilio error codes that no retry will fix (https://www.twilio.com/docs/api/errors).
REPLIED_STOP = 21610
PERMANENT_ERRORS = {
    21211: "Invalid phone number",
    21408: "Texts to this region are not enabled",
    REPLIED_STOP: "The recipient replied STOP and has unsubscribed",
    21612: "Twilio cannot route a text to this number",
    21614: "The number cannot receive texts (not a mobile number)",
}


HTTP_TIMEOUT = 20  # seconds


def status_callback_url() -> str:
    return settings.HOD_BASE_URL + reverse("notifications:twilio_status")


class TwilioTransport:
    def __init__(self, channel: str) -> None:
        # A timeout, so a Twilio that hangs never holds a worker past its lease (the library waits forever).
        http_client = TwilioHttpClient(timeout=HTTP_TIMEOUT)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)
        if settings.TWILIO_API_URL:  # a stand-in for Twilio's API, in tests
            self.client.api.base_url = settings.TWILIO_API_URL

    def send(self, notification: Notification) -> str:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            message = self.client.messages.create(
                to=notification.to, body=notification.body, status_callback=status_callback_url(), **sender
            )
        except TwilioRestException as error:
            if error.code == REPLIED_STOP:  # no more tries until the number replies START
                opt_outs.record_stop(notification.to)
            if error.code in PERMANENT_ERRORS:
                raise TransportError(f"{PERMANENT_ERRORS[error.code]} (Twilio {error.code})", permanent=True) from None
            retryable = error.status == 429 or error.status >= 500
            raise TransportError(f"Twilio {error.status} {error.code}: {error.msg}", permanent=not retryable) from None
        except (TwilioException, requests.RequestException) as error:
            raise TransportError(f"Twilio unreachable: {error}") from None
        return message.sid
