"""How long a log-in lasts: HOD_SESSION_MAX_HOURS at most from the log-in, whatever happens, and
HOD_SESSION_IDLE_MINUTES without a request the person made. The portal's lists refresh themselves
every few seconds; those background requests (marked `X-HOD-Background`) do not count as activity, or
a portal left open on a shared computer would stay logged in forever.
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

STARTED = "hod_logged_in_at"
BACKGROUND_HEADER = "X-HOD-Background"


@receiver(user_logged_in, dispatch_uid="hod.sessions.started")
def remember_when_logged_in(sender, request: HttpRequest, user, **kwargs) -> None:
    request.session[STARTED] = int(time.time())


def is_background(request: HttpRequest) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class SessionLifetime:
    """After AuthenticationMiddleware. SESSION_SAVE_EVERY_REQUEST is off: the idle clock restarts only
    when this middleware says a person made the request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = request.session.get(STARTED)
        if started is not None and time.time() - started > settings.HOD_SESSION_MAX_HOURS * 3600:
            logout(request)  # the page asked for now sends them to log in again
        response = self.get_response(request)
        if STARTED in request.session and not is_background(request):
            request.session.modified = True  # saved again: the idle clock restarts
        return response
