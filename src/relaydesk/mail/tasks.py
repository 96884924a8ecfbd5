"""Background work of the inbound pipeline. Tasks take ids, re-read their data
and may run twice: processing a message that is no longer RECEIVED does nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django_tasks import task

from relaydesk.core.schedule import every
from relaydesk.core.time import now
from relaydesk.mail.inbound.batch import BATCH_SIZE, process_many
from relaydesk.mail.inbound.process import process_inbound
from relaydesk.mail.models import InboundMessage, InboundStatus

# A stored message still RECEIVED after this long lost its task (a worker died
# between storing and processing); the sweep below queues it again.
STALE_AFTER = dt.timedelta(minutes=10)
SWEEP_BATCH = 500


@task()
def process_inbound_task(inbound_id: int) -> str:
    """Process one stored message (fetchers store first, then enqueue this); returns its status."""
    return str(process_inbound(inbound_id).status)


@task()
def process_inbound_batch_task(inbound_ids: list[int]) -> dict[str, int]:
    """Process stored messages together (a fetch round's); returns the count per status."""
    rows = InboundMessage.objects.select_related("queue", "account__queue").filter(
        pk__in=inbound_ids
    )
    done = process_many(sorted(rows, key=lambda row: row.pk))
    return dict(Counter(str(row.status) for row in done))


@every(dt.timedelta(minutes=10), name="process_stale_inbound_mail")
@task()
def process_stale_inbound_mail_task() -> int:
    """Queue processing again for stored messages nobody processed; returns how many."""
    stale = InboundMessage.objects.filter(
        status=InboundStatus.RECEIVED, received_at__lt=now() - STALE_AFTER
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    ids = list(stale)
    for start in range(0, len(ids), BATCH_SIZE):
        process_inbound_batch_task.enqueue(ids[start : start + BATCH_SIZE])
    return len(ids)
