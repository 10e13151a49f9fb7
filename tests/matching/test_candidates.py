"""The candidate index follows every change to who could be offered what (PostgreSQL).

Matching on PostgreSQL walks a table that triggers keep in step with the agents' own tables; an
agent missing from it would never be offered anything. These tests change agents through the
entry points people use (the switch, the profile page, the three imports) and check that the
index and the plain Python sort still choose the same agent.
"""

import random

import pytest
from django.core.management import call_command

from agents.availability import set_taking_referrals
from agents.eligibility import eligible_agents
from agents.models import Agent
from hod.reference.lookups import current_plan_year, lookup_zip
from matching.nearest import _candidates, anyone_could_come, next_agent, next_agent_in_python
from tests.factories import make_eligible_agent

pytestmark = pytest.mark.postgresql
LICENSE_HEADER = "npn,state,license_number,license_status,loa_name,loa_status,expiration_date,resident"
MLMS_HEADER = "npn,first_name,last_name,email,home_state,languages,display_option,hod_training_completed_date,plan_year"


def nearest(language: str = "es", zip_code: str = "33130", state: str = "FL") -> str | None:
    """Who the index offers first, checked against the Python sort; by first name."""
    place = lookup_zip(zip_code)
    by_index = next_agent(state, language, place.latitude, place.longitude)
    by_python = next_agent_in_python(_candidates(state, language, None, None, None), place.latitude, place.longitude)
    assert (by_index and by_index.agent_id) == (by_python and by_python.agent_id)
    return Agent.objects.get(pk=by_index.agent_id).first_name if by_index else None


@pytest.fixture
def two_agents(db) -> dict[str, Agent]:
    return {
        "near": make_eligible_agent(npn="8000001", zip_code="33012", languages=("es", "en"), first_name="near"),
        "far": make_eligible_agent(npn="8000002", zip_code="32801", languages=("es", "en"), first_name="far"),
    }


def test_the_switch_takes_an_agent_out_of_the_index_and_back(two_agents):
    assert nearest() == "near"

    set_taking_referrals(two_agents["near"], False)
    assert nearest() == "far"

    set_taking_referrals(two_agents["near"], True)
    assert nearest() == "near"


def test_a_new_zip_code_on_the_profile_moves_the_agent(client, two_agents):
    far = two_agents["far"]
    client.force_login(far.user)
    response = client.post(
        "/agents/profile/",
        {
            "profile-cell_phone": "313-555-0142",
            "profile-contact_method": "email_only",
            "profile-zip_code": "33130",
            "profile-portal_language": "en",
        },
    )

    assert response.status_code == 302
    assert nearest() == "far"


def test_the_mlms_import_changes_the_languages_an_agent_is_found_for(tmp_path, two_agents):
    path = tmp_path / "mlms.csv"
    rows = [
        f"8000001,near,Agent,npn8000001@agents.example,FL,en;vi,1,2026-10-01,{current_plan_year()}",
        f"8000002,far,Agent,npn8000002@agents.example,FL,es;en,1,2026-10-01,{current_plan_year()}",
    ]
    path.write_text("\n".join([MLMS_HEADER, *rows]) + "\n", encoding="utf-8")

    call_command("import_mlms", str(path))

    assert nearest("es") == "far"
    assert nearest("vi") == "near"


def test_a_license_missing_from_the_next_licenses_file_takes_the_agent_out_of_that_state(tmp_path, two_agents):
    def import_licenses(*rows: str) -> None:
        path = tmp_path / "licenses.csv"
        path.write_text("\n".join([LICENSE_HEADER, *rows]) + "\n", encoding="utf-8")
        call_command("import_licenses", str(path))

    florida = "FL,FL-{npn},Active,Accident and Health,Active,12/31/2030,Y"
    texas = "TX,TX-{npn},Active,Accident and Health,Active,12/31/2030,N"
    import_licenses(f"8000001,{texas.format(npn='8000001')}", f"8000002,{florida.format(npn='8000002')}")
    assert nearest() == "far"
    assert nearest(state="TX", zip_code="77002") == "near"

    import_licenses(*(f"{npn},{florida.format(npn=npn)}" for npn in ("8000001", "8000002")))
    assert nearest() == "near"
    assert nearest(state="TX", zip_code="77002") is None


