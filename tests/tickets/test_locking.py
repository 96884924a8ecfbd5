"""lock_ticket, unlock_ticket, take-over and the forgotten-lock timeout."""

from __future__ import annotations

import datetime as dt

import pytest

from relaydesk.core.errors import InvalidOperation, PermissionDenied
from relaydesk.core.time import now
from relaydesk.tickets.actions import lock_ticket, release_expired_locks, unlock_ticket
from relaydesk.tickets.models import Channel, Ticket
from tests.factories import AgentFactory, Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def test_lock_makes_the_agent_owner(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)

    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)

    ticket.refresh_from_db()
    assert (ticket.is_locked, ticket.owner) == (True, directory.agent)
    assert ticket.locked_at is not None
    assert list(
        ticket.history.filter(action__in=["lock", "update"]).values_list("field", "new_value")
    ) == [
        ("is_locked", "yes"),
        ("owner", "agent@example.com"),
    ]


def test_taking_over_a_lock_is_explicit_and_recorded(directory: Directory) -> None:
    colleague = AgentFactory(email="colleague@example.com", groups=[directory.first_level])
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
    before = snapshot(ticket)

    with pytest.raises(PermissionDenied):
        lock_ticket(actor=colleague, via=Channel.WEB, ticket=ticket)
    with pytest.raises(PermissionDenied):
        unlock_ticket(actor=colleague, via=Channel.WEB, ticket=ticket)
    assert snapshot(ticket) == before

    lock_ticket(actor=colleague, via=Channel.WEB, ticket=ticket, take_over=True)

    ticket.refresh_from_db()
    assert ticket.owner == colleague
    assert ticket.history.filter(action="lock_taken_over").count() == 1
    assert ticket.history.filter(field="owner").latest("id").old_value == "agent@example.com"


def test_unlock_by_owner_and_of_unlocked_ticket(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(InvalidOperation):
        unlock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
    unlock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
    ticket.refresh_from_db()
    assert (ticket.is_locked, ticket.owner, ticket.locked_at) == (False, directory.agent, None)


def test_customers_and_readers_cannot_lock(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(PermissionDenied):
        lock_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket)
    with pytest.raises(PermissionDenied):
        lock_ticket(actor=directory.reader, via=Channel.WEB, ticket=ticket)


def test_forgotten_locks_are_released_by_the_system(directory: Directory, settings: object) -> None:
    settings.RELAYDESK_LOCK_TIMEOUT_MINUTES = 30  # type: ignore[attr-defined]
    old = make_ticket(customer=directory.alice, queue=directory.support, title="old lock")
    fresh = make_ticket(customer=directory.alice, queue=directory.support, title="fresh lock")
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=old)
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=fresh)
    Ticket.objects.filter(pk=old.pk).update(locked_at=now() - dt.timedelta(minutes=31))

    assert release_expired_locks() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.is_locked, fresh.is_locked) == (False, True)
    row = old.history.get(action="lock_expired")
    assert (row.actor, row.channel) == (None, "system")
    assert release_expired_locks() == 0
