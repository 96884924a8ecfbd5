"""Processing a stored message: parse, recognise duplicates, thread, deliver.

The message is read and parsed first, outside any transaction (parsing is CPU
work and must hold no lock); then every write — customer accounts, the ticket
or article, the row's new status — happens in one transaction. Any failure (a
parser crash, a size or time limit, a refused action, a database error) rolls
it back and puts the message into quarantine with the reason, in a transaction
of its own: the raw bytes stay, an operator can look, then process again or
discard.

Deliveries of one message (same bytes, or same Message-ID) are processed one
at a time: their InboundMessage rows are locked together, in key order, before
duplicates are looked for, so two workers cannot both make an article of the
same mail.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Literal, overload

from django.conf import settings
from django.db import connection, transaction

from relaydesk.accounts.models import User
from relaydesk.core.errors import DomainError
from relaydesk.core.storage import read_blob
from relaydesk.core.time import now
from relaydesk.mail.inbound.deliver import Deferred, Outcome, deliver
from relaydesk.mail.inbound.duplicates import Delivery, Duplicate, find_duplicate
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.raw import MESSAGE_ID_MAX_LENGTH, strip_internal_headers
from relaydesk.mail.models import InboundMessage, InboundStatus

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_PARSE_SECONDS = 10.0
REASON_MAX_LENGTH = 2000
# What a task or a fetcher may (re)process; an operator may also take these.
UNPROCESSED = (InboundStatus.RECEIVED,)
OPERATOR_MAY_PROCESS = (
    InboundStatus.RECEIVED,
    InboundStatus.QUARANTINED,
    InboundStatus.DISCARDED,
)


class Refused(Exception):
    """A limit refused the message; the text is the quarantine reason."""


@dataclass
class Progress:
    """The step under way, so that a failure's reason can say where it happened."""

    step: str = "starting"


def max_bytes() -> int:
    return int(getattr(settings, "RELAYDESK_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES))


def parse_seconds() -> float:
    return float(getattr(settings, "RELAYDESK_MAIL_PARSE_SECONDS", DEFAULT_PARSE_SECONDS))


def _snapshot(inbound: InboundMessage | int) -> InboundMessage:
    """The row as the caller has it (no query), or read by id."""
    if isinstance(inbound, InboundMessage):
        return inbound
    return InboundMessage.objects.select_related("queue", "account__queue").get(pk=int(inbound))


def process_inbound(inbound: InboundMessage | int) -> InboundMessage:
    """Process a RECEIVED message; any other status is left as it is (idempotent)."""
    return _process(_snapshot(inbound), allowed=UNPROCESSED, actor=None)


def reprocess(inbound: InboundMessage | int, *, actor: User) -> InboundMessage:
    """ "Process again" (quarantined, discarded or never processed); records the operator.

    A message that became a ticket, a follow-up or a duplicate is left alone.
    """
    return _process(_snapshot(inbound), allowed=OPERATOR_MAY_PROCESS, actor=actor)


def discard(inbound: InboundMessage | int, *, actor: User) -> InboundMessage:
    """Set a message aside for good (status DISCARDED); the raw bytes are kept."""
    with transaction.atomic():
        pk = inbound.pk if isinstance(inbound, InboundMessage) else int(inbound)
        row = InboundMessage.objects.select_for_update().get(pk=pk)
        if row.status in (InboundStatus.RECEIVED, InboundStatus.QUARANTINED):
            row.status = InboundStatus.DISCARDED
            row.handled_by = actor
            row.processed_at = now()
            row.save(update_fields=["status", "handled_by", "processed_at"])
    return row


def _process(
    snapshot: InboundMessage, *, allowed: Collection[InboundStatus], actor: User | None
) -> InboundMessage:
    """Parse outside any transaction (CPU work must not hold SQLite's write lock or
    the rows' locks), then do every write in one transaction under the lock."""
    pk = snapshot.pk
    progress = Progress()
    try:
        if snapshot.status not in allowed:
            return snapshot
        raw, parsed = read_and_parse(snapshot, progress)
        with transaction.atomic():
            return write(snapshot, raw, parsed, progress, allowed=allowed, actor=actor)
    except InboundMessage.DoesNotExist:
        raise
    except Exception as exc:  # whatever went wrong, the message must be kept
        reason = reason_for(exc, progress)
        logger.warning("inbound message %s quarantined: %s", pk, reason, exc_info=True)
        return quarantine(pk, reason, allowed=allowed, actor=actor)


@overload
def write(
    snapshot: InboundMessage,
    raw: bytes,
    parsed: ParsedMail,
    progress: Progress,
    *,
    allowed: Collection[InboundStatus],
    actor: User | None,
    defer: Literal[False] = False,
) -> InboundMessage: ...


@overload
def write(
    snapshot: InboundMessage,
    raw: bytes,
    parsed: ParsedMail,
    progress: Progress,
    *,
    allowed: Collection[InboundStatus],
    actor: User | None,
    defer: Literal[True],
) -> InboundMessage | Deferred: ...


def write(
    snapshot: InboundMessage,
    raw: bytes,
    parsed: ParsedMail,
    progress: Progress,
    *,
    allowed: Collection[InboundStatus],
    actor: User | None,
    defer: bool = False,
) -> InboundMessage | Deferred:
    """Every write for one parsed message; the caller holds the transaction.

    With `defer`, a mail that opens a new ticket comes back as Deferred: the
    caller opens it (`open_planned`) and records it (`apply_outcome`).
    """
    pk = snapshot.pk
    others = lock_deliveries(pk)
    current = next((delivery for delivery in others if delivery.pk == pk), None)
    if current is None:
        raise InboundMessage.DoesNotExist(f"no inbound message {pk}")
    if current.status not in allowed:  # another worker got there first
        return InboundMessage.objects.get(pk=pk)
    others.remove(current)
    handled = handle(snapshot, others, raw, parsed, progress, defer=defer)
    if isinstance(handled, Deferred):
        return handled
    record(snapshot, handled, actor)
    return snapshot


# Every delivery of the same message: same bytes, or same (non-empty) Message-ID.
# Written by hand: the ORM took longer to compile this than the database to run it.
LOCK_DELIVERIES = (
    "SELECT id, raw_sha256, status, article_id, duplicate_of_id FROM mail_inboundmessage"
    " WHERE id = %s"
    " OR raw_sha256 = (SELECT raw_sha256 FROM mail_inboundmessage WHERE id = %s)"
    " OR message_id = (SELECT NULLIF(message_id, '') FROM mail_inboundmessage WHERE id = %s)"
    " ORDER BY id"
)


def lock_deliveries(pk: int) -> list[Delivery]:
    """Lock this row and every other delivery of the same message, in key order,
    in one statement (SQLite has no row locks: its transaction holds the write lock)."""
    sql = LOCK_DELIVERIES
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, pk, pk])
        return [Delivery(*row) for row in cursor.fetchall()]


