from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.accounts import accounts_to_reset, send_password_reset
from agents.app_notifications import app_devices, contact_method_choices, contact_method_help
from agents.lookups import cell_phone_taken
from agents.models import Agent
from agents.passwords import checklist
from hod.form_styles import UswdsForm
from hod.reference.forms import USPhoneNumberField, ZipCodeField
from notifications.channels import RECOMMENDED_CONTACT_METHOD, ContactMethod

User = get_user_model()


def contact_method_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Preferred Contact Method"),
        choices=ContactMethod.choices,  # the recommended one comes first
        initial=RECOMMENDED_CONTACT_METHOD,
        help_text=_(
            "How Help On Demand notifies you of a new referral. We strongly recommend Email, Text & App "
            "Notification: notifications by Email Only can cause delays and lost referrals."
        ),
    )


def say_where_app_notifications_go(field: forms.ChoiceField, devices: list | None) -> None:
    """The options with "App Notification" say which phones and browsers receive them (None: before sign-up)."""
    field.choices = contact_method_choices(devices)
    field.help_text = contact_method_help(devices)


def phone_field() -> USPhoneNumberField:
    return USPhoneNumberField(
        label=_("Phone"),
        region="US",
        help_text=_("Your cell phone, not a landline: text messages about referrals go to this number."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


def own_cell_phone(phone, agent: Agent):
    if phone and cell_phone_taken(phone, by_other_than=agent):
        raise forms.ValidationError(
            _("This number is already another agent's cell phone. Enter your own: referrals are texted to it."),
            code="taken",
        )
    return phone


class RegistrationForm(UswdsForm, forms.Form):
    """The registration page ("Get Started by Creating a Profile")."""

    cell_phone = phone_field()
    contact_method = contact_method_field()
    zip_code = ZipCodeField()
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "aria-describedby": "password-rules"}),
    )
    password2 = forms.CharField(
        label=_("Confirm Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    agree = forms.BooleanField(label=_("I read and agree to Help On Demand Terms of Use"))

    def __init__(self, *args, agent: Agent, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent
        say_where_app_notifications_go(self.fields["contact_method"], None)

    def clean_cell_phone(self):
        return own_cell_phone(self.cleaned_data["cell_phone"], self.agent)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken. Choose another."))
        return username

    def clean(self):
        cleaned = super().clean()
        password, confirmation = cleaned.get("password1"), cleaned.get("password2")
        if password and confirmation and password != confirmation:
            self.add_error("password2", _("The two passwords do not match."))
        if password:
            candidate = User(
                username=cleaned.get("username", ""),
                email=self.agent.email,
                first_name=self.agent.first_name,
                last_name=self.agent.last_name,
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def password_checklist(self) -> list[dict]:
        return checklist(self.data.get("password1") if self.is_bound else None)


class LoginForm(UswdsForm, AuthenticationForm):
    remember_username = forms.BooleanField(label=_("Remember my Username"), required=False)

    error_messages = {
        "invalid_login": _("The username or password is not right. Check them and try again."),
        "inactive": _("This account is not active. Contact the help desk."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")

    def clean_username(self) -> str:
        """Django's log-in form sets the username's maximum length too late for it to be checked; an
        over-long username is refused here, before anyone tries (and records) a log-in with it."""
        username = self.cleaned_data["username"]
        limit = self.fields["username"].max_length
        if limit and len(username) > limit:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


class ForgotUsernameForm(UswdsForm, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The e-mail address in your MLMS profile."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class AgentPasswordResetForm(UswdsForm, PasswordResetForm):
    """Django's reset flow, with the link sent through notifications (on record, retried, in the agent's
    language) to the agent's MLMS e-mail address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The e-mail address in your MLMS profile."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        return accounts_to_reset(email)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ) -> None:
        send_password_reset(context["user"])  # Django's hook: accounts knows the agent's MLMS address


class ProfileForm(UswdsForm, forms.Form):
    """The profile page's fields; `agents.profile.update_profile` saves them."""

    cell_phone = phone_field()
    callback_phone = USPhoneNumberField(
        label=_("Call-back number for consumers"),
        required=False,
        help_text=_("Consumers get this number when you accept their request. Leave it empty to give your cell phone."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_method = contact_method_field()
    zip_code = ZipCodeField()
    portal_language = forms.ChoiceField(
        label=_("Language of messages and pages"), choices=[("en", "English"), ("es", "Español")]
    )

    def __init__(self, *args, agent: Agent, **kwargs) -> None:
        self.agent = agent
        fields = ("cell_phone", "callback_phone", "contact_method", "zip_code", "portal_language")
        super().__init__(*args, initial={name: getattr(agent, name) for name in fields}, **kwargs)
        say_where_app_notifications_go(self.fields["contact_method"], app_devices(agent))

    def clean_cell_phone(self):
        return own_cell_phone(self.cleaned_data["cell_phone"], self.agent)


class StatePreferencesForm(UswdsForm, forms.Form):
    states = forms.MultipleChoiceField(
        label=_("State Preferences"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["states"].choices = choices


class TermsForm(UswdsForm, forms.Form):
    agree_agents_brokers = forms.BooleanField(
        label=_("I have read and agree to the Help On Demand Agents and Brokers Terms of Use"), required=False
    )
    agree_help_on_demand = forms.BooleanField(
        label=_("I have read and agree to Help On Demand's Terms of Use"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("agree_agents_brokers", "agree_help_on_demand"):
            if not cleaned.get(name):
                self.add_error(name, _("To accept, check this box."))
        return cleaned


class AbsenceForm(UswdsForm, forms.Form):
    """Days away; `today` is the agent's own date (in the west it is still yesterday in UTC's evening)."""

    first_day = forms.DateField(label=_("First day away"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day away"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day must be on or after the first day."))
        elif last and last < self.today:
            self.add_error("last_day", _("This absence is already over."))
        return cleaned


class NewPasswordForm(UswdsForm, SetPasswordForm):
    """Choosing a new password after a reset: the same rules as at sign-up."""
