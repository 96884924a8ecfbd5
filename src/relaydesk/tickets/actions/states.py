"""State changes: the general change, pending with its date, close and reopen."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from relaydesk.core.errors import InvalidOperation, PermissionDenied, ValidationFailed
from relaydesk.core.lookups import lookup
from relaydesk.core.time import ensure_aware
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import (
    Actor,
    Recorder,
    changing,
    require,
)
from relaydesk.tickets.models import (
    CLOSED_CATEGORIES,
    Channel,
    LinkKind,
    ReopenPolicy,
    StateCategory,
    Ticket,
    TicketLink,
    TicketState,
)


def default_state(category: StateCategory | str) -> TicketState:
    """The first active state of a category; behaviour never keys off state names."""
    state = lookup(
        ("default_state", str(category)),
        lambda: TicketState.objects.filter(category=category, is_active=True).first(),
    )
    if state is None:
        raise InvalidOperation(
            _("no active state of category %(category)s is configured")
            % {"category": str(category)}
        )
    return state


def has_open_children(ticket: Ticket) -> bool:
    return (
        TicketLink.objects.filter(source=ticket, kind=LinkKind.PARENT_OF)
        .exclude(target__state__category__in=CLOSED_CATEGORIES)
        .exists()
    )


def validate_pending(state: TicketState, pending_until: dt.datetime | None) -> dt.datetime | None:
    if not state.is_pending:
        if pending_until is not None:
            raise ValidationFailed(
                {
                    "pending_until": _("state %(state)s is not a pending state")
                    % {"state": state.name}
                }
            )
        return None
    if pending_until is None:
        raise ValidationFailed(
            {"pending_until": _("is required for state %(state)s") % {"state": state.name}}
        )
    return ensure_aware(pending_until, field="pending_until")


def apply_state(
    recorder: Recorder, state: TicketState, pending_until: dt.datetime | None = None
) -> None:
    """Validate and record a move to `state` (merged is reserved for merge_tickets)."""
    ticket = recorder.ticket
    if state.category == StateCategory.MERGED:
        raise ValidationFailed({"state": _("tickets enter a merged state only by merging")})
    if not state.is_active:
        raise ValidationFailed(
            {"state": _("state %(state)s is not active") % {"state": state.name}}
        )
    if ticket.state.category == StateCategory.MERGED:
        raise InvalidOperation(
            _("ticket %(number)s is merged; work its target instead") % {"number": ticket.number}
        )
    until = validate_pending(state, pending_until)
    closing = state.category == StateCategory.CLOSED
    if closing and not ticket.queue.allow_close_with_open_children and has_open_children(ticket):
        raise InvalidOperation(
            _("ticket %(number)s has open child tickets; close them first")
            % {"number": ticket.number}
        )
    recorder.set("state", state)
    recorder.set("pending_until", until)
    if closing and ticket.closed_at is None:
        recorder.touch("closed_at", recorder.at)
    elif not closing and ticket.closed_at is not None:
        recorder.touch("closed_at", None)


def change_state(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    state: TicketState | int | str,
    pending_until: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Move the ticket to any state; pending states need `pending_until`."""
    target = require(TicketState, state, field="state")
    check = permissions.ensure_can_write
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        apply_state(change, target, pending_until)
    return change.ticket


def set_pending(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    pending_until: dt.datetime,
    state: TicketState | int | str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Wait until a date: a pending-reminder state unless another pending state is named."""
    target = (
        require(TicketState, state, field="state")
        if state is not None
        else default_state(StateCategory.PENDING_REMINDER)
    )
    if not target.is_pending:
        raise ValidationFailed(
            {"state": _("state %(state)s is not a pending state") % {"state": target.name}}
        )
    return change_state(
        actor=actor,
        via=via,
        ticket=ticket,
        state=target,
        pending_until=pending_until,
        expected_version=expected_version,
    )


def close_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    state: TicketState | int | str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Close with the given closed state (default: the first one). Customers may close too."""
    target = (
        require(TicketState, state, field="state")
        if state is not None
        else default_state(StateCategory.CLOSED)
    )
    if target.category != StateCategory.CLOSED:
        raise ValidationFailed(
            {"state": _("state %(state)s is not a closed state") % {"state": target.name}}
        )
    check = permissions.ensure_can_act_as_customer
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        apply_state(change, target)
    return change.ticket


def reopen_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    expected_version: int | None = None,
) -> Ticket:
    """Bring a resolved or closed ticket back to open (customers only where the queue allows)."""
    check = permissions.ensure_can_act_as_customer
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        locked = change.ticket
        category = locked.state.category
        if category not in {StateCategory.RESOLVED, StateCategory.CLOSED}:
            raise InvalidOperation(
                _("ticket %(number)s is not resolved or closed") % {"number": locked.number}
            )
        is_customer = actor is not None and actor.is_customer
        if is_customer and locked.queue.reopen_policy != ReopenPolicy.REOPEN:
            raise PermissionDenied(
                _("tickets of queue %(queue)s cannot be reopened") % {"queue": locked.queue.name}
            )
        apply_state(change, default_state(StateCategory.OPEN))
    return change.ticket
