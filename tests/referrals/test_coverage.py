"""Coverage by state and language: figures that agree with a count by hand (the per-agent engine for the
agents, the generated list for the referrals), a number of queries that does not grow with the data, pages
behind their permission that never show a consumer's contact details, and the alert on admin's index."""

import datetime as dt
import random

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.eligibility import Rule, eligibility_table
from agents.models import Agent
from hod import alerts, cached
from referrals.models import Referral
from referrals.reporting.coverage import Gap, cell, coverage, gaps, taking_referrals_by_state
from referrals.reporting.periods import Period
from referrals.tasks import refresh_agent_counts
from tests.agents import test_eligibility as rules
from tests.factories import UserFactory, add_license, make_eligible_agent
from tests.referrals.test_reporting import staff

pytestmark = pytest.mark.django_db

STATES = ["FL", "TX", "MI"]  # served (FFM); CA is not (SBM)
LANGUAGES = ["en", "es", "vi"]
OPEN = ["new", "offered", "waiting"]
PHONES = iter(range(10_000))


def now_and_week() -> tuple[dt.datetime, Period]:
    now = timezone.now()
    return now, Period("custom", now - dt.timedelta(days=7), now + dt.timedelta(hours=1), "UTC")


def referral(state="FL", language="es", status="waiting", closed_at=None, **consumer) -> Referral:
    created_at = (closed_at or timezone.now()) - dt.timedelta(hours=2)
    return Referral.objects.create(
        first_name=consumer.get("first_name", "C"),
        last_name=consumer.get("last_name", "Onsumer"),
        phone=consumer.get("phone", f"+1305555{next(PHONES):04d}"),
        email=consumer.get("email", ""),
        language_id=language,
        zip_code="33130",
        city="Miami",
        state=state,
        latitude=25.77,
        longitude=-80.2,
        created_at=created_at,
        expires_at=created_at + dt.timedelta(hours=24),
        status=status,
        closed_at=closed_at,
    )


def agents_pool(count: int, seed: int = 11) -> list[int]:
    """`count` agents licensed in one or two states, speaking one or two languages, a few failing a rule."""
    chance = random.Random(seed)
    made = []
    for number in range(count):
        languages = tuple(chance.sample(LANGUAGES, k=chance.randint(1, 2)))
        npn = str(3000000 + seed * 1000 + number)
        agent = make_eligible_agent(npn=npn, state=chance.choice(STATES), languages=languages)
        if chance.random() < 0.4:  # a second state
            add_license(agent, chance.choice(["FL", "TX", "CA"]))
        for breaks in chance.sample(rules.BREAKERS, k=chance.choice([0, 0, 1, 1, 2])):
            breaks(agent)
        made.append(agent.pk)
    return made


def referrals_list(count: int, now: dt.datetime, seed: int = 5) -> list[dict]:
    """Referrals across states and languages: open, expired in the week, expired before it, accepted."""
    chance = random.Random(seed)
    made = []
    for _number in range(count):
        state, language = chance.choice(STATES + ["CA"]), chance.choice(LANGUAGES)
        kind = chance.choice(["open", "open", "expired", "expired_before", "accepted"])
        if kind == "open":
            referral(state, language, chance.choice(OPEN))
        elif kind == "expired":
            referral(state, language, "expired", closed_at=now - dt.timedelta(days=chance.randint(0, 6)))
        elif kind == "expired_before":
            referral(state, language, "expired", closed_at=now - dt.timedelta(days=9))
        else:
            referral(state, language, "accepted", closed_at=now - dt.timedelta(days=1))
        made.append({"state": state, "language": language, "kind": kind})
    return made


def by_hand(agent_ids: list[int], state: str, language: str | None) -> tuple[int, int]:
    """(eligible, on) by the per-agent engine: every rule but "taking referrals", and every rule."""
    eligible = on = 0
    for agent in Agent.objects.filter(pk__in=agent_ids).prefetch_related("languages"):
        if language is not None and language not in {lang.code for lang in agent.languages.all()}:
            continue
        checks = eligibility_table(agent)[state]
        if all(check.passed for check in checks if check.rule != Rule.AVAILABLE):
            eligible += 1
            on += all(check.passed for check in checks)
    return eligible, on


