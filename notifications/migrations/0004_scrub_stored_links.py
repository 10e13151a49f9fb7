"""Messages stored before links were derived kept the links' secrets: replace them with markers.

Messages still waiting to go out get the secret's kind and reference, so the worker rebuilds their
link when it sends them (see notifications.secrets); sent ones keep only the marker.
"""

import re

from django.db import migrations

PATTERNS = {
    # kind of message -> (secret kind, what the reference is, [(pattern, replacement)])
    "invitation": ("invitation", "related", [(r"(/agents/invitation/)[^/\s\"'<]+/", r"\1[link hidden]/")]),
    "request_received": ("status_link", "related", [(r"(/get-contacted/status/)[^/\s\"'<]+/", r"\1[link hidden]/")]),
    "password_reset": (
        "password_reset",
        "user",
        [(r"(/agents/reset/)[^/\s\"'<]+/[^/\s\"'<]+/", r"\1[reset link hidden]/")],
    ),
}


def scrub(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for kind, (secret_kind, reference, patterns) in PATTERNS.items():
        rows = Notification.objects.filter(kind=kind, secret_kind="").only(
            "pk", "subject", "body", "html", "link", "status", "user_id", "related_id"
        )
        for row in rows.iterator(chunk_size=1000):
            for part in ("subject", "body", "html", "link"):
                text = getattr(row, part)
                for pattern, replacement in patterns:
                    text = re.sub(pattern, replacement, text)
                setattr(row, part, text)
            fields = ["subject", "body", "html", "link"]
            if row.status in ("queued", "sending"):
                row.secret_kind = secret_kind
                row.secret_ref = str(row.user_id if reference == "user" else row.related_id)
                fields += ["secret_kind", "secret_ref"]
            row.save(update_fields=fields)


EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub_errors(apps, schema_editor):
    """Providers' errors kept the addresses they refused; errors are listed in admin: mask them."""
    Notification = apps.get_model("notifications", "Notification")
    for row in Notification.objects.filter(last_error__contains="@").only("pk", "last_error").iterator():
        masked = EMAIL_ADDRESS.sub(lambda found: found.group()[:1] + "•••@" + found.group().split("@", 1)[1], row.last_error)
        Notification.objects.filter(pk=row.pk).update(last_error=masked)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_derived_links")]

    operations = [
        migrations.RunPython(scrub, migrations.RunPython.noop),
        migrations.RunPython(scrub_errors, migrations.RunPython.noop),
    ]
