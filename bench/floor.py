"""`floor`: the rows `create` writes, inserted with plain SQL — the lower bound.

One transaction per ticket through Django's connection (the same driver):
the ticket-number counter, the ticket, its article, as many history rows as
a real create writes, and the search document. The database does its own
part as for the action: generated tsvector columns on PostgreSQL, the FTS5
triggers on SQLite. What the floor leaves out — permission checks, lookups,
the ORM — is what the ratio create/floor measures.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from bench.create import ticket_title
from bench.fixture import BenchFixture, article_body
from bench.timing import Operation
from relaydesk.core.ticket_numbers import date_checksum_number
from relaydesk.core.time import now
from relaydesk.tickets.actions import NewArticle, create_ticket
from relaydesk.tickets.models import ArticleChannel, Channel, Queue, TicketHistory

COUNTER_SQL = (
    "INSERT INTO core_ticketnumbercounter (scope, value) VALUES (%s, 1)"
    " ON CONFLICT (scope) DO UPDATE SET value = core_ticketnumbercounter.value + 1"
    " RETURNING value"
)
TICKET_SQL = (
    "INSERT INTO tickets_ticket (number, title, queue_id, state_id, priority_id, customer_id,"
    " organisation_id, is_locked, is_private, created_at, updated_at,"
    " last_customer_contact_at, external_number, version)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', 1) RETURNING id"
)
ARTICLE_SQL = (
    "INSERT INTO tickets_article (ticket_id, channel, sender_kind, author_id, visibility,"
    " from_address, to_addresses, cc_addresses, subject, body_text, body_html, message_id,"
    ' in_reply_to, "references", raw_sha256, is_auto_reply, is_bounce, review_reason,'
    " created_at)"
    " VALUES (%s, 'email', 'customer', %s, 'public', %s, %s, '', %s, %s, '', %s, '', '', '',"
    " false, false, '', %s)"
    " RETURNING id"
)
NON_WORD = re.compile(r"[^\w]+")
HISTORY_COLUMNS = "(ticket_id, actor_id, channel, action, field, old_value, new_value, at)"
SEARCH_SQL = (
    "INSERT INTO tickets_ticketsearchdocument (ticket_id, head, body, internal)"
    " VALUES (%s, %s, %s, '')"
)


@dataclass(frozen=True)
class FloorPlan:
    """What one floor ticket writes, taken from the configuration and a real create."""

    state_id: int
    priority_id: int
    history: list[tuple[str, str, str]]  # (action, field, new value) of a real create


def calibrate(fixture: BenchFixture) -> FloorPlan:
    """Create one ticket through the action, read its history, and roll it all back."""
    with transaction.atomic():
        ticket = create_ticket(
            actor=fixture.customer,
            via=Channel.EMAIL,
            title=ticket_title(0),
            queue=fixture.queue,
            article=NewArticle(body_text=article_body(0), channel=ArticleChannel.EMAIL),
        )
        history = list(
            TicketHistory.objects.filter(ticket=ticket)
            .order_by("id")
            .values_list("action", "field", "new_value")
        )
        plan = FloorPlan(ticket.state_id, ticket.priority_id, history)
        transaction.set_rollback(True)
    return plan


def next_number(cursor: Any) -> str:
    """The same numbers as core.ticket_numbers, from one upsert instead of three statements."""
    today = now().date()
    generator = settings.RELAYDESK_TICKET_NUMBER_GENERATOR
    scope = "all" if generator == "increment" else f"{today:%Y%m%d}"
    cursor.execute(COUNTER_SQL, [scope])
    value = int(cursor.fetchone()[0])
    if generator == "increment":
        return str(value)
    return date_checksum_number(today, value, settings.RELAYDESK_SYSTEM_ID % 100)


def _history_rows(
    plan: FloorPlan, *, ticket_id: int, article_id: int, title: str, actor_id: int, stamp: Any
) -> list[Any]:
    params: list[Any] = []
    for action, field, new in plan.history:
        if field == "title":
            new = title
        elif field == "article":
            new = f"{article_id} (email, public)"
        params += [ticket_id, actor_id, Channel.EMAIL.value, action, field, "", new, stamp]
    return params


def _address_words(address: str) -> str:
    return f"{address} {NON_WORD.sub(' ', address)}"


def search_head(number: str, title: str, name: str, email: str, queue: Queue) -> str:
    """The document head the search module writes: number, title, names and addresses."""
    sender = _address_words(email)
    return " ".join([number, title, name, sender, sender, queue.email_address])


def insert_ticket(fixture: BenchFixture, plan: FloorPlan, index: int, run: str) -> str:
    title = ticket_title(index)
    body = article_body(index)
    customer = fixture.customer
    stamp = connection.ops.adapt_datetimefield_value(now())
    with transaction.atomic(), connection.cursor() as cursor:
        number = next_number(cursor)
        cursor.execute(
            TICKET_SQL,
            [
                number,
                title,
                fixture.queue.pk,
                plan.state_id,
                plan.priority_id,
                customer.pk,
                fixture.organisation.pk,
                False,
                False,
                stamp,
                stamp,
                stamp,
            ],
        )
        ticket_id = cursor.fetchone()[0]
        cursor.execute(
            ARTICLE_SQL,
            [
                ticket_id,
                customer.pk,
                customer.email,
                fixture.queue.email_address,
                title,
                body,
                f"<bench.{run}.{index}@bench.example>",
                stamp,
            ],
        )
        article_id = cursor.fetchone()[0]
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(plan.history))
        cursor.execute(
            f"INSERT INTO tickets_tickethistory {HISTORY_COLUMNS} VALUES {rows}",
            _history_rows(
                plan,
                ticket_id=ticket_id,
                article_id=article_id,
                title=title,
                actor_id=customer.pk,
                stamp=stamp,
            ),
        )
        head = search_head(number, title, customer.name, customer.email, fixture.queue)
        cursor.execute(SEARCH_SQL, [ticket_id, head, f"{title}\n{body}"])
    return number


def floor_operation(fixture: BenchFixture) -> Operation:
    plan = calibrate(fixture)
    run = uuid.uuid4().hex[:12]

    def insert(index: int) -> str:
        return insert_ticket(fixture, plan, index, run)

    return insert
