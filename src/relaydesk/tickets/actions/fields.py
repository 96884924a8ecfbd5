"""Changes of one ticket field each: priority, type, queue, owner, responsible."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import (
    Actor,
    Recorder,
    ensure_version,
    lock_ticket_row,
    require,
    resolve_user,
)
from relaydesk.tickets.models import AccessLevel, Channel, Priority, Queue, Ticket, TicketType
from relaydesk.tickets.search import index_ticket


def _change_field(
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    field: str,
    value: Any,
    expected_version: int | None,
) -> Ticket:
    with transaction.atomic():
        locked = lock_ticket_row(ticket)
        permissions.ensure_can_write(actor, locked)
        ensure_version(locked, expected_version)
        if field in {"owner", "responsible"} and value is not None:
            permissions.ensure_may_own(value, locked.queue, field=field)
        recorder = Recorder(locked, actor, via)
        recorder.set(field, value)
        return recorder.save()


def change_priority(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    priority: Priority | int | str,
    expected_version: int | None = None,
) -> Ticket:
    value = require(Priority, priority, field="priority")
    return _change_field(actor, via, ticket, "priority", value, expected_version)


def change_type(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    ticket_type: TicketType | int | str | None,
    expected_version: int | None = None,
) -> Ticket:
    value = require(TicketType, ticket_type, field="type") if ticket_type is not None else None
    if value is not None and not value.is_active:
        raise ValidationFailed({"type": _("type %(name)s is not active") % {"name": value.name}})
    return _change_field(actor, via, ticket, "type", value, expected_version)


def set_owner(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    owner: User | int | str | None,
    expected_version: int | None = None,
) -> Ticket:
    """Give the ticket to an agent who may work its queue (None: nobody)."""
    value = resolve_user(owner, field="owner")
    return _change_field(actor, via, ticket, "owner", value, expected_version)


def set_responsible(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    responsible: User | int | str | None,
    expected_version: int | None = None,
) -> Ticket:
    value = resolve_user(responsible, field="responsible")
    return _change_field(actor, via, ticket, "responsible", value, expected_version)


def move_queue(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    queue: Queue | int | str,
    expected_version: int | None = None,
) -> Ticket:
    """Move to another active queue. A lock and an owner who may not work there are released."""
    target = require(Queue, queue, field="queue")
    if not target.is_active:
        raise ValidationFailed({"queue": _("queue %(name)s is not active") % {"name": target.name}})
    with transaction.atomic():
        locked = lock_ticket_row(ticket)
        permissions.ensure_can_write(actor, locked)
        ensure_version(locked, expected_version)
        recorder = Recorder(locked, actor, via)
        recorder.set("queue", target)
        owner = locked.owner
        if owner is not None and permissions.queue_level(owner, target) < AccessLevel.WRITE:
            recorder.set("is_locked", False, action="unlock")
            recorder.touch("locked_at", None)
        saved = recorder.save()
        index_ticket(saved)
        return saved
