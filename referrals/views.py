from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agents.views.access import agent_required
from referrals.lifecycle import OfferClosed, accept_offer, reject_offer
from referrals.models import Offer

CLOSED_MESSAGES = {
    "lapsed": gettext_lazy(
        "The 15 minutes to answer this referral have passed, so it moved to another agent or broker."
    ),
    "answered": gettext_lazy("This referral was already answered."),
    "withdrawn": gettext_lazy("The consumer withdrew this request."),
    "unknown": gettext_lazy("This referral is no longer available."),
}


@agent_required
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """An offer as its agent sees it: where, which language, how far, how long left. The consumer's
    details appear only once this agent has accepted."""
    offers = Offer.objects.select_related("referral", "referral__language")
    item = get_object_or_404(offers, pk=offer_id, agent=request.agent)
    now = timezone.now()
    return render(
        request,
        "referrals/offer.html",
        {
            "agent": request.agent,
            "offer": item,
            "referral": item.referral,
            "is_open": item.status == Offer.Status.PENDING and item.expires_at > now,
            "seconds_left": max(int((item.expires_at - now).total_seconds()), 0),
            "accepted": item.status == Offer.Status.ACCEPTED,
        },
    )


@agent_required
@require_POST
def answer(request: HttpRequest, offer_id: int) -> HttpResponse:
    item = get_object_or_404(Offer, pk=offer_id, agent=request.agent)
    try:
        if "accept" in request.POST:
            accept_offer(item.pk, request.agent)
            messages.success(request, _("You accepted the referral. Call the consumer now."))
        else:
            reject_offer(item.pk, request.agent, request.POST.get("reason", "").strip())
            messages.info(request, _("You rejected the referral. It went to the next agent or broker."))
    except OfferClosed as closed:
        messages.error(request, CLOSED_MESSAGES[closed.reason])
    return redirect("referrals:offer", item.pk)
