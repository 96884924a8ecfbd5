"""Search, saved searches, preferences, customers and statistics in a real browser:
the agent searches by words, saves the search and finds it again in the top bar's
dropdown, switches to German, and looks at the customer and statistics pages
(screenshots at desktop and phone width)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relaydesk.agent.models import SavedSearch
from tests.browser.conftest import PHONE
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_save_it_find_it_in_the_dropdown_and_switch_to_german(
    agent_page: Any, directory: Directory, screenshot: Callable[[Any, str], Path]
) -> None:
    from playwright.sync_api import expect

    toner = make_ticket(customer=directory.alice, queue=directory.support, title="Toner empty")
    make_ticket(customer=directory.bob, queue=directory.support, title="Toner smudges on page 2")
    make_ticket(customer=directory.carol, queue=directory.hardware, title="Toner secret")
    page = agent_page

    # Words in the top bar's box: ranked results within what the agent may see.
    search = page.get_by_role("searchbox", name="Search tickets")
    search.fill("toner")
    search.press("Enter")
    page.wait_for_url("**/agent/search/?q=toner")
    results = page.locator("table.data-table tbody tr")
    expect(results).to_have_count(2)
    expect(page.get_by_role("link", name="Toner empty")).to_be_visible()
    expect(page.get_by_text("Toner secret")).to_have_count(0)
    screenshot(page, "agent-search-results-desktop")

    # Save it under a name, then find it in the top bar's dropdown.
    page.get_by_label("Save this search as").fill("Toner trouble")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/agent/searches/")
    expect(page.get_by_role("link", name="Toner trouble")).to_be_visible()
    expect(page.get_by_text("last-search")).to_be_visible()
    screenshot(page, "agent-saved-searches-desktop")
    saved = SavedSearch.objects.get(owner=directory.agent, name="Toner trouble")
    assert saved.query == "q=toner"

    page.locator("details.saved-menu > summary").click()
    dropdown = page.locator("details.saved-menu .menu-panel")
    entry = dropdown.get_by_role("link", name="Toner trouble")
    expect(entry).to_be_visible()
    entry.click()
    page.wait_for_url("**/agent/search/?q=toner")
    expect(results).to_have_count(2)

    # A visible ticket's number opens the ticket.
    search = page.get_by_role("searchbox", name="Search tickets")
    search.fill(toner.number)
    search.press("Enter")
    page.wait_for_url(f"**/agent/tickets/{toner.number}/")

    # German: the lang attribute and a string Django itself translates.
    page.goto("/agent/preferences/")
    page.get_by_label("Language").select_option("de")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_url("**/agent/preferences/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_test_id("local-time")).to_contain_text("Europe/Berlin")
    page.goto("/agent/search/?q=toner&page=x")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.goto("/agent/preferences/")
    page.get_by_label(re.compile("Out of office from|Abwesend ab")).fill("2030-07-14")
    page.locator("form.preferences button[type=submit]").click()
    # Django's own German for "This field is required." is not it; a half period is refused:
    expect(page.locator(".field-error")).to_have_count(1)
    screenshot(page, "agent-preferences-german-desktop")


def test_customer_and_statistics_pages(
    agent_page: Any,
    directory: Directory,
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    for title in ("Printer jam", "Cannot sign in", "New laptop"):
        make_ticket(customer=directory.alice, queue=directory.support, title=title)
    make_ticket(customer=directory.bob, queue=directory.support, title="VPN drops")
    page = agent_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_label("Name, address or domain").fill("acme.example")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Alice")).to_be_visible()
    screenshot(page, "agent-customers-search-desktop")
    page.get_by_role("link", name="Alice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice")
    expect(page.locator("table.data-table tbody tr")).to_have_count(3)
    screenshot(page, "agent-customer-desktop")

    page.get_by_role("link", name="New phone ticket").click()
    expect(page.get_by_label("Customer's address")).to_have_value("alice@acme.example")
    screenshot(page, "agent-new-ticket-desktop")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    expect(page.locator("svg#chart-daily title").first).to_have_text(
        "Tickets created and closed per day"
    )
    expect(page.locator("#table-backlog tbody tr")).to_have_count(1)
    screenshot(page, "agent-statistics-desktop")

    phone = new_page(**PHONE)
    sign_in(phone, directory.agent.email)
    phone.goto("/agent/statistics/")
    expect(phone.locator("svg#chart-backlog")).to_be_visible()
    screenshot(phone, "agent-statistics-phone")
    phone.goto("/agent/search/?q=printer")
    screenshot(phone, "agent-search-results-phone")
