"""What operators trip over: the port in links, the plan year's edge, the first consumer's wait."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from agents.models import MarketplaceRegistration, TermsDocument, TrainingCompletion
from hod.alerts import current_alerts
from hod.reference.models import StateMarketplace
from referrals.models import Referral
from tests.referrals.test_get_contacted import form

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, environment: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# 9. `make run PORT=8100` builds links with that port ----------------------------------------------------


def test_links_follow_the_port_make_run_was_given(clean_environ):
    environment = {**clean_environ, "HOD_PORT": "8100"}

    code = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'hod.settings'; from django.conf import settings; "
    printed = run_python(code + "print(settings.HOD_BASE_URL)", environment)

    assert printed == "http://localhost:8100"


def test_make_run_gives_seed_demo_its_port():
    makefile = (ROOT / "Makefile").read_text()

    assert "HOD_PORT=$(PORT) $(BIN)/python manage.py seed_demo" in makefile


# 10. The plan year's edge ----------------------------------------------------------------------------------

EDGE = dt.datetime(2027, 11, 2, 15, tzinfo=dt.UTC)  # plan year 2028 has begun; its Marketplace types are not in


@pytest.fixture
def types_only_up_to_2027(db):
    StateMarketplace.objects.filter(plan_year__gt=2027).delete()


@pytest.mark.usefixtures("types_only_up_to_2027")
def test_on_the_first_day_of_a_plan_year_without_its_table_consumers_are_still_served(client):
    with time_machine.travel(EDGE, tick=False):
        response = client.post("/get-contacted/", form())

    assert response.status_code == 302 and Referral.objects.get().state == "FL"  # not "you live outside the U.S."


@pytest.mark.usefixtures("types_only_up_to_2027")
def test_admin_is_told_which_years_types_stand_in():
    with time_machine.travel(EDGE, tick=False):
        titles = [alert.title for alert in current_alerts()]

    assert "The Marketplace types for plan year 2028 are missing: consumers are routed by those of 2027." in titles


@pytest.mark.django_db
def test_sixty_days_ahead_admin_and_check_list_what_the_next_plan_year_lacks(capsys):
    TermsDocument.objects.update(plan_year=2027)  # this year's Terms only
    with time_machine.travel(dt.datetime(2027, 9, 15, 15, tzinfo=dt.UTC), tick=False):
        (alert,) = [alert for alert in current_alerts() if "Plan year 2028" in alert.title]
        call_command("check", "--database", "default")

    assert alert.title.startswith("Plan year 2028 begins on November 1, 2027")
    for missing in (
        "Marketplace types of the states for 2028",
        "FFM Registration Completion List for 2028",
        "MLMS export with Help On Demand training for 2028",
        "Help On Demand Terms of Use for 2028",
    ):
        assert missing in alert.detail
    assert "hod.W001" in capsys.readouterr().err


@pytest.mark.django_db
def test_no_warning_once_the_next_plan_year_is_in():
    for state in StateMarketplace.objects.filter(plan_year=2027):
        StateMarketplace.objects.create(
            plan_year=2028,
            state=state.state,
            type=state.type,
            marketplace_name="x",
            marketplace_url="https://x.example",
        )
    MarketplaceRegistration.objects.create(npn="1", plan_year=2028, npn_valid_current_plan_year_only="Y")
    TrainingCompletion.objects.create(npn="1", plan_year=2028, completed_on=dt.date(2027, 9, 1))

    with time_machine.travel(dt.datetime(2027, 9, 15, 15, tzinfo=dt.UTC), tick=False):
        assert not [alert for alert in current_alerts() if "Plan year" in alert.title]

    with time_machine.travel(timezone.now()):  # and months before, nobody is asked
        assert not [alert for alert in current_alerts() if "Plan year" in alert.title]


# 11. The first ZIP lookup of a web process does not wait ---------------------------------------------------


def test_a_web_process_loads_the_zip_codes_when_it_starts(clean_environ):
    printed = run_python(
        "import hod.wsgi; from hod.reference.lookups import _zip_index; print(_zip_index.cache_info().currsize)",
        clean_environ,
    )

    assert printed == "1"
