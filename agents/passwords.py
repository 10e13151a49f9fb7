"""The seed's password rules, as one Django password validator (sign-up and resets both obey it).

8 to 20 characters; at least one number, one lower case letter, one upper case letter and one
special character; no spaces; no character repeated more than three times in a row ("aaaa"
fails, "aaa" passes); no run of more than three sequential letters or digits, ascending or
descending, ignoring case ("abcd" and "4321" fail, "abc" passes).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _longest_run(password: str, step: Callable[[str, str], bool]) -> int:
    longest = current = 1 if password else 0
    for previous, char in zip(password, password[1:], strict=False):
        current = current + 1 if step(previous, char) else 1
        longest = max(longest, current)
    return longest


def _same(previous: str, char: str) -> bool:
    return previous == char


def _sequential(previous: str, char: str, direction: int) -> bool:
    a, b = previous.lower(), char.lower()
    same_kind = (a.isdigit() and b.isdigit()) or (a.isascii() and a.isalpha() and b.isascii() and b.isalpha())
    return same_kind and ord(b) - ord(a) == direction


@dataclass(frozen=True)
class PasswordRule:
    code: str
    label: str  # the checklist's words, from the seed
    passes: Callable[[str], bool]


RULES = (
    PasswordRule("no_spaces", _("Does not contain spaces"), lambda p: not any(c.isspace() for c in p)),
    PasswordRule("length", _("Contains 8 to 20 characters"), lambda p: 8 <= len(p) <= 20),
    PasswordRule("number", _("Contains at least one number"), lambda p: any(c.isdigit() for c in p)),
    PasswordRule("lower", _("Contains at least one lower case letter"), lambda p: any(c.islower() for c in p)),
    PasswordRule("upper", _("Contains at least one upper case letter"), lambda p: any(c.isupper() for c in p)),
    PasswordRule(
        "special",
        _("Contains at least one special character"),
        lambda p: any(not c.isalnum() and not c.isspace() for c in p),
    ),
    PasswordRule(
        "repetitive", _("Contains no more than three repetitive characters"), lambda p: _longest_run(p, _same) <= 3
    ),
    PasswordRule(
        "sequential",
        _("Contains no more than three sequential characters"),
        lambda p: (
            _longest_run(p, lambda a, b: _sequential(a, b, 1)) <= 3
            and _longest_run(p, lambda a, b: _sequential(a, b, -1)) <= 3
        ),
    ),
)


def checklist(password: str | None) -> list[dict]:
    """Each rule with whether the password meets it (None before anything was typed)."""
    return [
        {"code": rule.code, "label": rule.label, "passed": None if not password else rule.passes(password)}
        for rule in RULES
    ]


class HelpOnDemandPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        failed = [rule for rule in RULES if not rule.passes(password)]
        if failed:
            raise ValidationError(
                [
                    ValidationError(
                        _("The password must meet this rule: %(rule)s."),
                        code=f"password_{rule.code}",
                        params={"rule": rule.label},
                    )
                    for rule in failed
                ]
            )

    def get_help_text(self) -> str:
        return _(
            "8 to 20 characters with at least one number, one lower case letter, one upper case letter and one "
            "special character; no spaces, and no more than three repetitive or sequential characters."
        )
