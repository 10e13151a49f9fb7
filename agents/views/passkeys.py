"""Passkeys: adding, renaming and removing them on the profile, and logging in with one.

The browser's side is static/js/passkeys.js (over @simplewebauthn/browser): it asks for the options, lets
the device make or use the passkey, and posts the answer here as JSON; a refusal is a 4xx with the reason
in `error`. Renaming and removing are plain forms that work without JavaScript.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents.access import agent_required
from agents.availability import FALLBACK_TIME_ZONE
from agents.models import Agent
from agents.passkeys import (
    PasskeyRefused,
    add_passkey,
    authentication_options,
    registration_options,
    remove_passkey,
    rename_passkey,
    start_attempt,
)
from hod.local_time import in_zone
from hod.ratelimits import over_limit

JSON = "application/json"


def _posted_json(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _refusal(refused: PasskeyRefused, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": refused.reason, "code": refused.code}, status=status)


def _too_many() -> PasskeyRefused:
    return PasskeyRefused(
        "too_many", _("Too many requests from here in a short time. Please wait a while and try again.")
    )


@agent_required
@require_POST
def add_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse(registration_options(request.agent, request.session), content_type=JSON)


@agent_required
@require_POST
def add(request: HttpRequest) -> JsonResponse:
    data = _posted_json(request)
    try:
        passkey = add_passkey(
            request.agent, data.get("name", ""), data.get("credential"), request.session, request.user
        )
    except PasskeyRefused as refused:
        return _refusal(refused)
    messages.success(
        request, _("The passkey “%(name)s” is added. You can log in with it now.") % {"name": passkey.name}
    )
    return JsonResponse({"redirect": reverse("agents:profile") + "#passkeys"}, status=201)


@agent_required
@require_POST
def rename(request: HttpRequest, passkey_id: int) -> HttpResponse:
    try:
        found = rename_passkey(request.agent, passkey_id, request.POST.get("name", ""), by=request.user)
    except PasskeyRefused as refused:
        messages.error(request, refused.reason)
        return redirect(reverse("agents:profile") + "#passkeys")
    if not found:
        raise Http404("No such passkey")
    messages.success(request, _("The passkey is renamed."))
    return redirect(reverse("agents:profile") + "#passkeys")


@agent_required
@require_POST
def remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    if not remove_passkey(request.agent, passkey_id, by=request.user):
        raise Http404("No such passkey")
    messages.success(request, _("The passkey is removed. It no longer logs you in; your password still does."))
    return redirect(reverse("agents:profile") + "#passkeys")


@require_POST
def log_in_options(request: HttpRequest) -> HttpResponse:
    """Limited per address like log-ins themselves (each call keeps a challenge in a session)."""
    if over_limit(request, "passkey-options-ip", settings.HOD_RATELIMIT_LOGIN_PER_IP, "ip"):
        return _refusal(_too_many(), status=429)
    return HttpResponse(authentication_options(request.session), content_type=JSON)


@require_POST
def log_in(request: HttpRequest) -> JsonResponse:
    """Throttled as the password is: per address (django-ratelimit), and per account and address
    (django-axes, through authenticate(): a refused passkey is a failed log-in, and a locked-out account
    gets the cool-off answer, as JSON, from agents.views.auth.locked_out)."""
    if over_limit(request, "log-in-ip", settings.HOD_RATELIMIT_LOGIN_PER_IP, "ip"):
        return _refusal(_too_many(), status=429)
    data = _posted_json(request)
    attempt = start_attempt(data.get("credential"), request.session)
    user = authenticate(request, username=attempt.username, passkey_attempt=attempt)
    if user is None:
        refused = attempt.refused or PasskeyRefused("locked_out", _("Too many attempts"))
        return _refusal(refused, status=429 if refused.code == "locked_out" else 400)
    auth_login(request, user)
    return JsonResponse({"redirect": _where_next(request, user, data.get("next"))})


def _where_next(request: HttpRequest, user, wanted) -> str:
    """The page the agent was going to (an offer's link), or their portal in their language."""
    if isinstance(wanted, str) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    agent = Agent.objects.filter(user=user).first()
    with translation.override(agent.portal_language if agent else translation.get_language()):
        return reverse("agents:home")


def passkey_rows(agent: Agent) -> list[dict]:
    """The profile's list: each passkey with when it was added and last used, in the agent's time zone."""
    zone = agent.time_zone or FALLBACK_TIME_ZONE
    return [
        {"passkey": passkey, "added": in_zone(passkey.created_at, zone), "used": in_zone(passkey.last_used_at, zone)}
        for passkey in agent.passkeys.all()
    ]
