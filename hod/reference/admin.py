from django.contrib import admin

from hod.reference.lookups import current_plan_year
from hod.reference.models import Language, PlanYearSetting, State, StateMarketplace


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_es"]
    search_fields = ["code", "name", "name_es"]


@admin.register(StateMarketplace)
class StateMarketplaceAdmin(admin.ModelAdmin):
    list_display = ["state", "plan_year", "type", "marketplace_name", "marketplace_url", "note"]
    list_filter = ["plan_year", "type"]
    search_fields = ["state__code", "state__name", "marketplace_name"]
    list_select_related = ["state"]
    ordering = ["-plan_year", "state__name"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_es", "native_name", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name_en", "name_es", "native_name"]


@admin.register(PlanYearSetting)
class PlanYearSettingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "in_effect"]

    @admin.display(description="plan year in effect")
    def in_effect(self, obj: PlanYearSetting) -> int:
        return current_plan_year()

    def has_add_permission(self, request) -> bool:
        return not PlanYearSetting.objects.exists()
