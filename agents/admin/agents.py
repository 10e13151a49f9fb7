"""Agents in admin: every state against every rule with its reasons, their data from CMS, and the
changes they (or Help On Demand) made."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from agents import audit
from agents.admin.filters import (
    EligibleNowFilter,
    LanguageFilter,
    LicensedInFilter,
    PlanYearFilter,
    RegistrationStatusFilter,
)
from agents.availability import AbsentError, set_taking_referrals
from agents.eligibility import (
    Rule,
    eligibility_table,
)
from agents.invitations import invite
from agents.models import (
    Absence,
    Agent,
    AgentChange,
    Invitation,
    License,
    MarketplaceRegistration,
    Passkey,
    StateDeselection,
    TermsAcceptance,
    TrainingCompletion,
    WeeklyHours,
)
from agents.profile import set_zip_code
from hod.reference.lookups import current_plan_year, lookup_zip


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


class StateDeselectionInline(admin.TabularInline):
    model = StateDeselection
    extra = 0
    verbose_name = "state switched off in State Preferences"
    verbose_name_plural = "State Preferences: states switched off"


class TermsAcceptanceInline(admin.TabularInline):
    model = TermsAcceptance
    extra = 0
    readonly_fields = ["terms", "accepted_at", "accepted_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AgentChangeInline(admin.TabularInline):
    """The audit trail: who changed what, newest first (read-only)."""

    model = AgentChange
    extra = 0
    fields = ["at", "kind", "by", "detail"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "changes (audit trail)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PasskeyInline(admin.TabularInline):
    """The agent's passkeys, to help on the phone (read-only: the agent adds and removes them on the profile,
    each change on the audit trail; the key itself is never shown)."""

    model = Passkey
    extra = 0
    fields = ["name", "created_at", "last_used_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _table(headers: list[str], rows: list[list], empty: str) -> SafeString:
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th scope='col'>{}</th>", ((header,) for header in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html("<table class='hod-admin-table'><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class AgentAdminForm(forms.ModelForm):
    def clean_zip_code(self) -> str:
        code = self.cleaned_data["zip_code"]
        return lookup_zip(code).code if code else code  # a ZipCodeError shows beside the field


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentAdminForm
    # Short columns, so the list fits 1280 px beside the filters (the e-mail and the option's words are on the page).
    list_display = [
        "npn",
        "name",
        "home_state",
        "display",
        "registration",
        "taking_referrals",
        "in_mlms",
    ]
    list_filter = [
        EligibleNowFilter,
        LicensedInFilter,
        LanguageFilter,
        PlanYearFilter,
        RegistrationStatusFilter,
        "taking_referrals",
        "display_option",
        "in_mlms",
    ]
    search_fields = ["=npn", "first_name", "last_name", "email"]
    list_select_related = ["user"]
    inlines = [
        StateDeselectionInline,
        WeeklyHoursInline,
        AbsenceInline,
        TermsAcceptanceInline,
        PasskeyInline,
        AgentChangeInline,
    ]
    mlms_fields = ["npn", "first_name", "last_name", "email", "home_state", "languages", "display_option", "in_mlms"]
    readonly_fields = [
        *mlms_fields,
        # The agent's account is theirs alone: staff pointing it at their own account could read the
        # agent's consumers in the portal. It is set once, by registration.
        "user",
        "eligibility",
        "licenses",
        "registrations",
        "training",
        "last_offered_at",
        "schedule_state",
        "taking_referrals_changed_at",
        "paused_at",
        "lapses_in_a_row",
        "registered_at",
        "time_zone",
        "responsiveness",
    ]
    fieldsets = [
        ("From the MLMS (read-only)", {"fields": mlms_fields}),
        ("Eligibility now, every state × rule", {"fields": ["eligibility"]}),
        ("From CMS", {"fields": ["registrations", "training", "licenses"]}),
        (
            "Help On Demand",
            {
                "fields": [
                    "user",
                    "registered_at",
                    "cell_phone",
                    "contact_method",
                    "zip_code",
                    "time_zone",
                    "portal_language",
                ]
            },
        ),
        (
            "Availability",
            {
                "fields": [
                    "taking_referrals",
                    "taking_referrals_changed_at",
                    "paused_at",
                    "lapses_in_a_row",
                    "schedule_state",
                    "last_offered_at",
                    "responsiveness",
                ]
            },
        ),
    ]
    actions = ["send_new_invitation"]

    def save_model(self, request: HttpRequest, obj: Agent, form, change: bool) -> None:
        """Only the fields changed here are saved (the sweep may have flipped the switch meanwhile), and the
        switch goes through the portal's own function, so waiting referrals are offered at once."""
        fields = [name for name in form.changed_data if name != "taking_referrals"]
        if "zip_code" in form.changed_data and obj.zip_code:
            fields += set_zip_code(obj, lookup_zip(obj.zip_code))  # the place and time zone go with the ZIP code
        if not change:
            return super().save_model(request, obj, form, change)
        if fields:
            obj.save(update_fields=set(fields))
            audit.record(obj.pk, audit.Kind.PROFILE, timezone.now(), request.user, "in admin: " + ", ".join(fields))
        if "taking_referrals" in form.changed_data:
            wanted = form.cleaned_data["taking_referrals"]
            obj.taking_referrals = not wanted  # as it is in the database until the switch flips it
            try:
                set_taking_referrals(obj, wanted, by=request.user)
            except AbsentError as away:
                self.message_user(
                    request, f"Referrals stay off: this agent is away until {away.args[0]}.", messages.WARNING
                )

    @admin.action(description="Send a new invitation (voids any earlier link)")
    def send_new_invitation(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        invited = list(queryset.filter(user__isnull=True))
        for agent in invited:
            invite(agent)
        skipped = queryset.count() - len(invited)
        self.message_user(
            request,
            f"{len(invited)} invitation(s) sent."
            + (f" {skipped} agent(s) already have an account and log in with it." if skipped else ""),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return super().get_queryset(request).prefetch_related("languages")

    @admin.display(description="registration")
    @admin.display(description="name", ordering="last_name")
    def name(self, agent: Agent) -> str:
        return f"{agent.last_name}, {agent.first_name}"

    @admin.display(description="display option", ordering="display_option")
    def display(self, agent: Agent) -> int:
        return agent.display_option

    def registration(self, agent: Agent) -> str:
        if agent.registered_at:
            return "registered"
        return "account, incomplete" if agent.user_id else "no account"

    @admin.display(description="eligibility by state")
    def eligibility(self, agent: Agent) -> SafeString:
        table = eligibility_table(agent)
        eligible = [state for state, checks in table.items() if all(check.passed for check in checks)]
        licensed = set(License.objects.filter(npn=agent.npn).values_list("state", flat=True))
        order = sorted(table, key=lambda state: (state not in eligible, state not in licensed, state))
        rows = []
        for state in order:
            cells = [format_html("<strong>{}</strong>", state)]
            for check in table[state]:
                mark = "✓" if check.passed else "✗"
                cells.append(
                    format_html(
                        '<span title="{}">{}</span> {}', check.reason, mark, "" if check.passed else check.reason
                    )
                )
            rows.append(cells)
        summary = format_html(
            "<p><strong>Eligible now in:</strong> {} (plan year {})</p>",
            ", ".join(eligible) or "no state",
            current_plan_year(),
        )
        headers = ["State", *[f"{rule.number}. {rule.label}" for rule in Rule]]
        return format_html("{}{}", summary, _table(headers, rows, ""))

    @admin.display(description="licenses (NIPR)")
    def licenses(self, agent: Agent) -> SafeString:
        rows = [
            [
                license.state,
                license.license_number,
                license.status,
                license.expiration_date or "none",
                "resident" if license.resident else "non-resident",
                "; ".join(
                    f"{line.name} ({line.status}{'' if line.active else ', gone'})"
                    for line in license.lines_of_authority.all()
                ),
                "yes" if license.active else "no (missing from the latest import)",
            ]
            for license in License.objects.filter(npn=agent.npn).prefetch_related("lines_of_authority")
        ]
        headers = ["State", "Number", "Status", "Expires", "Residency", "Lines of authority", "In latest import"]
        return _table(headers, rows, "No license on file for this NPN.")

    @admin.display(description="FFM Registration Completion List")
    def registrations(self, agent: Agent) -> SafeString:
        rows = [
            [
                row.plan_year,
                row.individual_registration_completion_date or "none",
                row.individual_marketplace_end_date or "none",
                row.npn_valid_current_plan_year_only or "empty",
                "yes" if row.active else "no",
            ]
            for row in MarketplaceRegistration.objects.filter(npn=agent.npn).order_by("-plan_year")
        ]
        headers = ["Plan year", "Individual registration", "Individual end", "Valid this plan year", "In latest list"]
        return _table(headers, rows, "This NPN is on no Registration Completion List.")

    @admin.display(description="Help On Demand training (MLMS)")
    @admin.display(description="responsiveness")
    def responsiveness(self, agent: Agent) -> SafeString:
        """A link to how this agent answers offers (the reporting page, for staff who may open it)."""
        if agent.pk is None:
            return format_html("–")
        url = reverse("reporting:responsiveness") + f"?agent={agent.pk}&period=season"
        return format_html('<a href="{}">Offers, answers and lapses this season</a>', url)

    def training(self, agent: Agent) -> SafeString:
        rows = [
            [row.plan_year, row.completed_on or "not completed", "yes" if row.active else "no"]
            for row in TrainingCompletion.objects.filter(npn=agent.npn).order_by("-plan_year")
        ]
        return _table(["Plan year", "Completed", "In latest export"], rows, "No training on record.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["agent", "created_at", "expires_at", "used_at", "voided_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter), ("voided_at", admin.EmptyFieldListFilter)]
    search_fields = ["=agent__npn", "agent__last_name", "agent__email"]
    readonly_fields = ["agent", "created_at", "expires_at", "used_at", "voided_at"]
    exclude = ["token_hash"]
    list_select_related = ["agent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sent by send_invitations, or by the agents list's "Send a new invitation"
