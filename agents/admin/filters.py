"""The agent list's filters in admin, each asking the eligibility rules rather than restating them."""

from django.contrib import admin
from django.db.models import Exists
from django.utils import timezone

from agents.eligibility import (
    eligible_agents,
    hod_registration_complete,
    licensed_in,
    registered_for,
)
from agents.models import (
    Agent,
    MarketplaceRegistration,
)
from hod.admin_filters import DROPDOWN
from hod.reference.models import Language, State


class EligibleNowFilter(admin.SimpleListFilter):
    template = DROPDOWN
    title = "eligible now in"
    parameter_name = "eligible_in"

    def lookups(self, request, model_admin):
        return [(state.code, f"{state.code} – {state.name}") for state in State.objects.all().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=eligible_agents(self.value(), None).values("pk"))


class LicensedInFilter(admin.SimpleListFilter):
    template = DROPDOWN
    title = "licensed in (rule 3: an active health license)"
    parameter_name = "licensed_in"

    def lookups(self, request, model_admin):
        return [(state.code, f"{state.code} – {state.name}") for state in State.objects.all().order_by("code")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(licensed_in(timezone.localdate(), self.value())))


class LanguageFilter(admin.SimpleListFilter):
    template = DROPDOWN
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
