"""The ticket events outgoing mail listens to. Each handler only queues a task
(outbound_tasks.py) with ids, so that the request or the mail pipeline that
changed the ticket does not wait for templates, recipients or SMTP."""

from __future__ import annotations

import uuid

from relaydesk.core.events import subscribe, subscribe_many
from relaydesk.mail import outbound_tasks
from relaydesk.mail.outbound.notifications import NOTIFIED_FIELDS
from relaydesk.tickets.events import (
    ArticleAdded,
    ArticleForwarded,
    TicketChanged,
    TicketCreated,
)
from relaydesk.tickets.models import Channel, SenderKind, Visibility


def new_event_key() -> str:
    return uuid.uuid4().hex


@subscribe_many(TicketCreated)
def on_tickets_created(events: list[TicketCreated]) -> None:
    # One task for tickets opened together (a batch of mail), each notice its own key.
    outbound_tasks.notify_tickets_created_task.enqueue(
        [
            {
                "ticket_id": event.ticket_id,
                "article_id": event.article_id,
                "actor_id": event.actor_id,
                "event_key": new_event_key(),
            }
            for event in events
        ]
    )


@subscribe(ArticleAdded)
def on_article_added(event: ArticleAdded) -> None:
    # Only these can mail anyone; the task reads the stored article again.
    agent_public = event.sender_kind == SenderKind.AGENT and event.visibility == Visibility.PUBLIC
    if agent_public and event.channel == Channel.EMAIL:
        # An agent's mail that came in through our mailbox: the customer was among
        # its recipients and has it already; sending it again would duplicate it.
        return
    if agent_public or event.sender_kind == SenderKind.CUSTOMER:
        outbound_tasks.notify_article_added_task.enqueue(
            article_id=event.article_id, event_key=new_event_key()
        )


@subscribe(ArticleForwarded)
def on_article_forwarded(event: ArticleForwarded) -> None:
    outbound_tasks.send_forward_task.enqueue(article_id=event.article_id, event_key=new_event_key())


@subscribe(TicketChanged)
def on_ticket_changed(event: TicketChanged) -> None:
    if event.field in NOTIFIED_FIELDS:
        outbound_tasks.notify_ticket_changed_task.enqueue(
            ticket_id=event.ticket_id,
            field=event.field,
            new=event.new,
            actor_id=event.actor_id,
            event_key=new_event_key(),
        )
