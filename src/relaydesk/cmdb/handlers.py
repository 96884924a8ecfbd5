"""Events of tickets that reference items become lines in the items' logbooks.

Run after the ticket's transaction committed (core.events); each handler writes
its rows in one statement and costs one query when the ticket has no items.
"""

from __future__ import annotations

from relaydesk.cmdb.models import LogbookEntry, LogbookKind, TicketItemLink
from relaydesk.core.events import subscribe
from relaydesk.core.time import now
from relaydesk.tickets.events import TicketChanged, TicketCreated
from relaydesk.tickets.models import CLOSED_CATEGORIES, Ticket


def _log_for_items(
    ticket_id: int, actor_id: int | None, channel: str, kind: LogbookKind, *, old: str, new: str
) -> None:
    item_ids = list(
        TicketItemLink.objects.filter(ticket_id=ticket_id).values_list("item_id", flat=True)
    )
    if not item_ids:
        return
    at = now()
    LogbookEntry.objects.bulk_create(
        LogbookEntry(
            item_id=item_id,
            kind=kind,
            field="state" if kind != LogbookKind.TICKET_CREATED else "",
            old_value=old,
            new_value=new,
            ticket_id=ticket_id,
            actor_id=actor_id,
            channel=channel,
            at=at,
        )
        for item_id in item_ids
    )


@subscribe(TicketCreated)
def log_ticket_created(event: TicketCreated) -> None:
    number = Ticket.objects.filter(pk=event.ticket_id).values_list("number", flat=True).first()
    _log_for_items(
        event.ticket_id,
        event.actor_id,
        event.channel,
        LogbookKind.TICKET_CREATED,
        old="",
        new=number or "",
    )


@subscribe(TicketChanged)
def log_ticket_state(event: TicketChanged) -> None:
    if event.field != "state":
        return
    category = (
        Ticket.objects.filter(pk=event.ticket_id).values_list("state__category", flat=True).first()
    )
    kind = LogbookKind.TICKET_CLOSED if category in CLOSED_CATEGORIES else LogbookKind.TICKET_STATE
    _log_for_items(
        event.ticket_id, event.actor_id, event.channel, kind, old=event.old, new=event.new
    )
