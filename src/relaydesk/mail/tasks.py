"""Background work of the inbound pipeline. Tasks take ids, re-read their data
and may run twice: processing a message that is no longer RECEIVED does nothing."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from relaydesk.core.schedule import every
from relaydesk.core.time import now
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


@every(dt.timedelta(minutes=10), name="process_stale_inbound_mail")
@task()
def process_stale_inbound_mail_task() -> int:
    """Queue processing again for stored messages nobody processed; returns how many."""
    stale = InboundMessage.objects.filter(
        status=InboundStatus.RECEIVED, received_at__lt=now() - STALE_AFTER
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    ids = list(stale)
    for inbound_id in ids:
        process_inbound_task.enqueue(inbound_id)
    return len(ids)
