"""change_state, set_pending, close_ticket, reopen_ticket."""

from __future__ import annotations

import datetime as dt

import pytest

from relaydesk.core.errors import InvalidOperation, PermissionDenied, ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets.actions import (
    change_state,
    close_ticket,
    link_tickets,
    reopen_ticket,
    set_pending,
)
from relaydesk.tickets.models import Channel, LinkKind, ReopenPolicy, StateCategory, TicketState
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def state(name: str) -> TicketState:
    return TicketState.objects.get(name=name)


def test_change_state_records_old_and_new(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)

    change_state(actor=directory.agent, via=Channel.WEB, ticket=ticket, state=state("open"))

    row = ticket.history.get(field="state", action="update")
    assert (row.old_value, row.new_value, row.actor, row.channel) == (
        "new",
        "open",
        directory.agent,
        "web",
    )


def test_pending_needs_a_date_and_keeps_it(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as raised:
        change_state(
            actor=directory.agent, via=Channel.WEB, ticket=ticket, state=state("pending reminder")
        )
    assert "pending_until" in raised.value.errors
    assert snapshot(ticket) == before

    until = (now() + dt.timedelta(days=1)).replace(microsecond=0)
    set_pending(actor=directory.agent, via=Channel.WEB, ticket=ticket, pending_until=until)

    ticket.refresh_from_db()
    assert ticket.state.category == StateCategory.PENDING_REMINDER
    assert ticket.pending_until == until
    assert ticket.history.get(field="pending_until").new_value == until.isoformat()


def test_naive_pending_date_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(ValidationFailed) as raised:
        set_pending(
            actor=directory.agent,
            via=Channel.WEB,
            ticket=ticket,
            pending_until=dt.datetime(2030, 1, 1, 9, 0),  # noqa: DTZ001 - the point of the test
        )
    assert "pending_until" in raised.value.errors


def test_date_with_non_pending_state_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(ValidationFailed):
        change_state(
            actor=directory.agent,
            via=Channel.WEB,
            ticket=ticket,
            state=state("open"),
            pending_until=now(),
        )


def test_leaving_pending_clears_the_date(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    set_pending(
        actor=directory.agent,
        via=Channel.WEB,
        ticket=ticket,
        pending_until=now() + dt.timedelta(hours=3),
    )
    change_state(actor=directory.agent, via=Channel.WEB, ticket=ticket, state="2")
    ticket.refresh_from_db()
    assert ticket.pending_until is None


def test_unknown_and_merged_states_are_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as raised:
        change_state(actor=directory.agent, via=Channel.WEB, ticket=ticket, state=424242)
    assert raised.value.errors == {"state": "unknown state 424242"}
    with pytest.raises(ValidationFailed):
        change_state(actor=directory.agent, via=Channel.WEB, ticket=ticket, state=state("merged"))
    assert snapshot(ticket) == before


def test_close_sets_closed_at_and_reopen_clears_it(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)

    close_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"
    assert ticket.closed_at is not None

    reopen_ticket(actor=directory.bob, via=Channel.PORTAL, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.state.category == StateCategory.OPEN
    assert ticket.closed_at is None


def test_customer_reopen_respects_queue_policy(directory: Directory) -> None:
    directory.support.reopen_policy = ReopenPolicy.REFUSE
    directory.support.save()
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    close_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        reopen_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket)
    assert snapshot(ticket) == before
    reopen_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)


def test_reopen_of_open_ticket_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(InvalidOperation):
        reopen_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)


def test_customer_may_not_change_state_directly(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(PermissionDenied):
        change_state(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, state=state("open"))


def test_parent_cannot_close_while_child_is_open_unless_queue_allows(directory: Directory) -> None:
    d = directory
    parent = make_ticket(customer=d.alice, queue=d.support, title="Office move")
    child = make_ticket(customer=d.alice, queue=d.support, title="Move printers")
    link_tickets(
        actor=d.agent, via=Channel.WEB, source=parent, target=child, kind=LinkKind.PARENT_OF
    )
    before = snapshot(parent)

    with pytest.raises(InvalidOperation) as raised:
        close_ticket(actor=d.agent, via=Channel.WEB, ticket=parent)
    assert "child" in str(raised.value)
    assert snapshot(parent) == before

    close_ticket(actor=d.agent, via=Channel.WEB, ticket=child)
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=parent)

    reopen_ticket(actor=d.agent, via=Channel.WEB, ticket=child)
    reopen_ticket(actor=d.agent, via=Channel.WEB, ticket=parent)
    d.support.allow_close_with_open_children = True
    d.support.save()
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=parent)
    parent.refresh_from_db()
    assert parent.state.category == StateCategory.CLOSED
