"""Writing mail into the outbox: one OutboundMessage row per recipient, rendered
in the recipient's language, checked against the loop and flood limits; the
send task is queued only once the rows are committed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction

from relaydesk.accounts.models import User
from relaydesk.mail.ids import make_message_id
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import compose, limits
from relaydesk.mail.outbound.kinds import MailKind, is_automatic
from relaydesk.mail.outbound.recipients import Recipient
from relaydesk.mail.outbound.render import MailContext, RenderedMail, render_mail
from relaydesk.tickets.actions.addresses import split_addresses
from relaydesk.tickets.models import Article, ArticleChannel, SenderKind, Ticket


@dataclass(frozen=True)
class Mail:
    """What one notification is about; the same for all its recipients."""

    ticket: Ticket
    kind: MailKind
    article: Article | None = None  # the article shown, or the one that triggered the mail
    actor: User | None = None  # who caused it (named in agents' notifications)
    event_key: str = ""  # names the event, so that handling it twice mails once


def ticket_url(ticket: Ticket, recipient: Recipient) -> str:
    area = "/agent/tickets/" if recipient.is_agent else "/portal/requests/"
    return f"{settings.BASE_URL}{area}{ticket.number}"


def _person(user: User | None) -> str:
    return user.get_full_name() if user is not None else ""


def is_forward_to(mail: Mail, recipient: Recipient) -> bool:
    """The one internal article that may go out: an agent's forward, to the address
    the agent forwarded it to (its text was written for that recipient)."""
    article = mail.article
    return (
        mail.kind == MailKind.FORWARD
        and article is not None
        and article.channel == ArticleChannel.EMAIL
        and article.sender_kind == SenderKind.AGENT
        and recipient.address in {part.lower() for part in split_addresses(article.to_addresses)}
    )


def mail_context(mail: Mail, recipient: Recipient) -> MailContext:
    ticket, article = mail.ticket, mail.article
    # Internal text never reaches a customer (class 2), whatever the caller passed.
    show_article = article is not None and (
        recipient.is_agent or not article.is_internal or is_forward_to(mail, recipient)
    )
    return MailContext(
        ticket_number=ticket.number,
        ticket_title=ticket.title,
        ticket_url=ticket_url(ticket, recipient),
        queue_name=ticket.queue.name,
        state_name=ticket.state.name,
        recipient_name=recipient.name,
        customer_name=_person(ticket.customer),
        sender_name=_person(mail.actor),
        article_subject=(article.subject or ticket.title) if show_article and article else "",
        article_text=article.body_text if show_article and article else "",
    )


# Bookkeeping kept with the headers; send.py passes on only real header names.
EVENT_KEY = "relaydesk_event"


def _headers(mail: Mail) -> dict[str, str]:
    headers = {
        **compose.thread_headers(mail.ticket, upto=mail.article),
        **compose.automatic_headers(mail.kind, mail.ticket.queue),
    }
    if mail.event_key:
        headers[EVENT_KEY] = mail.event_key
    return headers


def _already_queued(mail: Mail, recipient: Recipient) -> bool:
    """The same event handled twice must not mail twice."""
    rows = OutboundMessage.objects.filter(
        ticket=mail.ticket, kind=mail.kind, to_address=recipient.address
    )
    if mail.article is not None:
        return rows.filter(article=mail.article).exists()
    if mail.event_key:
        return rows.filter(**{f"headers__{EVENT_KEY}": mail.event_key}).exists()
    return False


def _row(
    mail: Mail, recipient: Recipient, rendered: RenderedMail, reason: str | None
) -> OutboundMessage:
    queue = mail.ticket.queue
    author = mail.article.author if mail.article is not None else mail.actor
    return OutboundMessage.objects.create(
        ticket=mail.ticket,
        article=mail.article,
        kind=mail.kind,
        is_automatic=is_automatic(mail.kind),
        message_id=make_message_id(mail.ticket.number),
        from_address=compose.format_address(
            compose.sender_address(queue), compose.sender_name(queue, mail.kind, author)
        ),
        to_address=recipient.address,
        subject=compose.tagged_subject(mail.ticket, rendered.subject),
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=_headers(mail),
        status=OutboundStatus.SUPPRESSED if reason else OutboundStatus.PENDING,
        last_error=reason or "",
    )


def queue_mail(mail: Mail, recipients: list[Recipient]) -> list[OutboundMessage]:
    """Render and store the mail for each recipient; send the pending ones after commit.

    Suppressed mail is stored too (with its reason), so that an operator can
    see what the loop and flood limits held back.
    """
    from relaydesk.mail.outbound_tasks import enqueue_send

    rows = []
    automatic = is_automatic(mail.kind)
    with transaction.atomic():
        own = limits.own_addresses()
        for recipient in recipients:
            if _already_queued(mail, recipient):
                continue
            reason = limits.suppression_reason(
                recipient.address,
                is_automatic=automatic,
                trigger=mail.article,
                capped=not recipient.is_agent,
                own=own,
            )
            rendered = render_mail(
                mail.kind, recipient.language, mail.ticket.queue_id, mail_context(mail, recipient)
            )
            row = _row(mail, recipient, rendered, reason)
            rows.append(row)
            if row.status == OutboundStatus.PENDING:
                transaction.on_commit(partial(enqueue_send, row.pk))
    return rows
