"""The consumer's pages: Get Contacted, the answer for a state with its own Marketplace, and the
private status page with Withdraw and "No one called me". No log-in: the status link's token is the key."""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hod.local_time import time_in_zone
from hod.ratelimits import by_value, over_limit
from hod.reference.lookups import lookup_zip, marketplace_for, other_help_links, state_name
from referrals.form_page import empty_form_page
from referrals.forms import GetContactedForm
from referrals.intake import EVERYWHERE, pause_for
from referrals.lifecycle import (
    AlreadyRequested,
    Consumer,
    create_referral,
    referral_for_token,
    resend_status_link,
    withdraw_referral,
)
from referrals.models import IntakePause, Referral
from referrals.nobody_called import may_say_nobody_called, nobody_called_from, say_nobody_called
from referrals.outlook import Outlook, outlook_for
from referrals.reporting.service import record_sent_elsewhere

logger = logging.getLogger(__name__)


@never_cache
@require_http_methods(["GET", "POST"])
def get_contacted(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        paused = pause_for(EVERYWHERE)
        if paused:
            return _paused(request, paused)
        return empty_form_page(request, "referrals/get_contacted.html", GetContactedForm)
    form = GetContactedForm(request.POST)
    if over_limit(request, "get-contacted-ip", settings.HOD_RATELIMIT_PER_IP, "ip"):
        return _too_many(request, form)
    if not form.is_valid():
        # A page opened before intake was paused everywhere: say so now, not after the mistakes are fixed.
        paused = pause_for(EVERYWHERE)
        if paused:
            return _paused(request, paused, refused=True)
        return render(request, "referrals/get_contacted.html", {"form": form})
    data = form.cleaned_data
    place = data["zip_code"]
    marketplace = marketplace_for(place.state)
    if marketplace is None or not marketplace.is_served:
        record_sent_elsewhere(place.state, timezone.now(), place.time_zone)
        return render(request, "referrals/other_marketplace.html", {"place": place, "marketplace": marketplace})
    # Only now is the state known, and with it a pause of that state (or everywhere's): nothing is saved. A state
    # with its own Marketplace was told where to go above, paused or not: that is the right answer either way.
    paused = pause_for(place.state)
    if paused:
        return _paused(request, paused, refused=True)
    phone = data["phone"]
    if over_limit(request, "get-contacted-phone", settings.HOD_RATELIMIT_PER_PHONE, by_value(phone.as_e164)):
        return _too_many(request, form)
    consumer = Consumer(
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=phone,
        email=data["email"],
        language=data["language"],
        message_language=translation.get_language() or "en",
        place=place,
    )
    try:
        referral = create_referral(consumer)
    except AlreadyRequested as duplicate:
        # The same answer whoever asks: nothing about the request is shown, and its link is sent (again,
        # the same one, at most once an hour) only to the phone and e-mail on it.
        resend_status_link(duplicate.referral)
        return render(request, "referrals/already_requested.html")
    return redirect(reverse("request_status", args=[referral.status_token]) + "?new=1")


def _paused(request: HttpRequest, pause: IntakePause, refused: bool = False) -> HttpResponse:
    """The administrators' message instead of the form, with the other ways to get help. Answered with 200:
    it is the service's deliberate answer, not a failure; a 503 would set off error-rate alarms and outlier
    ejection for a pause someone chose, and proxies and CDNs may retry it or show their own error page instead."""
    context = {
        "message": pause.message(translation.get_language() or "en"),
        "state": pause.state,
        "refused": refused,
        "help": other_help_links(),
    }
    return render(request, "referrals/intake_paused.html", context)


def _too_many(request: HttpRequest, form) -> HttpResponse:
    message = _("Too many requests from here in a short time. Please wait a while and try again.")
    return render(request, "referrals/get_contacted.html", {"form": form, "limited": message}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def request_status(request: HttpRequest, token: str) -> HttpResponse:
    """The consumer's private page: how the request is going, in their time zone, naming nobody before an agent
    accepts; Withdraw, and "No one called me" two hours after an accept, each ask once more."""
    referral = referral_for_token(token)
    if referral is None:
        raise Http404("No such request")
    if request.method == "POST" and "withdraw_confirmed" in request.POST:
        withdraw_referral(referral)
        return redirect("request_status", token)
    if request.method == "POST" and "nobody_called_confirmed" in request.POST:
        if say_nobody_called(referral):
            messages.success(
                request, _("We told the agent, and we are asking another agent or broker near you to call you.")
            )
        return redirect("request_status", token)
    now = timezone.now()
    accepted = referral.offers.filter(status="accepted").select_related("agent").first()
    context = {
        "referral": referral,
        "zone": lookup_zip(referral.zip_code).time_zone,
        "state_name": state_name(referral.state),
        "language_name": referral.language.name_in_prose,
        "Status": Referral.Status,
        "help": other_help_links(),
        "agent": accepted.agent if accepted else None,
    }
    if request.method == "POST" and "withdraw" in request.POST and referral.can_be_withdrawn:
        return render(request, "referrals/withdraw_confirm.html", context)
    if request.method == "POST" and "nobody_called" in request.POST and may_say_nobody_called(referral, now):
        return render(request, "referrals/nobody_called_confirm.html", context)
    outlook = outlook_for(referral, now) if referral.is_open else None
    return render(
        request,
        "referrals/status.html",
        {
            **context,
            "new": request.GET.get("new") == "1",
            "outlook": outlook,
            **_progress(referral, outlook, context["zone"], now),
            "nobody_called_from": nobody_called_from(referral),
            "may_say_nobody_called": may_say_nobody_called(referral, now),
        },
    )


def _progress(referral: Referral, outlook: Outlook | None, zone: str, now: datetime) -> dict:
    """How an open request is going, told honestly without naming anyone: `phase` is "offered" (an agent has it
    now, since `minutes_ago`, at `offered_time` in the consumer's zone; `offered_to` agents at once, with the
    experiment HOD_OFFERS_AT_ONCE, the first asked then), "looking" (the last agent did not take
    it; the next is being asked), "waiting" (nobody is available now) or "nobody" (nobody can come); `asked` is
    how many agents or brokers were asked so far."""
    if outlook is None:
        return {}
    if outlook.kind == "now":
        phase = "offered"
    elif outlook.nobody_can_come:
        phase = "nobody"
    else:
        phase = "waiting" if referral.status == Referral.Status.WAITING else "looking"
    progress = {"phase": phase, "asked": referral.offers.count(), "offered_to": outlook.offered_to}
    if outlook.offered_at is not None:
        progress["minutes_ago"] = max(int((now - outlook.offered_at).total_seconds() // 60), 0)
        progress["offered_time"] = time_in_zone(outlook.offered_at, zone)
    return progress
