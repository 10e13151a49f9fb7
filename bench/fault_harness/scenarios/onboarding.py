"""`onboarding`: agents register through the pages, then every offer they get lapses and the sweep must keep
re-offering."""

import math
import time
from collections import Counter

from ..stack import wait_until
from .common import (
    GRACE,
    OFFER_WINDOW,
    SWEEP_INTERVAL,
    Check,
    Run,
    message_checks,
    say,
    settle,
    submission_checks,
)


def _register(run: Run, agent, number: int) -> list[str]:
    """One agent from the invitation e-mail to the switch, through the pages; returns what went wrong."""
    import json
    import re

    from ..traffic import Browser

    mail = next((text for text in run.arrivals.mail_for(agent.email) if "/agents/invitation/" in text), "")
    link = re.search(r"https?://[^/\s]+(/agents/invitation/[^\s]+/)", mail)
    if not link:
        return ["no invitation e-mail arrived"]
    browser, problems = Browser(run.stack.web_port), []
    username, password = f"onboarding.{number}", "Sunny-Day-2027!"

    def expect(step: str, answer, location: str | None = None) -> None:
        if answer.status is None or answer.status >= 400 or (location and answer.location != location):
            problems.append(f"{step}: {answer.status} {answer.location or answer.body[:120]!r}")

    profile = {"cell_phone": f"(713) 555-01{number:02d}", "contact_method": "email_text_app", "agree": "on"}
    profile |= {"zip_code": agent.zip_code or "77002", "username": username, "password1": password}
    expect("registration", browser.post_form(link.group(1), profile | {"password2": password}), "/agents/registered/")
    expect("almost complete", browser.get("/agents/registered/"))
    expect("log-in", browser.post_form("/agents/login/", {"username": username, "password": password}), "/agents/")
    terms = {"agree_agents_brokers": "on", "agree_help_on_demand": "on", "accept": "1"}
    expect("both Terms", browser.post_form("/agents/terms/", terms), "/agents/")
    device = json.dumps({"token": f"onboarding-device-{number}", "platform": "android"})
    expect("device", browser.post_json("/notifications/devices/", device))
    expect("switch on", browser.post_form("/agents/switch/", {"taking_referrals": "on"}, page="/agents/"), "/agents/")
    return problems


def _register_invitable_agents(run: Run, count: int) -> tuple[int, list[str]]:
    """Invitable agents invited (the e-mail goes through the worker to the SMTP stand-in), then registered
    through the pages; returns how many ended up taking referrals, and what went wrong."""
    from agents.invitations import invite
    from agents.models import Agent

    from ..pool import create_invitable_agents

    agents = create_invitable_agents(count)
    for agent in agents:
        invite(agent)
    if not wait_until(lambda: all(run.arrivals.mail_for(agent.email) for agent in agents), 60):
        say("  not every invitation e-mail arrived within 60 s")
    problems = [
        f"agent {agent.npn}: {problem}" for n, agent in enumerate(agents) for problem in _register(run, agent, n)
    ]
    ready = Agent.objects.filter(pk__in=[agent.pk for agent in agents], taking_referrals=True).exclude(user=None)
    return ready.count(), problems


def _watch_offers_lapse(referrals: set[int], rounds: int):
    """Poll until every referral has had `rounds` offers (or the time that takes, with a margin, is up)."""
    from referrals.models import Offer

    from ..ledger import OfferWatch

    watch = OfferWatch(referrals)
    offers = Offer.objects.filter(referral__in=referrals)
    deadline = time.monotonic() + (rounds - 1) * OFFER_WINDOW + 4 * SWEEP_INTERVAL + 15
    while time.monotonic() < deadline:
        watch.poll()
        if all(offers.filter(referral=referral).count() >= rounds for referral in referrals):
            break
        time.sleep(0.5)
    return watch, list(
        offers.order_by("referral", "offered_at").values("referral", "offered_at", "expires_at", "status")
    )


def _reoffer_delays(offers: list[dict]) -> list[float]:
    """For each offer followed by another of the same referral: seconds from the end of its window to the next."""
    return [
        (later["offered_at"] - earlier["expires_at"]).total_seconds()
        for earlier, later in zip(offers, offers[1:], strict=False)
        if earlier["referral"] == later["referral"]
    ]


def registered_agents_lapse(run: Run) -> list[Check]:
    """Four agents register through the pages with no hours; two consumers who speak only their language come;
    nobody answers, so every offer lapses and the sweep must offer each referral to the next agent."""
    from referrals.models import Referral

    from ..ledger import last_notification_id, tally_messages, tally_submissions, withdraw_open_requests
    from ..pool import ONBOARDING_LANGUAGE, onboarding_places
    from ..traffic import Web, submit

    first_id = last_notification_id() + 1
    agents, rounds = 4, 3  # three offers per referral: two lapses each
    ready, problems = _register_invitable_agents(run, agents)
    for problem in problems:
        say(f"  {problem}")
    say(f"  agents registered through the pages and taking referrals: {ready} of {agents}")

    web = Web(run.stack.web_port)
    consumers = [submit(web, number, onboarding_places(), ONBOARDING_LANGUAGE) for number in run.numbers(2)]
    referrals = set(Referral.objects.filter(phone__in=[c.phone for c in consumers]).values_list("pk", flat=True))
    watch, made = _watch_offers_lapse(referrals, rounds)
    last_id = last_notification_id()
    worst_late = max(watch.lateness().values(), default=0.0)
    worst_delay = max(_reoffer_delays(made), default=math.inf)
    statuses = dict(Counter(offer["status"] for offer in made))
    say(
        f"  offers: {len(made)} made for {len(referrals)} referrals ({statuses}); lapsed at most "
        f"{worst_late:.1f} s past their window; re-offered at most {worst_delay:.1f} s after a window closed"
    )
    settle(first_id, last_id, "the last offer")
    messages = tally_messages(first_id, last_id, run.arrivals)
    say(f"  messages: {messages}")
    submitted = tally_submissions(consumers)
    withdraw_open_requests([c.phone for c in consumers])
    enough = all(sum(offer["referral"] == referral for offer in made) >= rounds for referral in referrals)
    grace = GRACE.total_seconds()
    lapse_checks = [
        Check("agents register through the pages", ready == agents and not problems, f"{ready} of {agents} on"),
        Check(
            "the sweep keeps lapsing offers and re-offering",
            enough and worst_late <= grace and worst_delay <= grace,
            f"{len(made)} offers for {len(referrals)} referrals, lapsed <= {worst_late:.1f} s late, "
            f"re-offered <= {worst_delay:.1f} s after the window (allowed {grace:.0f} s)",
        ),
    ]
    return lapse_checks + submission_checks(submitted) + message_checks(messages, held=None)
