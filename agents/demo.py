"""A demo pool of agents for `seed_demo`: several states and languages, some failing each rule.

The CMS data goes in through the real imports (as CSV text), so the demo exercises them too.
Running it again changes nothing.
"""

import datetime as dt

from django.utils import timezone

from agents.availability import schedule_absence, set_taking_referrals, set_weekly_hours
from agents.eligibility import current_terms
from agents.imports import LICENSE_COLUMNS, MLMS_COLUMNS, REGISTRATION_COLUMNS, run_import
from agents.invitations import invite
from agents.models import Agent, ImportRun, Invitation
from agents.onboarding import accept_terms, register
from agents.profile import save_state_preferences
from hod.reference.lookups import current_plan_year, lookup_zip
from notifications.channels import RECOMMENDED_CONTACT_METHOD

DEMO_AGENT_PASSWORD = "Demo-Agent-2027!"

# npn, first, last, ZIP, licensed states, languages, display option, what is wrong (None: eligible)
POOL = [
    ("8800001", "Ana", "Alvarez", "33130", "FL", "en;es", 1, None),
    ("8800002", "Ben", "Okafor", "33012", "FL;GA", "en", 2, None),
    ("8800003", "Carla", "Nguyen", "32801", "FL", "en;vi", 1, None),
    ("8800004", "Diego", "Ramos", "77002", "TX", "es;en", 1, None),
    ("8800005", "Emily", "Chen", "75201", "TX;OK", "en;zh", 1, None),
    ("8800006", "Fatima", "Haddad", "48371", "MI;OH", "en;ar", 1, None),
    ("8800007", "Gabriel", "Joseph", "33138", "FL", "en;ht;fr", 2, None),
    ("8800008", "Hana", "Kim", "85004", "AZ", "en;ko", 1, None),
    ("8800009", "Ivan", "Petrov", "43215", "OH", "en;ru", 3, None),
    ("8800010", "Julia", "Santos", "27601", "NC;SC", "en;pt;es", 1, None),
    ("8800011", "Kofi", "Mensah", "30303", "GA;FL", "en", 1, "home state is SBM"),
    ("8800012", "Laura", "Díaz", "33130", "FL", "es", 1, "not registered"),
    ("8800013", "Marco", "Rossi", "32202", "FL", "en;it", 1, "not trained"),
    ("8800014", "Nadia", "Farah", "78205", "TX", "en;so", 1, "license expired"),
    ("8800015", "Omar", "Ali", "48201", "MI", "en;ur", 4, "display option 4"),
    ("8800016", "Paula", "Vega", "85701", "AZ;NM", "es;en", 3, "display option 3"),
    ("8800017", "Quinn", "Walsh", "73102", "OK;TX", "en", 1, "deselected"),
    ("8800018", "Rosa", "Morales", "33101", "FL", "es;en", 1, "no account"),
    ("8800019", "Samir", "Patel", "60601", "IL", "en;hi;gu", 1, "not registered in HOD"),
    ("8800020", "Tina", "Tran", "77036", "TX", "vi;en", 1, "switched off"),
    ("8800021", "Uma", "Rao", "28202", "NC", "en;te", 1, "on absence"),
    ("8800022", "Victor", "Lopez", "33125", "FL", "es", 1, "registration ended"),
]


def _csv(columns: tuple[str, ...], rows: list[tuple]) -> str:
    lines = [",".join(columns)]
    lines += [",".join(str(value) for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def _import(kind: str, text: str) -> None:
    run = ImportRun.objects.create(kind=kind, file_name=f"demo-{kind}.csv")
    run_import(run, text)


def seed_agents() -> list[str]:
    """Load the pool; returns the demo log-ins to print. Leaves a database with real agents alone
    (each import is a full snapshot and would mark their records inactive)."""
    if Agent.objects.exclude(npn__in=[row[0] for row in POOL]).exists():
        return ["(demo agents not loaded: this database holds real agents)"]
    year = current_plan_year()
    today = timezone.localdate()
    registrations, licenses, profiles = [], [], []
    for npn, first, last, zip_code, states, languages, option, problem in POOL:
        home = lookup_zip(zip_code).state
        if problem != "not registered":
            end = (today - dt.timedelta(days=30)).isoformat() if problem == "registration ended" else ""
            registrations.append((npn, year, f"{year - 1}-11-01", end, "", "", "Y"))
        for state in states.split(";"):
            expires = (
                (today - dt.timedelta(days=10)).isoformat() if problem == "license expired" else f"{year + 1}-12-31"
            )
            licenses.append((npn, state, f"{state}-{npn}", "Active", "Accident and Health", "Active", expires, "Y"))
        trained = "" if problem == "not trained" else f"{year - 1}-10-15"
        profiles.append(
            (npn, first, last, f"{first.lower()}.{npn}@agents.example", home, languages, option, trained, year)
        )
    _import(ImportRun.Kind.REGISTRATION_LIST, _csv(REGISTRATION_COLUMNS, registrations))
    _import(ImportRun.Kind.LICENSES, _csv(LICENSE_COLUMNS, licenses))
    _import(ImportRun.Kind.MLMS, _csv(MLMS_COLUMNS, profiles))
    for npn, *_rest, problem in POOL:
        _set_up_in_help_on_demand(Agent.objects.get(npn=npn), problem)
    logins = {
        "8800001": "registered, taking referrals in FL",
        "8800003": "registered, with standard hours Monday to Friday",
        "8800019": "has not accepted the Terms of Use yet",
    }
    lines = [
        f"agent          /agents/  {agent.user.username} / {DEMO_AGENT_PASSWORD}   ({logins[agent.npn]})"
        for agent in Agent.objects.filter(npn__in=logins).select_related("user").order_by("npn")
    ]
    rosa = Agent.objects.get(npn="8800018")  # invitable, no account yet: a fresh link each time
    lines.append(f"invitation     {invite(rosa)}   (Rosa Morales registers here)")
    return lines


def _set_up_in_help_on_demand(agent: Agent, problem: str | None) -> None:
    """What the agent would have done on the pages: follow the invitation, register, accept the Terms,
    switch on; through the same functions the pages call."""
    if problem == "no account" or agent.user_id:
        return
    invite(agent)
    register(
        Invitation.objects.filter(agent=agent).latest("created_at"),
        username=f"{agent.first_name.lower()}.{agent.last_name.lower()}".replace("í", "i"),
        password=DEMO_AGENT_PASSWORD,
        cell_phone=f"+1313555{agent.npn[-4:]}",
        contact_method=RECOMMENDED_CONTACT_METHOD,
        place=lookup_zip(_zip_of(agent.npn)),
    )
    if problem == "not registered in HOD":  # registered, but the Agents and Brokers Terms are still to accept
        return
    accept_terms(agent, current_terms())
    if problem == "deselected":
        save_state_preferences(agent, offered=["OK", "TX"], chosen={"TX"})
    if agent.npn == "8800003":  # standard hours, Monday to Friday, 9 to 5
        set_weekly_hours(agent, [(weekday, dt.time(9), dt.time(17)) for weekday in range(5)])
    if problem == "on absence":
        today = timezone.localdate()
        schedule_absence(agent, today, today + dt.timedelta(days=7))
    elif problem != "switched off":
        set_taking_referrals(agent, True)


def _zip_of(npn: str) -> str:
    return next(zip_code for number, _f, _l, zip_code, *_ in POOL if number == npn)
