"""Background work of the ticket system. Tasks take ids, re-read their data
and may run twice without harm."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from relaydesk.core.schedule import every
from relaydesk.tickets.actions import release_expired_locks


@every(dt.timedelta(minutes=1), name="release_expired_locks")
@task()
def release_expired_locks_task() -> int:
    """Unlock tickets whose owner forgot them (RELAYDESK_LOCK_TIMEOUT_MINUTES)."""
    return release_expired_locks()
