from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Exists, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from agents import audit
from agents.availability import AbsentError, set_taking_referrals
from agents.eligibility import (
    Rule,
    eligibility_table,
    eligible_agents,
    hod_registration_complete,
    licensed_in,
    registered_for,
)
from agents.invitations import invite
from agents.models import (
    Absence,
    Agent,
    HealthLineOfAuthority,
    ImportRun,
    Invitation,
    License,
    MarketplaceRegistration,
    StateDeselection,
    TermsAcceptance,
    TermsDocument,
    TrainingCompletion,
    User,
    WeeklyHours,
)
from agents.profile import set_zip_code
from agents.tasks import run_uploaded_import
from hod.reference.lookups import current_plan_year, lookup_zip
from hod.reference.models import Language, State

admin.site.register(User, UserAdmin)


# Agents ------------------------------------------------------------------------------------


class EligibleNowFilter(admin.SimpleListFilter):
    title = "eligible now in"
    parameter_name = "eligible_in"

    def lookups(self, request, model_admin):
        return [(state.code, state.code) for state in State.objects.all().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=eligible_agents(self.value(), None).values("pk"))


class LicensedInFilter(admin.SimpleListFilter):
    title = "licensed in (rule 3: an active health license)"
    parameter_name = "licensed_in"

    def lookups(self, request, model_admin):
        return [(state.code, state.code) for state in State.objects.all().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(licensed_in(timezone.localdate(), self.value())))


class LanguageFilter(admin.SimpleListFilter):
    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return Language.objects.values_list("code", "name_en")

    def queryset(self, request, queryset):
        return queryset.filter(languages=self.value()) if self.value() else queryset


class PlanYearFilter(admin.SimpleListFilter):
    title = "Marketplace registration for plan year"
    parameter_name = "registered_for"

    def lookups(self, request, model_admin):
        years = MarketplaceRegistration.objects.order_by("-plan_year").values_list("plan_year", flat=True).distinct()
        return [(year, str(year)) for year in years]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(registered_for(int(self.value()), timezone.localdate())))


class RegistrationStatusFilter(admin.SimpleListFilter):
    title = "Help On Demand registration"
    parameter_name = "hod_registration"

    def lookups(self, request, model_admin):
        return [
            ("none", "no account yet"),
            ("incomplete", "account, registration incomplete (rule 7 fails)"),
            ("registered", "registered (rule 7 holds)"),
        ]

    def queryset(self, request, queryset):
        complete = Agent.objects.filter(*hod_registration_complete()).values("pk")
        if self.value() == "none":
            return queryset.filter(user__isnull=True)
        if self.value() == "incomplete":
            return queryset.filter(user__isnull=False).exclude(pk__in=complete)
        if self.value() == "registered":
            return queryset.filter(pk__in=complete)
        return queryset


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


def _table(headers: list[str], rows: list[list], empty: str) -> SafeString:
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th scope='col'>{}</th>", ((header,) for header in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class AgentAdminForm(forms.ModelForm):
    def clean_zip_code(self) -> str:
        code = self.cleaned_data["zip_code"]
        return lookup_zip(code).code if code else code  # a ZipCodeError shows beside the field


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentAdminForm
    list_display = [
        "npn",
        "last_name",
        "first_name",
        "email",
        "home_state",
        "display_option",
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
    inlines = [StateDeselectionInline, WeeklyHoursInline, AbsenceInline, TermsAcceptanceInline]
    mlms_fields = ["npn", "first_name", "last_name", "email", "home_state", "languages", "display_option", "in_mlms"]
    readonly_fields = [
        *mlms_fields,
        "eligibility",
        "licenses",
        "registrations",
        "training",
        "last_offered_at",
        "schedule_state",
        "taking_referrals_changed_at",
        "registered_at",
        "time_zone",
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
            {"fields": ["taking_referrals", "taking_referrals_changed_at", "schedule_state", "last_offered_at"]},
        ),
    ]
    raw_id_fields = ["user"]
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


# CMS data ----------------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Imported data: changed by the imports only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(License)
class LicenseAdmin(ReadOnlyAdmin):
    list_display = ["npn", "state", "license_number", "status", "expiration_date", "resident", "active"]
    list_filter = ["state", "status", "active", "resident"]
    search_fields = ["=npn", "license_number"]


@admin.register(MarketplaceRegistration)
class MarketplaceRegistrationAdmin(ReadOnlyAdmin):
    list_display = [
        "npn",
        "plan_year",
        "individual_registration_completion_date",
        "individual_marketplace_end_date",
        "npn_valid_current_plan_year_only",
        "active",
    ]
    list_filter = ["plan_year", "npn_valid_current_plan_year_only", "active"]
    search_fields = ["=npn"]


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(ReadOnlyAdmin):
    list_display = ["npn", "plan_year", "completed_on", "active"]
    list_filter = ["plan_year", "active"]
    search_fields = ["=npn"]


@admin.register(HealthLineOfAuthority)
class HealthLineOfAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(TermsDocument)
class TermsDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "version", "published_at", "is_sample"]
    list_filter = ["kind", "is_sample"]


# Imports -----------------------------------------------------------------------------------


class UploadForm(forms.ModelForm):
    file = forms.FileField(help_text="CSV with a header row; the columns are listed in the README.")

    class Meta:
        model = ImportRun
        fields = ["kind"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text; save it as CSV (UTF-8).") from None
        return upload


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "file_name", "status", "rows_done", "rows_total", "created_by"]
    list_filter = ["kind", "status"]
    change_form_template = "admin/agents/importrun/change_form.html"

    def get_form(self, request, obj=None, **kwargs):
        return UploadForm if obj is None else super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "file"]
        return ["kind", "file_name", "status", "progress", "created_by", "created_at", "finished_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description="progress")
    def progress(self, run: ImportRun) -> SafeString:
        total = max(run.rows_total, 1)
        return format_html(
            '<progress max="{}" value="{}">{} of {}</progress> {} of {} rows checked',
            total,
            run.rows_done,
            run.rows_done,
            run.rows_total,
            run.rows_done,
            run.rows_total,
        )

    def save_model(self, request, obj: ImportRun, form, change: bool) -> None:
        if change:
            return
        upload = form.cleaned_data["file"]
        obj.file_name = upload.name
        obj.source = form.cleaned_data["text"]
        obj.created_by = request.user
        obj.save()
        transaction.on_commit(lambda: run_uploaded_import.delay(obj.pk))

    def response_add(self, request, obj: ImportRun, post_url_continue=None):
        self.message_user(request, f"{obj.file_name} is being imported; this page shows how it goes.")
        return redirect("admin:agents_importrun_change", obj.pk)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
