from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from phonenumbers import region_code_for_number

from hod.reference.lookups import ZipCodeError, lookup_zip


class ZipCodeField(forms.CharField):
    """A US ZIP code, checked with the ZIP lookup; cleans to the place (centroid, city, time zone)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("ZIP Code"))
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return lookup_zip(value)
        except ZipCodeError as error:
            raise forms.ValidationError(error.messages) from None


# The United States and its territories with their own area codes (all +1): Puerto Rico, Guam, the U.S.
# Virgin Islands, American Samoa and the Northern Mariana Islands. Other +1 countries (Canada, the
# Caribbean nations) and every other country are refused: texts abroad cost money and serve no one here.
US_PHONE_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})


class USPhoneNumberField(PhoneNumberField):
    """A phone number in the United States or its territories, in any usual spelling."""

    default_error_messages = {
        "invalid": _("Enter a valid U.S. phone number, such as (305) 555-0123."),
        "not_us": _("Enter a U.S. phone number: we can only call and text numbers in the United States."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("region", "US")
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not value.is_valid():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if region_code_for_number(value) not in US_PHONE_REGIONS:
            raise forms.ValidationError(self.error_messages["not_us"], code="not_us")
