"""The buttons on a referral's admin page: close as spam or a duplicate, offer again now, send the status link
again, give to a chosen agent. Each asks on a page of its own, needs its own permission (403 without it),
calls one function of `referrals.operations` and writes admin's log entry."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from referrals import operations
from referrals.erasure import REQUEST, erase_referral, other_requests_of
from referrals.models import Referral


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why close it", choices=[("spam", "Spam"), ("duplicate", "A duplicate of another request")]
    )


class GiveForm(forms.Form):
    agent = forms.TypedChoiceField(label="Agent or broker", coerce=int)

    def __init__(self, *args, choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [
            (agent.pk, f"{agent.first_name} {agent.last_name} (NPN {agent.npn}), {miles:.1f} miles")
            for agent, miles in choices
        ]


@dataclass(frozen=True)
class Action:
    slug: str
    permission: str  # codename on Referral
    title: str
    explanation: str
    button: str


ACTIONS = {
    action.slug: action
    for action in [
        Action(
            "close",
            "close_referral",
            "Close as spam or a duplicate",
            "The request closes and any pending offer is withdrawn. The consumer is not told.",
            "Close the request",
        ),
        Action(
            "offer-again",
            "offer_referral_again",
            "Offer again now",
            "The pending offer is withdrawn (it does not count as a lapse for its agent) and the request goes to "
            "the next agent at once.",
            "Offer it again now",
        ),
        Action(
            "send-link",
            "send_status_link",
            "Send the status link again",
            "The consumer receives the same private link to their request again, by text and e-mail (no new link).",
            "Send the link again",
        ),
        Action(
            "give",
            "give_referral_to_agent",
            "Give to an agent",
            "The request is offered to the agent you choose, among the nearest who pass every rule now and were "
            "not offered it yet; a pending offer is withdrawn first.",
            "Offer it to this agent",
        ),
        Action(
            "erase",
            "erase_consumer_data",
            "Erase the consumer's details",
            "A deletion request: the consumer's name, phone, e-mail and the agent's note are erased from this request "
            "and its messages, and from the consumer's other requests (same phone or e-mail). An open request is "
            "withdrawn first. The anonymous facts the statistics need stay. This cannot be undone.",
            "Erase their details",
        ),
    ]
}


class ReferralActions:
    """Mixed into ReferralAdmin: the action pages and the buttons' list for the change page."""

    def get_urls(self):
        own = [
            path("<int:referral_id>/do/<slug:slug>/", self.admin_site.admin_view(self.action_view), name="referral_do")
        ]
        return own + super().get_urls()

    def actions_for(self, request: HttpRequest, referral: Referral) -> list[tuple[str, str]]:
        """(URL, title) of the actions this user may take on this referral now."""
        usable = {
            "close": referral.is_open,
            "offer-again": referral.is_open,
            "send-link": referral.is_open or referral.status == Referral.Status.ACCEPTED,
            "give": referral.is_open,
            "erase": referral.erased_at is None,
        }
        return [
            (reverse("admin:referral_do", args=[referral.pk, slug]), action.title)
            for slug, action in ACTIONS.items()
            if usable[slug] and request.user.has_perm(f"referrals.{action.permission}")
        ]

    def action_view(self, request: HttpRequest, referral_id: int, slug: str) -> HttpResponse:
        action = ACTIONS.get(slug)
        referral = get_object_or_404(Referral, pk=referral_id)
        if action is None or not request.user.has_perm(f"referrals.{action.permission}"):
            raise PermissionDenied("You may not do this to a referral.")
        form = self._form(action, request, referral)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                done = self._perform(action, request, referral, form)
            except operations.NotPossible as refused:
                messages.error(request, str(refused))
            else:
                self.log_change(request, referral, f"{action.title}: {done}")
                messages.success(request, done)
                return redirect("admin:referrals_referral_change", referral.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.title}: request {referral.reference}",
            "action": action,
            "referral": referral,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/referrals/referral/action.html", context)

    def _form(self, action: Action, request: HttpRequest, referral: Referral):
        data = request.POST if request.method == "POST" else None
        if action.slug == "close":
            return CloseForm(data)
        if action.slug == "give":
            return GiveForm(data, choices=operations.agents_to_choose(referral))
        return None

    def _perform(self, action: Action, request: HttpRequest, referral: Referral, form) -> str:
        perform: dict[str, Callable[[], str]] = {
            "close": lambda: _closed(operations.close_as(referral.pk, form.cleaned_data["reason"], request.user)),
            "offer-again": lambda: _offered(operations.offer_again_now(referral.pk, request.user)),
            "send-link": lambda: _sent(operations.send_link_again(referral.pk, request.user)),
            "give": lambda: _offered(operations.give_to(referral.pk, form.cleaned_data["agent"], request.user)),
            "erase": lambda: _erased(referral, request.user),
        }
        return perform[action.slug]()


def _closed(referral: Referral) -> str:
    return f"Request {referral.reference} is closed; the consumer was not told."


def _offered(offer) -> str:
    if offer is None:
        return "No agent can take the request now: it waits for the next one."
    return f"Offered to {offer.agent}."


def _sent(_nothing: None) -> str:
    return "The status link was sent again."


def _erased(referral: Referral, by) -> str:
    """This request and the consumer's others, each in its own transaction."""
    ids = [referral.pk, *other_requests_of(referral)]
    erased = sum(erase_referral(pk, by=by, reason=REQUEST) for pk in ids)
    return f"The consumer's details are erased from {erased} request(s)."
