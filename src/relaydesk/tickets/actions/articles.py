"""Adding to the thread: replies, notes, phone notes, customer follow-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from relaydesk.core.errors import InvalidOperation, PermissionDenied, ValidationFailed
from relaydesk.core.filenames import safe_filename
from relaydesk.core.html import sanitize_html
from relaydesk.core.storage import store_blob
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.addresses import clean_address_list
from relaydesk.tickets.actions.base import (
    Actor,
    Recorder,
    check_text,
    ensure_version,
    lock_ticket_row,
)
from relaydesk.tickets.actions.states import default_state
from relaydesk.tickets.events import ArticleAdded
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Attachment,
    Channel,
    ReopenPolicy,
    SenderKind,
    StateCategory,
    Ticket,
    Visibility,
)
from relaydesk.tickets.search import index_ticket

MAX_BODY_LENGTH = 1_000_000
MAX_ADDRESS_LENGTH = 10_000
MAX_MERGE_HOPS = 10
# Customer follow-ups bring a ticket waiting on someone back to the agents.
REOPENED_BY_FOLLOW_UP = {
    StateCategory.PENDING_REMINDER,
    StateCategory.PENDING_AUTO_CLOSE,
    StateCategory.RESOLVED,
    StateCategory.CLOSED,
}


class TicketClosed(InvalidOperation):
    """The queue does not take follow-ups to closed tickets (the caller may open a new one)."""

    code = "ticket_closed"


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""


@dataclass(frozen=True)
class NewArticle:
    """The content of an article to add. `sender_kind` defaults from the actor."""

    body_text: str
    channel: ArticleChannel | str
    visibility: Visibility | str = Visibility.PUBLIC
    sender_kind: SenderKind | str | None = None
    subject: str = ""
    body_html: str = ""
    from_address: str = ""
    to_addresses: str = ""
    cc_addresses: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    raw_sha256: str = ""
    is_auto_reply: bool = False
    is_bounce: bool = False
    review_reason: str = ""
    attachments: Sequence[NewAttachment] = field(default_factory=tuple)


def sender_kind_of(actor: Actor, article: NewArticle) -> str:
    if article.sender_kind:
        return str(article.sender_kind)
    if actor is None:
        return SenderKind.SYSTEM
    return SenderKind.AGENT if actor.is_agent else SenderKind.CUSTOMER


def validate_article(article: NewArticle, sender_kind: str) -> None:
    errors: dict[str, str] = {}
    if article.channel not in ArticleChannel.values:
        errors["channel"] = _("unknown channel %(value)s") % {"value": repr(article.channel)}
    if article.visibility not in Visibility.values:
        errors["visibility"] = _("unknown visibility %(value)s") % {
            "value": repr(article.visibility)
        }
    if sender_kind not in SenderKind.values:
        errors["sender_kind"] = _("unknown sender kind %(value)s") % {"value": repr(sender_kind)}
    if sender_kind == SenderKind.CUSTOMER and article.visibility == Visibility.INTERNAL:
        errors["visibility"] = _("customers cannot write internal articles")
    if not article.body_text.strip() and not article.body_html.strip() and not article.attachments:
        errors["body_text"] = _("must not be empty")
    if errors:
        raise ValidationFailed(errors)
    check_text("body_text", article.body_text, max_length=MAX_BODY_LENGTH)
    check_text("body_html", article.body_html, max_length=MAX_BODY_LENGTH)
    check_text("subject", article.subject, max_length=998)
    check_text("message_id", article.message_id, max_length=998)
    for name in ("from_address", "to_addresses", "cc_addresses", "in_reply_to", "references"):
        check_text(name, getattr(article, name), max_length=MAX_ADDRESS_LENGTH)
    for name in ("to_addresses", "cc_addresses"):
        if "\r" in getattr(article, name) or "\n" in getattr(article, name):
            raise ValidationFailed(
                {name: _("an email address must not contain a line break")}  # class 6
            )


def checked_recipients(article: NewArticle, sender_kind: str, via: str) -> NewArticle:
    """An agent's public article is mailed to its Cc addresses as well: each must be
    one bare address (an agent's own mail that came in through our mailbox was
    parsed strictly already, and is not mailed again)."""
    if (
        sender_kind != SenderKind.AGENT
        or article.visibility != Visibility.PUBLIC
        or via == Channel.EMAIL
        or not article.cc_addresses
    ):
        return article
    return replace(article, cc_addresses=clean_address_list(article.cc_addresses, "cc_addresses"))


def store_attachments(article: NewArticle) -> list[tuple[NewAttachment, str]]:
    """Write the files to storage before the transaction, so it stays short.

    A rolled-back transaction leaves an unreferenced blob, which is harmless:
    blobs are content-addressed and never overwritten.
    """
    return [(attachment, store_blob(attachment.content)) for attachment in article.attachments]


def contact_times(
    sender_kind: str, visibility: str, *, at: dt.datetime, has_first_response: bool
) -> dict[str, dt.datetime]:
    """The contact timestamps a public article moves (first response: agents only, once)."""
    if visibility != Visibility.PUBLIC:
        return {}
    if sender_kind == SenderKind.CUSTOMER:
        return {"last_customer_contact_at": at}
    if sender_kind != SenderKind.AGENT:
        return {}
    times = {"last_agent_contact_at": at}
    if not has_first_response:
        times["first_response_at"] = at
    return times


def insert_article(
    ticket: Ticket,
    actor: Actor,
    article: NewArticle,
    *,
    sender_kind: str,
    stored: list[tuple[NewAttachment, str]],
    recorder: Recorder,
    record_contact: bool = True,
) -> Article:
    """Insert the article and its attachments and record the contact times.

    A caller that wrote the contact times with the ticket row (creation) passes
    `record_contact=False`, which saves an UPDATE.
    """
    row = article_row(ticket, actor, article, sender_kind=sender_kind, at=recorder.at)
    row.save(force_insert=True)
    Attachment.objects.bulk_create(attachment_rows(row, stored))
    if record_contact:
        times = contact_times(
            sender_kind,
            str(article.visibility),
            at=recorder.at,
            has_first_response=ticket.first_response_at is not None,
        )
        for name, value in times.items():
            recorder.touch(name, value)
    log_article(recorder, row)
    return row


def article_row(
    ticket: Ticket, actor: Actor, article: NewArticle, *, sender_kind: str, at: dt.datetime
) -> Article:
    """The article's row, not saved yet (its HTML sanitised, as on every write)."""
    return Article(
        ticket=ticket,
        channel=article.channel,
        sender_kind=sender_kind,
        author=actor,
        visibility=article.visibility,
        from_address=article.from_address or (actor.email if actor else ""),
        to_addresses=article.to_addresses,
        cc_addresses=article.cc_addresses,
        subject=article.subject or ticket.title,
        body_text=article.body_text,
        body_html=sanitize_html(article.body_html),
        message_id=article.message_id,
        in_reply_to=article.in_reply_to,
        references=article.references,
        raw_sha256=article.raw_sha256,
        is_auto_reply=article.is_auto_reply,
        is_bounce=article.is_bounce,
        review_reason=article.review_reason[:200],
        created_at=at,
    )


