"""The coverage page in a real browser: the map drawn from the atlas we serve (no request leaves the site),
each state a keyboard stop that leads to its row, the colours switchable with their legend, a cell's page,
zero axe violations, at phone and desktop widths."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.agents import test_eligibility as rules
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory, make_eligible_agent
from tests.referrals.test_coverage import referral


def log_in_as_superuser(context, live_server) -> None:
    """Admin's session cookie, as if logged in (Django's own log-in page is not ours to audit)."""
    client = Client()
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def some_coverage() -> None:
    """Florida: Spanish on, English switched off, Vietnamese waiting with nobody; Texas: English on."""
    make_eligible_agent("4000001", languages=("es",))
    rules.switched_off(make_eligible_agent("4000002", languages=("en",)))
    make_eligible_agent("4000003", state="TX", languages=("en",), zip_code="77002")
    referral("FL", "vi")
    referral("FL", "en")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_map_leads_to_the_table_and_the_table_to_a_cell(page, axe, screenshot, context, live_server, viewport):
    some_coverage()
    log_in_as_superuser(context, live_server)
    page.set_viewport_size(viewport)
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/admin/service/coverage/")

    expect(page.locator("#hod-coverage-map path.hod-state")).to_have_count(51)  # the states and DC
    expect(page.locator('#hod-coverage-map g[role="img"]')).to_have_attribute(
        "aria-label", re.compile("The numbers are in the table below")
    )
    expect(page.locator("#hod-map-legend")).to_contain_text("No agent")
    axe.check()
    screenshot("map")
    assert requested and all(url.startswith(live_server.url) for url in requested), requested

    florida = page.locator('#hod-coverage-map a[href="#state-FL"]')
    expect(florida).to_have_attribute("aria-label", re.compile(r"^Florida: 2 eligible agents, 1 on now, 2 referrals"))
    florida.focus()
    expect(florida).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#state-FL$"))
    page.get_by_role("radio", name="Referrals waiting").check()
    expect(page.locator("#hod-map-legend")).to_contain_text("10 or more")
    expect(page.locator('#hod-coverage-map path[data-state="FL"]')).not_to_have_attribute("fill", "#edeff0")
    axe.check()
    screenshot("map-waiting")

    page.locator("#state-FL").get_by_role("link", name=re.compile("No agent")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage: Florida, Vietnamese")
    expect(page.get_by_role("heading", name="Referrals waiting")).to_be_visible()
    axe.check()
    screenshot("cell")