Handled = Outcome | Duplicate


def read_and_parse(row: InboundMessage, progress: Progress) -> tuple[bytes, ParsedMail]:
    progress.step = "checking the size"
    limit = max_bytes()
    if row.size > limit:
        raise Refused(
            f"the message is {row.size} bytes; the limit is {limit} (RELAYDESK_MAIL_MAX_BYTES)"
        )
    progress.step = "reading the raw message"
    raw = read_blob(row.raw_sha256)
    progress.step = "parsing"
    return raw, parse(strip_internal_headers(raw))


def handle(
    row: InboundMessage,
    others: list[Delivery],
    raw: bytes,
    parsed: ParsedMail,
    progress: Progress,
    *,
    defer: bool = False,
) -> Handled | Deferred:
    if not row.message_id and parsed.message_id:
        row.message_id = parsed.message_id.strip("<>")[:MESSAGE_ID_MAX_LENGTH]
    progress.step = "checking for duplicates"
    duplicate = find_duplicate(row, others, raw, parsed.message_id or row.message_id)
    if duplicate is not None:
        return duplicate
    progress.step = "threading and delivering"
    return deliver(parsed, row, defer=defer)


def parse(raw: bytes) -> ParsedMail:
    # Imported here: the parser is its own module, loaded only when mail is processed.
    from relaydesk.mail.inbound.parse import parse_message

    with time_limit(parse_seconds()):
        return parse_message(raw)


RECORDED_FIELDS = [
    "status",
    "duplicate_of",
    "article",
    "ticket",
    "match_method",
    "match_value",
    "reason",
    "processed_at",
    "message_id",
]


def record(row: InboundMessage, handled: Handled, actor: User | None) -> None:
    """Write what became of the message onto its row (inside the transaction)."""
    row.save(update_fields=apply_outcome(row, handled, actor))


def apply_outcome(row: InboundMessage, handled: Handled, actor: User | None) -> list[str]:
    """Set what became of the message on the row (not saved); the fields set."""
    if isinstance(handled, Duplicate):
        row.status = InboundStatus.DUPLICATE
        row.duplicate_of_id = handled.original_id
        row.article = handled.article
        row.ticket = handled.article.ticket
        row.match_method = f"duplicate_{handled.method}"
        row.match_value = handled.value[:998]
        row.reason = ""
    else:
        row.status = handled.status
        row.duplicate_of_id = None
        row.ticket = handled.ticket
        row.article = handled.article
        row.match_method = str(handled.method)
        row.match_value = handled.value[:998]
        row.reason = handled.note
    row.processed_at = now()
    fields = list(RECORDED_FIELDS)
    if actor is not None:
        row.handled_by = actor
        fields.append("handled_by")
    return fields


def reason_for(exc: BaseException, progress: Progress) -> str:
    if isinstance(exc, Refused):
        text = str(exc)
    elif isinstance(exc, DomainError):
        text = f"{progress.step} was refused: {exc.message}"
    else:
        text = f"{progress.step} failed: {type(exc).__name__}: {exc}"
    return text[:REASON_MAX_LENGTH]


def quarantine(
    pk: int, reason: str, *, allowed: Collection[InboundStatus], actor: User | None
) -> InboundMessage:
    """After the rollback: mark the message quarantined, unless someone else got it meanwhile."""
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=pk)
        if row.status not in allowed:
            return row
        row.status = InboundStatus.QUARANTINED
        row.reason = reason
        row.ticket = None
        row.article = None
        row.duplicate_of = None
        row.match_method = ""
        row.match_value = ""
        row.processed_at = now()
        if actor is not None:
            row.handled_by = actor
        row.save()
    return row


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (SIGALRM), where that is possible.

    Signals reach only the main thread, and an alarm someone else set is left
    alone; elsewhere the parser's own bounds must do.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise Refused(
            f"parsing took longer than {seconds:g} seconds (RELAYDESK_MAIL_PARSE_SECONDS)"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
