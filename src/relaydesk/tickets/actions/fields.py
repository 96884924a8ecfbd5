"""Changes of one ticket field each: priority, type, queue, owner, responsible."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import (
    Actor,
    changing,
    check_text,
    require,
    resolve_user,
)
from relaydesk.tickets.models import AccessLevel, Channel, Priority, Queue, Ticket, TicketType


def _change_field(
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    field: str,
    value: Any,
    expected_version: int | None,
) -> Ticket:
    check = permissions.ensure_can_write
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        if field in {"owner", "responsible"} and value is not None:
            permissions.ensure_may_own(value, change.ticket.queue, field=field)
        change.set(field, value)
    return change.ticket


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


def set_external_number(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    external_number: str,
    expected_version: int | None = None,
) -> Ticket:
    """Record the number a partner system knows the ticket by ("" clears it)."""
    value = check_text("external_number", external_number.strip(), max_length=100)
    return _change_field(actor, via, ticket, "external_number", value, expected_version)


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
    check = permissions.ensure_can_write
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        change.set("queue", target)
        owner = change.ticket.owner
        if owner is not None and permissions.queue_level(owner, target) < AccessLevel.WRITE:
            change.set("is_locked", False, action="unlock")
            change.touch("locked_at", None)
    return change.ticket