def test_the_table_agrees_with_a_count_by_hand():
    now, week = now_and_week()
    pool = agents_pool(24)
    made = referrals_list(40, now)

    found = coverage(week, now)

    rows = {row.code: row for row in found.rows}
    assert set(STATES) | {"AK", "CA"} <= set(rows) and "GA" not in rows  # served states, and CA for its referrals
    assert not rows["CA"].served and rows["CA"].total.eligible == 0
    assert 0 < rows["FL"].total.on < rows["FL"].total.eligible < len(pool)  # some switched off, some ineligible
    for state in STATES:
        row = rows[state]
        assert (row.total.eligible, row.total.on) == by_hand(pool, state, None), state
        cells = {language.code: figures for language, figures in row.cells}
        for language in LANGUAGES:
            figures = cells[language]
            assert (figures.eligible, figures.on) == by_hand(pool, state, language), (state, language)
            mine = [item for item in made if (item["state"], item["language"]) == (state, language)]
            assert figures.waiting == sum(item["kind"] == "open" for item in mine), (state, language)
            assert figures.expired == sum(item["kind"] == "expired" for item in mine), (state, language)
    assert found.waiting == sum(item["kind"] == "open" for item in made)
    assert found.expired == sum(item["kind"] == "expired" for item in made)
    assert [language.code for language in found.languages] == LANGUAGES  # in their order; the others left out
    assert "zh" in {language.code for language in found.left_out}
    assert taking_referrals_by_state(now) == {
        row.code: by_hand(pool, row.code, None)[1] for row in found.states if row.served
    }


def test_a_gap_is_told_from_agents_switched_off():
    now, week = now_and_week()
    switched_off = make_eligible_agent("4000001", languages=("es",))
    rules.switched_off(switched_off)
    referral("FL", "es")  # an eligible agent could switch on
    referral("FL", "vi")  # nobody speaks Vietnamese
    referral("FL", "vi", "new")

    found = coverage(week, now)

    assert [(row.code, language.code, figures.waiting) for row, language, figures in found.no_agent] == [
        ("FL", "vi", 2)
    ]
    assert [(row.code, language.code) for row, language, _figures in found.none_on] == [("FL", "es")]
    assert gaps(now) == [Gap("FL", "Vietnamese", 2)]


def test_an_agent_is_counted_once_in_a_state_whatever_their_languages_and_licenses():
    now, week = now_and_week()
    both = make_eligible_agent("4000001", languages=("es", "vi"))
    add_license(both, "FL")  # a second license in the same state
    add_license(both, "TX")
    silent = make_eligible_agent("4000002", languages=())  # no language on file: in the total, in no column
    off = make_eligible_agent("4000003", state="TX", languages=("es",))
    rules.switched_off(off)
    pool = [both.pk, silent.pk, off.pk]

    rows = {row.code: row for row in coverage(week, now).rows}

    def figures(state: str) -> tuple:
        row = rows[state]
        return (row.total.eligible, row.total.on), {lang.code: (cell.eligible, cell.on) for lang, cell in row.cells}

    assert figures("FL") == ((2, 2), {"es": (1, 1), "vi": (1, 1)})
    assert figures("TX") == ((2, 1), {"es": (2, 1), "vi": (1, 1)})
    for state in ("FL", "TX"):
        assert figures(state)[0] == by_hand(pool, state, None)
    taking = taking_referrals_by_state(now)
    assert (taking["FL"], taking["TX"]) == (2, 1)


def test_a_cell_lists_its_waiting_referrals_and_the_agents_who_could_switch_on():
    now, week = now_and_week()
    on = make_eligible_agent("4000001", languages=("es",), first_name="Onda")
    off = make_eligible_agent("4000002", languages=("es",), first_name="Offa")
    rules.switched_off(off)
    untrained = make_eligible_agent("4000003", languages=("es",), first_name="Untrained")
    rules.not_trained(untrained)
    rules.switched_off(untrained)
    waiting = referral("FL", "es")
    referral("FL", "en")
    referral("FL", "es", "expired", closed_at=now - dt.timedelta(days=1))

    found = cell("FL", "es", now, week)

    assert [item.reference for item in found.waiting] == [waiting.reference]
    assert (found.eligible, found.on, found.switched_off_count, found.expired) == (2, 1, 1, 1)
    assert [agent.pk for agent in found.switched_off] == [off.pk]
    assert on.pk not in {agent.pk for agent in found.switched_off}


def queries(compute) -> int:
    with CaptureQueriesContext(connection) as captured:
        compute()
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_data(client):
    now, week = now_and_week()
    client.force_login(staff("view_coverage"))
    agents_pool(4, seed=1)
    referrals_list(6, now, seed=1)
    referral("MI", "vi")  # a gap, so the alert's queries all run

    def every_figure():
        cache.clear()  # the agent counts are kept for a minute: count them each time
        cached.forget_everything()  # and the plan year, kept a few seconds
        return [
            queries(lambda: coverage(week, now)),
            queries(lambda: cell("FL", "es", now, week)),
            queries(lambda: taking_referrals_by_state(now)),
            queries(lambda: gaps(now)),
            queries(lambda: client.get("/admin/service/coverage/")),
            queries(lambda: client.get("/admin/service/coverage/FL/es/")),
        ]

    few = every_figure()
    agents_pool(20, seed=2)
    referrals_list(40, now, seed=2)

    many = every_figure()

    assert many == few
    # PostgreSQL: the agents' query turns JIT off in a savepoint of its own (three statements more). The
    # agent counts are counted by the first (two queries) and then read back as kept (none).
    assert few[:4] == ([9, 4, 0, 2] if connection.vendor == "postgresql" else [6, 4, 0, 2])


