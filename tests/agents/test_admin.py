"""Admin answers "why didn't this agent get Florida referrals?" in one screen, and runs uploaded imports."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agents.models import Agent, ImportRun, License, StateDeselection
from tests.agents.test_imports import LICENSE_HEADER
from tests.factories import UserFactory, make_eligible_agent


@pytest.fixture
def ana(db):
    return make_eligible_agent(npn="1000001", first_name="Ana", last_name="Alvarez")


@pytest.fixture
def bo(db):
    bo = make_eligible_agent(npn="1000002", first_name="Bo", last_name="Brown", languages=("es",))
    StateDeselection.objects.create(agent=bo, state_id="FL")
    return bo


def listed(admin_client, query: str = "") -> list[str]:
    response = admin_client.get(f"/admin/agents/agent/{query}")
    assert response.status_code == 200
    return [agent.npn for agent in response.context["cl"].result_list]


def test_the_agent_page_shows_every_state_against_every_rule_with_reasons(admin_client, bo):
    page = admin_client.get(f"/admin/agents/agent/{bo.pk}/change/").content.decode()

    assert "Eligible now in:</strong> no state" in page
    assert "FL deselected in State Preferences" in page
    assert "5. State Preferences" in page and "8. Taking referrals" in page
    assert "no license in TX" in page
    assert "FL-1000002" in page and "Accident and Health (Active)" in page  # the license and its line of authority


def test_agents_are_filtered_by_eligibility_state_language_plan_year_and_registration(admin_client, ana, bo):
    from hod.reference.lookups import current_plan_year

    assert listed(admin_client, "?eligible_in=FL") == ["1000001"]
    assert listed(admin_client, "?licensed_in=FL") == ["1000001", "1000002"]
    assert listed(admin_client, "?licensed_in=TX") == []
    assert listed(admin_client, "?language=es") == ["1000002"]
    assert listed(admin_client, f"?registered_for={current_plan_year()}") == ["1000001", "1000002"]
    Agent.objects.filter(pk=bo.pk).update(registered_at=None)
    assert listed(admin_client, "?hod_registration=incomplete") == ["1000002"]
    assert listed(admin_client, "?hod_registration=registered") == ["1000001"]


@pytest.mark.parametrize("query", ["1000002", "Brown", "npn1000002@agents.example"])
def test_agents_are_found_by_npn_name_and_email(admin_client, ana, bo, query):
    assert listed(admin_client, f"?q={query}") == ["1000002"]


def test_the_agent_list_does_not_query_per_agent(admin_client, ana, bo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client.get("/admin/agents/agent/")
    with CaptureQueriesContext(connection) as two_agents:
        admin_client.get("/admin/agents/agent/")
    for number in range(10):
        make_eligible_agent(npn=str(1000100 + number))
    with CaptureQueriesContext(connection) as twelve_agents:
        admin_client.get("/admin/agents/agent/")

    assert len(twelve_agents) == len(two_agents)


def test_imported_data_cannot_be_edited_in_admin(admin_client, ana):
    license = License.objects.get(npn=ana.npn)

    response = admin_client.post(f"/admin/agents/license/{license.pk}/change/", {"status": "Active"})

    assert response.status_code == 403


def upload(client, kind: str, content: str, name: str = "licenses.csv"):
    return client.post(
        "/admin/agents/importrun/add/",
        {"kind": kind, "file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")},
        follow=True,
    )


def test_an_uploaded_file_is_imported_by_a_worker_and_the_page_shows_the_report(worker, wait_until):
    staff = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    content = f"{LICENSE_HEADER}\n1000001,FL,FL-1,Active,Health,Active,,Y\n"

    response = upload(client, "licenses", content)

    run = ImportRun.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/agents/importrun/{run.pk}/change/"
    wait_until(lambda: ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED)
    page = client.get(f"/admin/agents/importrun/{run.pk}/change/").content.decode()
    assert "1 licenses (1 new) with 1 lines of authority" in page
    assert 'http-equiv="refresh"' not in page
    assert License.objects.filter(npn="1000001", state="FL").exists()
    assert ImportRun.objects.get().source == ""


def test_a_bad_upload_lists_its_bad_rows_and_imports_nothing(worker, wait_until):
    staff = UserFactory(username="ops2", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    content = f"{LICENSE_HEADER}\n1000001,FL,FL-1,Active,Health,Active,,Y\n1000002,Florida,X,Active,Health,Active,,Y\n"

    upload(client, "licenses", content)

    wait_until(lambda: ImportRun.objects.get().status == ImportRun.Status.FAILED)
    page = client.get(f"/admin/agents/importrun/{ImportRun.objects.get().pk}/change/").content.decode()
    assert "Nothing was imported: 1 bad row(s)." in page
    assert "line 3: state &#x27;FLORIDA&#x27; is not a two-letter state code" in page
    assert not License.objects.exists()


@pytest.mark.django_db
def test_staff_without_import_permission_cannot_upload(client):
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_importrun"))
    client.force_login(staff)

    response = client.post("/admin/agents/importrun/add/", {"kind": "licenses"})

    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def change_form(admin_client, agent: Agent, **changes) -> dict:
    """The agent's change form as admin shows it (inlines included), with `changes` made."""
    page = admin_client.get(f"/admin/agents/agent/{agent.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= {f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()}
        for row in formset.forms:
            data |= {row.add_prefix(name): row.initial.get(name) for name in row.fields}
            data[row.add_prefix(formset.model._meta.pk.name)] = row.instance.pk
    data |= changes
    return {name: "" if value is None else value for name, value in data.items() if value is not False}


def test_a_zip_code_changed_in_admin_moves_the_agent_and_their_hours(admin_client, ana):
    import datetime as dt

    from agents.models import WeeklyHours

    WeeklyHours.objects.create(agent=ana, weekday=0, starts_at=dt.time(9), ends_at=dt.time(17))
    Agent.objects.filter(pk=ana.pk).update(schedule_due_at=None)  # as after a sweep, until the next boundary

    bad = admin_client.post(f"/admin/agents/agent/{ana.pk}/change/", change_form(admin_client, ana, zip_code="00000"))
    assert bad.status_code == 200 and "We could not find ZIP code 00000" in bad.content.decode()
    response = admin_client.post(
        f"/admin/agents/agent/{ana.pk}/change/", change_form(admin_client, ana, zip_code="90012")
    )

    assert response.status_code == 302
    agent = Agent.objects.get(pk=ana.pk)
    assert (agent.zip_code, agent.time_zone) == ("90012", "America/Los_Angeles")
    assert round(agent.latitude) == 34 and round(agent.longitude) == -118
    assert agent.schedule_due_at is not None  # the next sweep places the hours on Los Angeles time