def attachment_rows(row: Article, stored: list[tuple[NewAttachment, str]]) -> list[Attachment]:
    """The saved article's attachment rows, not saved yet."""
    return [
        Attachment(
            article=row,
            filename=safe_filename(attachment.filename),
            content_type=attachment.content_type[:255] or "application/octet-stream",
            size=len(attachment.content),
            sha256=digest,
            content_id=attachment.content_id[:255],
            created_at=row.created_at,
        )
        for attachment, digest in stored
    ]


def log_article(recorder: Recorder, row: Article) -> None:
    """The history row and the event of a saved article."""
    with translation.override(None):  # history is data: the labels in English, always
        detail = f"{row.get_channel_display()}, {row.get_visibility_display()}"
    recorder.log("article", field="article", new=f"{row.pk} ({detail})")
    recorder.emit(
        ArticleAdded(
            ticket_id=row.ticket_id,
            actor_id=recorder.actor_id,
            channel=recorder.via,
            article_id=row.pk,
            visibility=str(row.visibility),
            sender_kind=row.sender_kind,
        )
    )


def follow_merges(ticket: Ticket) -> Ticket:
    """A merged ticket's thread continues in the ticket it was merged into."""
    for _hop in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            return ticket
        ticket = lock_ticket_row(ticket.merged_into_id)
    raise InvalidOperation(
        _("ticket %(number)s is merged in a chain too long to follow") % {"number": ticket.number}
    )


