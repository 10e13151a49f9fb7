"""The three imports through their management commands: snapshots, idempotency, and bad rows by line."""

import pytest
from django.core.management import CommandError, call_command

from agents.models import Agent, ImportRun, License, LineOfAuthority, MarketplaceRegistration, TrainingCompletion

pytestmark = pytest.mark.django_db

REGISTRATION_HEADER = (
    "npn,applicable_plan_year,individual_registration_completion_date,individual_marketplace_end_date,"
    "shop_registration_completion_date,shop_end_date,npn_valid_current_plan_year_only"
)
LICENSE_HEADER = "npn,state,license_number,license_status,loa_name,loa_status,expiration_date,resident"
MLMS_HEADER = "npn,first_name,last_name,email,home_state,languages,display_option,hod_training_completed_date,plan_year"


@pytest.fixture
def write(tmp_path):
    def write_file(name: str, header: str, *rows: str):
        path = tmp_path / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    return write_file


def run(command: str, path, capsys) -> str:
    call_command(command, str(path))
    return capsys.readouterr().out


def snapshot(model, *fields) -> list[tuple]:
    return sorted(model.objects.values_list(*fields))


def test_the_registration_list_imports_both_date_formats_and_keeps_the_flag(write, capsys):
    path = write(
        "ffm.csv",
        REGISTRATION_HEADER,
        "1000001,2027,11/02/2026,,,,Y",
        "1000002,2027,2026-11-03,2027-06-30,11/03/2026,,Y",
        "1000003,2026,01/10/2026,,,,-",
    )

    out = run("import_registration_list", path, capsys)

    assert "3 registrations for plan year(s) 2026, 2027 (3 new)" in out
    second = MarketplaceRegistration.objects.get(npn="1000002")
    assert str(second.individual_registration_completion_date) == "2026-11-03"
    assert str(second.individual_marketplace_end_date) == "2027-06-30"
    assert MarketplaceRegistration.objects.get(npn="1000003").npn_valid_current_plan_year_only == "-"


def test_running_the_same_file_twice_changes_nothing(write, capsys):
    registrations = write("ffm.csv", REGISTRATION_HEADER, "1000001,2027,11/02/2026,,,,Y", "1000002,2027,,,,,N")
    licenses = write(
        "licenses.csv",
        LICENSE_HEADER,
        "1000001,FL,FL-1,Active,Accident and Health,Active,12/31/2028,Y",
        "1000001,FL,FL-1,Active,Life,Active,12/31/2028,Y",
    )
    mlms = write("mlms.csv", MLMS_HEADER, "1000001,Ana,Agent,ana@agents.example,FL,en;es,1,10/01/2026,2027")
    for command, path in [
        ("import_registration_list", registrations),
        ("import_licenses", licenses),
        ("import_mlms", mlms),
    ]:
        run(command, path, capsys)
    before = (
        snapshot(MarketplaceRegistration, "npn", "plan_year", "npn_valid_current_plan_year_only", "active"),
        snapshot(License, "npn", "state", "license_number", "status", "expiration_date", "active"),
        snapshot(LineOfAuthority, "license__license_number", "name", "status", "active"),
        snapshot(Agent, "npn", "first_name", "email", "display_option", "in_mlms"),
        snapshot(Agent.languages.through, "agent__npn", "language_id"),
        snapshot(TrainingCompletion, "npn", "plan_year", "completed_on", "active"),
    )

    for command, path in [
        ("import_registration_list", registrations),
        ("import_licenses", licenses),
        ("import_mlms", mlms),
    ]:
        out = run(command, path, capsys)
        assert "(0 new)" in out and out.splitlines()[-1].startswith("0 ")

    after = (
        snapshot(MarketplaceRegistration, "npn", "plan_year", "npn_valid_current_plan_year_only", "active"),
        snapshot(License, "npn", "state", "license_number", "status", "expiration_date", "active"),
        snapshot(LineOfAuthority, "license__license_number", "name", "status", "active"),
        snapshot(Agent, "npn", "first_name", "email", "display_option", "in_mlms"),
        snapshot(Agent.languages.through, "agent__npn", "language_id"),
        snapshot(TrainingCompletion, "npn", "plan_year", "completed_on", "active"),
    )
    assert after == before


