"""Opening a ticket with its first article."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.core.events import publish_after_commit
from relaydesk.core.lookups import lookup
from relaydesk.core.ticket_numbers import next_ticket_number, next_ticket_numbers
from relaydesk.core.time import now
from relaydesk.tickets import permissions
from relaydesk.tickets.actions.articles import (
    NewArticle,
    NewAttachment,
    article_row,
    attachment_rows,
    contact_times,
    log_article,
    sender_kind_of,
    store_attachments,
    validate_article,
)
from relaydesk.tickets.actions.base import (
    Actor,
    Recorder,
    check_text,
    display,
    require,
    resolve,
    resolve_user,
)
from relaydesk.tickets.actions.states import default_state, validate_pending
from relaydesk.tickets.events import TicketCreated
from relaydesk.tickets.models import (
    TITLE_MAX_LENGTH,
    Article,
    Attachment,
    Channel,
    Priority,
    Queue,
    StateCategory,
    Ticket,
    TicketHistory,
    TicketState,
    TicketType,
)
from relaydesk.tickets.search import index_tickets

# The fields whose initial values are written to history, in this order.
HISTORY_FIELDS = ("queue", "state", "priority", "type", "customer", "owner", "responsible")


@dataclass(frozen=True)
class TicketFields:
    """Resolved, validated initial values of a new ticket."""

    title: str
    queue: Queue
    state: TicketState
    priority: Priority
    ticket_type: TicketType | None
    customer: User | None
    organisation_id: int | None  # the id only: loading the row would cost a query
    owner: User | None
    responsible: User | None
    is_private: bool
    pending_until: dt.datetime | None
    external_number: str = ""


def _default_priority(queue: Queue) -> Priority:
    if queue.default_priority_id is not None:
        return queue.default_priority  # type: ignore[return-value]
    priority = lookup(
        "default_priority",
        lambda: Priority.objects.filter(is_default=True).first() or Priority.objects.first(),
    )
    if priority is None:
        raise ValidationFailed({"priority": _("no priority is configured")})
    return priority


def resolve_fields(
    actor: Actor,
    *,
    title: str,
    queue: Queue | int | str,
    customer: User | int | str | None = None,
    state: TicketState | int | str | None = None,
    priority: Priority | int | str | None = None,
    ticket_type: TicketType | int | str | None = None,
    owner: User | int | str | None = None,
    responsible: User | int | str | None = None,
    is_private: bool = False,
    pending_until: dt.datetime | None = None,
    external_number: str = "",
) -> TicketFields:
    check_text("title", title, max_length=TITLE_MAX_LENGTH, required=True)
    queue_row = require(Queue, queue, field="queue")
    if not queue_row.is_active:
        raise ValidationFailed(
            {"queue": _("queue %(name)s is not active") % {"name": queue_row.name}}
        )
    customer_row = resolve_user(customer, field="customer")
    if actor is not None and actor.is_customer:
        if customer_row is not None and customer_row.pk != actor.pk:
            raise ValidationFailed({"customer": _("customers raise requests for themselves")})
        customer_row = actor
    if customer_row is not None and not customer_row.is_customer:
        raise ValidationFailed(
            {"customer": _("%(email)s is not a customer") % {"email": customer_row.email}}
        )
    state_row = resolve(TicketState, state, field="state") or default_state(StateCategory.NEW)
    if state_row.category == StateCategory.MERGED or not state_row.is_active:
        raise ValidationFailed(
            {"state": _("a ticket cannot start in state %(state)s") % {"state": state_row.name}}
        )
    owner_row = resolve_user(owner, field="owner")
    responsible_row = resolve_user(responsible, field="responsible")
    for name, person in (("owner", owner_row), ("responsible", responsible_row)):
        if person is not None:
            permissions.ensure_may_own(person, queue_row, field=name)
    type_row = resolve(TicketType, ticket_type, field="type")
    if type_row is not None and not type_row.is_active:
        raise ValidationFailed({"type": _("type %(name)s is not active") % {"name": type_row.name}})
    return TicketFields(
        title=title.strip(),
        queue=queue_row,
        state=state_row,
        priority=resolve(Priority, priority, field="priority") or _default_priority(queue_row),
        ticket_type=type_row,
        customer=customer_row,
        organisation_id=customer_row.organisation_id if customer_row is not None else None,
        owner=owner_row,
        responsible=responsible_row,
        is_private=is_private,
        pending_until=validate_pending(state_row, pending_until),
        external_number=check_text("external_number", external_number.strip(), max_length=100),
    )


def insert_ticket(
    fields: TicketFields,
    recorder_actor: Actor,
    via: Channel | str,
    *,
    first_article: tuple[str, str],
) -> Recorder:
    """Insert the ticket row and log its initial values; the caller adds the article.

    `first_article` is its (sender kind, visibility): the contact times it sets
    are written with the row, so that the article needs no UPDATE after it.
    """
    at = now()
    ticket = ticket_row(fields, number=next_ticket_number(), at=at, first_article=first_article)
    ticket.save(force_insert=True)
    recorder = Recorder(ticket, recorder_actor, via, at=at)
    log_initial_values(recorder)
    return recorder


def ticket_row(
    fields: TicketFields, *, number: str, at: dt.datetime, first_article: tuple[str, str]
) -> Ticket:
    """The new ticket's row, not saved yet."""
    sender_kind, visibility = first_article
    return Ticket(
        **contact_times(sender_kind, visibility, at=at, has_first_response=False),
        number=number,
        created_at=at,
        updated_at=at,
        title=fields.title,
        queue=fields.queue,
        state=fields.state,
        priority=fields.priority,
        type=fields.ticket_type,
        customer=fields.customer,
        organisation_id=fields.organisation_id,
        owner=fields.owner,
        responsible=fields.responsible,
        is_private=fields.is_private,
        pending_until=fields.pending_until,
        external_number=fields.external_number,
    )


