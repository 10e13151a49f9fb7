"""The CMS files' data in admin: read-only, since each import is the whole truth; and the imports themselves."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.safestring import SafeString

from agents.models import (
    HealthLineOfAuthority,
    ImportRun,
    License,
    MarketplaceRegistration,
    TermsDocument,
    TrainingCompletion,
)
from agents.tasks import run_uploaded_import


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
