"""Rows the agent interface keeps for itself (not ticket data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.core.time import now
from relaydesk.tickets.models import Ticket

LAST_SEARCH = "last-search"


class SavedSearch(models.Model):
    """A ticket search an agent saved under a name: the list filter's querystring.

    `query` is what `tickets.selectors.filters_querystring` writes and
    `parse_filters` reads back; the search named "last-search" is kept
    automatically and holds the agent's most recent search.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.TextField(_("query"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    updated_at = models.DateTimeField(_("updated at"), default=now)

    class Meta:
        ordering = ["owner", "name"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedsearch_owner_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_last_search(self) -> bool:
        return self.name == LAST_SEARCH


class TicketPresence(models.Model):
    """An agent has a ticket open: written by the zoom page's heartbeat (every ~15 s),
    read by the other agents' pages; a row older than ~45 s no longer counts.

    Kept in the database so that every web process sees the same presence.
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    seen_at = models.DateTimeField(_("last seen"), default=now)

    class Meta:
        verbose_name = _("ticket presence")
        verbose_name_plural = _("ticket presences")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticketpresence_unique")
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="ticketpresence_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id} at {self.seen_at:%H:%M:%S}"
