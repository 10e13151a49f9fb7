"""E-mail through Django's mail API: EMAIL_BACKEND picks SMTP, a file, the console or an anymail provider."""

import smtplib
from email.utils import make_msgid
from urllib.parse import urlsplit

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.models import Notification
from notifications.transports import TransportError


class EmailTransport:
    def __init__(self, channel: str) -> None:
        self.connection = get_connection()

    def send(self, notification: Notification) -> str:
        message_id = make_msgid(domain=urlsplit(settings.HOD_BASE_URL).hostname)
        email = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            to=[notification.to],
            # The row's id, so a delivery (and a duplicate) can be traced to the message on record.
            headers={"Message-ID": message_id, "X-HOD-Notification": str(notification.pk)},
            connection=self.connection,
        )
        if notification.html:
            email.attach_alternative(notification.html, "text/html")
        email.metadata = {"notification": str(notification.pk)}  # anymail passes it to the provider
        try:
            email.send()
        except (AnymailRecipientsRefused, AnymailInvalidAddress, smtplib.SMTPRecipientsRefused) as error:
            raise TransportError(f"address refused: {error}", permanent=True) from None
        except AnymailAPIError as error:
            status = error.status_code or 0
            permanent = 400 <= status < 500 and status != 429
            raise TransportError(f"e-mail provider error: {error}", permanent=permanent) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"e-mail server unreachable: {error}") from None
        status = getattr(email, "anymail_status", None)
        return (status.message_id if status and status.message_id else None) or message_id
