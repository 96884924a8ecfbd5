"""The dashboard, a queue, the ticket list in a real browser: sort, page, j/k,
a bulk close with one refused ticket; screenshots at desktop and phone width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relaydesk.tickets.actions import lock_ticket
from relaydesk.tickets.models import AccessLevel, Channel, QueueAccess, StateCategory, Ticket
from tests.browser.conftest import PHONE
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(directory: Directory) -> dict[str, Any]:
    """28 support tickets the agent works, and one hardware ticket they may only read."""
    customers = [directory.alice, directory.bob, directory.carol, directory.dave]
    made = [
        make_ticket(
            customer=customers[n % 4],
            queue=directory.support,
            title=f"Request {n:02} — {['printer jammed', 'VPN slow', 'mail bounced'][n % 3]}",
        )
        for n in range(28)
    ]
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=made[3])
    QueueAccess.objects.create(
        queue=directory.hardware, group=directory.first_level, level=AccessLevel.READ
    )
    read_only = make_ticket(
        customer=directory.carol, queue=directory.hardware, title="Aa server fan is loud"
    )
    return {"tickets": made, "read_only": read_only}


def test_dashboard_queue_list_sort_page_and_bulk_close(
    agent_page: Any,
    directory: Directory,
    desk: dict[str, Any],
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    page = agent_page
    page.goto("/agent/")
    new = page.locator("#widget-new")
    expect(new.get_by_role("heading", level=2)).to_contain_text("New tickets")
    expect(new.locator(".count")).to_have_text("28")  # 27 support + the hardware one
    expect(new.locator("tr[data-row]")).to_have_count(10)
    expect(page.locator("#widget-my_locked tr[data-row]")).to_have_count(1)
    screenshot(page, "agent-dashboard-widgets-desktop")

    # Paging inside a widget swaps just that widget (htmx), the page stays.
    first_row = new.locator("tr[data-row]").first.inner_text()
    new.get_by_role("link", name="Next").click()
    expect(page.locator("#widget-new")).to_contain_text("11–20 of 28")
    assert page.url.endswith("/agent/")
    assert page.locator("#widget-new tr[data-row]").first.inner_text() != first_row

    # j/k move through the rows
    page.locator("body").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.is-current")).to_have_count(1)
    expect(page.locator("tr[data-row]").nth(1)).to_have_class("is-current")

    # A queue opens the list of its tickets.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queues").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
    support_row = page.get_by_role("row", name="Support")
    expect(support_row).to_contain_text("28")
    screenshot(page, "agent-queues-desktop")
    support_row.get_by_role("link", name="Support", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tickets 28")
    expect(page.locator("tbody tr[data-row]")).to_have_count(25)

    # Sort by title: click the heading, then again for the reverse.
    page.get_by_role("link", name="Title").click()
    expect(page.locator("th.col-title")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("tbody tr[data-row]").first).to_contain_text("Request 00")
    page.locator("th.col-title a").click()
    expect(page.locator("th.col-title")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("tbody tr[data-row]").first).to_contain_text("Request 27")

    # Page forward and back (keyset cursors).
    page.get_by_role("link", name="Next →").click()
    expect(page.locator("tbody tr[data-row]")).to_have_count(3)
    expect(page.locator("tbody tr[data-row]").last).to_contain_text("Request 00")
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator("tbody tr[data-row]")).to_have_count(25)
    expect(page.locator("tbody tr[data-row]").first).to_contain_text("Request 27")
    screenshot(page, "agent-ticket-list-desktop")

    # Bulk close: two the agent may change, one they may only read.
    page.goto("/agent/tickets/?sort=title")
    read_only = desk["read_only"]
    first, second = desk["tickets"][0], desk["tickets"][1]
    for ticket in (read_only, first, second):
        page.locator(f"#select-{ticket.number}").check()
    page.get_by_label("Action", exact=True).select_option("close")
    expect(page.locator("#id_bulk-owner")).to_be_hidden()  # only the fields the action needs
    page.get_by_role("button", name="Apply").click()
    message = page.locator(".message")
    expect(message).to_have_text(
        f"2 done, 1 refused: #{read_only.number} you may read this ticket but not change it"
    )
    closed = Ticket.objects.filter(state__category=StateCategory.CLOSED)
    assert set(closed.values_list("number", flat=True)) == {first.number, second.number}
    assert Ticket.objects.get(pk=read_only.pk).state.category == StateCategory.NEW
    screenshot(page, "agent-ticket-list-bulk-desktop")

    # Phone width: dashboard and list stay readable.
    phone = new_page(**PHONE)
    sign_in(phone, directory.agent.email)
    phone.wait_for_url("**/agent/")
    expect(phone.locator("#widget-new tr[data-row]").first).to_be_visible()
    screenshot(phone, "agent-dashboard-widgets-phone")
    phone.goto("/agent/tickets/")
    expect(phone.locator("tbody tr[data-row]").first).to_be_visible()
    screenshot(phone, "agent-ticket-list-phone")


def test_widgets_are_hidden_and_moved_through_the_customise_panel(
    agent_page: Any, desk: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = agent_page
    page.get_by_text("Customise").click()
    page.get_by_role("checkbox", name="New tickets").uncheck()
    page.get_by_role("button", name="Move My queues up").click()
    expect(page.locator(".message")).to_have_text("Your dashboard is saved.")
    keys = page.locator("section.widget").evaluate_all("(all) => all.map((s) => s.id)")
    assert keys == [
        "widget-awaiting_answer",
        "widget-my_queues",
        "widget-my_locked",
        "widget-pending_reminders",
    ]
