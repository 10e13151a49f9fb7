"""What the portal tells an agent about app notifications: which phones and browsers receive them, and,
where none does, that the Preferred Contact Methods with "App Notification" would reach them by
e-mail (and text) only, and how to add one."""

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.models import Agent
from notifications.channels import Channel, ContactMethod
from notifications.devices import reachable_devices
from notifications.models import Device

UNNAMED = {
    Device.Platform.ANDROID: gettext_lazy("An Android phone"),
    Device.Platform.IOS: gettext_lazy("An iPhone"),
    Device.Platform.WEB: gettext_lazy("A web browser"),
}


def device_label(device: Device) -> str:
    """ "Chrome · Android" for a browser that said what it is; else what kind of device it is."""
    return device.name or str(UNNAMED.get(device.platform, UNNAMED[Device.Platform.WEB]))


def app_devices(agent: Agent) -> list[Device]:
    """The agent's phones and browsers that an app notification would reach now."""
    return reachable_devices(agent.user_id)


def misses_app_notifications(agent: Agent) -> bool:
    """The agent chose app notifications, and nothing would receive them."""
    if not agent.user_id or Channel.PUSH not in ContactMethod(agent.contact_method).channels:
        return False
    return not app_devices(agent)


def contact_method_choices(devices: list[Device] | None) -> list[tuple[str, str]]:
    """The four Preferred Contact Methods; those with "App Notification" say where app notifications go
    (`devices`), or that no phone or browser receives them yet (None: before sign-up)."""
    choices = []
    for method in ContactMethod:
        label = str(method.label)
        if Channel.PUSH in method.channels:
            if devices:
                where = get_text_list([device_label(device) for device in devices], _("and"))
                label = _("%(method)s (app notifications go to %(devices)s)") % {"method": label, "devices": where}
            else:
                label = _("%(method)s (no phone or browser registered yet)") % {"method": label}
        choices.append((method.value, label))
    return choices


def contact_method_help(devices: list[Device] | None) -> str:
    """The field's hint: the seed's recommendation, and how to add a phone or browser."""
    recommendation = _(
        "How Help On Demand notifies you of a new referral. We strongly recommend Email, Text & App "
        "Notification: notifications by Email Only can cause delays and lost referrals."
    )
    if devices is None:
        how = _(
            "App notifications reach the phones and browsers where you turn them on: after you sign up, open "
            "Profile on your phone and select Turn on notifications. On an iPhone, first add Help On Demand to "
            "your Home Screen (Share, then Add to Home Screen)."
        )
    elif devices:
        return recommendation
    else:
        how = _(
            "No phone or browser receives app notifications yet: turn them on under App notifications on this "
            "page, on each phone or computer where you want them."
        )
    return f"{recommendation} {how}"
