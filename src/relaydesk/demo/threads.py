"""A ticket's thread, written the way each kind of article really arrives.

Customers mail or use the portal, agents answer from the agent interface,
notes are internal, a phone call is typed in by the agent who took it. Every
write goes through the actions layer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from relaydesk.accounts.models import User
from relaydesk.core.ticket_numbers import subject_tag
from relaydesk.demo.files import attachment_for
from relaydesk.demo.topics import Topic
from relaydesk.tickets.actions import NewArticle, add_article, create_ticket
from relaydesk.tickets.models import (
    ArticleChannel,
    Channel,
    Queue,
    SenderKind,
    Ticket,
    TicketType,
    Visibility,
)


@dataclass
class Thread:
    """One demo ticket in the making: who talks, and the mail threading so far."""

    index: int  # position in the demo, for Message-IDs and file names
    topic: Topic
    customer: User
    agent: User
    queue: Queue
    rng: random.Random
    words: dict[str, str]
    ticket: Ticket | None = None
    message_ids: list[str] = field(default_factory=list)

    def text(self, template: str) -> str:
        return template.format(**self.words)

    @property
    def title(self) -> str:
        return self.text(self.topic.title)

    @property
    def customer_first_name(self) -> str:
        return self.customer.get_short_name()

    def next_message_id(self, domain: str) -> str:
        message_id = f"<demo.{self.index}.{len(self.message_ids) + 1}@{domain}>"
        self.message_ids.append(message_id)
        return message_id

    @property
    def current(self) -> Ticket:
        if self.ticket is None:
            raise RuntimeError("the thread has no ticket yet")
        return self.ticket


def customer_signature(thread: Thread, text: str) -> str:
    return f"Hello,\n\n{text}\n\nThanks,\n{thread.customer.name}"


def agent_signature(thread: Thread, text: str) -> str:
    greeting = f"Hello {thread.customer_first_name},"
    sentence = text[:1].upper() + text[1:]
    return f"{greeting}\n\n{sentence}\n\nBest regards,\n{thread.agent.name}\n{thread.queue.name}"


def _domain(user: User) -> str:
    return user.email.rsplit("@", 1)[1]


def open_ticket(thread: Thread, *, via: Channel, is_private: bool = False) -> Ticket:
    """The customer's first message, by mail or through the portal."""
    by_mail = via == Channel.EMAIL
    stem = f"demo-{thread.index}"
    article = NewArticle(
        body_text=customer_signature(thread, thread.text(thread.topic.body)),
        channel=ArticleChannel.EMAIL if by_mail else ArticleChannel.PORTAL,
        from_address=thread.customer.email,
        to_addresses=thread.queue.email_address,
        subject=thread.title,
        # Only mail has a Message-ID; the portal's first message starts no mail thread.
        message_id=thread.next_message_id(_domain(thread.customer)) if by_mail else "",
        attachments=attachment_for(thread.topic.attachment, thread.rng, stem),
    )
    thread.ticket = create_ticket(
        actor=thread.customer,
        via=via,
        title=thread.title,
        queue=thread.queue,
        ticket_type=TicketType.objects.filter(name=thread.topic.ticket_type).first(),
        article=article,
        is_private=is_private,
    )
    return thread.ticket


def open_ticket_by_phone(thread: Thread) -> Ticket:
    """An agent takes a call and opens the ticket for the customer."""
    article = NewArticle(
        body_text=thread.text(thread.topic.body),
        channel=ArticleChannel.PHONE,
        sender_kind=SenderKind.CUSTOMER,
        from_address=thread.customer.email,
        subject=thread.title,
    )
    thread.ticket = create_ticket(
        actor=thread.agent,
        via=Channel.PHONE,
        title=thread.title,
        queue=thread.queue,
        customer=thread.customer,
        ticket_type=TicketType.objects.filter(name=thread.topic.ticket_type).first(),
        owner=thread.agent,
        article=article,
    )
    return thread.ticket


def open_ticket_for_customer(thread: Thread) -> Ticket:
    """An agent writes to the customer first (an outbound mail ticket)."""
    article = NewArticle(
        body_text=agent_signature(thread, thread.text(thread.topic.body)),
        channel=ArticleChannel.EMAIL,
        from_address=thread.queue.email_address,
        to_addresses=thread.customer.email,
        subject=thread.title,
        message_id=thread.next_message_id("example.com"),
    )
    thread.ticket = create_ticket(
        actor=thread.agent,
        via=Channel.WEB,
        title=thread.title,
        queue=thread.queue,
        customer=thread.customer,
        ticket_type=TicketType.objects.filter(name=thread.topic.ticket_type).first(),
        article=article,
    )
    return thread.ticket


def reply(thread: Thread, text: str) -> None:
    """A public answer by mail from the queue's address."""
    article = NewArticle(
        body_text=agent_signature(thread, thread.text(text)),
        channel=ArticleChannel.EMAIL,
        from_address=thread.queue.email_address,
        to_addresses=thread.customer.email,
        subject=f"Re: {subject_tag(thread.current.number)} {thread.title}",
        in_reply_to=thread.message_ids[-1] if thread.message_ids else "",
        references=" ".join(thread.message_ids),
        message_id=thread.next_message_id("example.com"),
    )
    add_article(actor=thread.agent, via=Channel.WEB, ticket=thread.current, article=article)


def follow_up(thread: Thread, text: str) -> None:
    """The customer answers the last mail."""
    article = NewArticle(
        body_text=customer_signature(thread, thread.text(text)),
        channel=ArticleChannel.EMAIL,
        from_address=thread.customer.email,
        to_addresses=thread.queue.email_address,
        subject=f"Re: {subject_tag(thread.current.number)} {thread.title}",
        in_reply_to=thread.message_ids[-1] if thread.message_ids else "",
        references=" ".join(thread.message_ids),
        message_id=thread.next_message_id(_domain(thread.customer)),
    )
    add_article(actor=thread.customer, via=Channel.EMAIL, ticket=thread.current, article=article)


def note(thread: Thread, text: str) -> None:
    """An internal note: agents only, never shown to the customer."""
    article = NewArticle(
        body_text=thread.text(text),
        channel=ArticleChannel.NOTE,
        visibility=Visibility.INTERNAL,
        subject="Note",
    )
    add_article(actor=thread.agent, via=Channel.WEB, ticket=thread.current, article=article)


def phone_note(thread: Thread, text: str) -> None:
    """What was said on a call with the customer, typed in by the agent."""
    article = NewArticle(
        body_text=thread.text(text),
        channel=ArticleChannel.PHONE,
        subject=f"Call with {thread.customer.name}",
        to_addresses=thread.customer.email,
    )
    add_article(actor=thread.agent, via=Channel.PHONE, ticket=thread.current, article=article)
