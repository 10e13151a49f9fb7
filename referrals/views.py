"""The agent's screens: the portal home with their offers and referrals, and one offer."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from agents.access import agent_required
from agents.eligibility import eligibility_summary
from notifications.twilio_signatures import twilio_signature_is_valid
from referrals.agent_lists import referrals_of
from referrals.forms import DispositionForm
from referrals.lifecycle import OfferClosed, accept_offer, record_disposition, reject_offer
from referrals.messages import offer_window_minutes
from referrals.models import Offer
from referrals.text_replies import answer_by_text


def _window_passed() -> str:
    minutes = offer_window_minutes()
    return ngettext(
        "The minute to answer this referral has passed, so it moved to another agent or broker.",
        "The %(minutes)d minutes to answer this referral have passed, so it moved to another agent or broker.",
        minutes,
    ) % {"minutes": minutes}


CLOSED_MESSAGES = {
    "lapsed": _window_passed,
    "answered": gettext_lazy("This referral was already answered."),
    "withdrawn": gettext_lazy("The consumer withdrew this request."),
    "unknown": gettext_lazy("This referral is no longer available."),
    "not_eligible": gettext_lazy(
        "You can no longer receive referrals for this consumer's state or language, so it moved to another agent "
        "or broker."
    ),
}


@never_cache
@agent_required
def agent_home(request: HttpRequest) -> HttpResponse:
    """The current offer at the top, then open referrals, then history. The lists refresh themselves
    every few seconds (htmx), and the page works the same without JavaScript."""
    agent = request.agent
    lists = referrals_of(agent, timezone.now())
    context = {"agent": agent, "current": lists.current, "open": lists.open, "history": lists.history}
    if request.htmx:  # the lists refreshing themselves: only they are rendered, not the eligibility summary
        return render(request, "referrals/_referral_lists.html", context)
    summary = eligibility_summary(agent)
    return render(
        request, "referrals/agent_home.html", {**context, "eligible": summary.eligible, "reasons": summary.reasons}
    )


@never_cache
@agent_required
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """An offer as its agent sees it: where, which language, how far, how long left. The consumer's
    details appear only once this agent has accepted."""
    offers = Offer.objects.select_related("referral", "referral__language")
    item = get_object_or_404(offers, pk=offer_id, agent=request.agent)
    now = timezone.now()
    accepted = item.status == Offer.Status.ACCEPTED
    referral = item.referral
    form = None
    if accepted:
        initial = {"disposition": referral.disposition, "note": referral.disposition_note}
        form = DispositionForm(request.POST or None, initial=initial, prefix="outcome")
        if request.method == "POST" and form.is_valid():
            record_disposition(item, request.agent, form.cleaned_data["disposition"], form.cleaned_data["note"])
            messages.success(request, _("Saved. You can change it later."))
            return redirect("referrals:offer", item.pk)
    return render(
        request,
        "referrals/offer.html",
        {
            "agent": request.agent,
            "offer": item,
            "referral": referral,
            "is_open": item.status == Offer.Status.PENDING and item.expires_at > now,
            "seconds_left": max(int((item.expires_at - now).total_seconds()), 0),
            "accepted": accepted,
            "form": form,
            "window_passed": _window_passed(),
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
            return redirect("agents:home")
    except OfferClosed as closed:
        message = CLOSED_MESSAGES[closed.reason]
        messages.error(request, message() if callable(message) else message)
    return redirect("referrals:offer", item.pk)


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio forwards agents' texts here (the Messaging Service's inbound URL), signed."""
    if not twilio_signature_is_valid(request):
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    answer_by_text(request.POST.get("From", ""), request.POST.get("Body", ""))
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")  # the reply goes out as its own message
