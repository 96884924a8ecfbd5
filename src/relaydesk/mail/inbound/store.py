"""Store first: the raw bytes and a row for them, committed before anything else.

`store_raw` is what every way in (mailgate, IMAP/POP3, ingest) calls before it
acknowledges the source. It refuses nothing: size limits and broken content
are the processor's business and end in quarantine, never in loss.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from relaydesk.core.storage import durable_together, store_blob
from relaydesk.mail.inbound.raw import message_id_of
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia, MailAccount
from relaydesk.tickets.models import Queue

SOURCE_MAX_LENGTH = 1000


def store_raw(
    raw: bytes,
    *,
    via: InboundVia | str,
    account: MailAccount | None = None,
    queue: Queue | None = None,
    source: str = "",
) -> InboundMessage:
    """Write the bytes to storage and an InboundMessage row (RECEIVED), durably.

    Raises on a storage or database failure, so that the caller does not
    acknowledge the message (mailgate exits 75, a fetcher leaves it on the
    server). Must not be called inside another transaction: the row has to be
    committed when this returns.
    """
    return store_many([(raw, source)], via=via, account=account, queue=queue)[0]


def store_many(
    messages: Sequence[tuple[bytes, str]],
    *,
    via: InboundVia | str,
    account: MailAccount | None = None,
    queue: Queue | None = None,
) -> list[InboundMessage]:
    """`store_raw` for several (raw, source) pairs at once: every blob durable
    first, then all rows in one committed transaction — all stored, or none."""
    channel = InboundVia(via)  # a wrong value is a programming error: fail loudly
    with durable_together():
        rows = [
            InboundMessage(
                raw_sha256=store_blob(raw),
                size=len(raw),
                message_id=message_id_of(raw),
                via=channel,
                account=account,
                queue=queue,
                source=source[:SOURCE_MAX_LENGTH],
                status=InboundStatus.RECEIVED,
            )
            for raw, source in messages
        ]
    with transaction.atomic(durable=True):
        if len(rows) == 1:
            rows[0].save(force_insert=True)
            return rows
        return InboundMessage.objects.bulk_create(rows)
