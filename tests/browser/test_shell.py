"""The page shell, in a real browser: both languages, phone and desktop, keyboard, zero axe violations."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_shell_works_in_english_and_spanish(page, axe, screenshot, viewport):
    page.set_viewport_size(viewport)

    page.goto("/get-contacted/")
    axe.check()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get Contacted")
    expect(page.get_by_role("contentinfo")).to_contain_text("not provided by CMS or the Marketplace")
    screenshot("en")

    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(re.compile(r"/es/get-contacted/$"))
    axe.check()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiero que me contacten")
    expect(page.get_by_role("contentinfo")).to_contain_text("no son provistos por los CMS ni por el Mercado")
    screenshot("es")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get Contacted")
    axe.check()


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page, axe):
    page.goto("/es/")
    axe.check()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Saltar al contenido principal")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    expect(page.get_by_role("main")).to_be_focused()


def test_the_home_page_leads_to_get_contacted(page, axe, screenshot):
    page.goto("/")
    axe.check()
    screenshot("home")

    page.get_by_role("link", name="Get Contacted").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Get Contacted")
    axe.check()
