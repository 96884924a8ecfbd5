"""The logbook: one row per changed field, written with the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.core.time import now
from relaydesk.tickets.models.ticket import Ticket


class Channel(models.TextChoices):
    """Through which door a change came in."""

    WEB = "web", _("agent interface")
    PORTAL = "portal", _("portal")
    EMAIL = "email", _("email")
    API = "api", _("API")
    PHONE = "phone", _("phone")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("system")


class TicketHistory(models.Model):
    """Who changed what, when, through which channel; old and new as text."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="history"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    action = models.CharField(_("action"), max_length=32)
    field = models.CharField(_("field"), max_length=32, blank=True)
    old_value = models.TextField(_("old"), blank=True)
    new_value = models.TextField(_("new"), blank=True)
    at = models.DateTimeField(_("at"), default=now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [models.Index(fields=["ticket", "at"], name="history_ticket_at_idx")]

    def __str__(self) -> str:
        change = f"{self.old_value} → {self.new_value}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.field}: {change}"
