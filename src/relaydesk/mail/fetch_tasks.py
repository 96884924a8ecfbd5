"""Background work of the IMAP/POP3 accounts: every minute each active
account gets a fetch task, so that accounts are fetched side by side on as many
workers as there are, and a slow server holds up only its own account. Tasks
take ids and may run twice (fetching holds a lease per account)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from relaydesk.core.schedule import every
from relaydesk.mail.inbound.fetch import fetch_account
from relaydesk.mail.models import MailAccount


@every(dt.timedelta(minutes=1), name="fetch_mail_accounts")
@task()
def fetch_mail_accounts_task() -> int:
    """Enqueue one fetch per active account; returns how many."""
    account_ids = list(MailAccount.objects.filter(is_active=True).values_list("pk", flat=True))
    for account_id in account_ids:
        fetch_mail_account_task.enqueue(account_id)
    return len(account_ids)


@task()
def fetch_mail_account_task(account_id: int) -> dict[str, int | str | bool]:
    """Fetch one account, unless it was deactivated since it was queued."""
    account = MailAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return {"skipped": "inactive or deleted"}
    report = fetch_account(account)
    if report.has_more:
        # A backlog drains run after run without waiting a minute between
        # them; each run stays bounded.
        fetch_mail_account_task.enqueue(account_id)
    return {
        "stored": report.fetched,
        "already_stored": report.already_stored,
        "removed": report.removed,
        "has_more": report.has_more,
        "is_busy": report.is_busy,
        "error": report.error,
    }
