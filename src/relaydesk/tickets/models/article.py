"""Articles (the thread) and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.core.time import now
from relaydesk.tickets.models.ticket import Ticket


class ArticleChannel(models.TextChoices):
    EMAIL = "email", _("email")
    PORTAL = "portal", _("portal")
    PHONE = "phone", _("phone")
    API = "api", _("API")
    NOTE = "note", _("note")
    SYSTEM = "system", _("system")


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    AGENT = "agent", _("agent")
    SYSTEM = "system", _("system")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")


class Article(models.Model):
    """One entry of a ticket's thread. Internal articles never reach customers."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="articles"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ArticleChannel.choices)
    sender_kind = models.CharField(_("sender"), max_length=16, choices=SenderKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    from_address = models.TextField(_("from"), blank=True)
    to_addresses = models.TextField(_("to"), blank=True)
    cc_addresses = models.TextField(_("cc"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    is_auto_reply = models.BooleanField(_("automatic reply"), default=False)
    is_bounce = models.BooleanField(_("bounce"), default=False)
    review_reason = models.CharField(
        _("flagged for review"),
        max_length=200,
        blank=True,
        help_text=_("Why an agent should look at this article before trusting it."),
    )
    raw_sha256 = models.CharField(_("raw message"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="article_ticket_created_idx"),
            # "Has an agent written in this ticket?" (the new-tickets widget) as
            # an index-only probe into the agents' articles alone.
            models.Index(
                fields=["ticket"],
                condition=models.Q(sender_kind="agent"),
                name="article_ticket_by_agent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}: {self.subject}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL


class Attachment(models.Model):
    """A file of an article; its bytes live in storage under their sha256."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    content_id = models.CharField(_("Content-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
