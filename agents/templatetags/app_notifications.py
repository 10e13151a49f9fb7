"""The portal's app notifications: the profile's section, and the invitation on the other portal pages."""

from django import template

from agents.app_notifications import app_devices, device_label, misses_app_notifications
from notifications.vapid import VapidKeyError, vapid_keys, web_push_is_on

register = template.Library()


@register.simple_tag
def web_push_key() -> str:
    """`{% web_push_key %}`: the key browsers subscribe with (applicationServerKey); "" while Web Push is off."""
    try:
        keys = vapid_keys()
    except VapidKeyError:  # the start-up check reports it
        return ""
    return keys.public_key if keys else ""


@register.filter
def misses_app_notification(agent) -> bool:
    """`{% if agent|misses_app_notification %}`: they chose app notifications, and nothing receives them."""
    return bool(agent and agent.registered_at) and misses_app_notifications(agent)


@register.inclusion_tag("agents/_app_notifications.html", takes_context=True)
def app_notifications_section(context, agent) -> dict:
    """`{% app_notifications_section agent %}`: this agent's phones and browsers, turning notifications on in
    this browser, and how to install the portal."""
    return {
        "agent": agent,
        "devices": [(device, device_label(device)) for device in app_devices(agent)],
        "web_push_on": web_push_is_on(),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