def test_agent_counts_are_kept_a_minute_and_counted_again_by_the_beat_job():
    now, week = now_and_week()
    agent = make_eligible_agent(npn="3999001", state="FL", languages=("es",))
    first = coverage(week, now)
    Agent.objects.filter(pk=agent.pk).update(taking_referrals=False)  # switched off since

    later = coverage(week, now + dt.timedelta(seconds=30))
    with time_machine.travel(now + dt.timedelta(seconds=60), tick=False):
        refresh_agent_counts()  # what beat runs every minute
    after_the_job = coverage(week, now + dt.timedelta(seconds=61))

    fl = {row.code: row.total for row in first.rows}["FL"]
    assert (fl.eligible, fl.on) == (1, 1) and first.agents_counted_at == now
    assert {row.code: row.total for row in later.rows}["FL"].on == 1  # kept: as of 30 seconds before
    assert {row.code: row.total for row in after_the_job.rows}["FL"].on == 0
    assert after_the_job.agents_counted_at == now + dt.timedelta(seconds=60)
    assert taking_referrals_by_state(now + dt.timedelta(minutes=10))["FL"] == 0  # too old: counted again


# The pages -----------------------------------------------------------------------------------


def test_the_coverage_pages_need_their_permission(client):
    assert client.get("/admin/service/coverage/")["Location"].startswith("/admin/login/")
    client.force_login(staff("view_service_dashboard"))
    assert client.get("/admin/service/coverage/").status_code == 403
    assert client.get("/admin/service/coverage/FL/es/").status_code == 403
    assert "Coverage" not in client.get("/admin/service/").content.decode()

    client.force_login(staff("view_coverage", "view_service_dashboard"))

    assert client.get("/admin/service/coverage/").status_code == 200
    assert client.get("/admin/service/coverage/FL/es/").status_code == 200
    assert client.get("/admin/service/coverage/ZZ/es/").status_code == 404
    menu = client.get("/admin/service/").content.decode()
    assert menu.index("Service dashboard</a>") < menu.index("Coverage</a>")


def test_the_coverage_page_shows_the_map_and_the_table(client):
    make_eligible_agent("4000001", languages=("es",))
    referral("FL", "vi")
    client.force_login(staff("view_coverage"))

    html = client.get("/admin/service/coverage/", {"period": "week"}).content.decode()

    assert 'id="hod-coverage"' in html and "js/coverage-map.js" in html and "states-albers-10m.json" in html
    assert '<tr id="state-FL">' in html
    assert 'href="/admin/service/coverage/FL/vi/?period=week"' in html
    assert "No agent</strong>" in html
    assert "https://" not in html.split('id="hod-coverage"')[1].split("</script>")[0]  # no tiles from elsewhere


def test_a_cells_page_hides_the_consumers_contact_details(client):
    off = make_eligible_agent("4000002", languages=("es",), first_name="Offa")
    rules.switched_off(off)
    waiting = referral(
        "FL", "es", first_name="Zelda", last_name="Quixote", phone="+13055550199", email="zelda@example.com"
    )
    client.force_login(staff("view_coverage"))

    html = client.get("/admin/service/coverage/FL/es/").content.decode()

    assert waiting.reference in html and "Miami" in html
    for secret in ("Zelda", "Quixote", "zelda@example.com", "555-0199", "5550199", "555 0199"):
        assert secret not in html
    assert f'href="/admin/agents/agent/{off.pk}/change/"' in html and off.npn in html


# Admin's index ---------------------------------------------------------------------------------


def test_admin_is_told_of_referrals_no_agent_can_take(client):
    make_eligible_agent("4000001", languages=("es",))
    referral("FL", "es")
    referral("TX", "vi")
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))

    html = client.get("/admin/").content.decode()

    assert "1 referral(s) wait in 1 state(s) and language(s) for which no agent is eligible" in html
    assert "TX, Vietnamese: 1 waiting" in html and "FL, Spanish" not in html
    assert 'href="/admin/service/coverage/"' in html


def test_a_failing_coverage_check_does_not_break_admin(client, monkeypatch):
    def broken(now):
        raise RuntimeError("no database today")

    monkeypatch.setattr(alerts, "coverage_gaps", broken)
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))

    page = client.get("/admin/")

    assert page.status_code == 200
    assert "Could not check coverage_alerts: RuntimeError: no database today" in page.content.decode()
