"""THE actions layer: the only code that writes tickets, articles and history.

Every function here checks permission, validates input, changes rows and
writes one history row per change in one transaction, bumps the ticket's
version and publishes domain events after commit. Callers pass `actor` (a
User, or None for the system) and `via` (the Channel the change came through).
"""

from relaydesk.tickets.actions.articles import (
    NewArticle,
    NewAttachment,
    TicketClosed,
    add_article,
)
from relaydesk.tickets.actions.base import Actor
from relaydesk.tickets.actions.create import (
    NewTicket,
    create_from_fields,
    create_many,
    create_ticket,
    resolve_fields,
)
from relaydesk.tickets.actions.fields import (
    change_priority,
    change_type,
    move_queue,
    set_external_number,
    set_owner,
    set_responsible,
)
from relaydesk.tickets.actions.forwarding import forward_article
from relaydesk.tickets.actions.links import link_tickets, unlink_tickets
from relaydesk.tickets.actions.locking import lock_ticket, release_expired_locks, unlock_ticket
from relaydesk.tickets.actions.merge_split import merge_tickets, split_ticket
from relaydesk.tickets.actions.sharing import set_private, share_ticket, unshare_ticket
from relaydesk.tickets.actions.states import (
    change_state,
    close_ticket,
    default_state,
    reopen_ticket,
    set_pending,
)

__all__ = [
    "Actor",
    "NewArticle",
    "NewAttachment",
    "TicketClosed",
    "add_article",
    "change_priority",
    "change_state",
    "change_type",
    "close_ticket",
    "NewTicket",
    "create_from_fields",
    "create_many",
    "create_ticket",
    "resolve_fields",
    "default_state",
    "forward_article",
    "link_tickets",
    "lock_ticket",
    "merge_tickets",
    "move_queue",
    "release_expired_locks",
    "reopen_ticket",
    "set_external_number",
    "set_owner",
    "set_pending",
    "set_private",
    "set_responsible",
    "share_ticket",
    "split_ticket",
    "unlink_tickets",
    "unlock_ticket",
    "unshare_ticket",
]
