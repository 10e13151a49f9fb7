"""The service dashboard and agents' responsiveness: figures that agree with a count by hand on a
generated history, a number of queries that does not grow with it, and pages behind their permissions."""

import datetime as dt
import random
from statistics import median

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import Agent
from referrals.models import DailyFigures, Offer, Referral, SentElsewhere
from referrals.reporting.periods import Period, period_from
from referrals.reporting.responsiveness import responsiveness
from referrals.reporting.service import figures, record_sent_elsewhere
from referrals.tasks import refresh_daily_figures
from tests.factories import UserFactory, make_eligible_agent

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DAY = dt.datetime(2026, 11, 16, tzinfo=UTC)  # a Monday of open enrollment
WEEK = Period("custom", DAY, DAY + dt.timedelta(days=7), "UTC")
STATUSES = ["accepted", "accepted", "accepted", "withdrawn", "expired", "waiting"]


PHONES = iter(range(10_000))


def referral(created_at, state="FL", language="es", status="accepted", accept_after=None) -> Referral:
    accepted_at = created_at + accept_after if accept_after is not None else None
    return Referral.objects.create(
        first_name="C",
        last_name="Onsumer",
        phone=f"+1305555{next(PHONES):04d}",
        language_id=language,
        zip_code="33130",
        city="Miami",
        state=state,
        latitude=25.77,
        longitude=-80.2,
        created_at=created_at,
        expires_at=created_at + dt.timedelta(hours=24),
        status=status,
        accepted_at=accepted_at if status == "accepted" else None,
        closed_at=accepted_at,
    )


def offer(referral, agent, status, offered_after=dt.timedelta(0), answer_after=None) -> Offer:
    offered_at = referral.created_at + offered_after
    return Offer.objects.create(
        referral=referral,
        agent=agent,
        status=status,
        distance_miles=2.0,
        offered_at=offered_at,
        expires_at=offered_at + dt.timedelta(minutes=15),
        responded_at=offered_at + answer_after if answer_after is not None else None,
        reject_reason="Busy" if status == "rejected" else "",
    )


@pytest.fixture
def agents():
    return [make_eligible_agent(str(2000001 + n), first_name=f"Agent{n}") for n in range(3)]


