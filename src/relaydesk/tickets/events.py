"""Domain events of tickets, published by the actions after commit.

Events carry ids and plain values only; subscribers re-read what they need.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.core.events import Event


@dataclass(frozen=True)
class TicketEvent(Event):
    ticket_id: int
    actor_id: int | None
    channel: str


@dataclass(frozen=True)
class TicketCreated(TicketEvent):
    article_id: int


@dataclass(frozen=True)
class ArticleAdded(TicketEvent):
    article_id: int
    visibility: str
    sender_kind: str


@dataclass(frozen=True)
class ArticleForwarded(TicketEvent):
    """An agent forwarded an article: `article_id` is the forward (an internal
    email article addressed to someone outside the ticket), to be mailed to its
    `to_addresses`."""

    article_id: int


@dataclass(frozen=True)
class TicketChanged(TicketEvent):
    """One field changed: state, priority, type, queue, owner, responsible,
    pending_until, lock, is_private, participants."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class TicketsLinked(TicketEvent):
    other_ticket_id: int
    kind: str
    linked: bool  # False when the link was removed


@dataclass(frozen=True)
class TicketMerged(TicketEvent):
    """`ticket_id` was merged into `target_id`."""

    target_id: int


@dataclass(frozen=True)
class TicketSplit(TicketEvent):
    """An article of `ticket_id` became `new_ticket_id`."""

    new_ticket_id: int
