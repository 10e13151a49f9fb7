"""Start-up checks: a provider chosen by setting must have its credentials."""

from django.conf import settings
from django.core.checks import Error, Warning, register


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
    if settings.EMAIL_BACKEND.startswith("anymail.") and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        problems.append(
            Warning(
                "ANYMAIL_WEBHOOK_SECRET is not set: e-mail delivery reports are switched off",
                hint="Set it to 'user:password' and give the provider webhook URLs with those credentials.",
                id="hod.W001",
            )
        )
    return problems
