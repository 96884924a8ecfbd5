"""The ticket zoom in a real browser: lock, reply (the customer's mail reaches
the SMTP server with the ticket tag and threading headers), internal note,
pending with a date, link and merge (with its preview), split an article, and
a second agent seeing who else has the ticket open; screenshots at desktop and
phone width."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relaydesk.tickets.models import Ticket
from tests.browser.conftest import PHONE
from tests.factories import Directory, make_ticket
from tests.mail.inbound_helpers import deliver, raw_mail
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
    text_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89"
    b"\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def tickets(directory: Directory) -> tuple[Ticket, Ticket]:
    directory.specialist.agent_groups.add(directory.first_level)
    for agent in (directory.agent, directory.specialist, directory.reader):
        agent.preferences = {"notifications": {"new_ticket": False}}
        agent.save()
    delivered = deliver(
        raw_mail(
            subject="The printer on floor 3 is jammed",
            message_id="first@acme.example",
            body="Since this morning nothing prints; the display shows error 50.2.",
            html=(
                "<p>Since this morning <b>nothing prints</b>; the display shows "
                '<i>error 50.2</i>.</p><p><img src="https://tracker.example/pixel.gif" alt=""></p>'
            ),
            attachments=[("display.png", PNG, "image/png")],
        )
    )
    printer = delivered.ticket
    assert printer is not None
    toner = make_ticket(
        customer=directory.alice,
        queue=directory.support,
        title="Toner low on floor 3",
        body="The toner warning is on again.",
    )
    return printer, toner


def test_working_a_ticket_from_lock_to_split(
    agent_page: Any,
    directory: Directory,
    tickets: tuple[Ticket, Ticket],
    sending: SmtpServer,
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    printer, toner = tickets
    page = agent_page
    # The mail arrived through the pipeline: it waits under New tickets.
    page.goto("/agent/")
    page.locator("#widget-new").get_by_role("link", name=printer.number).click()
    expect(page).to_have_url(re.compile(f"/agent/tickets/{printer.number}/$"))
    expect(page.locator(".article-match")).to_contain_text("new ticket via")
    expect(page.get_by_role("heading", level=1)).to_contain_text("The printer on floor 3")
    expect(page.locator(".article").first).to_contain_text("Customer mail")
    expect(page.locator("iframe.article-html")).to_have_attribute(
        "sandbox", "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    )
    frame = page.frame_locator("iframe.article-html")
    expect(frame.locator("b")).to_have_text("nothing prints")
    expect(page.locator("img.attachment-preview")).to_be_visible()

    # Shortcuts: "?" lists the zoom's; "j" goes to the next open ticket, "k" back.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    for help_text in ("Reply", "Internal note", "Next ticket", "Previous ticket"):
        expect(dialog).to_contain_text(help_text)
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(f"/agent/tickets/{toner.number}/$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(f"/agent/tickets/{printer.number}/$"))

    # Lock.
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Ticket locked.")
    expect(page.locator(".facts").first).to_contain_text("locked by Agnes Agent")

    # Reply with "r"; the customer's mail arrives.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    expect(page.locator("#compose-reply")).to_have_attribute("open", "")
    reply = page.locator("#reply_body")
    expect(reply).to_be_focused()
    reply.fill("We are sending a technician this afternoon.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#messages")).to_contain_text("Reply sent.")
    expect(page.locator(".article.kind-agent")).to_contain_text("sending a technician")
    replies = [m for m in sending.messages if "technician" in text_of(m)]
    assert len(replies) == 1
    mail = replies[0]
    assert mail["To"] == directory.alice.email
    assert f"Ticket#{printer.number}" in str(mail["Subject"])
    assert mail["In-Reply-To"]
    assert mail["References"]

    # An internal note with "n".
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("n")
    note = page.locator("#note_body")
    expect(note).to_be_focused()
    note.fill("Technician booked for 15:00.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#messages")).to_contain_text("Internal note added.")
    expect(page.locator(".article.is-internal")).to_contain_text("Technician booked")
    expect(page.locator(".article.is-internal .badge-internal")).to_have_text("internal")

    # Pending with a date.
    page.locator("#state_state").select_option(label="pending reminder")
    page.locator("#state_pending_until").fill("2030-05-01T09:30")
    page.locator(".side-form-state").get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("State changed.")
    expect(page.locator(".facts").first).to_contain_text("pending reminder")
    expect(page.locator(".facts").first).to_contain_text("Pending until")
    screenshot(page, "agent-ticket-zoom-desktop")

    # Link, then merge (with its preview) into the toner ticket.
    page.get_by_text("Link or merge").click()
    page.locator("#link_number").fill(toner.number)
    page.locator("#link_kind").select_option(label="relates to")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Tickets linked.")
    expect(page.get_by_label("Ticket details")).to_contain_text("Toner low on floor 3")

    page.get_by_text("Link or merge").click()
    page.locator("#merge_number").fill(toner.number)
    page.get_by_role("button", name="Preview merge").click()
    expect(page.get_by_role("heading", name="Merge preview")).to_be_visible()
    screenshot(page, "agent-ticket-merge-preview-desktop")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Tickets merged.")
    expect(page).to_have_url(re.compile(f"/agent/tickets/{toner.number}/$"))
    expect(page.locator(".article")).to_have_count(4)

    # A second agent opens the same ticket: both see each other.
    other = new_page()
    sign_in(other, directory.specialist.email)
    other.goto(f"/agent/tickets/{toner.number}/")
    expect(other.locator(".presence-notice")).to_contain_text("Agnes Agent")
    page.reload()
    expect(page.locator(".presence-notice")).to_contain_text("Sam Specialist")
    screenshot(other, "agent-ticket-presence-desktop")

    # Split the printer mail off into a new ticket.
    page.locator(".article", has_text="nothing prints").get_by_role("link", name="Split").click()
    page.get_by_label("Title of the new ticket").fill("Printer error 50.2")
    page.get_by_role("button", name="Split").click()
    expect(page.locator("#messages")).to_contain_text("Article split into a new ticket.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Printer error 50.2")
    expect(page.get_by_label("Ticket details")).to_contain_text(toner.number)

    # The second agent's page is older than the split: their note asks first.
    other.evaluate("document.activeElement && document.activeElement.blur()")
    other.keyboard.press("n")
    other.locator("#note_body").fill("Toner ordered.")
    other.get_by_role("button", name="Add note").click()
    expect(
        other.get_by_role("heading", name="This ticket changed after you opened it")
    ).to_be_visible()
    expect(other.locator(".conflict")).to_contain_text("Agnes Agent")
    expect(other.locator("#id_body")).to_have_value("Toner ordered.")
    screenshot(other, "agent-ticket-conflict-desktop")
    other.get_by_role("button", name="Send anyway").click()
    expect(other.locator("#messages")).to_contain_text("Internal note added.")
    expect(other.locator(".article.is-internal").last).to_contain_text("Toner ordered.")

    # The History tab.
    page.goto(f"/agent/tickets/{toner.number}/history/")
    expect(page.locator(".history-table")).to_contain_text("merged in")


def test_zoom_at_phone_width(
    directory: Directory,
    tickets: tuple[Ticket, Ticket],
    new_page: Callable[..., Any],
    sign_in: Callable[..., None],
    screenshot: Callable[[Any, str], Path],
) -> None:
    from playwright.sync_api import expect

    printer, _toner = tickets
    page = new_page(**PHONE)
    sign_in(page, directory.agent.email)
    page.goto(f"/agent/tickets/{printer.number}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("The printer on floor 3")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(page, "agent-ticket-zoom-phone")
