"""Forwarding an article to someone outside the ticket (a supplier, another team)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.tickets import permissions
from relaydesk.tickets.actions.addresses import clean_address
from relaydesk.tickets.actions.articles import NewArticle, insert_article, validate_article
from relaydesk.tickets.actions.base import Actor, Recorder, ensure_version, lock_ticket_row
from relaydesk.tickets.actions.merge_split import visible_article
from relaydesk.tickets.events import ArticleForwarded
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Attachment,
    Channel,
    SenderKind,
    Visibility,
)
from relaydesk.tickets.search import index_ticket


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
    customer as a reply; its recipient is in `to_addresses`. After the commit,
    ArticleForwarded has the outgoing mail send it to that address (kind
    `forward`, with the attachments).
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
        recorder.emit(
            ArticleForwarded(
                ticket_id=ticket.pk,
                actor_id=recorder.actor_id,
                channel=recorder.via,
                article_id=row.pk,
            )
        )
        recorder.save()
        index_ticket(ticket)
    return row
