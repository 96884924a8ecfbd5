"""`create`: tickets with a first article of ~800 bytes, through the actions layer.

The customer writes by mail, as most requests arrive; everything the action
does (checks, counter, rows, history, search document, events) is measured.
"""

from __future__ import annotations

import uuid

from bench.fixture import BenchFixture, article_body
from bench.timing import Operation
from relaydesk.tickets.actions import NewArticle, create_ticket
from relaydesk.tickets.models import ArticleChannel, Channel


def ticket_title(index: int) -> str:
    return f"bench ticket {index}: VPN drops and printer error 50.2"


def create_operation(fixture: BenchFixture) -> Operation:
    run = uuid.uuid4().hex[:12]  # keeps Message-IDs unique across runs

    def create(index: int) -> str:
        title = ticket_title(index)
        article = NewArticle(
            body_text=article_body(index),
            channel=ArticleChannel.EMAIL,
            from_address=fixture.customer.email,
            to_addresses=fixture.queue.email_address,
            subject=title,
            message_id=f"<bench.{run}.{index}@bench.example>",
        )
        ticket = create_ticket(
            actor=fixture.customer,
            via=Channel.EMAIL,
            title=title,
            queue=fixture.queue,
            article=article,
        )
        return ticket.number

    return create
