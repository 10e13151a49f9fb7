"""The agents of the suite's scratch database: a pool seeded as bench/match.py seeds it (each agent with a
phone of their own and one registered device, so every channel carries messages), and a few invitable
agents with no account yet, who register through the pages.

Import after django.setup().
"""

import match  # bench/match.py
from django.utils import timezone

from agents.eligibility import current_terms
from agents.models import Agent, License, LineOfAuthority, MarketplaceRegistration, TrainingCompletion
from hod.reference.lookups import current_plan_year, lookup_zip
from notifications.models import Device

# Where the invitable agents live and what they speak: a language nobody in the seeded pool speaks, so the
# referrals made for them go to them alone.
ONBOARDING_LANGUAGE = "de"
ONBOARDING_STATE = "TX"
ONBOARDING_ZIPS = ["77002", "77005", "77030", "77098", "77019", "77006"]


def seed_pool(count: int) -> list[dict]:
    """`count` agents all over the FFM and SBM-FP states (about a third taking referrals); returns the ZIP
    codes consumers come from."""
    year = current_plan_year()
    places = match.served_zips(year)
    states = sorted({place["state"] for place in places})
    match.seed(0, count, places, states, year, [terms.pk for terms in current_terms()])
    now = timezone.now()
    agents = list(Agent.objects.exclude(user=None).only("pk", "user_id"))
    for agent in agents:
        # One phone each, so that a text is known by (To, Body).
        agent.cell_phone = f"+1202{5000000 + agent.pk:07d}"
    Agent.objects.bulk_update(agents, ["cell_phone"], batch_size=1000)
    Device.objects.bulk_create(
        [
            Device(user_id=agent.user_id, token=f"fault-suite-device-{agent.pk}", platform="android", last_seen_at=now)
            for agent in agents
        ]
    )
    return places


def create_invitable_agents(count: int) -> list[Agent]:
    """Agents the CMS files would make invitable (registered, trained, licensed in Texas), with no account."""
    year = current_plan_year()
    today = timezone.localdate()
    agents = []
    for number, zip_code in enumerate(ONBOARDING_ZIPS[:count]):
        npn = str(30_000_000 + number)
        place = lookup_zip(zip_code)
        agent = Agent.objects.create(
            npn=npn,
            first_name="Onboarding",
            last_name=f"Agent {number}",
            email=f"onboarding{number}@bench.example",
            home_state=place.state,
            display_option=Agent.DisplayOption.ALL_STATES,
        )
        agent.languages.set([ONBOARDING_LANGUAGE])
        MarketplaceRegistration.objects.create(
            npn=npn,
            plan_year=year,
            individual_registration_completion_date=today.replace(month=1, day=5),
            npn_valid_current_plan_year_only="Y",
        )
        TrainingCompletion.objects.create(npn=npn, plan_year=year, completed_on=today.replace(day=1))
        license = License.objects.create(
            npn=npn, state=ONBOARDING_STATE, license_number=f"TX-{npn}", status="Active", resident=True
        )
        LineOfAuthority.objects.create(license=license, name="Accident and Health", status="Active")
        agents.append(agent)
    return agents


def onboarding_places() -> list[dict]:
    """Consumers near the invitable agents, in the shape match.served_zips gives."""
    return [{"zip_code": zip_code, "state": ONBOARDING_STATE} for zip_code in ONBOARDING_ZIPS]
