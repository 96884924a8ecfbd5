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

from relaydesk.core.events import dispatched_together
from relaydesk.core.lookups import remembered
from relaydesk.core.storage import durable_together
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.process import (
    UNPROCESSED,
    Progress,
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
            for item in ready:
                done[item.row.pk] = write(
                    item.row, item.raw, item.mail, Progress(), allowed=UNPROCESSED, actor=None
                )
    except Exception:
        logger.info("a batch of %d messages failed; processing them one by one", len(ready))
        done.clear()
    # The rest one by one, from the database (a failed batch left marks on our rows).
    return [
        done.get(row.pk) or (process_inbound(row.pk) if row.pk in waiting else row) for row in rows
    ]
