"""Forwarding an article to someone outside the ticket (a supplier, another team)."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.articles import NewArticle, insert_article, validate_article
from relaydesk.tickets.actions.base import Actor, Recorder, ensure_version, lock_ticket_row
from relaydesk.tickets.actions.merge_split import visible_article
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Attachment,
    Channel,
    SenderKind,
    Visibility,
)
from relaydesk.tickets.search import index_ticket

MAX_FORWARD_ADDRESS_LENGTH = 254


def clean_address(value: str) -> str:
    """One bare address, with no way to smuggle a second header line in (class 6)."""
    address = value.strip()
    if not address or len(address) > MAX_FORWARD_ADDRESS_LENGTH:
        raise ValidationFailed({"to_address": _("enter one email address")})
    if any(char in address for char in "\r\n,;<>\"'() \t"):
        raise ValidationFailed({"to_address": _("enter one email address")})
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError):
        raise ValidationFailed({"to_address": _("enter one email address")}) from None
    if not parsed.domain or "." not in parsed.domain:
        raise ValidationFailed({"to_address": _("enter one email address")})
    return address


def forwarded_text(article: Article, note: str) -> str:
    header = _("---------- Forwarded message ----------")
    lines = [note.rstrip(), "", header]
    if article.from_address:
        lines.append(_("From: %(address)s") % {"address": article.from_address})
    lines.append(_("Date: %(date)s") % {"date": article.created_at.isoformat()})
    if article.subject:
        lines.append(_("Subject: %(subject)s") % {"subject": article.subject})
    lines += ["", article.body_text]
    return "\n".join(lines).strip() + "\n"


def forward_article(
    *,
    actor: Actor,
    via: Channel | str,
    article: Article | int,
    to_address: str,
    note: str = "",
    expected_version: int | None = None,
) -> Article:
    """Add an outgoing email article that forwards `article` (with its attachments)
    to `to_address`.

    The forward is recorded as an internal article, so that it never goes to the
    customer as a reply; its recipient is in `to_addresses`.
    """
    original = visible_article(actor, article)
    address = clean_address(to_address)
    subject = original.subject or ""
    content = NewArticle(
        body_text=forwarded_text(original, note),
        channel=ArticleChannel.EMAIL,
        visibility=Visibility.INTERNAL,
        sender_kind=SenderKind.AGENT if actor is not None else SenderKind.SYSTEM,
        subject=subject if subject.lower().startswith("fwd:") else f"Fwd: {subject}".strip(),
        to_addresses=address,
    )
    with transaction.atomic():
        ticket = lock_ticket_row(original.ticket_id)
        permissions.ensure_can_write(actor, ticket)
        ensure_version(ticket, expected_version)
        validate_article(content, str(content.sender_kind))
        recorder = Recorder(ticket, actor, via)
        row = insert_article(
            ticket,
            actor,
            content,
            sender_kind=str(content.sender_kind),
            stored=[],
            recorder=recorder,
        )
        Attachment.objects.bulk_create(
            Attachment(
                article=row,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                content_id=item.content_id,
                created_at=recorder.at,
            )
            for item in original.attachments.all()
        )
        recorder.log("forward", field="article", old=str(original.pk), new=address)
        recorder.save()
        index_ticket(ticket)
    return row
