import pytest
from phonenumber_field.phonenumber import PhoneNumber

from agents.models import Agent
from hod.reference.lookups import lookup_zip
from referrals.lifecycle import Consumer
from tests.agents import test_eligibility as rules
from tests.factories import make_eligible_agent

MIAMI = "33130"


def consumer(zip_code: str = MIAMI, language: str = "es", **overrides) -> Consumer:
    data = {
        "first_name": "María",
        "last_name": "Pérez",
        "phone": PhoneNumber.from_string("+13055550123"),
        "email": "maria@example.com",
        "language": language,
        "message_language": "es",
        "place": lookup_zip(zip_code),
    }
    return Consumer(**{**data, **overrides})


@pytest.fixture
def pool(db) -> dict[str, Agent]:
    """Spanish-speaking Florida agents around Miami, the nearest ones each failing one rule.

    Distances from the consumer's ZIP 33130 (Miami): 33130 0 mi, 33125 ~2 mi, 33135 ~2 mi,
    33145 ~2 mi, 33142 ~4 mi, 33138 ~6 mi, 33012 ~9 mi (Hialeah), 33024 ~16 mi, 32801 ~206 mi (Orlando).
    """
    specs = {
        "off": ("33130", rules.switched_off),
        "unregistered": ("33125", rules.not_registered),
        "untrained": ("33135", rules.not_trained),
        "expired_license": ("33145", rules.license_expired),
        "display_4": ("33142", rules.display_option_4),
        "deselected": ("33138", rules.florida_deselected),
        "no_account": ("33127", rules.no_account),
        "english_only": ("33150", None),
        "hialeah": ("33012", None),
        "hollywood": ("33024", None),
        "orlando": ("32801", None),
    }
    agents = {}
    for number, (name, (zip_code, breaks)) in enumerate(specs.items()):
        languages = ("en",) if name == "english_only" else ("es", "en")
        agent = make_eligible_agent(npn=str(5000000 + number), zip_code=zip_code, languages=languages, first_name=name)
        if breaks:
            breaks(agent)
        agents[name] = Agent.objects.get(pk=agent.pk)
    return agents
