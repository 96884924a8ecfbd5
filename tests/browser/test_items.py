"""IT documentation in a real browser: the agent finds a printer by its IP
address, sees its attributes and earlier tickets, reveals its remote-access
password, creates a ticket from it, and finds the new ticket in the item's
logbook and All tickets list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relaydesk.cmdb.actions import link_item
from tests.cmdb.fixtures import Inventory
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_from_a_printer_to_a_new_ticket_and_back_to_its_logbook(
    agent_page: Any,
    directory: Directory,
    inventory: Inventory,
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    earlier = make_ticket(customer=directory.alice, queue=directory.support, title="Paper jam")
    link_item(actor=None, via="web", ticket=earlier, item=inventory.printer)
    page = agent_page

    page.goto("/agent/items/")
    page.get_by_label("Name, serial, inventory number, IP or other value").fill("10.0.3.21")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="PRN-3F-01").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PRN-3F-01")
    facts = page.get_by_label("Item")
    expect(facts).to_contain_text("LaserJet M507")
    expect(facts).to_contain_text("Head office › Building A › Room 3.14")
    expect(facts).not_to_contain_text("s3cret!")
    expect(page.get_by_role("link", name="Paper jam")).to_be_visible()

    page.get_by_role("button", name="Reveal").click()
    expect(facts.locator("code.secret-value")).to_have_text("s3cret!")
    screenshot(page, "item-printer")

    page.get_by_role("link", name="Create ticket").click()
    expect(page.locator(".about-item")).to_contain_text("PRN-3F-01")
    page.get_by_label("Customer's address").fill(directory.alice.email)
    page.get_by_label("Subject").fill("Printer shows error 50.2")
    page.get_by_label("Text").fill("Called in: error 50.2 on the printer on floor 3.")
    page.get_by_label("Queue").select_option(label="Support")
    page.get_by_role("button", name="Create ticket").click()
    page.wait_for_url("**/agent/tickets/2*/")

    page.goto(f"/agent/items/{inventory.printer.pk}/")
    expect(page.get_by_role("link", name="Printer shows error 50.2")).to_be_visible()
    logbook = page.locator("table.logbook tbody")
    expect(logbook.locator("tr").first).to_contain_text("ticket created")
    expect(logbook).to_contain_text("ticket linked")
    expect(logbook).to_contain_text("secret revealed")
    screenshot(page, "item-logbook")
