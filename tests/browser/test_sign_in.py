"""The agent signs in, finds the layout, uses the shortcuts and signs out; a
customer cannot sign in; screenshots at desktop and phone width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE
from tests.factories import Directory

pytestmark = pytest.mark.django_db(transaction=True)
RAIL = ["Dashboard", "Queues", "Saved searches", "Customers", "IT documentation", "Statistics"]


def test_an_agent_signs_in_sees_the_layout_and_signs_out(
    agent_page: Any, directory: Directory, screenshot: Callable[[Any, str], Path]
) -> None:
    from playwright.sync_api import expect

    page = agent_page
    expect(page).to_have_title("Dashboard · Relaydesk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    rail = page.get_by_role("navigation", name="Main")
    expect(rail.get_by_role("link")).to_have_count(len(RAIL))
    for label in RAIL:
        expect(rail.get_by_role("link", name=label)).to_be_visible()
    expect(rail.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="New ticket")).to_be_visible()
    screenshot(page, "agent-dashboard-desktop")

    # "/" focuses the search box; typing there does not trigger shortcuts.
    page.locator("body").click()
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search tickets")
    expect(search).to_be_focused()
    page.keyboard.type("?x")
    expect(search).to_have_value("?x")
    page.keyboard.press("Escape")

    # "?" lists the shortcuts.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    # the dashboard's rows add j / k
    expect(dialog.locator("dt kbd")).to_have_text(["/", "?", "j", "k"])
    expect(dialog.locator("dd")).to_have_text(
        ["Search", "Show keyboard shortcuts", "Next ticket", "Previous ticket"]
    )
    screenshot(page, "agent-shortcuts-desktop")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The rail leads to the sections.
    rail.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")

    # The agent's menu: sign out.
    page.get_by_text(directory.agent.get_short_name(), exact=True).click()
    menu_who = page.locator(".menu-who")
    expect(menu_who).to_contain_text(directory.agent.email)
    screenshot(page, "agent-menu-desktop")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{page.url.split('/agent/')[0]}/agent/login/")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    page.goto("/agent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the agent interface")


def test_a_customer_cannot_sign_in_to_the_agent_interface(
    transactional_db: None,
    directory: Directory,
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, directory.alice.email)
    expect(page.get_by_role("alert")).to_have_text(
        "The email address or the password is not correct."
    )
    expect(page.get_by_label("Email address")).to_have_value(directory.alice.email)
    screenshot(page, "agent-login-refused-desktop")
    page.goto("/agent/")
    expect(page).to_have_url(page.url.split("/agent/")[0] + "/agent/login/?next=/agent/")


def test_the_layout_at_phone_width(
    transactional_db: None,
    directory: Directory,
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    page = new_page(**PHONE)
    page.goto("/agent/login/")
    screenshot(page, "agent-login-phone")
    sign_in(page, directory.agent.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    # Nothing is wider than the screen; the rail scrolls sideways on its own.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search tickets")).to_be_visible()
    screenshot(page, "agent-dashboard-phone")
    page.get_by_label("Menu of Agnes Agent").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "agent-menu-phone")


def test_the_sign_in_page_at_desktop_width(
    transactional_db: None,
    new_page: Callable[..., Any],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto("/agent/login/")
    expect(page.get_by_label("Email address")).to_be_focused()
    screenshot(page, "agent-login-desktop")
