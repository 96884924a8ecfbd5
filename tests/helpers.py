"""Small helpers shared by the ticket tests."""

from __future__ import annotations

from relaydesk.tickets.actions import NewArticle
from relaydesk.tickets.models import ArticleChannel, Ticket, TicketLink, Visibility


def note(text: str) -> NewArticle:
    """An internal note."""
    return NewArticle(body_text=text, channel=ArticleChannel.NOTE, visibility=Visibility.INTERNAL)


def reply(text: str) -> NewArticle:
    """A public email article."""
    return NewArticle(body_text=text, channel=ArticleChannel.EMAIL)


def snapshot(ticket: Ticket) -> tuple[object, ...]:
    """Everything a refused action must leave as it was."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.version,
        fresh.state_id,
        fresh.queue_id,
        fresh.priority_id,
        fresh.type_id,
        fresh.owner_id,
        fresh.responsible_id,
        fresh.is_locked,
        fresh.is_private,
        fresh.merged_into_id,
        fresh.pending_until,
        fresh.history.count(),
        fresh.articles.count(),
        sorted(fresh.participants.values_list("pk", flat=True)),
        TicketLink.objects.filter(source=fresh).count()
        + TicketLink.objects.filter(target=fresh).count(),
    )
