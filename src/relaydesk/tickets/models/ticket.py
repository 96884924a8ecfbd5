"""The ticket and its links to other tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import Organisation
from relaydesk.core.time import now
from relaydesk.tickets.models.config import Priority, Queue, TicketState, TicketType

TITLE_MAX_LENGTH = 255


class Ticket(models.Model):
    """A request: what it is about, where it waits, who works it, who may see it.

    Rows are written only by `relaydesk.tickets.actions`; `version` grows by one
    on every change, for optimistic concurrency.
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    queue = models.ForeignKey(Queue, verbose_name=_("queue"), on_delete=models.PROTECT)
    state = models.ForeignKey(TicketState, verbose_name=_("state"), on_delete=models.PROTECT)
    priority = models.ForeignKey(Priority, verbose_name=_("priority"), on_delete=models.PROTECT)
    type = models.ForeignKey(
        TicketType, verbose_name=_("type"), on_delete=models.PROTECT, null=True, blank=True
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_tickets",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_tickets",
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    is_private = models.BooleanField(
        _("private"), default=False, help_text=_("Hidden from the customer's organisation.")
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with"),
        blank=True,
        related_name="shared_tickets",
    )
    pending_until = models.DateTimeField(_("pending until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_customer_contact_at = models.DateTimeField(
        _("last customer contact at"), null=True, blank=True
    )
    last_agent_contact_at = models.DateTimeField(_("last agent contact at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
    )
    external_number = models.CharField(
        _("external number"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("The number a partner system knows this ticket by."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Queue lists and counts (index-only with the id), newest changes first.
            models.Index(
                fields=["queue", "state", "-updated_at", "-id"],
                name="ticket_queue_state_upd_id_idx",
            ),
            # New-ticket widget and state-category lists, oldest first.
            models.Index(fields=["state", "created_at", "id"], name="ticket_state_created_idx"),
            # The list sorted by creation; tickets created per day.
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            # Tickets closed per day.
            models.Index(fields=["closed_at"], name="ticket_closed_idx"),
            models.Index(fields=["customer", "-updated_at"], name="ticket_customer_idx"),
            models.Index(fields=["organisation", "-updated_at"], name="ticket_org_idx"),
            models.Index(fields=["owner", "-updated_at"], name="ticket_owner_idx"),
            models.Index(fields=["responsible"], name="ticket_responsible_idx"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(fields=["pending_until"], name="ticket_pending_idx"),
            # "Awaiting an answer" (the customer spoke last): the same condition as
            # selectors.dashboard.tickets_awaiting_answer, so the planner uses it;
            # state and queue as key columns make its count index-only.
            models.Index(
                fields=["last_customer_contact_at", "id", "state", "queue"],
                condition=models.Q(last_customer_contact_at__isnull=False)
                & (
                    models.Q(last_agent_contact_at__isnull=True)
                    | models.Q(last_customer_contact_at__gt=models.F("last_agent_contact_at"))
                ),
                name="ticket_awaiting_answer_idx",
            ),
            # "My locked tickets": an agent's few locks among their many owned
            # tickets (the queue for an index-only count under the visibility rule).
            models.Index(
                fields=["owner", "-updated_at", "-id", "queue"],
                condition=models.Q(is_locked=True),
                name="ticket_locked_owner_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class LinkKind(models.TextChoices):
    RELATES_TO = "relates_to", _("relates to")
    DUPLICATE_OF = "duplicate_of", _("duplicate of")
    PARENT_OF = "parent_of", _("parent of")
    CAUSED_BY = "caused_by", _("caused by")


class TicketLink(models.Model):
    """A typed link: `source` <kind> `target` (for parent_of, source is the parent)."""

    source = models.ForeignKey(
        Ticket, verbose_name=_("source"), on_delete=models.CASCADE, related_name="links_out"
    )
    target = models.ForeignKey(
        Ticket, verbose_name=_("target"), on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticketlink_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"
