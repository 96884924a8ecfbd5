"""Which ticket an inbound mail continues, and why (issue 3, point 4).

The order is the one that can be trusted most first:

1. the ticket tag in the subject (`[Ticket#2014020442000018]`, ASCII digits only);
2. In-Reply-To, then References (most recent first): one of our own signed
   Message-IDs names its ticket (a forged one names nothing), else any
   Message-ID stored on an article (ours or a customer's);
3. a partner system's number (the receiving queues' `external_number_pattern`
   over the subject) stored on a ticket as `external_number`.

A bounce names the ticket through the message it returns (attached as
message/rfc822 or text/rfc822-headers): that message's Message-ID, else the
tag in its subject, is tried before the bounce's own headers.

A tag or ID that names no ticket is passed over, not an error. Merged tickets
are followed to the ticket their thread continues in. The result says how it
matched and on what value; the processor stores both on the InboundMessage so
that an agent can see why a mail landed where it did.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.header import decode_header, make_header
from enum import StrEnum

from django.db.models import Case, IntegerField, Value, When

from relaydesk.core.ticket_numbers import find_ticket_number
from relaydesk.mail.ids import ticket_number_in
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.raw import message_id_of, parse_headers, split_raw
from relaydesk.tickets.models import Article, Queue, Ticket

logger = logging.getLogger(__name__)

# A References header can list a whole thread; the recent end is what counts.
MAX_REFERENCES = 50
MAX_MERGE_HOPS = 10
EXTERNAL_NUMBER_MAX_LENGTH = 100
# How a bounce carries the message it returns (RFC 3462/6533).
RETURNED_MESSAGE_TYPES = frozenset(
    {"message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"}
)


class MatchMethod(StrEnum):
    SUBJECT_TAG = "subject_tag"
    IN_REPLY_TO = "in_reply_to"
    REFERENCES = "references"
    EXTERNAL_NUMBER = "external_number"
    BOUNCED_MESSAGE = "bounced_message"
    NEW_TICKET = "new_ticket"


@dataclass(frozen=True)
class Match:
    """The ticket a mail continues (after merges), how it was found, on what value."""

    ticket: Ticket
    method: MatchMethod
    value: str


def find_ticket(parsed: ParsedMail, queues: Sequence[Queue]) -> Match | None:
    """The ticket this mail continues, or None for a new ticket.

    `queues` are the queues the mail was addressed to (their external number
    patterns apply), the routing target first.
    """
    return (
        by_bounced_message(parsed)
        or by_subject_tag(parsed.subject)
        or by_message_ids(parsed.in_reply_to, MatchMethod.IN_REPLY_TO)
        or by_message_ids(reversed(parsed.references), MatchMethod.REFERENCES)
        or by_external_number(parsed.subject, queues)
    )


def follow_merges(ticket: Ticket) -> Ticket:
    """The ticket whose thread this one continues in (itself unless merged)."""
    for _hop in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            return ticket
        ticket = Ticket.objects.select_related("queue", "state").get(pk=ticket.merged_into_id)
    return ticket  # a chain this long is broken; the actions layer will say so


def tickets_by_number(numbers: Iterable[str]) -> dict[str, Ticket]:
    wanted = set(numbers)
    if not wanted:
        return {}
    rows = Ticket.objects.select_related("queue", "state").filter(number__in=wanted)
    return {row.number: row for row in rows}


def by_subject_tag(subject: str) -> Match | None:
    number = find_ticket_number(subject)
    if number is None:
        return None
    ticket = tickets_by_number([number]).get(number)
    if ticket is None:
        return None
    return Match(follow_merges(ticket), MatchMethod.SUBJECT_TAG, number)


def _clean_ids(message_ids: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for message_id in message_ids:
        bare = message_id.strip().strip("<>").strip()
        if bare and bare not in cleaned:
            cleaned.append(bare)
        if len(cleaned) >= MAX_REFERENCES:
            break
    return cleaned


def articles_by_message_id(message_ids: Sequence[str]) -> dict[str, int]:
    """Stored Message-ID (bare) → ticket id of the earliest article carrying it.

    Message-IDs are stored without angle brackets; older data may have them.
    """
    variants = [*message_ids, *(f"<{message_id}>" for message_id in message_ids)]
    found: dict[str, int] = {}
    rows = (
        Article.objects.filter(message_id__in=variants)
        .order_by("pk")
        .values_list("message_id", "ticket_id")
    )
    for stored, ticket_id in rows:
        found.setdefault(stored.strip("<>"), ticket_id)
    return found


def by_message_ids(message_ids: Iterable[str], method: MatchMethod) -> Match | None:
    """The first ID (in the given order) that names a ticket: signed, or stored."""
    candidates = _clean_ids(message_ids)
    if not candidates:
        return None
    signed = {mid: number for mid in candidates if (number := ticket_number_in(mid)) is not None}
    by_number = tickets_by_number(signed.values())
    stored = articles_by_message_id(candidates)
    stored_tickets = {
        row.pk: row
        for row in Ticket.objects.select_related("queue", "state").filter(
            pk__in=set(stored.values())
        )
    }
    for message_id in candidates:
        ticket = by_number.get(signed.get(message_id, ""))
        if ticket is None and message_id in stored:
            ticket = stored_tickets.get(stored[message_id])
        if ticket is not None:
            return Match(follow_merges(ticket), method, message_id)
    return None


def by_bounced_message(parsed: ParsedMail) -> Match | None:
    """The ticket of the message a bounce returns (its Message-ID, else its subject tag)."""
    if not parsed.is_bounce:
        return None
    for attachment in parsed.attachments:
        if attachment.content_type.split(";")[0].strip().lower() not in RETURNED_MESSAGE_TYPES:
            continue
        message_id = message_id_of(attachment.content)
        match = by_message_ids([message_id], MatchMethod.BOUNCED_MESSAGE) if message_id else None
        if match is None:
            by_tag = by_subject_tag(subject_of(attachment.content))
            match = (
                dataclasses.replace(by_tag, method=MatchMethod.BOUNCED_MESSAGE) if by_tag else None
            )
        if match is not None:
            return match
    return None


def subject_of(raw: bytes) -> str:
    """The decoded Subject of a returned message's headers ("" when unreadable)."""
    try:
        value = parse_headers(split_raw(raw)[0]).get("Subject", "")
        return str(make_header(decode_header(str(value))))
    except Exception:  # a mangled returned message: no tag to find
        return ""


def external_number_in(queue: Queue, subject: str) -> str | None:
    """The partner number the queue's pattern finds in the subject (its first group if any)."""
    if not queue.external_number_pattern:
        return None
    try:
        pattern = re.compile(queue.external_number_pattern)
    except re.error:
        logger.warning(
            "queue %s: external number pattern %r is not a valid regular expression",
            queue.name,
            queue.external_number_pattern,
        )
        return None
    found = pattern.search(subject)
    if found is None:
        return None
    value = (found.group(1) if pattern.groups else found.group(0)) or ""
    value = value.strip()[:EXTERNAL_NUMBER_MAX_LENGTH]
    return value or None


def by_external_number(subject: str, queues: Sequence[Queue]) -> Match | None:
    """A ticket carrying the partner number; one in the pattern's own queue preferred."""
    for queue in queues:
        value = external_number_in(queue, subject)
        if value is None:
            continue
        ticket = (
            Ticket.objects.select_related("queue", "state")
            .filter(external_number=value)
            .annotate(
                in_queue=Case(
                    When(queue=queue, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            )
            .order_by("in_queue", "-pk")
            .first()
        )
        if ticket is not None:
            return Match(follow_merges(ticket), MatchMethod.EXTERNAL_NUMBER, value)
    return None
