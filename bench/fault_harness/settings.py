"""Settings of the stack the fault suite starts: the application's own, with the providers pointed at the
suite's local stand-ins (SMTP for e-mail, Twilio's Messages API for texts, FCM for app notifications).

Used as DJANGO_SETTINGS_MODULE=fault_harness.settings with bench/ on PYTHONPATH, by gunicorn, the
Celery worker and beat, and by the suite itself. Every other value comes from the environment, as in
production.
"""

import os

from hod.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["BENCH_SMTP_PORT"])
EMAIL_TIMEOUT = 10

# The application reads no variable for Twilio's address: production uses Twilio's own.
TWILIO_API_URL = os.environ["BENCH_TWILIO_URL"]


def _point_fcm_at_the_stand_in() -> None:
    """firebase-admin has FCM's address as a class attribute, not a setting (the tests patch it the same way)."""
    from firebase_admin import messaging

    messaging._MessagingService.FCM_URL = os.environ["BENCH_FCM_URL"] + "/v1/projects/{0}/messages:send"


_point_fcm_at_the_stand_in()
