"""Every message sent to a person is a row, and every device that receives app notifications too."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from notifications.channels import Channel


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One message to one person on one channel, from the moment it is queued to its delivery.

    The text is rendered when the message is queued, in the recipient's language, so the row
    shows exactly what was sent. `user` is empty for people who do not log in (consumers);
    their address is masked in admin unless the viewer may see consumers' contact details.
    """

    kind = models.CharField(max_length=40, db_index=True)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    language = models.CharField(max_length=8, default="en")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    to = models.CharField("address", max_length=254, blank=True, help_text="E-mail address or phone number")
    subject = models.CharField(max_length=255, blank=True, help_text="E-mail subject or app notification title")
    body = models.TextField()
    html = models.TextField(blank=True)
    link = models.URLField(max_length=500, blank=True)

    # A secret the message carries (a link that opens an account or a request, a username) is not
    # stored: the texts above hold a marker, and the worker rebuilds it from these when sending.
    secret_kind = models.CharField(max_length=20, blank=True)
    secret_ref = models.CharField(max_length=64, blank=True)

    related_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    related_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")

    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    provider_message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(help_text="When a queued message is due to be (re)sent")
    lease_expires_at = models.DateTimeField(null=True, blank=True, help_text="A worker holds the message until")
    handoff_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="The broker could not take the message then; the re-send job hands it over"
    )

    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the periodic re-send looks for: messages whose task may have been lost.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_queued",
                condition=Q(status="queued"),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="notification_sending",
                condition=Q(status="sending"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="notification_handoff_failed",
                condition=Q(status="queued", handoff_failed_at__isnull=False),
            ),
            models.Index(fields=["created_at"], name="notification_created"),
            models.Index(fields=["provider_message_id"], name="notification_provider_id"),
            models.Index(fields=["related_type", "related_id"], name="notification_related"),
        ]
        permissions = [
            ("view_consumer_contact", "Can see consumers' names, phone numbers and e-mail addresses"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} #{self.pk}"

    @property
    def is_for_consumer(self) -> bool:
        return self.user_id is None


class Device(models.Model):
    """A phone or browser registered for app notifications: an FCM registration token (the native apps,
    through HOD_PUSH_BACKEND), or a browser's Web Push subscription (its endpoint in `token`, and its keys)."""

    class Kind(models.TextChoices):
        FCM = "fcm", "Firebase Cloud Messaging"
        WEB_PUSH = "webpush", "Web Push"

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.FCM)
    token = models.CharField(max_length=1024, unique=True, help_text="FCM registration token, or Web Push endpoint")
    platform = models.CharField(max_length=7, choices=Platform.choices)
    # A Web Push subscription's keys (RFC 8291): the browser's public key and the shared authentication secret.
    p256dh = models.CharField(max_length=100, blank=True)
    auth = models.CharField(max_length=50, blank=True)
    name = models.CharField(max_length=80, blank=True, help_text='What the agent sees, such as "Chrome · Android"')
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user"], name="device_active", condition=Q(retired_at=None))]

    def __str__(self) -> str:
        return f"{self.name or self.get_platform_display()} ({self.get_kind_display()}) of user {self.user_id}"


class SmsOptOut(models.Model):
    """A number that replied STOP: carriers refuse our texts to it until it replies START (Twilio error 21610)."""

    phone = models.CharField(max_length=20, unique=True, help_text="E.164")
    opted_out_at = models.DateTimeField()

    class Meta:
        verbose_name = "number that stopped our texts"

    def __str__(self) -> str:
        return f"texts stopped by …{self.phone[-4:]}"
