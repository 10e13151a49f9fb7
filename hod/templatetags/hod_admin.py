from django import template

from hod.alerts import Alert, current_alerts

register = template.Library()


@register.simple_tag
def hod_alerts() -> list[Alert]:
    """The alerts for the admin's index (see hod.alerts)."""
    return current_alerts()
