"""Reference data: every state's Marketplace type per plan year, languages, ZIP codes, the plan year."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from hod.reference.lookups import ZipCodeError, current_plan_year, lookup_zip, marketplace_for
from hod.reference.models import Language, MarketplaceType, PlanYearSetting, State, StateMarketplace

FIFTY_STATES_AND_DC = 51


@pytest.mark.django_db
@pytest.mark.parametrize("plan_year", [2026, 2027])
def test_every_state_and_dc_has_a_marketplace_type_after_migrating(plan_year):
    rows = StateMarketplace.objects.filter(plan_year=plan_year)

    assert State.objects.count() == FIFTY_STATES_AND_DC
    assert sorted(rows.values_list("state_id", flat=True)) == sorted(State.objects.values_list("code", flat=True))
    assert set(rows.values_list("type", flat=True)) == {"FFM", "SBM-FP", "SBM"}


@pytest.mark.django_db
def test_an_sbm_state_yields_its_own_marketplace_name_and_address():
    california = marketplace_for("CA", 2027)

    assert california.type == MarketplaceType.SBM
    assert not california.is_served
    assert (california.marketplace_name, california.marketplace_url) == (
        "Covered California",
        "https://www.coveredca.com",
    )


@pytest.mark.django_db
def test_oregon_moves_to_its_own_platform_in_2027_and_the_note_says_to_verify():
    assert marketplace_for("OR", 2026).type == MarketplaceType.SBM_FP
    oregon = marketplace_for("OR", 2027)
    assert oregon.type == MarketplaceType.SBM
    assert "verify" in oregon.note


@pytest.mark.django_db
def test_ffm_and_sbm_fp_states_are_served():
    assert marketplace_for("FL", 2027).is_served
    assert marketplace_for("AR", 2027).type == MarketplaceType.SBM_FP
    assert marketplace_for("AR", 2027).is_served


@pytest.mark.django_db
def test_a_state_outside_the_fifty_and_dc_has_no_marketplace():
    assert marketplace_for("PR", 2027) is None


@pytest.mark.django_db
def test_languages_include_the_most_spoken_in_the_us_with_spanish_and_native_names():
    most_spoken = {"en", "es", "zh", "tl", "vi", "ar", "fr", "ko", "ru", "ht", "de", "hi", "pt", "it", "pl"}

    assert most_spoken <= set(Language.objects.values_list("code", flat=True))
    vietnamese = Language.objects.get(code="vi")
    assert (vietnamese.name_en, vietnamese.name_es, vietnamese.native_name) == (
        "Vietnamese",
        "Vietnamita",
        "Tiếng Việt",
    )
    with translation.override("es"):
        assert vietnamese.local_name == "Vietnamita"


def test_48371_is_oxford_michigan_on_detroit_time():
    oxford = lookup_zip("48371")

    assert (oxford.city, oxford.state, oxford.time_zone) == ("Oxford", "MI", "America/Detroit")
    assert oxford.latitude == pytest.approx(42.82, abs=0.01)
    assert oxford.longitude == pytest.approx(-83.28, abs=0.01)


def test_33130_is_miami_florida_and_zip_plus_four_is_accepted():
    assert lookup_zip("33130-1234") == lookup_zip(" 33130 ")
    miami = lookup_zip("33130")
    assert (miami.city, miami.state, miami.time_zone) == ("Miami", "FL", "America/New_York")


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("00000", "zip_unknown", "We could not find ZIP code 00000. Check it and try again."),
        ("3313", "zip_format", "Enter a 5-digit ZIP code, for example 33130."),
        ("abcde", "zip_format", "Enter a 5-digit ZIP code, for example 33130."),
        ("", "zip_format", "Enter a 5-digit ZIP code, for example 33130."),
        ("09001", "zip_unknown", "We could not find ZIP code 09001. Check it and try again."),  # military (APO)
    ],
)
def test_a_zip_that_cannot_be_used_gets_a_clear_message(value, code, message):
    with pytest.raises(ZipCodeError) as error:
        lookup_zip(value)

    assert error.value.code == code
    assert error.value.messages == [message]


def test_an_inactive_zip_says_it_is_no_longer_in_use():
    import zipcodes

    inactive = next(z["zip_code"] for z in zipcodes.list_all() if not z["active"] and z["timezone"])

    with pytest.raises(ZipCodeError) as error:
        lookup_zip(inactive)

    assert error.value.code == "zip_inactive"


def test_zip_errors_are_in_spanish_on_spanish_pages():
    with translation.override("es"):
        with pytest.raises(ZipCodeError) as error:
            lookup_zip("00000")

        assert error.value.messages == ["No encontramos el código postal 00000. Revíselo y vuelva a intentarlo."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "plan_year"),
    [("2026-10-31", 2026), ("2026-11-01", 2027), ("2026-12-31", 2027), ("2027-01-15", 2027)],
)
def test_the_plan_year_turns_over_when_open_enrollment_starts_on_november_1(today, plan_year):
    with time_machine.travel(dt.datetime.fromisoformat(f"{today}T12:00:00+00:00"), tick=False):
        assert current_plan_year() == plan_year


@pytest.mark.django_db
def test_hod_plan_year_overrides_the_calendar_and_the_admins_value_overrides_both(settings):
    settings.HOD_PLAN_YEAR = 2026
    assert current_plan_year() == 2026

    PlanYearSetting.objects.create(plan_year=2027)
    assert current_plan_year() == 2027


def test_reference_data_is_there_for_tests_that_commit(transactional_db):
    assert StateMarketplace.objects.filter(plan_year=2027).count() == FIFTY_STATES_AND_DC
