"""The mail channel's own rows: accounts to fetch from, every inbound message
as it arrived (with what became of it), outgoing mail and its delivery state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.core.time import now
from relaydesk.tickets.models import Article, Queue, Ticket


class MailAccount(models.Model):
    """An IMAP or POP3 mailbox the worker fetches from."""

    class Protocol(models.TextChoices):
        IMAP = "imap", "IMAP"
        POP3 = "pop3", "POP3"

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("none (only on a trusted network)")

    class AfterImport(models.TextChoices):
        KEEP = "keep", _("keep on the server (remember it as fetched)")
        DELETE = "delete", _("delete from the server")
        MOVE = "move", _("move to a folder (IMAP)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"))
    security = models.CharField(
        _("security"), max_length=16, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    # Needed in clear to log in; readable only by administrators in the admin.
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        help_text=_("New tickets go here unless the receiving address belongs to another queue."),
    )
    after_import = models.CharField(
        _("after import"), max_length=8, choices=AfterImport.choices, default=AfterImport.DELETE
    )
    move_to_folder = models.CharField(_("move to folder"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mail account")
        verbose_name_plural = _("mail accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.protocol}://{self.username}@{self.host})"


class InboundVia(models.TextChoices):
    MAILGATE = "mailgate", _("MTA pipe")
    IMAP = "imap", "IMAP"
    POP3 = "pop3", "POP3"
    INGEST = "ingest", _("bulk import")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("received, not yet processed")
    NEW_TICKET = "new_ticket", _("opened a ticket")
    FOLLOW_UP = "follow_up", _("added to a ticket")
    DUPLICATE = "duplicate", _("duplicate of an earlier message")
    QUARANTINED = "quarantined", _("quarantined")
    DISCARDED = "discarded", _("discarded by an operator")


class InboundMessage(models.Model):
    """One delivery of one message: stored raw first, then processed.

    The raw bytes live in content-addressed storage (`raw_sha256`); nothing
    here is ever deleted, so every message that reached us can be found again.
    """

    raw_sha256 = models.CharField(_("raw message"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"))
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    via = models.CharField(_("received via"), max_length=16, choices=InboundVia.choices)
    account = models.ForeignKey(
        MailAccount, verbose_name=_("account"), on_delete=models.SET_NULL, null=True, blank=True
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The queue the delivery named (mailgate --queue, the account's queue)."),
    )
    source = models.CharField(_("source"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL, null=True, blank=True
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.SET_NULL, null=True, blank=True
    )
    match_method = models.CharField(_("matched by"), max_length=32, blank=True)
    match_value = models.CharField(_("matched value"), max_length=998, blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), on_delete=models.SET_NULL, null=True, blank=True
    )
    received_at = models.DateTimeField(_("received"), default=now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The operator who last processed again or discarded it."),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            models.Index(fields=["status", "-received_at"], name="inbound_status_idx"),
            # "Did we take this mailbox message already?" (IMAP UIDVALIDITY:UID, POP3 UIDL)
            models.Index(fields=["account", "source"], name="inbound_account_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.raw_sha256[:12]} ({self.get_status_display()})"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("not sent (loop protection or preference)")


class OutboundMessage(models.Model):
    """A mail Relaydesk sends: rendered once, sent (and retried) by the worker."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL, null=True, blank=True
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=48)
    is_automatic = models.BooleanField(_("automatic"), default=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, unique=True)
    from_address = models.TextField(_("from"))
    to_address = models.TextField(_("to"))
    subject = models.TextField(_("subject"))
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="outbound_status_idx"),
            models.Index(fields=["to_address", "created_at"], name="outbound_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address} ({self.get_status_display()})"


class MailTemplate(models.Model):
    """An outgoing mail's text, per kind and language, optionally per queue.

    Rendered with Django's template engine against an allowlisted context
    (SECURITY.md class 9); customer text is inserted as data, never as template.
    """

    kind = models.CharField(_("kind"), max_length=48)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: the template for every queue without one of its own."),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "queue"], name="mailtemplate_unique_per_queue"
            ),
            models.UniqueConstraint(
                fields=["kind", "language"],
                condition=models.Q(queue__isnull=True),
                name="mailtemplate_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language}{', ' + str(self.queue) if self.queue else ''})"
