"""Ticket models; import them from here."""

from relaydesk.tickets.models.article import (
    Article,
    ArticleChannel,
    Attachment,
    SenderKind,
    Visibility,
)
from relaydesk.tickets.models.config import (
    CLOSED_CATEGORIES,
    PENDING_CATEGORIES,
    AccessLevel,
    Priority,
    Queue,
    QueueAccess,
    ReopenPolicy,
    SenderNamePolicy,
    StateCategory,
    TicketState,
    TicketType,
    UnknownSenderPolicy,
)
from relaydesk.tickets.models.history import Channel, TicketHistory
from relaydesk.tickets.models.search import TicketSearchDocument
from relaydesk.tickets.models.ticket import TITLE_MAX_LENGTH, LinkKind, Ticket, TicketLink

__all__ = [
    "CLOSED_CATEGORIES",
    "PENDING_CATEGORIES",
    "TITLE_MAX_LENGTH",
    "AccessLevel",
    "Article",
    "ArticleChannel",
    "Attachment",
    "Channel",
    "LinkKind",
    "Priority",
    "Queue",
    "QueueAccess",
    "ReopenPolicy",
    "SenderNamePolicy",
    "SenderKind",
    "StateCategory",
    "Ticket",
    "TicketHistory",
    "TicketLink",
    "TicketSearchDocument",
    "TicketState",
    "TicketType",
    "UnknownSenderPolicy",
    "Visibility",
]
