"""The functions other apps call for reference data: ZIP codes, the plan year, a state's Marketplace."""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache as kept_for_the_process

import zipcodes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from hod import cached
from hod.reference.models import Language, PlanYearSetting, State, StateMarketplace

_ZIP_PATTERN = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@dataclass(frozen=True)
class ZipCode:
    code: str
    city: str
    state: str
    latitude: float
    longitude: float
    time_zone: str


class ZipCodeError(ValidationError):
    """A ZIP code that cannot be used, with a message fit to show beside the field."""


@kept_for_the_process
def _zip_index() -> dict[str, dict]:
    # The package scans a list on every call; one dict built once makes each lookup O(1).
    return {entry["zip_code"]: entry for entry in zipcodes.list_all()}


def lookup_zip(value: str) -> ZipCode:
    """The centroid, city, state and time zone of a 5-digit (or ZIP+4) ZIP code.

    Raises ZipCodeError for text that is not a ZIP code, a ZIP code that does not exist, one
    no longer in use, or a military one (no place to match agents to).
    """
    match = _ZIP_PATTERN.match((value or "").strip())
    if not match:
        raise ZipCodeError(_("Enter a 5-digit ZIP code, for example 33130."), code="zip_format")
    code = match.group(1)
    entry = _zip_index().get(code)
    if entry is None or entry["zip_code_type"] == "MILITARY" or not entry["timezone"]:
        raise ZipCodeError(
            _("We could not find ZIP code %(zip)s. Check it and try again."), code="zip_unknown", params={"zip": code}
        )
    if not entry["active"]:
        raise ZipCodeError(
            _("ZIP code %(zip)s is no longer in use. Enter the ZIP code where you live now."),
            code="zip_inactive",
            params={"zip": code},
        )
    return ZipCode(
        code=code,
        city=entry["city"],
        state=entry["state"],
        latitude=float(entry["lat"]),
        longitude=float(entry["long"]),
        time_zone=entry["timezone"],
    )


def default_plan_year(now: datetime | None = None) -> int:
    """The plan year whose open enrollment is current: next year from November 1."""
    today = timezone.localdate(now)
    return today.year + 1 if today.month >= 11 else today.year


# Reference data every consumer's request reads and administrators rarely change: kept a few seconds in each
# process (hod.cached), forgotten when a row changes (`forget_reference_data`, connected to the models' signals).
REFERENCE_KEYS = ("reference:plan-year", "reference:marketplaces", "reference:languages")


def _reference(key: str, load):
    return cached.read_through(key, load)


def forget_reference_data(**kwargs) -> None:
    cached.forget(*REFERENCE_KEYS)


def languages() -> list[Language]:
    """Every language, in the administrators' order."""
    return _reference("reference:languages", lambda: list(Language.objects.all()))


def language_named(code: str) -> Language | None:
    """The language with this code, from `languages()`: no query while they are kept."""
    return next((language for language in languages() if language.code == code), None)


def current_plan_year(now: datetime | None = None) -> int:
    """The administrators' choice if they made one, else HOD_PLAN_YEAR, else the default."""
    chosen = _reference(
        "reference:plan-year",
        lambda: (
            PlanYearSetting.objects.filter(plan_year__isnull=False).values_list("plan_year", flat=True).first() or 0
        ),
    )
    return chosen or settings.HOD_PLAN_YEAR or default_plan_year(now)


def state_name(code: str) -> str:
    """The state's name in the active language ("Florida", "Nueva York"); the code itself if unknown."""
    state = State.objects.filter(code=code).first()
    return state.local_name if state else code


def marketplace_year(plan_year: int) -> int:
    """The plan year whose Marketplace types apply: this one if they are on file, else the latest before it
    (a new plan year can begin before anyone loads its table; consumers must not be told they live abroad)."""
    latest = StateMarketplace.objects.filter(plan_year__lte=plan_year).aggregate(year=Max("plan_year"))["year"]
    return latest or plan_year


def marketplace_for(state: str, plan_year: int | None = None) -> StateMarketplace | None:
    """The state's Marketplace in the plan year (the current one by default, or the latest on file before
    it); None for a place outside the states and DC."""
    year = plan_year or current_plan_year()
    rows = _reference("reference:marketplaces", lambda: list(StateMarketplace.objects.select_related("state")))
    on_file = max((row.plan_year for row in rows if row.plan_year <= year), default=None)
    return next((row for row in rows if row.state_id == state and row.plan_year == on_file), None)


def warm_up() -> None:
    """Load the ZIP data now (about 2 s), so the first consumer of a web process does not wait for it."""
    _zip_index()


@dataclass(frozen=True)
class OtherHelp:
    """The other ways a consumer gets free help, for pages and messages that tell them (in their language)."""

    call_center: str = "1-800-318-2596"
    tty: str = "1-855-889-4325"
    marketplace_url: str = "https://www.healthcare.gov/"
    local_help_url: str = "https://localhelp.healthcare.gov/"


def other_help_links(language: str | None = None) -> OtherHelp:
    if (language or translation.get_language() or "en").startswith("es"):
        return OtherHelp(
            marketplace_url="https://www.cuidadodesalud.gov/es/",
            local_help_url="https://localhelp.healthcare.gov/?lang=es",
        )
    return OtherHelp()
