from django import forms
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hod.form_styles import UswdsForm
from hod.reference.forms import USPhoneNumberField, ZipCodeField
from hod.reference.lookups import languages
from referrals.models import Referral


class GetContactedForm(UswdsForm, forms.Form):
    """The consumer's request: who to call, where they live, which language, and their consent."""

    first_name = forms.CharField(
        label=_("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = USPhoneNumberField(
        label=_("Phone number"),
        region="US",
        help_text=_("The agent will call or text this number. Only the agent who accepts your request sees it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,  # what the database keeps; a longer address is refused here, never lost later
        error_messages={"invalid": _("Enter a valid e-mail address, such as maria@example.com.")},
        help_text=_("We send your confirmation here too."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    zip_code = ZipCodeField(help_text=_("Where you live. We look for an agent licensed in your state, near you."))
    language = forms.ChoiceField(label=_("Language you want help in"))
    consent = forms.BooleanField(
        label=_(
            "I agree to be contacted about Marketplace health coverage by a licensed agent or broker, by phone "
            "and text message."
        ),
        error_messages={"required": _("Check the box to let an agent contact you.")},
        widget=forms.CheckboxInput(attrs={"aria-describedby": "consent-privacy"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (
                language.code,
                language.local_name
                if language.local_name == language.native_name
                else f"{language.local_name} ({language.native_name})",
            )
            for language in languages()
        ]
        self.fields["language"].initial = get_language()


class DispositionForm(UswdsForm, forms.Form):
    disposition = forms.ChoiceField(
        label=_("What happened?"), choices=Referral.Disposition.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(
        attrs={"rows": 3}))  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("disposition") == Referral.Disposition.OTHER and not cleaned.get("note"):
            self.add_error("note", _("Say what happened."))
        return cleaned


class HandBackForm(UswdsForm, forms.Form):
    """An agent who accepted but cannot serve the consumer says why, and the referral goes to the next agent."""

    REASONS = [
        ("wrong_state", _("The consumer lives in a state where I am not licensed")),
        ("conflict", _("A conflict of interest")),
        ("no_time", _("I cannot call them soon enough")),
        ("other", _("Another reason")),
    ]
    reason = forms.ChoiceField(label=_("Why are you handing it back?"), choices=REASONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == "other" and not cleaned.get("note"):
            self.add_error("note", _("Say why."))
        return cleaned

    def reason_text(self) -> str:
        """The reason as the referral's timeline keeps it: in English, whatever the agent's language."""
        with translation.override("en"):
            label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        note = self.cleaned_data.get("note")
        return f"{label}: {note}" if note else label
