"""The service dashboard and agents' responsiveness in a real browser: charts drawn beside their tables,
the "right now" part refreshing itself, zero axe violations, at phone and desktop widths."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import UserFactory, make_eligible_agent
from tests.referrals.test_reporting import history

PASSWORD = "Sunny-Day-2027!"


def log_in_to_admin(page, axe) -> None:
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    page.goto("/admin/login/?next=/admin/")
    axe.checked |= axe.visited  # Django's own log-in page is not ours to audit here
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    axe.check()


def test_the_dashboard_draws_its_charts_and_refreshes_right_now(page, axe, screenshot):
    agents = [make_eligible_agent(str(2000001 + n), first_name=f"Agent{n}") for n in range(3)]
    history(agents, 40, start=timezone.now() - dt.timedelta(days=7))
    log_in_to_admin(page, axe)

    page.get_by_role("link", name="Service dashboard").first.click()
    expect(page.get_by_role("heading", name="Right now")).to_be_visible()
    axe.check()
    page.get_by_label("Last 7 days").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".hod-figure").first).to_be_visible()
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('canvas[data-chart=by_hour]'))")
    with page.expect_response(lambda response: response.request.headers.get("hx-request") == "true", timeout=20_000):
        pass  # the "right now" part asks for itself again
    expect(page.locator("#hod-now")).to_contain_text("waiting for an agent")
    axe.check()
    screenshot("dashboard-phone")
    page.set_viewport_size(DESKTOP)
    axe.check()
    screenshot("dashboard-desktop")
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name="Agents' responsiveness").first.click()
    expect(page.get_by_role("heading", name="By agent")).to_be_visible()
    axe.check()
    screenshot("responsiveness-all-phone")
    page.get_by_role("link", name="Agent0 Agent").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Responsiveness of Agent0")
    axe.check()
    screenshot("responsiveness-phone")
