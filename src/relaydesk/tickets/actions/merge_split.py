"""Merge two tickets into one; split an article off into a new ticket."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.core.errors import InvalidOperation, NotFound, ValidationFailed
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.articles import NewArticle, insert_article
from relaydesk.tickets.actions.base import (
    Actor,
    Recorder,
    ensure_version,
    lock_ticket_row,
)
from relaydesk.tickets.actions.create import finish_creation, insert_ticket, resolve_fields
from relaydesk.tickets.actions.links import lock_pair
from relaydesk.tickets.actions.states import default_state
from relaydesk.tickets.events import TicketMerged, TicketSplit
from relaydesk.tickets.models import (
    Article,
    Attachment,
    Channel,
    LinkKind,
    Queue,
    StateCategory,
    Ticket,
    TicketLink,
)
from relaydesk.tickets.search import index_ticket
from relaydesk.tickets.visibility import visible_articles


def merge_tickets(
    *,
    actor: Actor,
    via: Channel | str,
    source: Ticket | int,
    target: Ticket | int,
    expected_version: int | None = None,
) -> Ticket:
    """Move every article of `source` into `target`; `source` becomes merged.

    The source's customer and participants become participants of the target,
    so that nobody loses sight of a conversation they were part of.
    """
    with transaction.atomic():
        source_row, target_row = lock_pair(source, target)
        permissions.ensure_can_write(actor, source_row)
        permissions.ensure_can_write(actor, target_row)
        ensure_version(source_row, expected_version)
        for row in (source_row, target_row):
            if row.state.category == StateCategory.MERGED:
                raise InvalidOperation(
                    _("ticket %(number)s is already merged") % {"number": row.number}
                )
        moved = Article.objects.filter(ticket=source_row).update(ticket=target_row)
        people = set(source_row.participants.values_list("pk", flat=True))
        if source_row.customer_id is not None:
            people.add(source_row.customer_id)
        people.discard(target_row.customer_id)
        target_row.participants.add(*people)

        source_recorder = Recorder(source_row, actor, via)
        source_recorder.set("state", default_state(StateCategory.MERGED))
        source_recorder.set("merged_into", target_row, action="merge")
        source_recorder.set("pending_until", None)
        source_recorder.set("is_locked", False, action="unlock")
        source_recorder.touch("locked_at", None)
        source_recorder.touch("closed_at", source_recorder.at)
        source_recorder.emit(
            TicketMerged(
                ticket_id=source_row.pk,
                actor_id=source_recorder.actor_id,
                channel=source_recorder.via,
                target_id=target_row.pk,
            )
        )
        source_recorder.save()

        target_recorder = Recorder(target_row, actor, via)
        target_recorder.log(
            "merged_from", field="articles", old=source_row.number, new=f"{moved} articles"
        )
        target_recorder.save()
        index_ticket(source_row)
        index_ticket(target_row)
    return target_row


def split_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    article: Article | int,
    title: str | None = None,
    queue: Queue | int | str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Copy an article (with its attachments) into a new ticket linked to the origin.

    The origin keeps its thread intact; the new ticket starts new, for the same
    customer, in the origin's queue unless another is named. `expected_version`
    is the origin's version the caller saw (stale check).
    """
    source_article = visible_article(actor, article)
    with transaction.atomic():
        origin = lock_ticket_row(source_article.ticket_id)
        permissions.ensure_can_write(actor, origin)
        ensure_version(origin, expected_version)
        if origin.state.category == StateCategory.MERGED:
            raise InvalidOperation(
                _("ticket %(number)s is merged; split from its target") % {"number": origin.number}
            )
        fields = resolve_fields(
            actor,
            title=title if title is not None else (source_article.subject or origin.title),
            queue=queue if queue is not None else origin.queue,
            customer=origin.customer,
            state=None,
            priority=origin.priority,
            ticket_type=origin.type,
            owner=None,
            responsible=None,
            is_private=origin.is_private,
            pending_until=None,
        )
        permissions.ensure_can_create_in(actor, fields.queue)
        recorder = insert_ticket(
            fields,
            actor,
            via,
            first_article=(source_article.sender_kind, source_article.visibility),
        )
        new_ticket = recorder.ticket
        copy = insert_article(
            new_ticket,
            source_article.author,
            _copy_of(source_article),
            sender_kind=source_article.sender_kind,
            stored=[],
            recorder=recorder,
            record_contact=False,
        )
        Attachment.objects.bulk_create(
            Attachment(
                article=copy,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                content_id=item.content_id,
            )
            for item in source_article.attachments.all()
        )
        recorder.log("split", field="origin", new=f"{origin.number} article {source_article.pk}")
        finish_creation(recorder, copy)

        TicketLink.objects.create(source=origin, target=new_ticket, kind=LinkKind.RELATES_TO)
        origin_recorder = Recorder(origin, actor, via)
        origin_recorder.log(
            "split", field="article", new=f"{source_article.pk} → {new_ticket.number}"
        )
        origin_recorder.emit(
            TicketSplit(
                ticket_id=origin.pk,
                actor_id=origin_recorder.actor_id,
                channel=origin_recorder.via,
                new_ticket_id=new_ticket.pk,
            )
        )
        origin_recorder.save()
    return new_ticket


def visible_article(actor: Actor, article: Article | int) -> Article:
    """The article, if the actor may see it; missing and invisible answer alike."""
    pk = article.pk if isinstance(article, Article) else article
    articles = visible_articles(actor) if actor is not None else Article.objects.all()
    try:
        return articles.get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("no such article")) from None


def _copy_of(article: Article) -> NewArticle:
    if article.ticket_id is None:
        raise ValidationFailed({"article": _("has no ticket")})
    return NewArticle(
        body_text=article.body_text,
        body_html=article.body_html,
        channel=article.channel,
        visibility=article.visibility,
        sender_kind=article.sender_kind,
        subject=article.subject,
        from_address=article.from_address,
        to_addresses=article.to_addresses,
        cc_addresses=article.cc_addresses,
        # A copy is not the original message: no Message-ID, or threading would fork.
        in_reply_to=article.in_reply_to,
        references=article.references,
        raw_sha256=article.raw_sha256,
    )
