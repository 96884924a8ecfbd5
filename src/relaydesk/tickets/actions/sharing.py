"""Who besides the customer may see a ticket: participants and the private flag."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import PermissionDenied, ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import (
    Actor,
    changing,
    resolve_user,
)
from relaydesk.tickets.events import TicketChanged
from relaydesk.tickets.models import Channel, Ticket


def _ensure_may_manage_sharing(actor: Actor, ticket: Ticket) -> None:
    """Agents with write access, or the ticket's own customer."""
    if actor is None:
        return
    if actor.is_agent:
        permissions.ensure_can_write(actor, ticket)
        return
    permissions.ensure_can_read(actor, ticket)
    if ticket.customer_id != actor.pk:
        raise PermissionDenied(_("only the customer who raised the request may change its sharing"))


def _change_participant(
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    user: User | int | str,
    *,
    add: bool,
    expected_version: int | None,
) -> Ticket:
    person = resolve_user(user, field="user")
    if person is None:
        raise ValidationFailed({"user": _("is required")})
    check = _ensure_may_manage_sharing
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        locked = change.ticket
        if add and not person.is_customer:
            raise ValidationFailed(
                {"user": _("tickets are shared with customers; agents use queues")}
            )
        same_organisation = (
            actor is not None
            and person.organisation_id is not None
            and person.organisation_id == actor.organisation_id
        )
        if add and actor is not None and actor.is_customer and not same_organisation:
            raise ValidationFailed({"user": _("you can share only with your organisation")})
        is_participant = locked.participants.filter(pk=person.pk).exists()
        if is_participant == add:
            return locked
        if add:
            locked.participants.add(person)
        else:
            locked.participants.remove(person)
        action = "share" if add else "unshare"
        old, new = ("", person.email) if add else (person.email, "")
        change.log(action, field="participants", old=old, new=new)
        change.emit(
            TicketChanged(
                ticket_id=locked.pk,
                actor_id=change.actor_id,
                channel=change.via,
                field="participants",
                old=old,
                new=new,
            )
        )
    return change.ticket


def share_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    user: User | int | str,
    expected_version: int | None = None,
) -> Ticket:
    """Let another customer see and follow the ticket."""
    return _change_participant(
        actor, via, ticket, user, add=True, expected_version=expected_version
    )


def unshare_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    user: User | int | str,
    expected_version: int | None = None,
) -> Ticket:
    return _change_participant(
        actor, via, ticket, user, add=False, expected_version=expected_version
    )


def set_private(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    is_private: bool,
    expected_version: int | None = None,
) -> Ticket:
    """A private ticket is hidden from the customer's organisation (participants keep it)."""
    check = _ensure_may_manage_sharing
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        change.set("is_private", is_private)
    return change.ticket
