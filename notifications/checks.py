"""Start-up checks: a provider chosen by setting must have its credentials."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from notifications.vapid import VapidKeyError, vapid_keys


@register()
def provider_settings(app_configs, **kwargs) -> list:
    problems = []
    if settings.HOD_SMS_BACKEND == "twilio":
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            problems.append(
                Error("HOD_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", id="hod.E001")
            )
        if not (settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM_NUMBER):
            problems.append(
                Error("HOD_SMS_BACKEND=twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER", id="hod.E002")
            )
    if settings.HOD_PUSH_BACKEND == "fcm" and not settings.FCM_CREDENTIALS:
        problems.append(Error("HOD_PUSH_BACKEND=fcm needs FCM_CREDENTIALS (a service-account file)", id="hod.E003"))
    problems += _vapid_problems()
    if settings.EMAIL_BACKEND.startswith("anymail.") and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        problems.append(
            Warning(
                "ANYMAIL_WEBHOOK_SECRET is not set: e-mail delivery reports are switched off",
                hint="Set it to 'user:password' and give the provider webhook URLs with those credentials.",
                id="hod.W001",
            )
        )
    return problems


def _vapid_problems() -> list:
    """Keys for Web Push that cannot sign: browsers would refuse every message, so the process does not start."""
    try:
        vapid_keys()
    except VapidKeyError as error:
        return [Error(str(error), hint="Generate a pair with `npx web-push generate-vapid-keys`.", id="hod.E004")]
    if not settings.HOD_VAPID_SUBJECT.startswith(("mailto:", "https://")):
        return [Error("HOD_VAPID_SUBJECT must be a mailto: or https:// address", id="hod.E005")]
    return []
