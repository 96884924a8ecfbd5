"""Processing stored messages in batches: the same steps, fewer commits.

`process_many` is what bulk intake (`relaydesk ingest`, a fetch round) calls.
Each message is read and parsed on its own, outside any transaction, exactly as
`process_inbound` does; then the writes of the whole batch go into one
transaction, with configuration lookups remembered, the attachments' files
made durable together before it commits, and the events of the batch
dispatched together after it. Should anything fail in that transaction,
it is rolled back — nothing of the batch is kept — and every message is
processed again on its own with `process_inbound`, which quarantines the one
that fails. A batch thus ends exactly as one-by-one processing would, only
with one commit (one fsync of the database's log) instead of several per mail.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from relaydesk.core.db import update_each
from relaydesk.core.events import dispatched_together
from relaydesk.core.lookups import remembered
from relaydesk.core.storage import durable_together
from relaydesk.mail.inbound.customers import remember_users
from relaydesk.mail.inbound.deliver import Deferred, open_planned
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.process import (
    UNPROCESSED,
    Progress,
    apply_outcome,
    process_inbound,
    read_and_parse,
    write,
)
from relaydesk.mail.models import InboundMessage

logger = logging.getLogger(__name__)

# Enough to spread a commit over many mails; small enough that a batch's
# transaction holds its locks (and SQLite's write lock) only briefly.
BATCH_SIZE = 50


@dataclass(frozen=True)
class Parsed:
    row: InboundMessage
    raw: bytes
    mail: ParsedMail


def process_many(rows: Sequence[InboundMessage]) -> list[InboundMessage]:
    """Process RECEIVED messages (others are returned as they are), in batches."""
    done: list[InboundMessage] = []
    with remembered(), dispatched_together():
        for start in range(0, len(rows), BATCH_SIZE):
            done += _process_batch(rows[start : start + BATCH_SIZE])
    return done


def _process_batch(rows: Sequence[InboundMessage]) -> list[InboundMessage]:
    waiting = {row.pk for row in rows if row.status in UNPROCESSED}
    ready: list[Parsed] = []
    for row in rows:
        if row.pk not in waiting:
            continue
        try:
            raw, mail = read_and_parse(row, Progress())
        except Exception as exc:  # process_inbound below says why and quarantines it
            logger.debug("inbound message %s left for one-by-one processing: %s", row.pk, exc)
            continue
        ready.append(Parsed(row, raw, mail))
    done: dict[int, InboundMessage] = {}
    try:
        # The attachments' files are made durable before the rows naming them commit.
        with transaction.atomic(), durable_together():
            write_batch(ready, done)
    except Exception:
        logger.info("a batch of %d messages failed; processing them one by one", len(ready))
        done.clear()
    # The rest one by one, from the database (a failed batch left marks on our rows).
    return [
        done.get(row.pk) or (process_inbound(row.pk) if row.pk in waiting else row) for row in rows
    ]


def write_batch(ready: list[Parsed], done: dict[int, InboundMessage]) -> None:
    """Write each message; mails that simply open a new ticket are held back and
    opened together — before any later mail that could continue or repeat one of
    them, so that it finds the ticket, as it would one by one."""
    remember_users(item.mail.from_address for item in ready)
    pending = Pending()
    for item in ready:
        if pending.related_to(item):
            pending.open(done)
        result = write(
            item.row, item.raw, item.mail, Progress(), allowed=UNPROCESSED, actor=None, defer=True
        )
        if isinstance(result, Deferred):
            pending.add(item, result)
        else:
            done[item.row.pk] = result
    pending.open(done)


class Pending:
    """New tickets held back, and what a later mail would have to share to need them."""

    def __init__(self) -> None:
        self.items: list[tuple[Parsed, Deferred]] = []
        self.hashes: set[str] = set()
        self.message_ids: set[str] = set()
        self.external_numbers: set[str] = set()

    def clear(self) -> None:
        self.items.clear()
        self.hashes.clear()
        self.message_ids.clear()
        self.external_numbers.clear()

    def add(self, item: Parsed, deferred: Deferred) -> None:
        self.items.append((item, deferred))
        self.hashes.add(item.row.raw_sha256)
        self.message_ids |= {item.row.message_id, item.mail.message_id} - {""}
        if number := deferred.planned.request.fields.external_number:
            self.external_numbers.add(number)

    def related_to(self, item: Parsed) -> bool:
        """Could this mail be a repeat of, or a reply to, a held-back one?"""
        if not self.items:
            return False
        mail = item.mail
        ids = {item.row.message_id, mail.message_id, *mail.in_reply_to, *mail.references}
        return (
            item.row.raw_sha256 in self.hashes
            or not self.message_ids.isdisjoint(ids)
            or any(number in mail.subject for number in self.external_numbers)
        )

    def open(self, done: dict[int, InboundMessage]) -> None:
        if not self.items:
            return
        outcomes = open_planned([deferred for _, deferred in self.items])
        rows = [item.row for item, _ in self.items]
        fields: list[str] = []
        for row, outcome in zip(rows, outcomes, strict=True):
            fields = apply_outcome(row, outcome, None)
            done[row.pk] = row
        update_each(rows, fields)
        self.clear()
