"""Background work of the inbound pipeline. Tasks take ids, re-read their data
and may run twice: processing a message that is no longer RECEIVED does nothing."""

from __future__ import annotations

from django_tasks import task

from relaydesk.mail.inbound.process import process_inbound


@task()
def process_inbound_task(inbound_id: int) -> str:
    """Process one stored message (fetchers store first, then enqueue this); returns its status."""
    return str(process_inbound(inbound_id).status)
