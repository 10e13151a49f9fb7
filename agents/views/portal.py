"""The agent's portal: home, profile (with State Preferences), availability and the switch."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agents import messaging
from agents.access import agent_required
from agents.availability import (
    AbsentError,
    cancel_absence,
    local_now,
    schedule_absence,
    set_taking_referrals,
    set_weekly_hours,
)
from agents.eligibility import state_preference_choices
from agents.forms import AbsenceForm, ProfileForm, StatePreferencesForm, WeeklyHoursForm
from agents.models import Absence, Agent, StateDeselection, WeeklyHours
from agents.profile import save_state_preferences, update_profile
from agents.views.auth import safe_next
from notifications.channels import Channel
from notifications.sending import send_test_message

CHANNEL_NAMES = {
    Channel.EMAIL: gettext_lazy("e-mail"),
    Channel.SMS: gettext_lazy("text message"),
    Channel.PUSH: gettext_lazy("app notification"),
}


@agent_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The "Taking referrals" switch, as a form that posts the new state (works without JavaScript)."""
    agent = request.agent
    turn_on = request.POST.get("taking_referrals") == "on"
    try:
        set_taking_referrals(agent, turn_on, by=request.user)
    except AbsentError as away:
        last_day = formats.date_format(away.args[0], "DATE_FORMAT")
        messages.error(
            request, _("You are away until %(day)s. Remove the absence to take referrals.") % {"day": last_day}
        )
    else:
        if turn_on:
            messages.success(request, _("You are taking referrals."))
        else:
            messages.info(request, _("You are not taking referrals."))
    return redirect(safe_next(request, reverse("agents:home")))


@agent_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    agent = request.agent
    form = ProfileForm(request.POST or None, agent=agent, prefix="profile")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        update_profile(
            agent,
            cell_phone=data["cell_phone"],
            contact_method=data["contact_method"],
            place=data["zip_code"],
            portal_language=data["portal_language"],
            by=request.user,
        )
        messages.success(request, _("Your profile is saved."))
        with translation.override(agent.portal_language):
            return redirect(reverse("agents:profile"))
    choices = state_preference_choices(agent)
    deselected = set(StateDeselection.objects.filter(agent=agent).values_list("state_id", flat=True))
    states_form = StatePreferencesForm(
        initial={"states": [code for code, _label in choices if code not in deselected]}, choices=choices
    )
    return render(
        request,
        "agents/profile.html",
        {"agent": agent, "form": form, "states_form": states_form, "languages": agent.languages.all()},
    )


@agent_required
@require_POST
def state_preferences(request: HttpRequest) -> HttpResponse:
    """Store what the agent switched off, so that a state licensed later is on by default."""
    agent = request.agent
    choices = state_preference_choices(agent)
    form = StatePreferencesForm(request.POST, choices=choices)
    if form.is_valid():
        offered = [code for code, _label in choices]
        save_state_preferences(agent, offered, set(form.cleaned_data["states"]), by=request.user)
        messages.success(request, _("Your State Preferences are saved."))
    return redirect("agents:profile")


@agent_required
@require_POST
def test_message(request: HttpRequest) -> HttpResponse:
    rows = send_test_message(messaging.recipient(request.agent))
    messages.success(
        request,
        ngettext(
            "A test message is on its way by %(channels)s.",
            "Test messages are on their way by %(channels)s.",
            len(rows),
        )
        % {"channels": ", ".join(str(CHANNEL_NAMES[row.channel]) for row in rows)},
    )
    return redirect("agents:profile")


@agent_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    agent = request.agent
    hours_form = WeeklyHoursForm(request.POST or None, initial=_hours_initial(agent), prefix="hours")
    if request.method == "POST" and hours_form.is_valid():
        set_weekly_hours(agent, hours_form.stretches(), by=request.user)
        messages.success(request, _("Your standard hours are saved. They take effect within a minute."))
        return redirect("agents:availability")
    return _availability_page(request, hours_form, AbsenceForm(prefix="absence"))


def _hours_initial(agent: Agent) -> dict:
    initial = {}
    for stretch in WeeklyHours.objects.filter(agent=agent).order_by("weekday", "starts_at"):
        initial.setdefault(f"start_{stretch.weekday}", stretch.starts_at)
        initial.setdefault(f"end_{stretch.weekday}", stretch.ends_at)
    return initial


def _availability_page(request: HttpRequest, hours_form, absence_form) -> HttpResponse:
    agent = request.agent
    absences = Absence.objects.filter(agent=agent, last_day__gte=local_now(agent, timezone.now()).date())
    return render(
        request,
        "agents/availability.html",
        {"agent": agent, "hours_form": hours_form, "absence_form": absence_form, "absences": absences},
    )


@agent_required
@require_POST
def add_absence(request: HttpRequest) -> HttpResponse:
    agent = request.agent
    form = AbsenceForm(request.POST, prefix="absence")
    if not form.is_valid():
        return _availability_page(request, WeeklyHoursForm(initial=_hours_initial(agent), prefix="hours"), form)
    schedule_absence(agent, form.cleaned_data["first_day"], form.cleaned_data["last_day"], by=request.user)
    messages.success(request, _("Your absence is saved. Referrals stay off during it."))
    return redirect("agents:availability")


@agent_required
@require_POST
def remove_absence(request: HttpRequest, absence_id: int) -> HttpResponse:
    if not cancel_absence(request.agent, absence_id, by=request.user):
        raise Http404("No such absence")
    messages.success(request, _("The absence is removed."))
    return redirect("agents:availability")
