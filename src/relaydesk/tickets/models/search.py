"""The text a ticket is found by. The database's own index is built on it:
a tsvector column with a GIN index on PostgreSQL, an FTS5 table on SQLite
(both created by migration 0002)."""

from __future__ import annotations

from django.db import models

from relaydesk.tickets.models.ticket import Ticket


class TicketSearchDocument(models.Model):
    """One row per ticket: number, title, addresses, public and internal text.

    Internal text is kept in its own column so that a customer's search can
    never match (and so reveal) words that only an internal note contains.
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    head = models.TextField(help_text="number, title and addresses (ranked higher)")
    body = models.TextField(help_text="text of public articles")
    internal = models.TextField(help_text="text of internal articles: for agents' searches only")

    def __str__(self) -> str:
        return f"search document of ticket {self.ticket_id}"
