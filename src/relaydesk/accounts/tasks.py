"""Background work of the accounts app. Tasks may run twice without harm."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from relaydesk.accounts.throttle import purge_old_failures
from relaydesk.core.schedule import every


@every(dt.timedelta(hours=1), name="purge_login_failures")
@task()
def purge_login_failures_task() -> int:
    """Remove failed sign-ins older than RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES."""
    return purge_old_failures()