def history(agents, count: int, seed: int = 7, start: dt.datetime = DAY) -> list[dict]:
    """`count` requests over the week from `start`, across states, languages and outcomes, each accepted one
    after a lapse and a rejection now and then; returns what was made, for counting by hand."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        created = start + dt.timedelta(minutes=rng.randrange(7 * 24 * 60))
        status = rng.choice(STATUSES)
        wait = dt.timedelta(seconds=rng.randrange(20, 40 * 60)) if status == "accepted" else None
        row = referral(created, rng.choice(["FL", "TX"]), rng.choice(["es", "en"]), status, wait)
        lapsed = rng.random() < 0.3
        if lapsed:
            offer(row, agents[0], "lapsed")
        if status == "accepted":
            answer = min(wait - dt.timedelta(seconds=1), dt.timedelta(minutes=14))  # within the offer's window
            offer(row, agents[1 + number % 2], "accepted", wait - answer, answer)
        elif status == "expired":
            offer(row, agents[2], "rejected", dt.timedelta(minutes=16), dt.timedelta(seconds=30))
        if status == "accepted":
            row.disposition = rng.choice(["", "contacted", "enrolled", "could_not_reach"])
            row.save(update_fields=["disposition"])
        made.append({"row": row, "status": status, "wait": wait, "lapsed": lapsed})
    return made


def test_the_weeks_figures_agree_with_a_count_by_hand(agents, settings):
    settings.HOD_OFFER_WINDOW_SECONDS = 600
    made = history(agents, 60)
    referral(DAY - dt.timedelta(minutes=1))  # the day before: not in the period
    waits = sorted(item["wait"].total_seconds() for item in made if item["wait"])

    found = figures(WEEK)

    total = found.total
    assert total.requests == 60
    assert total.accepted == sum(item["status"] == "accepted" for item in made)
    assert total.withdrawn == sum(item["status"] == "withdrawn" for item in made)
    assert total.expired == sum(item["status"] == "expired" for item in made)
    assert total.still_open == sum(item["status"] == "waiting" for item in made)
    assert total.median == pytest.approx(median(waits), rel=0.02)  # kept in buckets 4 % wide
    assert total.within_window == sum(1 for wait in waits if wait <= 600)
    assert total.within_15 == sum(1 for wait in waits if wait <= 900)
    assert found.offers["lapsed"] == sum(item["lapsed"] for item in made)
    assert found.offers_per_accepted == pytest.approx(
        (total.accepted + sum(item["lapsed"] for item in made if item["status"] == "accepted")) / total.accepted
    )
    florida = [item for item in made if item["row"].state == "FL"]
    assert found.by_state["FL"].requests == len(florida)
    assert found.by_state["FL"].median == pytest.approx(
        median(sorted(item["wait"].total_seconds() for item in florida if item["wait"])), rel=0.02
    )
    assert found.by_language["en"].requests == sum(item["row"].language_id == "en" for item in made)
    assert [tally.requests for tally in found.by_day.values()] == [
        sum(item["row"].created_at.date() == (DAY + dt.timedelta(days=n)).date() for item in made) for n in range(7)
    ]
    assert sum(tally.requests for tally in found.by_hour) == 60
    assert found.by_hour[5].requests == sum(item["row"].created_at.hour == 5 for item in made)
    accepted = [item["row"] for item in made if item["status"] == "accepted"]
    assert found.funnel.accepted == len(accepted)
    assert found.funnel.contacted == sum(row.disposition in ("contacted", "enrolled") for row in accepted)
    assert found.funnel.enrolled == sum(row.disposition == "enrolled" for row in accepted)
    assert found.funnel_by_state["TX"].accepted == sum(row.state == "TX" for row in accepted)

    # The week is over: its days were kept, and read back they give the same figures.
    assert DailyFigures.objects.filter(zone="UTC", days=1).count() == 7
    with CaptureQueriesContext(connection) as queries:
        again = figures(WEEK)
    assert again == found and len(queries) == 3  # the kept days, consumers sent elsewhere, erasures


def test_hours_of_day_follow_the_chosen_time_zone(agents):
    referral(DAY + dt.timedelta(hours=14))  # 14:00 UTC is 09:00 in New York (standard time)

    eastern = figures(Period("custom", DAY, DAY + dt.timedelta(days=1), "America/New_York"))

    assert eastern.by_hour[9].requests == 1 and eastern.by_hour[14].requests == 0


def test_the_number_of_queries_does_not_grow_with_the_history(agents):
    during = DAY + dt.timedelta(hours=12)  # on the week's first day: every day is counted
    history(agents, 10, seed=1)
    few = _queries(lambda: figures(WEEK, during)), _queries(lambda: responsiveness(WEEK))
    history(agents, 80, seed=2)

    many = _queries(lambda: figures(WEEK, during)), _queries(lambda: responsiveness(WEEK))

    assert many == few


def test_kept_days_are_counted_again_by_the_beat_job_and_when_the_window_changes(agents, settings):
    made = referral(DAY + dt.timedelta(hours=9), accept_after=dt.timedelta(minutes=4))
    assert figures(WEEK).total.accepted == 1  # the week is over: its days are kept
    Referral.objects.filter(pk=made.pk).update(status="withdrawn", disposition="")  # withdrawn after accepting
    late = DAY + dt.timedelta(days=1)
    referral(late)  # a request the kept day does not know of (in life, a change a kept day missed)

    assert figures(WEEK).total.accepted == 1  # read back as kept…
    with time_machine.travel(WEEK.end + dt.timedelta(hours=1), tick=False):
        refresh_daily_figures()  # … until the job counts the last week again

    after = figures(WEEK)
    assert (after.total.requests, after.total.accepted, after.total.withdrawn) == (2, 1, 1)
    settings.HOD_OFFER_WINDOW_SECONDS = 300  # "within the window" means something else now: counted again
    with CaptureQueriesContext(connection) as queries:
        assert figures(WEEK).total.requests == 2
    assert len(queries) > 3


def test_a_long_period_read_back_from_kept_blocks_agrees_with_counting_every_day(agents):
    season = Period("custom", dt.datetime(2026, 7, 1, tzinfo=UTC), dt.datetime(2026, 11, 20, tzinfo=UTC), "UTC")
    for week in range(11):  # 142 days: at least one block of 64 aligned days fits
        history(agents, 6, seed=week, start=season.start + dt.timedelta(days=7 * week))

    counted = figures(season, now=season.start)  # seen from its first day, every day is counted
    assert not DailyFigures.objects.exists()
    kept_first = figures(season)  # the days are over: counted once more, kept, and blocks of them made
    with CaptureQueriesContext(connection) as queries:
        read_back = figures(season)

    assert counted == kept_first == read_back and counted.total.requests == 66
    assert DailyFigures.objects.filter(days=64).exists()
    blocks = [query["sql"] for query in queries.captured_queries if "referrals_dailyfigures" in query["sql"]]
    assert len(queries) == 3 and len(blocks) == 1


def test_the_nightly_job_keeps_every_past_day_of_the_season(agents):
    referral(dt.datetime(2026, 11, 3, 15, tzinfo=UTC), accept_after=dt.timedelta(minutes=2))
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        kept = refresh_daily_figures(whole_season=True)

    assert kept == 19  # November 1 to 19 in New York: today, the 20th, is counted at every look
    november_3 = DailyFigures.objects.get(zone="America/New_York", day=dt.date(2026, 11, 3), days=1)
    assert november_3.data["state"] == {"FL": {"accepted": [1, 1, 1]}}  # one request, counted by the job


def _queries(compute) -> int:
    with CaptureQueriesContext(connection) as queries:
        compute()
    return len(queries)


def test_responsiveness_counts_each_agents_answers_and_lapses_in_a_row(agents):
    silent, steady, _other = agents
    for minutes in (0, 30, 60):  # answered once, then two lapses in a row
        row = referral(DAY + dt.timedelta(minutes=minutes), status="waiting")
        offer(row, silent, "rejected" if minutes == 0 else "lapsed", answer_after=dt.timedelta(seconds=40))
    accepted = referral(DAY + dt.timedelta(hours=2), accept_after=dt.timedelta(minutes=2))
    offer(accepted, steady, "accepted", answer_after=dt.timedelta(minutes=2))
    Agent.objects.filter(pk=silent.pk).update(lapses_in_a_row=2)  # as the lifecycle counts them (test_auto_pause)

    found = responsiveness(WEEK, sort="lapsed")

    first, second = found.rows
    assert (first.agent_id, first.offers, first.rejected, first.lapsed) == (silent.pk, 3, 1, 2)
    assert first.lapses_in_a_row == 2
    assert (second.agent_id, second.accepted, second.lapses_in_a_row, second.median_answer) == (steady.pk, 1, 0, 120)
    assert found.total.offers == 4 and found.total.lapsed == 2
    assert found.reasons == {"Busy": 1}
    assert [row.agent_id for row in responsiveness(WEEK, sort="accepted").rows] == [steady.pk, silent.pk]


def test_a_period_from_the_page(settings):
    now = dt.datetime(2026, 11, 29, 3, tzinfo=UTC)  # still the 28th in New York

    today, _ = period_from({}, now)
    week, _ = period_from({"period": "week", "zone": "America/Chicago"}, now)
    season, _ = period_from({"period": "season"}, now)
    custom, errors = period_from({"period": "custom", "start": "2026-11-20", "end": "2026-11-01"}, now)

    assert today.label == "Nov 28, 2026"
    assert week.label == "Nov 22, 2026 – Nov 28, 2026" and week.zone == "America/Chicago"
    assert season.label == "Nov 01, 2026 – Nov 28, 2026"
    assert errors == {"end": "The last day must be on or after the first day."} and custom.kind == "today"


def test_a_consumer_sent_to_another_marketplace_is_counted_and_nothing_else_kept(client):
    from hod.reference.models import StateMarketplace

    served = StateMarketplace.objects.filter(state_id="CA").first()
    assert served is None or not served.is_served  # California runs its own Marketplace
    data = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "phone": "(213) 555-0100",
        "zip_code": "90012",
        "language": "en",
        "consent": "on",
    }
    client.post("/get-contacted/", data)
    client.post("/get-contacted/", data | {"phone": "(213) 555-0101"})

    assert list(SentElsewhere.objects.values_list("state", "count")) == [("CA", 2)]
    assert not Referral.objects.exists()
    record_sent_elsewhere("CA", dt.datetime(2026, 11, 2, 12, tzinfo=UTC), "America/Los_Angeles")
    found = figures(Period("custom", dt.datetime(2026, 11, 2, tzinfo=UTC), dt.datetime(2026, 11, 3, tzinfo=UTC), "UTC"))
    assert found.sent_elsewhere == 1


# The pages -----------------------------------------------------------------------------------


def staff(*permissions: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return user


def test_the_dashboard_needs_its_permission(client):
    assert client.get("/admin/service/")["Location"].startswith("/admin/login/")
    client.force_login(staff())
    assert client.get("/admin/service/").status_code == 403
    assert client.get("/admin/service/responsiveness/").status_code == 403
    client.force_login(staff("view_service_dashboard"))
    assert client.get("/admin/service/").status_code == 200
    assert client.get("/admin/service/responsiveness/").status_code == 403


def test_the_dashboard_shows_the_periods_figures_and_refreshes_right_now(client, agents):
    history(agents, 12)
    client.force_login(staff("view_service_dashboard", "view_responsiveness"))

    week = {"period": "custom", "start": "2026-11-16", "end": "2026-11-22", "zone": "UTC"}
    page = client.get("/admin/service/", week)

    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="hod-figure">12</span> requests' in html
    assert "Nov 16, 2026 – Nov 22, 2026 (UTC)" in html
    assert 'id="hod-charts"' in html and "chart.umd.min" in html
    assert "Agents&#x27; responsiveness" in html or "Agents' responsiveness" in html
    fragment = client.get("/admin/service/", headers={"HX-Request": "true"}).content.decode()
    assert "waiting for an agent" in fragment and "<html" not in fragment
    bad = client.get("/admin/service/", {"period": "custom", "start": "2026-11-22", "end": "nope"}).content.decode()
    assert "Enter the last day as YYYY-MM-DD." in bad


def test_responsiveness_page_lists_agents_and_one_agent(client, agents):
    history(agents, 12)
    client.force_login(staff("view_responsiveness"))

    week = {"period": "custom", "start": "2026-11-16", "end": "2026-11-22"}
    page = client.get("/admin/service/responsiveness/", week)
    one = client.get("/admin/service/responsiveness/", {"agent": agents[0].pk, "period": "week"})

    assert page.status_code == 200 and "Agent0" in page.content.decode()
    assert one.status_code == 200 and "Responsiveness of Agent0" in one.content.decode()


def test_right_now_lists_the_agents_taking_referrals_by_state(client, agents):
    client.force_login(staff("view_service_dashboard"))

    fragment = client.get("/admin/service/", headers={"HX-Request": "true"}).content.decode()

    assert "3 agents taking referrals now, in 1 state" in fragment
    assert '<th scope="row">FL</th><td>3</td>' in fragment


def test_the_dashboard_says_how_many_were_erased(agents):
    from referrals.erasure import erase_referral

    made = history(agents, 6)
    closed = [item["row"] for item in made if item["status"] != "waiting"]
    for row in closed[:2]:
        assert erase_referral(row.pk, DAY + dt.timedelta(days=6, hours=23), reason="request")

    assert figures(WEEK).erased == 2
