"""Configuration of the ticket system: queues and who may work them, states,
priorities and types. Edited in the admin; behaviour keys off categories."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import AgentGroup


class AccessLevel(models.IntegerChoices):
    """What a group may do in a queue; each level includes the ones below it."""

    READ = 1, _("read")
    WRITE = 2, _("write")
    ADMIN = 3, _("admin")


class ReopenPolicy(models.TextChoices):
    """What a customer's follow-up to a closed ticket does."""

    REOPEN = "reopen", _("reopen the ticket")
    NEW_TICKET = "new_ticket", _("open a new ticket linked to it")
    REFUSE = "refuse", _("refuse the follow-up")


class UnknownSenderPolicy(models.TextChoices):
    """What a mail that threads into a ticket does when its sender is a stranger to it."""

    REVIEW = "review", _("append as an internal article flagged for review")
    APPEND = "append", _("append normally")
    NEW_TICKET = "new_ticket", _("open a new ticket")


class SenderNamePolicy(models.TextChoices):
    """Whose name goes with the queue's address on outgoing mail."""

    AGENT = "agent", _("the agent's name")
    QUEUE = "queue", _("the queue's name")


class StateCategory(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    PENDING_REMINDER = "pending_reminder", _("pending reminder")
    PENDING_AUTO_CLOSE = "pending_auto_close", _("pending auto close")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    MERGED = "merged", _("merged")


PENDING_CATEGORIES = frozenset({StateCategory.PENDING_REMINDER, StateCategory.PENDING_AUTO_CLOSE})
CLOSED_CATEGORIES = frozenset({StateCategory.CLOSED, StateCategory.MERGED})


class Priority(models.Model):
    """An ordered priority; a higher level is more urgent."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["level"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self) -> str:
        return self.name


class TicketState(models.Model):
    """A configurable state; what it means comes from its category."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=StateCategory.choices)
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_("The first active state of a category is its default."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("state")
        verbose_name_plural = _("states")

    def __str__(self) -> str:
        return self.name

    @property
    def is_pending(self) -> bool:
        return self.category in PENDING_CATEGORIES

    @property
    def is_closed(self) -> bool:
        return self.category in CLOSED_CATEGORIES


class TicketType(models.Model):
    """Incident, Service request, Question … (configurable)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """Where tickets wait. Its group works it; QueueAccess grants other groups."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email_address = models.EmailField(_("sender address"), blank=True)
    group = models.ForeignKey(
        AgentGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="owned_queues",
        help_text=_("The group that works this queue; its members have write access."),
    )
    default_priority = models.ForeignKey(
        Priority,
        verbose_name=_("default priority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    reopen_policy = models.CharField(
        _("follow-up on a closed ticket"),
        max_length=16,
        choices=ReopenPolicy.choices,
        default=ReopenPolicy.REOPEN,
    )
    reopen_within_days = models.PositiveIntegerField(
        _("reopen only within days"),
        null=True,
        blank=True,
        help_text=_(
            "With “reopen”: a follow-up later than this after closing opens a new linked "
            "ticket instead. Empty: always reopen."
        ),
    )
    allow_close_with_open_children = models.BooleanField(
        _("parents may be closed while a child is open"), default=False
    )
    unknown_sender_policy = models.CharField(
        _("follow-up from a stranger to the ticket"),
        max_length=16,
        choices=UnknownSenderPolicy.choices,
        default=UnknownSenderPolicy.REVIEW,
    )
    cc_become_participants = models.BooleanField(
        _("customers in Cc become participants"), default=True
    )
    auto_acknowledge = models.BooleanField(_("acknowledge new tickets by mail"), default=True)
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True)
    sender_name_policy = models.CharField(
        _("name on outgoing mail"),
        max_length=8,
        choices=SenderNamePolicy.choices,
        default=SenderNamePolicy.AGENT,
    )
    external_number_pattern = models.CharField(
        _("external ticket number pattern"),
        max_length=200,
        blank=True,
        help_text=_(
            "A regular expression for a partner system's ticket numbers in subjects, "
            "e.g. INC-\\d+; a match threads the mail to the ticket that carries that number."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class QueueAccess(models.Model):
    """A group's permission in a queue beyond the owning group's write access."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="access"
    )
    group = models.ForeignKey(
        AgentGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="queue_access"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=AccessLevel.choices)

    class Meta:
        verbose_name = _("queue access")
        verbose_name_plural = _("queue access")
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "group"], name="queueaccess_queue_group_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.queue}: {self.get_level_display()}"