def test_a_deleted_agent_takes_their_rows_with_them(two_agents):
    two_agents["near"].delete()

    assert nearest() == "far"


def test_the_index_and_the_python_sort_agree_on_a_pool_that_keeps_changing(db):
    chance = random.Random(11)
    zips = ["33130", "33012", "33024", "32801", "33401", "33601", "32301", "34102"]
    agents = [
        make_eligible_agent(
            npn=str(8100000 + number),
            zip_code=chance.choice(zips),
            languages=tuple(chance.sample(["en", "es", "vi"], k=chance.randint(1, 2))),
            first_name=f"agent{number}",
        )
        for number in range(60)
    ]
    for _round in range(6):
        for agent in chance.sample(agents, k=15):
            set_taking_referrals(agent, chance.random() < 0.5)
        for agent in chance.sample(agents, k=5):
            agent.languages.set(chance.sample(["en", "es", "vi"], k=chance.randint(1, 3)))
        for zip_code in ["33130", "32301", "34102"]:
            for language in ["en", "es", "vi"]:
                nearest(language, zip_code)


def _columns(model, names) -> list[str]:
    return [model._meta.get_field(name).column for name in names]  # FieldDoesNotExist when one was renamed


def test_the_triggers_still_read_every_field_they_mirror(db):
    """The refresh function in the database names the columns MIRRORED_FIELDS lists: a renamed field
    would break it (a new migration must replace the function)."""
    from django.db import connection

    from matching.models import MIRRORED_FIELDS

    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'matching_refresh_candidates'")
        (function,) = cursor.fetchone()
        cursor.execute("SELECT string_agg(action_statement, ' ') FROM information_schema.triggers")
        (triggers,) = cursor.fetchone()
    for model, names in MIRRORED_FIELDS.items():
        for column in _columns(model, names):
            assert column in function or column in triggers, f"{model._meta.db_table}.{column} is not mirrored"
        assert model._meta.db_table in function


def _fields_read(condition) -> set[str]:
    from django.db.models import Q

    names = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _fields_read(child)
        else:
            names.add(child[0].split("__")[0])
    return names


@pytest.mark.django_db
def test_every_column_the_rules_read_on_the_agents_row_is_mirrored_or_checked_after_the_walk():
    """A new rule column on the agent (a new switch, say) must be mirrored in the candidate table or
    knowingly left to the check after the walk."""
    from agents.eligibility.queries import on_the_agent_row
    from matching.models import CHECKED_AFTER_THE_WALK, MIRRORED_FIELDS

    read = _fields_read(on_the_agent_row("FL"))

    assert read <= set(MIRRORED_FIELDS[Agent]) | CHECKED_AFTER_THE_WALK, read - set(MIRRORED_FIELDS[Agent])


def test_whether_anyone_could_come_for_a_waiting_request_agrees_with_the_rules(pool, monkeypatch):
    """The consumer of a request that waits is told whether an agent could ever come (referrals.outlook): the
    candidate rows, switched on or off, answer as the rules over every agent with a location do."""
    from matching import nearest
    from tests.agents.test_eligibility import not_trained

    monkeypatch.setattr(nearest, "LARGEST_CHECK", 2)  # batches of 1, 2, 2, …: several steps over the pool

    def could(language: str = "es") -> bool:
        answer = anyone_could_come("FL", language)
        rules = eligible_agents("FL", language, require_available=False)
        assert answer == rules.filter(latitude__isnull=False, longitude__isnull=False).exists()
        return answer

    assert could()
    Agent.objects.update(taking_referrals=False)
    assert could()  # switched off, they could still switch on
    not_trained(pool["off"])  # the first candidates fail a rule: a later batch finds Hialeah
    assert could()
    for name in ("hialeah", "hollywood", "orlando"):
        not_trained(pool[name])
    assert not could()  # every Spanish speaker left fails a rule
    nowhere = make_eligible_agent(npn="8000009", zip_code="33130", languages=("es",), first_name="nowhere")
    Agent.objects.filter(pk=nowhere.pk).update(latitude=None, longitude=None)
    assert not could()  # passes every rule, but with no location nobody could offer them a request
    assert could("en")  # the English-only agent
    assert not could("vi")  # nobody speaks it
