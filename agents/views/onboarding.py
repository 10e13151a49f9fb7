"""From the invitation link to the portal: registration, "almost complete", and both Terms of Use."""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agents.access import agent_required
from agents.eligibility import current_terms, state_preference_choices
from agents.forms import RegistrationForm, TermsForm
from agents.invitations import InvitationProblem, invitation_for
from agents.models import TermsDocument
from agents.onboarding import accept_terms, pending_terms, register
from notifications.channels import Channel, ContactMethod

REGISTERED_SESSION_KEY = "hod_registered_with_text"


@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for(token)
    except InvitationProblem as problem:
        return render(request, "agents/invitation_problem.html", {"reason": problem.reason}, status=410)
    agent = invitation.agent
    form = RegistrationForm(request.POST or None, agent=agent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register(
                invitation,
                username=data["username"],
                password=data["password1"],
                cell_phone=data["cell_phone"],
                contact_method=data["contact_method"],
                place=data["zip_code"],
                now=timezone.now(),
            )
        except InvitationProblem as problem:
            return render(request, "agents/invitation_problem.html", {"reason": problem.reason}, status=410)
        except IntegrityError:  # the username was taken a moment ago
            form.add_error("username", _("This username is taken. Choose another."))
        else:
            request.session[REGISTERED_SESSION_KEY] = Channel.SMS in ContactMethod(data["contact_method"]).channels
            return redirect("agents:registered")
    return render(request, "agents/register.html", {"form": form, "agent": agent})


def registered(request: HttpRequest) -> HttpResponse:
    """ "Your registration is almost complete!" """
    return render(
        request,
        "agents/registered.html",
        {
            "text_sent": request.session.pop(REGISTERED_SESSION_KEY, False),
            "ios_url": settings.HOD_APP_IOS_URL,
            "android_url": settings.HOD_APP_ANDROID_URL,
        },
    )


@agent_required(terms=False)
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest) -> HttpResponse:
    """Both Terms of Use on one page, each with its checkbox; one Accept and one Decline."""
    agent = request.agent
    if not pending_terms(agent):
        return redirect("agents:home")
    documents = {document.kind: document for document in current_terms()}
    form = TermsForm(request.POST or None)
    if request.method == "POST":
        if "decline" in request.POST:
            return render(request, "agents/terms_declined.html", status=200)
        if form.is_valid():
            accept_terms(agent, list(documents.values()))
            messages.success(request, _("Thank you. Your registration is complete."))
            return redirect("agents:home")
    return render(
        request,
        "agents/terms.html",
        {
            "form": form,
            "agent_terms": documents.get(TermsDocument.Kind.AGENTS_BROKERS),
            "hod_terms": documents.get(TermsDocument.Kind.HELP_ON_DEMAND),
            "languages": agent.languages.all(),
            "states": [code for code, _label in state_preference_choices(agent)],
        },
    )
