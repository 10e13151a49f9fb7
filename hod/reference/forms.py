from django import forms
from django.utils.translation import gettext_lazy as _

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
