"""Agents are told before they lose eligibility (new Terms, the next plan year), once per cause, in their
language, through the daily beat task; the home page's function says the same."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agents.models import Agent, AgentNotice, MarketplaceRegistration, TermsDocument, TrainingCompletion
from agents.notices import notices_for
from agents.tasks import warn_agents_before_ineligible
from notifications.models import Notification
from tests.factories import make_eligible_agent
from tests.mailbox import deliver_queued

pytestmark = pytest.mark.django_db

# Plan year 2027 is current until the site switches to 2028 on November 1, 2027; warnings start 60 days before.
BEFORE_THE_WARNINGS = dt.datetime(2027, 9, 1, 15, tzinfo=dt.UTC)
WARNING_TIME = dt.datetime(2027, 9, 15, 15, tzinfo=dt.UTC)
NEXT_YEAR = 2028


@pytest.fixture
def clock():
    with time_machine.travel(WARNING_TIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ana(clock):
    return make_eligible_agent("1000001", first_name="Ana")


@pytest.fixture
def bea(clock):
    return make_eligible_agent("1000002", first_name="Bea")


def registered_for_next_year(*agents) -> None:
    MarketplaceRegistration.objects.bulk_create(
        MarketplaceRegistration(
            npn=agent.npn,
            plan_year=NEXT_YEAR,
            individual_registration_completion_date=dt.date(2027, 8, 1),
            npn_valid_current_plan_year_only="Y",
        )
        for agent in agents
    )


def trained_for_next_year(*agents) -> None:
    TrainingCompletion.objects.bulk_create(
        TrainingCompletion(npn=agent.npn, plan_year=NEXT_YEAR, completed_on=dt.date(2027, 8, 15)) for agent in agents
    )


def someone_elses_next_year_files() -> None:
    """The next year's registration list and MLMS training are in, without the agents of the test."""
    MarketplaceRegistration.objects.create(
        npn="9999999",
        plan_year=NEXT_YEAR,
        individual_registration_completion_date=dt.date(2027, 8, 1),
        npn_valid_current_plan_year_only="Y",
    )
    TrainingCompletion.objects.create(npn="9999999", plan_year=NEXT_YEAR, completed_on=dt.date(2027, 8, 1))


def publish_terms(kind: str = "agents_brokers", version: str = "2027-2") -> TermsDocument:
    return TermsDocument.objects.create(
        kind=kind, version=version, title=f"Terms {version}", text="New text.", published_at=timezone.now()
    )


def emails_to(agent) -> list:
    deliver_queued()
    return [email for email in mail.outbox if email.to == [agent.email]]


# The next plan year -------------------------------------------------------------------------


def test_an_agent_without_next_years_registration_is_told_once_what_to_do(ana):
    someone_elses_next_year_files()
    trained_for_next_year(ana)

    assert warn_agents_before_ineligible() == 1
    assert warn_agents_before_ineligible() == 0

    (email,) = emails_to(ana)
    assert email.subject == "To keep receiving Help On Demand referrals"
    assert "Hello Ana," in email.body
    assert "Help On Demand starts serving plan year 2028 on Nov. 1, 2027." in email.body
    assert "FFM Registration Completion List for 2028" in email.body and "https://portal.cms.gov" in email.body
    assert "training" not in email.body
    assert "http://localhost:8000/agents/login/" in email.body
    assert list(AgentNotice.objects.values_list("agent_id", "kind", "about")) == [
        (ana.pk, "next_year_registration", "2028")
    ]


def test_an_agent_without_next_years_training_is_told_in_spanish_when_they_chose_it(ana):
    Agent.objects.filter(pk=ana.pk).update(portal_language="es")
    someone_elses_next_year_files()
    registered_for_next_year(ana)

    warn_agents_before_ineligible()

    (email,) = emails_to(ana)
    assert email.subject == "Para seguir recibiendo referidos de Help On Demand"
    assert "1 de noviembre de 2027" in email.body and "capacitación de Help On Demand para 2028" in email.body
    assert "http://localhost:8000/es/agents/login/" in email.body


def test_both_missing_make_one_email_with_both_and_each_is_recorded(ana):
    someone_elses_next_year_files()

    warn_agents_before_ineligible()

    (email,) = emails_to(ana)
    assert "Registration Completion List for 2028" in email.body and "training for 2028" in email.body
    assert sorted(AgentNotice.objects.values_list("kind", flat=True)) == [
        "next_year_registration",
        "next_year_training",
    ]


def test_a_file_that_arrives_later_brings_only_its_own_cause(ana):
    MarketplaceRegistration.objects.create(
        npn="9999999",
        plan_year=NEXT_YEAR,
        individual_registration_completion_date=dt.date(2027, 8, 1),
        npn_valid_current_plan_year_only="Y",
    )
    warn_agents_before_ineligible()
    (first,) = emails_to(ana)
    TrainingCompletion.objects.create(npn="9999999", plan_year=NEXT_YEAR, completed_on=dt.date(2027, 8, 1))

    assert warn_agents_before_ineligible() == 1

    _first, second = emails_to(ana)
    assert "Registration Completion List for 2028" in first.body and "training" not in first.body
    assert "training for 2028" in second.body and "Registration Completion List" not in second.body


