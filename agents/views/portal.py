"""The agent's portal: home, profile (with State Preferences), availability and the switch."""

from dataclasses import replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agents import messaging
from agents.access import agent_required
from agents.availability import (
    FALLBACK_TIME_ZONE,
    AbsentError,
    cancel_absence,
    local_now,
    preview_hours,
    schedule_absence,
    set_taking_referrals,
    set_weekly_hours,
)
from agents.eligibility import eligibility_summary, state_preference_choices
from agents.forms import AbsenceForm, ProfileForm, StatePreferencesForm
from agents.hours import WeeklyHoursForm, ranges_of, ranges_posted, with_monday_copied, with_range_added
from agents.models import Absence, Agent, StateDeselection
from agents.profile import save_state_preferences, update_profile
from agents.views.auth import safe_next
from agents.views.passkeys import passkey_rows
from hod.local_time import day_and_time, zone_name
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
            callback_phone=data["callback_phone"],
            contact_method=data["contact_method"],
            place=data["zip_code"],
            portal_language=data["portal_language"],
            by=request.user,
        )
        with translation.override(agent.portal_language):  # the next page is in the language just chosen
            messages.success(request, _("Your profile is saved."))
            return redirect(reverse("agents:profile"))
    choices = state_preference_choices(agent)
    deselected = set(StateDeselection.objects.filter(agent=agent).values_list("state_id", flat=True))
    states_form = StatePreferencesForm(
        initial={"states": [code for code, _label in choices if code not in deselected]}, choices=choices
    )
    return _profile_page(request, form, states_form)


def _profile_page(request: HttpRequest, form, states_form, states_warning: str = "") -> HttpResponse:
    agent = request.agent
    context = {
        "agent": agent,
        "form": form,
        "states_form": states_form,
        "languages": agent.languages.all(),
        "zone": zone_name(agent.time_zone or FALLBACK_TIME_ZONE),
        "states_warning": states_warning,
        "passkeys": passkey_rows(agent),
    }
    return render(request, "agents/profile.html", context)


@agent_required
@require_POST
def state_preferences(request: HttpRequest) -> HttpResponse:
    """Store what the agent switched off, so that a state licensed later is on by default."""
    agent = request.agent
    choices = state_preference_choices(agent)
    form = StatePreferencesForm(request.POST, choices=choices)
    if form.is_valid():
        chosen = set(form.cleaned_data["states"])
        receiving_now = eligibility_summary(agent).eligible
        if receiving_now and not chosen & set(receiving_now) and "confirmed" not in request.POST:
            warning = _(
                "With these State Preferences you will not receive referrals anywhere: every state where you can "
                "receive them now would be off. Save anyway, or check at least one state."
            )
            return _profile_page(request, ProfileForm(agent=agent, prefix="profile"), form, states_warning=warning)
        offered = [code for code, _label in choices]
        save_state_preferences(agent, offered, chosen, by=request.user)
        messages.success(request, _("Your State Preferences are saved."))
    return redirect("agents:profile")


@agent_required
@require_POST
def test_message(request: HttpRequest) -> HttpResponse:
    """A test on every channel the agent chose; the banner names what went and, honestly, what could not."""
    recipient = messaging.recipient(request.agent)
    cannot = messaging.channels_that_cannot_reach(request.agent, recipient)
    rows = send_test_message(replace(recipient, channels=recipient.channels - set(cannot)))
    if rows:
        messages.success(
            request,
            ngettext(
                "A test message is on its way by %(channels)s.",
                "Test messages are on their way by %(channels)s.",
                len(rows),
            )
            % {"channels": get_text_list([str(CHANNEL_NAMES[row.channel]) for row in rows], _("and"))},
        )
    for channel, why in cannot.items():
        messages.warning(
            request, _("Not sent by %(channel)s: %(why)s") % {"channel": CHANNEL_NAMES[channel], "why": why}
        )
    return redirect("agents:profile")


@agent_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """Standard hours and absences. Saving hours that would flip the switch now says so first."""
    agent = request.agent
    if request.method == "GET":
        form = WeeklyHoursForm(ranges=ranges_of(agent.weekly_hours.all()))
        return _availability_page(request, form, AbsenceForm(prefix="absence"))
    if "add_range" in request.POST or "copy_weekdays" in request.POST:
        ranges = ranges_posted(request.POST)
        if "copy_weekdays" in request.POST:
            ranges = with_monday_copied(ranges)
            messages.info(request, _("Monday's hours are copied to Tuesday through Friday. Save to keep them."))
        else:
            ranges = with_range_added(ranges, int(request.POST.get("add_range") or 0) % 7)
        return _availability_page(request, WeeklyHoursForm(ranges=ranges), AbsenceForm(prefix="absence"))
    form = WeeklyHoursForm(request.POST)
    if not form.is_valid():
        return _availability_page(request, form, AbsenceForm(prefix="absence"))
    preview = preview_hours(agent, form.stretches())
    if preview.flips and "confirmed" not in request.POST:
        return _availability_page(request, form, AbsenceForm(prefix="absence"), preview=_what_happens(agent, preview))
    set_weekly_hours(agent, form.stretches(), by=request.user)
    messages.success(request, _("Your standard hours are saved.") + " " + _switch_now(agent))
    return redirect("agents:availability")


def _what_happens(agent: Agent, preview) -> str:
    when = day_and_time(preview.until, agent.time_zone or FALLBACK_TIME_ZONE)
    if preview.switch_now:
        return _("Your hours have begun: you will start taking referrals now, until %(when)s.") % {"when": when}
    return _("Your hours have not begun: you will stop taking referrals now, and start again %(when)s.") % {
        "when": when
    }


def _switch_now(agent: Agent) -> str:
    """Where the switch is after saving, and until when the hours keep it there."""
    when = day_and_time(agent.schedule_due_at, agent.time_zone or FALLBACK_TIME_ZONE)
    if agent.taking_referrals:
        return _("You are taking referrals until %(when)s.") % {"when": when} if when else ""
    return _("You are not taking referrals; your hours begin %(when)s.") % {"when": when} if when else ""


def _availability_page(request: HttpRequest, hours_form, absence_form, preview: str = "") -> HttpResponse:
    agent = request.agent
    absences = Absence.objects.filter(agent=agent, last_day__gte=local_now(agent, timezone.now()).date())
    context = {
        "agent": agent,
        "hours_form": hours_form,
        "absence_form": absence_form,
        "absences": absences,
        "preview": preview,
        "zone": zone_name(agent.time_zone or FALLBACK_TIME_ZONE),
    }
    return render(request, "agents/availability.html", context)


@agent_required
@require_POST
def add_absence(request: HttpRequest) -> HttpResponse:
    agent = request.agent
    form = AbsenceForm(request.POST, prefix="absence", today=local_now(agent, timezone.now()).date())
    if not form.is_valid():
        hours = WeeklyHoursForm(ranges=ranges_of(agent.weekly_hours.all()))
        return _availability_page(request, hours, form)
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