def log_initial_values(recorder: Recorder) -> None:
    ticket = recorder.ticket
    recorder.log("create", field="title", new=ticket.title)
    for name in HISTORY_FIELDS:
        value = getattr(ticket, name)
        if value is not None:
            recorder.log("create", field=name, new=display(value))
    initial_extras = (
        ("is_private", ticket.is_private),
        ("pending_until", ticket.pending_until),
        ("external_number", ticket.external_number),
    )
    for name, flag in initial_extras:
        if flag:
            recorder.log("create", field=name, new=display(flag))


def create_ticket(
    *,
    actor: Actor,
    via: Channel | str,
    title: str,
    queue: Queue | int | str,
    article: NewArticle,
    customer: User | int | str | None = None,
    state: TicketState | int | str | None = None,
    priority: Priority | int | str | None = None,
    ticket_type: TicketType | int | str | None = None,
    owner: User | int | str | None = None,
    responsible: User | int | str | None = None,
    is_private: bool = False,
    pending_until: dt.datetime | None = None,
    external_number: str = "",
) -> Ticket:
    """Open a ticket with its first article (and attachments), in one transaction."""
    fields = resolve_fields(
        actor,
        title=title,
        queue=queue,
        customer=customer,
        state=state,
        priority=priority,
        ticket_type=ticket_type,
        owner=owner,
        responsible=responsible,
        is_private=is_private,
        pending_until=pending_until,
        external_number=external_number,
    )
    return create_from_fields(actor=actor, via=via, fields=fields, article=article)[0]


@dataclass(frozen=True)
class NewTicket:
    """One ticket to open: who, through which channel, its resolved fields, its first article."""

    actor: Actor
    via: Channel | str
    fields: TicketFields
    article: NewArticle


@dataclass(frozen=True)
class _Checked:
    request: NewTicket
    sender_kind: str
    stored: list[tuple[NewAttachment, str]]


def create_from_fields(
    *, actor: Actor, via: Channel | str, fields: TicketFields, article: NewArticle
) -> tuple[Ticket, Article]:
    """`create_ticket` once the fields are resolved; returns the first article too."""
    return create_many([NewTicket(actor, via, fields, article)])[0]


def create_many(requests: Sequence[NewTicket]) -> list[tuple[Ticket, Article]]:
    """Open several tickets, each with its first article, in one transaction.

    The same checks, rows, history, search documents and events as opening
    them one by one — written with one statement per table for all of them
    (bulk intake of mail opens dozens at a time). All or none: any refusal
    raises before anything is written.
    """
    checked = [_check(request) for request in requests]
    if not checked:
        return []
    at = now()
    with transaction.atomic():
        numbers = next_ticket_numbers(len(checked))
        tickets = [
            ticket_row(
                item.request.fields,
                number=number,
                at=at,
                first_article=(item.sender_kind, str(item.request.article.visibility)),
            )
            for item, number in zip(checked, numbers, strict=True)
        ]
        Ticket.objects.bulk_create(tickets)
        articles = [
            article_row(
                ticket,
                item.request.actor,
                item.request.article,
                sender_kind=item.sender_kind,
                at=at,
            )
            for ticket, item in zip(tickets, checked, strict=True)
        ]
        Article.objects.bulk_create(articles)
        Attachment.objects.bulk_create(
            attachment
            for row, item in zip(articles, checked, strict=True)
            for attachment in attachment_rows(row, item.stored)
        )
        recorders = []
        for ticket, row, item in zip(tickets, articles, checked, strict=True):
            recorder = Recorder(ticket, item.request.actor, item.request.via, at=at)
            log_initial_values(recorder)
            log_article(recorder, row)
            recorders.append(recorder)
        finish_creations(recorders, articles)
    return list(zip(tickets, articles, strict=True))


def _check(request: NewTicket) -> _Checked:
    """Permission and article checks; the attachments stored before the transaction."""
    permissions.ensure_can_create_in(request.actor, request.fields.queue)
    sender_kind = sender_kind_of(request.actor, request.article)
    validate_article(request.article, sender_kind)
    return _Checked(request, sender_kind, store_attachments(request.article))


def finish_creation(recorder: Recorder, first_article: Article) -> None:
    """Write the new ticket's bookkeeping, history and index; announce it after commit."""
    finish_creations([recorder], [first_article])


def finish_creations(recorders: list[Recorder], first_articles: list[Article]) -> None:
    for recorder in recorders:
        if recorder.fields:
            recorder.ticket.save(update_fields=sorted(recorder.fields))
    TicketHistory.objects.bulk_create(row for recorder in recorders for row in recorder.rows)
    index_tickets(
        [(recorder.ticket, [row]) for recorder, row in zip(recorders, first_articles, strict=True)]
    )
    # The first article is part of the creation: one TicketCreated, no ArticleAdded.
    for recorder, row in zip(recorders, first_articles, strict=True):
        publish_after_commit(
            TicketCreated(
                ticket_id=recorder.ticket.pk,
                actor_id=recorder.actor_id,
                channel=recorder.via,
                article_id=row.pk,
            )
        )


__all__ = [
    "NewArticle",
    "NewAttachment",
    "NewTicket",
    "create_from_fields",
    "create_many",
    "create_ticket",
    "resolve_fields",
]
