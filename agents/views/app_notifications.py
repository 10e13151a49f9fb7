"""The agent removes one of the phones or browsers that receive their app notifications (the profile page)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents.access import agent_required
from notifications.devices import remove_device_by_id


@agent_required
@require_POST
def remove_device(request: HttpRequest, device_id: int) -> HttpResponse:
    if not remove_device_by_id(request.user, device_id):
        raise Http404("No such phone or browser")
    messages.success(request, _("Removed: that phone or browser no longer receives app notifications."))
    return redirect(reverse("agents:profile") + "#app-notifications")
