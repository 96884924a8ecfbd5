"""Typed links between tickets (relates to, duplicate of, parent of, caused by)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.core.errors import InvalidOperation, ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.base import Actor, Recorder, ensure_version, lock_ticket_row
from relaydesk.tickets.events import TicketsLinked
from relaydesk.tickets.models import Channel, LinkKind, Ticket, TicketLink


def lock_pair(source: Ticket | int, target: Ticket | int) -> tuple[Ticket, Ticket]:
    """Lock both rows in primary-key order, so two linkers cannot deadlock."""
    source_pk = source.pk if isinstance(source, Ticket) else source
    target_pk = target.pk if isinstance(target, Ticket) else target
    if source_pk == target_pk:
        raise ValidationFailed({"target": _("a ticket cannot be linked to itself")})
    first, second = sorted([source_pk, target_pk])
    rows = {first: lock_ticket_row(first), second: lock_ticket_row(second)}
    return rows[source_pk], rows[target_pk]


def _is_ancestor(candidate: Ticket, of: Ticket) -> bool:
    """Is `candidate` a parent, grandparent … of `of`? (Prevents parent cycles.)"""
    frontier = {of.pk}
    seen: set[int] = set()
    while frontier:
        parents = set(
            TicketLink.objects.filter(kind=LinkKind.PARENT_OF, target_id__in=frontier).values_list(
                "source_id", flat=True
            )
        )
        if candidate.pk in parents:
            return True
        seen |= frontier
        frontier = parents - seen
    return False


def _record_both(
    actor: Actor, via: Channel | str, source: Ticket, target: Ticket, kind: str, *, linked: bool
) -> None:
    action = "link" if linked else "unlink"
    for ticket, other, direction in ((source, target, kind), (target, source, f"{kind} (reverse)")):
        recorder = Recorder(ticket, actor, via)
        value = f"{direction} {other.number}"
        recorder.log(action, field="link", old="" if linked else value, new=value if linked else "")
        recorder.emit(
            TicketsLinked(
                ticket_id=ticket.pk,
                actor_id=recorder.actor_id,
                channel=recorder.via,
                other_ticket_id=other.pk,
                kind=kind,
                linked=linked,
            )
        )
        recorder.save()


def link_tickets(
    *,
    actor: Actor,
    via: Channel | str,
    source: Ticket | int,
    target: Ticket | int,
    kind: LinkKind | str,
    expected_version: int | None = None,
) -> TicketLink:
    """`source` <kind> `target`; for parent_of the source is the parent. History on both.

    `expected_version` is the source's version the caller saw (stale check).
    """
    if kind not in LinkKind.values:
        raise ValidationFailed({"kind": _("unknown link kind %(value)s") % {"value": repr(kind)}})
    with transaction.atomic():
        source_row, target_row = lock_pair(source, target)
        permissions.ensure_can_write(actor, source_row)
        permissions.ensure_can_write(actor, target_row)
        ensure_version(source_row, expected_version)
        if TicketLink.objects.filter(source=source_row, target=target_row, kind=kind).exists():
            raise InvalidOperation(
                _("%(source)s is already linked to %(target)s")
                % {"source": source_row.number, "target": target_row.number}
            )
        if kind == LinkKind.PARENT_OF and _is_ancestor(target_row, of=source_row):
            raise InvalidOperation(
                _("%(target)s is already above %(source)s")
                % {"source": source_row.number, "target": target_row.number}
            )
        link = TicketLink.objects.create(source=source_row, target=target_row, kind=kind)
        _record_both(actor, via, source_row, target_row, str(kind), linked=True)
    return link


def unlink_tickets(
    *,
    actor: Actor,
    via: Channel | str,
    source: Ticket | int,
    target: Ticket | int,
    kind: LinkKind | str,
) -> None:
    with transaction.atomic():
        source_row, target_row = lock_pair(source, target)
        permissions.ensure_can_write(actor, source_row)
        permissions.ensure_can_write(actor, target_row)
        deleted, _by_model = TicketLink.objects.filter(
            source=source_row, target=target_row, kind=kind
        ).delete()
        if not deleted:
            raise InvalidOperation(
                _("%(source)s is not linked to %(target)s")
                % {"source": source_row.number, "target": target_row.number}
            )
        _record_both(actor, via, source_row, target_row, str(kind), linked=False)
