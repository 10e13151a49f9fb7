"""USWDS classes and ARIA wiring for Django form widgets, so every page's fields look and read alike.

A leaf, like `hod.reference`: the forms of every app use it, and it imports none of them.
"""

from django import forms

WIDGET_CLASSES = {
    forms.CheckboxInput: "usa-checkbox__input",
    forms.CheckboxSelectMultiple: "usa-checkbox__input",
    forms.RadioSelect: "usa-radio__input",
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
}


class UswdsForm:
    """Mixed into a form: USWDS classes on widgets, and fields with errors point at their message."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next((c for kind, c in WIDGET_CLASSES.items() if isinstance(field.widget, kind)), "usa-input")
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                attrs = self.fields[name].widget.attrs
                described = [f"{bound.auto_id}_error", *attrs.get("aria-describedby", "").split()]
                if self.fields[name].help_text:
                    described.append(f"{bound.auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(dict.fromkeys(described))