def test_a_license_missing_from_the_next_file_becomes_inactive_and_is_kept(write, capsys):
    run(
        "import_licenses",
        write(
            "monday.csv",
            LICENSE_HEADER,
            "1000001,FL,FL-1,Active,Accident and Health,Active,,Y",
            "1000001,GA,GA-7,Active,Health,Active,,N",
        ),
        capsys,
    )

    out = run(
        "import_licenses",
        write("tuesday.csv", LICENSE_HEADER, "1000001,FL,FL-1,Active,Accident and Health,Active,,Y"),
        capsys,
    )

    assert "1 license(s) and 1 line(s) of authority missing from this file marked inactive" in out
    assert snapshot(License, "state", "active") == [("FL", True), ("GA", False)]
    assert LineOfAuthority.objects.get(license__state="GA").active is False


def test_a_registration_missing_from_the_next_list_becomes_inactive_for_that_plan_year_only(write, capsys):
    run(
        "import_registration_list",
        write("a.csv", REGISTRATION_HEADER, "1,2027,11/02/2026,,,,Y", "2,2027,11/02/2026,,,,Y", "3,2026,,,,,-"),
        capsys,
    )

    run("import_registration_list", write("b.csv", REGISTRATION_HEADER, "1,2027,11/02/2026,,,,Y"), capsys)

    assert snapshot(MarketplaceRegistration, "npn", "plan_year", "active") == [
        ("1", 2027, True),
        ("2", 2027, False),
        ("3", 2026, True),  # a 2027 list says nothing about 2026
    ]


def test_the_mlms_export_sets_profiles_languages_and_training(write, capsys):
    run(
        "import_mlms",
        write(
            "mlms.csv",
            MLMS_HEADER,
            "1000001,Ana,Agent,ana@agents.example,FL,en;es,1,10/01/2026,2027",
            "1000002,Bo,Broker,bo@agents.example,MI,vi,3,,2027",
        ),
        capsys,
    )
    run(
        "import_mlms",
        write("next.csv", MLMS_HEADER, "1000001,Ana,Agente,ana@agents.example,FL,es;zh,2,10/01/2026,2027"),
        capsys,
    )

    ana = Agent.objects.get(npn="1000001")
    assert (ana.last_name, ana.display_option, ana.in_mlms) == ("Agente", 2, True)
    assert sorted(ana.languages.values_list("code", flat=True)) == ["es", "zh"]
    bo = Agent.objects.get(npn="1000002")
    assert bo.in_mlms is False and bo.display_option == 3  # kept, marked as gone from the export
    assert snapshot(TrainingCompletion, "npn", "completed_on", "active")[1] == ("1000002", None, False)


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(write, capsys):
    MarketplaceRegistration.objects.create(npn="9", plan_year=2027, npn_valid_current_plan_year_only="Y")
    path = write(
        "ffm.csv",
        REGISTRATION_HEADER,
        "1000001,2027,11/02/2026,,,,Y",
        "12AB,2027,11/02/2026,,,,Y",
        "1000003,27,13/45/2026,,,,Y",
        "1000001,2027,11/02/2026,,,,Y",
    )

    with pytest.raises(CommandError, match="3 bad row"):
        call_command("import_registration_list", str(path))

    assert capsys.readouterr().err.splitlines() == [
        "ffm.csv: line 3: npn '12AB' is not 1 to 10 digits",
        "ffm.csv: line 4: plan year '27' is not a year such as 2027",
        "ffm.csv: line 5: the same record as line 2",
    ]
    assert snapshot(MarketplaceRegistration, "npn", "active") == [("9", True)]  # untouched
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


@pytest.mark.parametrize(
    ("command", "header", "row", "message"),
    [
        ("import_licenses", LICENSE_HEADER, "1,Florida,FL-1,Active,Health,Active,,Y", "state 'FLORIDA' is not"),
        ("import_licenses", LICENSE_HEADER, "1,FL,,Active,Health,Active,,Y", "license_number is required"),
        ("import_licenses", LICENSE_HEADER, "1,FL,FL-1,Active,Health,Active,,maybe", "resident 'maybe' is not Y or N"),
        ("import_mlms", MLMS_HEADER, "1,Ana,Agent,not-an-email,FL,en,1,,2027", "email 'not-an-email' is not"),
        ("import_mlms", MLMS_HEADER, "1,Ana,Agent,a@b.org,FL,en;xx,1,,2027", "unknown language code(s) xx"),
        ("import_mlms", MLMS_HEADER, "1,Ana,Agent,a@b.org,FL,en,5,,2027", "display_option '5' is not 1, 2, 3 or 4"),
        ("import_mlms", "npn,first_name", "1,Ana", "line 1: missing column(s): last_name, email"),
    ],
)
def test_bad_values_get_a_clear_message(write, capsys, command, header, row, message):
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(command, str(write("file.csv", header, row)))

    assert message in capsys.readouterr().err


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_licenses", str(tmp_path / "missing.csv"))
