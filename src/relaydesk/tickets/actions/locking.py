"""Locks: an agent takes a ticket to work it; others may still add notes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.core.errors import InvalidOperation, PermissionDenied
from relaydesk.core.time import now
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import Actor, Recorder, changing, lock_ticket_row
from relaydesk.tickets.models import Channel, Ticket


def lock_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    take_over: bool = False,
    expected_version: int | None = None,
) -> Ticket:
    """Lock for the acting agent, who becomes the owner.

    Taking over another agent's lock must be asked for (`take_over=True`) and
    is recorded as such.
    """
    if actor is None or not actor.is_agent:
        raise PermissionDenied(_("only agents lock tickets"))
    check = permissions.ensure_can_write
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        locked = change.ticket
        held_by_other = locked.is_locked and locked.owner_id != actor.pk
        if held_by_other and not take_over:
            raise PermissionDenied(
                _("ticket %(number)s is locked by %(owner)s")
                % {"number": locked.number, "owner": locked.owner}
            )
        if locked.is_locked and not held_by_other:
            return locked  # the actor holds it already: nothing to record
        if held_by_other:
            previous = locked.owner.email if locked.owner else ""
            change.log("lock_taken_over", field="is_locked", old=previous, new=actor.email)
        else:
            change.set("is_locked", True, action="lock")
        change.touch("locked_at", change.at)
        change.set("owner", actor)
    return change.ticket


def unlock_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    expected_version: int | None = None,
) -> Ticket:
    """Release the lock; only its owner (or the system) may."""
    check = permissions.ensure_can_write
    with changing(ticket, actor, via, expected_version=expected_version, check=check) as change:
        locked = change.ticket
        if not locked.is_locked:
            raise InvalidOperation(_("ticket %(number)s is not locked") % {"number": locked.number})
        if actor is not None and locked.owner_id != actor.pk:
            raise PermissionDenied(
                _("ticket %(number)s is locked by %(owner)s; take the lock over instead")
                % {"number": locked.number, "owner": locked.owner}
            )
        change.set("is_locked", False, action="unlock")
        change.touch("locked_at", None)
    return change.ticket


def release_expired_locks(*, at: dt.datetime | None = None) -> int:
    """Unlock tickets whose owner has not touched them for the configured time."""
    cutoff = (at or now()) - dt.timedelta(minutes=settings.RELAYDESK_LOCK_TIMEOUT_MINUTES)
    candidates = list(
        Ticket.objects.filter(is_locked=True, locked_at__lt=cutoff).values_list("pk", flat=True)
    )
    released = 0
    for pk in candidates:
        with transaction.atomic():
            locked = lock_ticket_row(pk)
            # Re-check under the row lock: the owner may have acted meanwhile.
            if not locked.is_locked or locked.locked_at is None or locked.locked_at >= cutoff:
                continue
            recorder = Recorder(locked, None, Channel.SYSTEM)
            recorder.set("is_locked", False, action="lock_expired")
            recorder.touch("locked_at", None)
            recorder.save()
            released += 1
    return released
