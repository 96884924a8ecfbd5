"""Items linked to tickets: through the actions layer with history on the
ticket; the ticket's later events in the item's logbook; the item's tickets
filtered by the visibility rule."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.cmdb.actions import link_item, unlink_item
from relaydesk.cmdb.models import LogbookKind
from relaydesk.cmdb.selectors import item_tickets
from relaydesk.core.errors import InvalidOperation, NotFound, PermissionDenied
from relaydesk.tickets.actions import change_state, close_ticket
from relaydesk.tickets.models import StateCategory
from tests.cmdb.fixtures import Inventory
from tests.factories import Directory, make_ticket


def test_link_writes_ticket_history_and_the_logbook_follows_the_ticket(
    inventory: Inventory, directory: Directory, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    link_item(actor=directory.agent, via="web", ticket=ticket, item=inventory.printer)
    history = ticket.history.filter(action="link_item").get()
    assert (history.field, history.new_value, history.actor) == (
        "item",
        "PRN-3F-01",
        directory.agent,
    )
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        change_state(
            actor=directory.agent, via="web", ticket=ticket, state=_state(StateCategory.OPEN)
        )
    with django_capture_on_commit_callbacks(execute=True):
        close_ticket(actor=directory.agent, via="web", ticket=ticket)
    lines = [
        (line.kind, line.ticket_id, line.new_value)
        for line in inventory.printer.logbook.order_by("id")
    ][1:]
    assert [kind for kind, _ticket, _new in lines] == [
        LogbookKind.TICKET_LINKED,
        LogbookKind.TICKET_STATE,
        LogbookKind.TICKET_CLOSED,
    ]
    assert {ticket_id for _kind, ticket_id, _new in lines} == {ticket.pk}
    assert lines[0][2] == ticket.number

    unlink_item(actor=directory.agent, via="web", ticket=ticket, item=inventory.printer)
    assert inventory.printer.logbook.order_by("-id").first().kind == LogbookKind.TICKET_UNLINKED
    assert ticket.history.filter(action="unlink_item", old_value="PRN-3F-01").exists()
    with pytest.raises(InvalidOperation, match="is not linked"):
        unlink_item(actor=directory.agent, via="web", ticket=ticket, item=inventory.printer)


def test_a_ticket_created_with_a_linked_item_is_in_its_logbook(
    inventory: Inventory, directory: Directory, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        link_item(actor=None, via="web", ticket=ticket, item=inventory.printer)
    kinds = list(inventory.printer.logbook.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [LogbookKind.TICKET_LINKED, LogbookKind.TICKET_CREATED]


def test_linking_needs_write_access_to_the_ticket(
    inventory: Inventory, directory: Directory
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(PermissionDenied):
        link_item(actor=directory.reader, via="web", ticket=ticket, item=inventory.printer)
    with pytest.raises(NotFound):
        link_item(actor=directory.specialist, via="web", ticket=ticket, item=inventory.printer)
    with pytest.raises(PermissionDenied):
        link_item(actor=directory.alice, via="portal", ticket=ticket, item=inventory.printer)
    assert not ticket.item_links.exists()
    link_item(actor=directory.agent, via="web", ticket=ticket, item=inventory.printer)
    with pytest.raises(InvalidOperation, match="already linked"):
        link_item(actor=directory.agent, via="web", ticket=ticket, item=inventory.printer)


def test_the_items_tickets_are_filtered_by_the_visibility_rule(
    inventory: Inventory, directory: Directory
) -> None:
    in_support = make_ticket(customer=directory.alice, queue=directory.support, title="Jam")
    in_hardware = make_ticket(customer=directory.bob, queue=directory.hardware, title="Toner")
    private = make_ticket(
        customer=directory.bob, queue=directory.support, title="Mine", is_private=True
    )
    for ticket in (in_support, in_hardware, private):
        link_item(actor=None, via="web", ticket=ticket, item=inventory.printer)
    assert set(item_tickets(directory.agent, inventory.printer)) == {in_support, private}
    assert set(item_tickets(directory.specialist, inventory.printer)) == {in_hardware}
    assert set(item_tickets(directory.alice, inventory.printer)) == {in_support, in_hardware}
    assert list(item_tickets(directory.carol, inventory.printer)) == []


def _state(category: StateCategory) -> Any:
    from relaydesk.tickets.actions import default_state

    return default_state(category)
