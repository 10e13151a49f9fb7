"""The standard-hours form: a list of days, each with any number of time ranges (a split shift), a range
that ends before it starts running past midnight into the next day, and a "copy to weekdays" shortcut.

Works without JavaScript: "Add a range" and "Copy Monday to weekdays" are buttons that send the form and
get it back with one more range or with Monday's ranges copied; nothing is saved until "Save my hours".
"""

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.models import WeeklyHours
from hod.form_styles import UswdsForm

DAYS = WeeklyHours.Weekday.choices
WEEKDAYS = range(0, 5)
MAX_RANGES = 6  # ranges on one day

Ranges = dict[int, list[tuple[dt.time | None, dt.time | None]]]


def _time_field(label) -> forms.TimeField:
    return forms.TimeField(label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


def ranges_of(stretches) -> Ranges:
    """The saved hours as the form shows them, by day."""
    ranges: Ranges = {day: [] for day, _name in DAYS}
    for stretch in stretches:
        ranges[stretch.weekday].append((stretch.starts_at, stretch.ends_at))
    return ranges


def ranges_posted(data) -> Ranges:
    """What was typed, read leniently (a button that only adds a range or copies must not complain)."""
    ranges: Ranges = {}
    for day, _name in DAYS:
        count = _count(data.get(f"slots_{day}"))
        ranges[day] = [
            (_lenient(data.get(f"d{day}_{slot}_start")), _lenient(data.get(f"d{day}_{slot}_end")))
            for slot in range(count)
        ]
    return ranges


def with_range_added(ranges: Ranges, day: int) -> Ranges:
    return {**ranges, day: [*ranges[day], (None, None)][:MAX_RANGES]}


def with_monday_copied(ranges: Ranges) -> Ranges:
    monday = [pair for pair in ranges[0] if any(pair)] or [(None, None)]
    return {**ranges, **{day: list(monday) for day in WEEKDAYS if day}}


def _count(value) -> int:
    try:
        return max(1, min(int(value), MAX_RANGES))
    except (TypeError, ValueError):
        return 1


def _lenient(value) -> dt.time | None:
    try:
        return forms.TimeField().clean(value) if value else None
    except forms.ValidationError:
        return None


class WeeklyHoursForm(UswdsForm, forms.Form):
    def __init__(self, data=None, *, ranges: Ranges | None = None, **kwargs) -> None:
        """Bound to `data` when saving; else showing `ranges`, each day with one empty range to fill."""
        super().__init__(data, **kwargs)
        ranges = ranges or {day: [] for day, _name in DAYS}
        self.slots: dict[int, int] = {}
        initial = {}
        for day, _name in DAYS:
            if data is not None:
                count = _count(data.get(f"slots_{day}"))
            else:
                filled = [pair for pair in ranges[day] if any(pair)]
                count = min(max(len(ranges[day]), len(filled) + (0 if filled else 1), 1), MAX_RANGES)
            self.slots[day] = count
            self.fields[f"slots_{day}"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
            initial[f"slots_{day}"] = count
            for slot in range(count):
                self.fields[f"d{day}_{slot}_start"] = _time_field(gettext_lazy("From"))
                self.fields[f"d{day}_{slot}_end"] = _time_field(gettext_lazy("To"))
                if slot < len(ranges[day]):
                    initial[f"d{day}_{slot}_start"], initial[f"d{day}_{slot}_end"] = ranges[day][slot]
        self.initial = {**initial, **self.initial}

    def days(self) -> list[dict]:
        """For the template: each day's name, its ranges (the two fields and their errors) and its counter."""
        return [
            {
                "number": day,
                "name": _(name),
                "slots": self[f"slots_{day}"],
                "ranges": [
                    {
                        "start": self[f"d{day}_{slot}_start"],
                        "end": self[f"d{day}_{slot}_end"],
                        "errors": [*self[f"d{day}_{slot}_start"].errors, *self[f"d{day}_{slot}_end"].errors],
                    }
                    for slot in range(self.slots[day])
                ],
                "full": self.slots[day] >= MAX_RANGES,
            }
            for day, name in DAYS
        ]

    def clean(self):
        cleaned = super().clean()
        for day, _name in DAYS:
            taken = []
            for slot in range(self.slots[day]):
                start, end = cleaned.get(f"d{day}_{slot}_start"), cleaned.get(f"d{day}_{slot}_end")
                if (start is None) != (end is None):
                    if f"d{day}_{slot}_start" not in self.errors and f"d{day}_{slot}_end" not in self.errors:
                        self.add_error(f"d{day}_{slot}_end", _("Give both times, or neither."))
                elif start is not None and start == end:
                    self.add_error(f"d{day}_{slot}_end", _("The range is empty: give an end other than the start."))
                elif start is not None:
                    if any(_overlap((start, end), other) for other in taken):
                        self.add_error(f"d{day}_{slot}_end", _("This range overlaps another range of the day."))
                    taken.append((start, end))
        return cleaned

    def stretches(self) -> list[tuple[int, dt.time, dt.time]]:
        return [
            (day, self.cleaned_data[f"d{day}_{slot}_start"], self.cleaned_data[f"d{day}_{slot}_end"])
            for day, _name in DAYS
            for slot in range(self.slots[day])
            if self.cleaned_data.get(f"d{day}_{slot}_start") and self.cleaned_data.get(f"d{day}_{slot}_end")
        ]


def _overlap(one: tuple[dt.time, dt.time], other: tuple[dt.time, dt.time]) -> bool:
    """Do two ranges of one day overlap (a range past midnight counts until the end of its day)?"""

    def span(pair):
        start, end = pair
        return (start, end) if end > start else (start, dt.time.max)

    (start, end), (other_start, other_end) = span(one), span(other)
    return start < other_end and other_start < end
