"""Intake pauses in admin, the operators' switch: adding a pause pauses intake (everywhere or in one state) and
"Resume intake" ends it. Django's model permissions say who may: add = pause, change = resume (403 without);
nobody deletes one, so the list stays the record of who paused and resumed intake, and when."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from hod.reference.models import State
from referrals.intake import AlreadyPaused, active_pause_in, pause_intake, resume_intake
from referrals.models import IntakePause


class PauseForm(forms.ModelForm):
    state = forms.ModelChoiceField(
        State.objects.all(),
        required=False,
        label="Where",
        empty_label="Everywhere (every state)",
        help_text="A state's pause applies once a consumer enters a ZIP code there; one everywhere hides the form.",
    )

    class Meta:
        model = IntakePause
        fields = ["state", "message_en", "message_es"]

    def clean_state(self) -> State | None:
        state = self.cleaned_data["state"]
        existing = active_pause_in(state)
        if existing:
            raise forms.ValidationError(
                f"Intake is already paused {existing.where} (since {_when(existing.started_at)} by "
                f"{_who(existing.started_by)}). Resume that pause first to pause it with another message."
            )
        return state


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Active"), ("no", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[IntakePause]) -> QuerySet[IntakePause]:
        if self.value() in ("yes", "no"):
            return queryset.filter(ended_at__isnull=self.value() == "yes")
        return queryset


@admin.register(IntakePause)
class IntakePauseAdmin(admin.ModelAdmin):
    form = PauseForm
    list_display = ["where", "status", "started_at", "started_by", "ended_at", "ended_by"]
    list_filter = [ActiveFilter, ("state", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["started_by", "ended_by"]
    actions = ["resume_selected"]
    change_form_template = "admin/referrals/intakepause/change_form.html"

    @admin.display(description="scope", ordering="state")
    def where(self, pause: IntakePause) -> str:
        return pause.where[0].upper() + pause.where[1:]

    @admin.display(description="status", ordering="ended_at")
    def status(self, pause: IntakePause) -> str:
        return "Active" if pause.is_active else "Ended"

    def get_fields(self, request: HttpRequest, obj: IntakePause | None = None) -> list[str]:
        if obj is None:
            return ["state", "message_en", "message_es"]
        return ["where", "status", "message_en", "message_es", "started_at", "started_by", "ended_at", "ended_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: IntakePause | None = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)  # a pause is never edited, only ended

    def save_model(self, request: HttpRequest, obj: IntakePause, form, change: bool) -> None:
        if change:
            return
        try:
            pause = pause_intake(obj.state, {"en": obj.message_en, "es": obj.message_es}, by=request.user)
        except AlreadyPaused as already:  # another administrator paused this scope a moment ago
            pause = already.pause
        obj.pk = pause.pk
        obj.refresh_from_db()

    def response_add(self, request: HttpRequest, obj: IntakePause, post_url_continue=None) -> HttpResponse:
        if obj.started_by_id == request.user.pk:
            self.message_user(request, f"Intake is paused {obj.where}: the Get Contacted page shows your message.")
        else:
            self.message_user(
                request,
                f"Intake was already paused {obj.where} by {_who(obj.started_by)}; that pause and its message stay.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:referrals_intakepause_changelist"))

    def log_addition(self, request, obj, message):
        """pause_intake wrote the log entry."""

    def log_change(self, request, obj, message):
        """Nothing here is edited (resume_intake writes its own entry)."""

    def has_delete_permission(self, request: HttpRequest, obj: IntakePause | None = None) -> bool:
        return False

    def get_urls(self):
        resume = path(
            "<int:pause_id>/resume/", self.admin_site.admin_view(self.resume_view), name="referrals_intakepause_resume"
        )
        return [resume, *super().get_urls()]

    def resume_view(self, request: HttpRequest, pause_id: int) -> HttpResponse:
        """Asks once, then resumes: consumers in the pause's scope can ask for help again at once."""
        pause = get_object_or_404(IntakePause, pk=pause_id)
        if not self.has_change_permission(request, pause):
            raise PermissionDenied("You may not resume intake.")
        if request.method == "POST":
            self._resume(request, [pause])
            return redirect("admin:referrals_intakepause_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resume intake {pause.where}?",
            "pause": pause,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/referrals/intakepause/resume.html", context)

    @admin.action(description="Resume intake", permissions=["change"])
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[IntakePause]) -> None:
        self._resume(request, list(queryset.filter(ended_at__isnull=True)))

    def _resume(self, request: HttpRequest, pauses: list[IntakePause]) -> None:
        resumed = [pause.where for pause in pauses if resume_intake(pause, by=request.user)]
        if resumed:
            self.message_user(request, f"Intake resumed {', '.join(resumed)}: consumers there can ask for help.")
        else:
            self.message_user(request, "Nothing to resume: intake was not paused there any more.", messages.WARNING)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def _who(user) -> str:
    return user.get_username() if user else "a removed user"