def test_an_agent_ready_for_next_year_is_not_told(ana):
    someone_elses_next_year_files()
    registered_for_next_year(ana)
    trained_for_next_year(ana)

    assert warn_agents_before_ineligible() == 0
    assert notices_for(ana) == []


def test_nobody_is_told_more_than_60_days_ahead(clock, ana):
    someone_elses_next_year_files()
    clock.move_to(BEFORE_THE_WARNINGS)

    assert warn_agents_before_ineligible() == 0
    assert not Notification.objects.exists()


def test_nobody_is_told_before_next_years_files_are_in(ana):
    assert warn_agents_before_ineligible() == 0  # admin's alert about the next plan year says what is missing

    assert notices_for(ana) == []


def test_agents_who_cannot_receive_referrals_now_are_not_told(ana, bea):
    someone_elses_next_year_files()
    TrainingCompletion.objects.filter(npn=bea.npn).update(completed_on=None)  # not trained for this year
    Agent.objects.filter(pk=ana.pk).update(user=None, registered_at=None)  # never registered in Help On Demand

    assert warn_agents_before_ineligible() == 0


def test_the_daily_task_makes_no_query_per_agent_but_to_send(clock):
    someone_elses_next_year_files()
    for npn in range(1000001, 1000003):
        make_eligible_agent(str(npn))
    few = _queries_but_sending()
    AgentNotice.objects.all().delete()
    for npn in range(1000003, 1000009):
        make_eligible_agent(str(npn))

    many = _queries_but_sending()

    assert many == few


def _queries_but_sending() -> int:
    with CaptureQueriesContext(connection) as queries:
        told = warn_agents_before_ineligible()
    assert told > 0
    return sum(1 for query in queries if "notifications_notification" not in query["sql"])


# New Terms of Use ---------------------------------------------------------------------------


def test_an_agent_who_accepted_an_earlier_version_is_told_once_about_the_new_one(ana, bea):
    terms = publish_terms()
    bea.terms_acceptances.create(terms=terms, accepted_at=timezone.now())

    assert warn_agents_before_ineligible() == 1
    assert warn_agents_before_ineligible() == 0

    (email,) = emails_to(ana)
    assert "A new version of the Help On Demand Agents and Brokers Terms of Use was published." in email.body
    assert "log in to Help On Demand" in email.body
    assert emails_to(bea) == []
    assert list(AgentNotice.objects.values_list("kind", "about")) == [("new_terms", "agents_brokers 2027-2")]


def test_each_new_version_is_a_new_cause(clock, ana):
    publish_terms(version="2027-2")
    warn_agents_before_ineligible()
    clock.shift(dt.timedelta(days=1))
    publish_terms(version="2027-3")

    assert warn_agents_before_ineligible() == 1

    assert len(emails_to(ana)) == 2


def test_an_agent_still_finishing_registration_is_not_told_about_new_terms(ana):
    ana.terms_acceptances.filter(terms__kind="agents_brokers").delete()  # never accepted this kind yet
    publish_terms()

    assert warn_agents_before_ineligible() == 0


def test_new_terms_in_spanish(ana):
    Agent.objects.filter(pk=ana.pk).update(portal_language="es")
    publish_terms(kind="help_on_demand")

    warn_agents_before_ineligible()

    (email,) = emails_to(ana)
    assert "Se publicó una nueva versión de las Condiciones de uso de Help On Demand." in email.body


# The home page ------------------------------------------------------------------------------


def test_the_home_page_gets_the_same_warnings_in_the_active_language_even_after_the_email(ana):
    someone_elses_next_year_files()
    registered_for_next_year(ana)
    warn_agents_before_ineligible()

    with translation.override("es"):
        (spanish,) = notices_for(ana, timezone.now())
    (english,) = notices_for(ana)

    assert "capacitación de Help On Demand para 2028" in spanish
    assert english.startswith("Help On Demand starts serving plan year 2028 on Nov. 1, 2027.")
    assert english in emails_to(ana)[0].body


def test_the_home_page_shows_the_warning(client, ana):
    someone_elses_next_year_files()
    trained_for_next_year(ana)
    client.force_login(ana.user)

    page = client.get("/agents/").content.decode()

    assert "To keep receiving referrals" in page
    assert "Your NPN is not yet listed as valid on the FFM Registration Completion List for 2028" in page

    Agent.objects.filter(pk=ana.pk).update(portal_language="es")
    page = client.get("/es/agents/").content.decode()
    assert "Para seguir recibiendo referidos" in page
