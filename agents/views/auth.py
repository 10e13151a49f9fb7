"""Log-in, log-out, forgotten username and password, and the throttled log-in page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from agents.accounts import send_usernames
from agents.forms import AgentPasswordResetForm, ForgotUsernameForm, LoginForm, NewPasswordForm
from agents.models import Agent
from hod.ratelimits import by_value, over_limit

REMEMBER_COOKIE = "hod_username"
REMEMBER_SECONDS = 365 * 24 * 60 * 60


class LoginView(auth_views.LoginView):
    """Username and password, "Remember my Username" (a cookie holding the username only), and
    straight on to the page the agent was going to (an offer's link) or their portal, in their language."""

    template_name = "agents/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if over_limit(request, "log-in-ip", settings.HOD_RATELIMIT_LOGIN_PER_IP, "ip"):
            return too_many(request, self.template_name, {"form": self.get_form()})
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict:
        remembered = self.request.COOKIES.get(REMEMBER_COOKIE, "")
        return {"username": remembered, "remember_username": bool(remembered)}

    def get_success_url(self) -> str:
        wanted = self.get_redirect_url()
        if wanted:
            return wanted
        agent = Agent.objects.filter(user=self.request.user).first()
        with translation.override(agent.portal_language if agent else translation.get_language()):
            return reverse("agents:home")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data.get("remember_username"):
            response.set_cookie(
                REMEMBER_COOKIE,
                form.get_user().get_username(),
                max_age=REMEMBER_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=self.request.is_secure(),
            )
        else:
            response.delete_cookie(REMEMBER_COOKIE)
        return response


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username django-axes records for a log-in attempt (on every log-in form, admin's too), cut to
    the longest a username can be: a 100,000-character one is a failed attempt, not a server error."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[: get_user_model()._meta.get_field("username").max_length]


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this after too many failed log-ins: a cool-off, never a permanent lock."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    if request.content_type == "application/json":  # a passkey log-in (agents.views.passkeys): the page says it
        message = ngettext(
            "Log-in is paused after several failed attempts. Try again in %(minutes)d minute.",
            "Log-in is paused after several failed attempts. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        return JsonResponse({"error": message, "code": "locked_out"}, status=429)
    return render(request, "agents/locked_out.html", {"minutes": minutes}, status=429)


def too_many(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    messages.error(request, _("Too many requests from here in a short time. Please wait a while and try again."))
    return render(request, template, context, status=429)


def account_requests_over_limit(request: HttpRequest) -> bool:
    """Forgotten usernames and passwords, per address: a flood from one place is refused."""
    return over_limit(request, "account-help-ip", settings.HOD_RATELIMIT_ACCOUNT_HELP_PER_IP, "ip")


def account_over_limit(request: HttpRequest, email: str) -> bool:
    """… and per account's e-mail address: past the limit nothing more is sent, with the same answer."""
    key = by_value(email.strip().lower())
    return over_limit(request, "account-help-email", settings.HOD_RATELIMIT_ACCOUNT_HELP_PER_EMAIL, key)


@require_http_methods(["GET", "POST"])
def forgot_username(request: HttpRequest) -> HttpResponse:
    form = ForgotUsernameForm(request.POST or None)
    if request.method == "POST" and account_requests_over_limit(request):
        return too_many(request, "agents/forgot_username.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        if not account_over_limit(request, form.cleaned_data["email"]):
            send_usernames(form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "If an account uses that e-mail address, we have e-mailed its username to it. "
                "Check your spam folder too."
            ),
        )
        return redirect("agents:login")
    return render(request, "agents/forgot_username.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "agents/password_reset.html"
    form_class = AgentPasswordResetForm
    success_url = reverse_lazy("agents:password_reset_sent")

    def post(self, request, *args, **kwargs):
        if account_requests_over_limit(request):
            return too_many(request, self.template_name, {"form": self.get_form()})
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if account_over_limit(self.request, form.cleaned_data["email"]):
            return redirect(self.success_url)  # the same answer, nothing sent
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "agents/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "agents/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("agents:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "agents/password_reset_complete.html"


def safe_next(request: HttpRequest, fallback: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback
