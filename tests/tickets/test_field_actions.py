"""Priority, type, queue, owner and responsible."""

from __future__ import annotations

import pytest

from relaydesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import (
    change_priority,
    change_type,
    lock_ticket,
    move_queue,
    set_owner,
    set_responsible,
)
from relaydesk.tickets.models import Channel, Priority, TicketType
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def last_row(ticket: object, field: str) -> tuple[str, str]:
    row = ticket.history.filter(field=field).latest("id")  # type: ignore[attr-defined]
    return row.old_value, row.new_value


def test_priority_and_type_changes_are_recorded(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)

    change_priority(
        actor=directory.agent,
        via=Channel.WEB,
        ticket=ticket,
        priority=Priority.objects.get(level=5),
    )
    change_type(
        actor=directory.agent,
        via=Channel.WEB,
        ticket=ticket,
        ticket_type=TicketType.objects.get(name="Incident"),
    )

    assert last_row(ticket, "priority") == ("3 normal", "5 very high")
    assert last_row(ticket, "type") == ("", "Incident")
    ticket.refresh_from_db()
    assert ticket.version == 3


def test_unchanged_value_writes_nothing(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    change_priority(actor=directory.agent, via=Channel.WEB, ticket=ticket, priority=ticket.priority)
    assert snapshot(ticket) == before


def test_owner_and_responsible_must_work_the_queue(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)

    set_owner(actor=directory.agent, via=Channel.WEB, ticket=ticket, owner="agent@example.com")
    set_responsible(
        actor=directory.agent, via=Channel.WEB, ticket=ticket, responsible=directory.agent
    )
    assert last_row(ticket, "owner") == ("", "agent@example.com")
    assert last_row(ticket, "responsible") == ("", "agent@example.com")

    before = snapshot(ticket)
    for person in (directory.specialist, directory.reader, directory.alice):
        with pytest.raises(ValidationFailed) as raised:
            set_owner(actor=directory.agent, via=Channel.WEB, ticket=ticket, owner=person)
        assert "owner" in raised.value.errors
    with pytest.raises(ValidationFailed):
        set_owner(actor=directory.agent, via=Channel.WEB, ticket=ticket, owner="ghost@example.com")
    assert snapshot(ticket) == before

    set_owner(actor=directory.agent, via=Channel.WEB, ticket=ticket, owner=None)
    assert last_row(ticket, "owner") == ("agent@example.com", "")


def test_move_queue_releases_lock_of_owner_who_cannot_work_there(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)

    move_queue(actor=directory.agent, via=Channel.WEB, ticket=ticket, queue=directory.hardware)

    ticket.refresh_from_db()
    assert ticket.queue == directory.hardware
    assert ticket.is_locked is False
    assert last_row(ticket, "queue") == ("Support", "Hardware")
    assert last_row(ticket, "is_locked") == ("yes", "no")
    # The first-level agent no longer sees it, the specialist does.
    with pytest.raises(NotFound):
        change_priority(actor=directory.agent, via=Channel.WEB, ticket=ticket, priority=5)
    change_priority(actor=directory.specialist, via=Channel.WEB, ticket=ticket, priority=5)


def test_move_to_unknown_or_inactive_queue_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as raised:
        move_queue(actor=directory.agent, via=Channel.WEB, ticket=ticket, queue=777)
    assert "queue" in raised.value.errors
    directory.hardware.is_active = False
    directory.hardware.save()
    with pytest.raises(ValidationFailed):
        move_queue(actor=directory.agent, via=Channel.WEB, ticket=ticket, queue=directory.hardware)
    assert snapshot(ticket) == before


def test_reader_cannot_change_fields(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        change_priority(actor=directory.reader, via=Channel.WEB, ticket=ticket, priority=5)
    with pytest.raises(PermissionDenied):
        move_queue(actor=directory.reader, via=Channel.WEB, ticket=ticket, queue=directory.hardware)
    assert snapshot(ticket) == before


def test_external_number_at_creation_and_later(directory: Directory) -> None:
    from relaydesk.tickets.actions import set_external_number

    ticket = make_ticket(customer=directory.alice, queue=directory.support, external_number="INC-7")
    assert ticket.external_number == "INC-7"
    assert ticket.history.get(field="external_number").new_value == "INC-7"

    set_external_number(
        actor=directory.agent, via=Channel.WEB, ticket=ticket, external_number=" INC-8 "
    )
    assert last_row(ticket, "external_number") == ("INC-7", "INC-8")
    with pytest.raises(ValidationFailed):
        set_external_number(
            actor=directory.agent, via=Channel.WEB, ticket=ticket, external_number="x" * 101
        )
