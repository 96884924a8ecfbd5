"""What an actor may do with a ticket. Reading is the visibility rule's job;
this module answers the "may change" questions the actions ask.

An actor is a User, or None for the system itself (scheduled jobs, the mail
channel before it knows a sender), which may do everything.
"""

from __future__ import annotations

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import NotFound, PermissionDenied
from relaydesk.tickets.models import AccessLevel, Queue, QueueAccess, Ticket
from relaydesk.tickets.visibility import visible_tickets

Actor = User | None


def queue_level(user: User, queue: Queue) -> int:
    """The agent's access level in the queue (0 for none). Owning group means write."""
    if not (user.is_active and user.is_agent):
        return 0
    group_ids = list(user.agent_groups.values_list("id", flat=True))
    if not group_ids:
        return 0
    level = AccessLevel.WRITE if queue.group_id in group_ids else 0
    granted = QueueAccess.objects.filter(queue=queue, group_id__in=group_ids).aggregate(
        level=Max("level")
    )["level"]
    return max(level, granted or 0)


def can_read(actor: Actor, ticket: Ticket) -> bool:
    if actor is None:
        return True
    return visible_tickets(actor).filter(pk=ticket.pk).exists()


def ensure_can_read(actor: Actor, ticket: Ticket) -> None:
    """Invisible tickets are reported exactly like missing ones."""
    if not can_read(actor, ticket):
        raise NotFound(_("no such ticket"))


def ensure_can_write(actor: Actor, ticket: Ticket) -> None:
    """Agents need write access in the ticket's queue; customers may not change fields."""
    if actor is None:
        return
    ensure_can_read(actor, ticket)
    if not actor.is_agent or queue_level(actor, ticket.queue) < AccessLevel.WRITE:
        raise PermissionDenied(_("you may read this ticket but not change it"))


def ensure_can_act_as_customer(actor: Actor, ticket: Ticket) -> None:
    """A customer may follow up on, close and reopen any ticket they can see."""
    if actor is None:
        return
    ensure_can_read(actor, ticket)
    if actor.is_agent:
        ensure_can_write(actor, ticket)


def ensure_can_create_in(actor: Actor, queue: Queue) -> None:
    """Agents create in queues they may write; customers and the system in any active queue."""
    if actor is None or actor.is_customer:
        return
    if queue_level(actor, queue) < AccessLevel.WRITE:
        raise PermissionDenied(
            _("you may not create tickets in queue %(queue)s") % {"queue": queue.name}
        )


def ensure_may_own(user: User, queue: Queue, *, field: str) -> None:
    """Owners and responsibles must be active agents with write access to the queue."""
    from relaydesk.core.errors import ValidationFailed

    if queue_level(user, queue) < AccessLevel.WRITE:
        raise ValidationFailed(
            {
                field: _("%(email)s may not work queue %(queue)s")
                % {"email": user.email, "queue": queue.name}
            }
        )


def writable_queue_filter(user: User) -> Q:
    """A Queue filter for the queues the agent may write (for pickers and bulk actions)."""
    groups = user.agent_groups.all()
    return Q(group__in=groups) | Q(access__group__in=groups, access__level__gte=AccessLevel.WRITE)
