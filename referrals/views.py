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
from agents.availability import FALLBACK_TIME_ZONE
from agents.eligibility import eligibility_summary
from agents.notices import notices_for
from notifications.twilio_signatures import twilio_signature_is_valid
from referrals.after_accepting import hand_back, record_disposition
from referrals.agent_lists import referrals_of
from referrals.forms import DispositionForm, HandBackForm
from referrals.lifecycle import NotYourReferral, OfferClosed, accept_offer, reject_offer
from referrals.messages import offer_window_minutes
from referrals.models import Offer, Referral
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
    "taken": gettext_lazy("Another agent or broker accepted this referral first."),
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
    context = {
        "agent": agent,
        "current": lists.current,
        "open": lists.open,
        "history": lists.history,
        "zone": agent.time_zone or FALLBACK_TIME_ZONE,
    }
    if request.htmx:  # the lists refreshing themselves: only they are rendered, not the eligibility summary
        return render(request, "referrals/_referral_lists.html", context)
    summary = eligibility_summary(agent)
    return render(
        request,
        "referrals/agent_home.html",
        {**context, "eligible": summary.eligible, "reasons": summary.reasons, "notices": notices_for(agent)},
    )


@never_cache
@agent_required
def offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    """An offer as its agent sees it: where, which language, how far, how long left. The consumer's
    details appear only once this agent has accepted."""
    item = get_object_or_404(OFFERS, pk=offer_id, agent=request.agent)
    if request.method == "POST" and _accepted(item):
        form = DispositionForm(request.POST, prefix="outcome")
        if form.is_valid():
            record_disposition(item, request.agent, form.cleaned_data["disposition"], form.cleaned_data["note"])
            messages.success(request, _("Saved. You can change it later."))
            return redirect("referrals:offer", item.pk)
        return _offer_page(request, item, outcome_form=form)
    return _offer_page(request, item)


OFFERS = Offer.objects.select_related("referral", "referral__language")


def _accepted(item: Offer) -> bool:
    """Accepted by this agent, and the consumer has not withdrawn since."""
    return item.is_accepted and item.referral.status == Referral.Status.ACCEPTED


def _offer_page(request: HttpRequest, item: Offer, outcome_form=None, hand_back_form=None) -> HttpResponse:
    now = timezone.now()
    referral = item.referral
    accepted = _accepted(item)
    if accepted and outcome_form is None:
        initial = {"disposition": referral.disposition, "note": referral.disposition_note}
        outcome_form = DispositionForm(initial=initial, prefix="outcome")
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
            "form": outcome_form,
            "hand_back_form": (hand_back_form or HandBackForm(prefix="back")) if accepted else None,
            "window_passed": _window_passed(),
            "zone": request.agent.time_zone or FALLBACK_TIME_ZONE,
        },
    )


@agent_required
@require_POST
def give_back(request: HttpRequest, offer_id: int) -> HttpResponse:
    """The agent hands an accepted referral back: it goes to the next agent, and the consumer is told."""
    item = get_object_or_404(OFFERS, pk=offer_id, agent=request.agent)
    form = HandBackForm(request.POST, prefix="back")
    if not form.is_valid():
        return _offer_page(request, item, hand_back_form=form)
    try:
        hand_back(item.pk, request.agent, form.reason_text())
    except NotYourReferral:
        messages.error(request, _("This referral is no longer yours to hand back."))
        return redirect("referrals:offer", item.pk)
    if Referral.objects.filter(pk=item.referral_id, status=Referral.Status.OFFERED).exists():
        went = _("You handed the referral back. It went to the next agent or broker, and the consumer was told.")
    else:
        went = _(
            "You handed the referral back. No other agent or broker can take it right now: it waits for the next "
            "one, and the consumer was told."
        )
    messages.info(request, went)
    return redirect("agents:home")


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
