"""The cast the tests build on."""

import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@agents.example")
    first_name = "Ana"
    last_name = "Agent"


def make_eligible_agent(
    npn: str = "1000001",
    *,
    state: str = "FL",
    languages: tuple[str, ...] = ("en",),
    zip_code: str = "33130",
    first_name: str = "Ana",
    last_name: str = "Agent",
    plan_year: int | None = None,
    cell_phone: str | None = None,
):
    """An agent who passes every rule for `state` right now: the baseline each test breaks one rule of."""
    from django.utils import timezone

    from agents.eligibility import current_terms
    from agents.models import (
        Agent,
        License,
        LineOfAuthority,
        MarketplaceRegistration,
        TermsAcceptance,
        TrainingCompletion,
    )
    from hod.reference.lookups import current_plan_year, lookup_zip

    year = plan_year or current_plan_year()
    place = lookup_zip(zip_code)
    user = UserFactory(username=f"npn{npn}")
    user.set_password("Sunny-Day-2027!")
    user.save(update_fields=["password"])
    agent = Agent.objects.create(
        npn=npn,
        first_name=first_name,
        last_name=last_name,
        email=f"npn{npn}@agents.example",
        home_state=place.state,
        display_option=Agent.DisplayOption.ALL_STATES,
        user=user,
        cell_phone=cell_phone or f"+1313{5_000_000 + int(npn) % 5_000_000:07d}",  # their own, unless given
        zip_code=zip_code,
        latitude=place.latitude,
        longitude=place.longitude,
        time_zone=place.time_zone,
        registered_at=timezone.now(),
        taking_referrals=True,
    )
    agent.languages.set(languages)
    MarketplaceRegistration.objects.create(
        npn=npn,
        plan_year=year,
        individual_registration_completion_date=timezone.localdate().replace(month=1, day=5),
        npn_valid_current_plan_year_only="Y",
    )
    TrainingCompletion.objects.create(npn=npn, plan_year=year, completed_on=timezone.localdate().replace(day=1))
    license = License.objects.create(
        npn=npn, state=state, license_number=f"{state}-{npn}", status="Active", resident=True
    )
    LineOfAuthority.objects.create(license=license, name="Accident and Health", status="Active")
    TermsAcceptance.objects.bulk_create(
        [TermsAcceptance(agent=agent, terms=terms, accepted_at=timezone.now()) for terms in current_terms()]
    )
    return agent


def add_license(agent, state: str) -> None:
    """An active license with a health line of authority in another state."""
    from agents.models import License, LineOfAuthority

    license = License.objects.create(npn=agent.npn, state=state, license_number=f"{state}-x", status="Active")
    LineOfAuthority.objects.create(license=license, name="Health", status="Active")


def hours_form(ranges: dict[int, list[tuple[str, str]]], confirmed: bool = True) -> dict:
    """The standard-hours page's fields: {weekday: [("09:00", "17:00"), …]}; other days empty. Confirmed:
    the agent already read what saving does to the switch."""
    data = {"confirmed": "1"} if confirmed else {}
    for day in range(7):
        day_ranges = ranges.get(day) or [("", "")]
        data[f"slots_{day}"] = str(len(day_ranges))
        for slot, (start, end) in enumerate(day_ranges):
            data |= {f"d{day}_{slot}_start": start, f"d{day}_{slot}_end": end}
    return data