def ensure_may_add(actor: Actor, ticket: Ticket, sender_kind: str, visibility: str) -> None:
    if actor is None:
        return
    if actor.is_customer:
        permissions.ensure_can_act_as_customer(actor, ticket)
        return
    permissions.ensure_can_write(actor, ticket)
    locked_by_other = ticket.is_locked and ticket.owner_id != actor.pk
    if visibility == Visibility.PUBLIC and sender_kind == SenderKind.AGENT and locked_by_other:
        raise PermissionDenied(
            _("ticket %(number)s is locked by %(owner)s; only the owner may reply")
            % {"number": ticket.number, "owner": ticket.owner}
        )


def reopen_refused(ticket: Ticket, at: dt.datetime) -> bool:
    """Does the queue refuse to reopen this closed ticket (policy, or closed too long ago)?"""
    queue = ticket.queue
    if queue.reopen_policy != ReopenPolicy.REOPEN:
        return True
    if queue.reopen_within_days is None or ticket.closed_at is None:
        return False
    return at - ticket.closed_at > dt.timedelta(days=queue.reopen_within_days)


def apply_follow_up(recorder: Recorder, sender_kind: str) -> None:
    """Customer mail brings waiting tickets back; an agent's first reply opens a new one.

    A closed ticket that is reopened goes back locked to its previous owner,
    who knows the case (OTRS does the same).
    """
    ticket = recorder.ticket
    category = ticket.state.category
    if sender_kind == SenderKind.CUSTOMER and category in REOPENED_BY_FOLLOW_UP:
        was_closed = category == StateCategory.CLOSED
        if was_closed and reopen_refused(ticket, recorder.at):
            raise TicketClosed(
                _("ticket %(number)s is closed and its queue takes no follow-ups")
                % {"number": ticket.number}
            )
        recorder.set("state", default_state(StateCategory.OPEN))
        recorder.set("pending_until", None)
        recorder.touch("closed_at", None)
        if was_closed and ticket.owner_id is not None and not ticket.is_locked:
            recorder.set("is_locked", True, action="lock")
            recorder.touch("locked_at", recorder.at)
    elif sender_kind == SenderKind.AGENT and category == StateCategory.NEW:
        recorder.set("state", default_state(StateCategory.OPEN))


def add_article(
    *,
    actor: Actor,
    via: Channel | str,
    ticket: Ticket | int,
    article: NewArticle,
    expected_version: int | None = None,
) -> Article:
    """Add a reply, note or follow-up. Follow-ups to merged tickets land in the target."""
    article = checked_recipients(article, sender_kind_of(actor, article), str(via))
    stored = store_attachments(article)
    with transaction.atomic():
        locked = follow_merges(lock_ticket_row(ticket))
        sender_kind = sender_kind_of(actor, article)
        ensure_may_add(actor, locked, sender_kind, str(article.visibility))
        ensure_version(locked, expected_version)
        validate_article(article, sender_kind)
        recorder = Recorder(locked, actor, via)
        if article.visibility == Visibility.PUBLIC:
            apply_follow_up(recorder, sender_kind)
        if locked.is_locked and actor is not None and locked.owner_id == actor.pk:
            recorder.touch("locked_at", recorder.at)  # the owner is still at it
        row = insert_article(
            locked, actor, article, sender_kind=sender_kind, stored=stored, recorder=recorder
        )
        recorder.save()
        index_ticket(locked)
    return row
