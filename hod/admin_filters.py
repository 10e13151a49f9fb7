"""Admin list filters shown as a drop-down instead of a column of links (states, languages, kinds).
A leaf: apps' admins use it; it imports no app."""

from django.contrib import admin

DROPDOWN = "admin/hod_dropdown_filter.html"


class DropdownValues(admin.AllValuesFieldListFilter):
    template = DROPDOWN


class DropdownRelated(admin.RelatedFieldListFilter):
    template = DROPDOWN


class DropdownChoices(admin.ChoicesFieldListFilter):
    template = DROPDOWN
