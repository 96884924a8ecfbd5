"""Fetching mail from the IMAP and POP3 accounts into the inbound pipeline.

Each message takes the same road, in this order, so that none is lost or
taken twice:

1. read its raw bytes from the server;
2. `store_raw()` them, with the message's stable mailbox id as `source`
   (committed before it returns);
3. once every message of the run is stored, keep, delete or move them on
   the server;
4. close the connection, then enqueue processing (parsing never holds up
   the mailbox).

A run that fails anywhere changes nothing on the server. The next run finds
the messages it stored already (same account and `source`), skips them and
only repeats step 3; and should that record be missing, the pipeline's
sha256 check turns the second copy into a duplicate, never a second article.
A message is left on the server until it is stored, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import DatabaseError

from relaydesk.core.models import PeriodicJob
from relaydesk.core.schedule import Job, claim
from relaydesk.core.time import now
from relaydesk.mail.inbound.batch import BATCH_SIZE
from relaydesk.mail.inbound.fetch_common import (
    EXPECTED_ERRORS,
    FetchError,
    RemoteMailbox,
    RemoteMessage,
    server_text,
)
from relaydesk.mail.inbound.fetch_imap import open_imap
from relaydesk.mail.inbound.fetch_pop3 import open_pop3
from relaydesk.mail.inbound.store import store_raw
from relaydesk.mail.models import InboundMessage, MailAccount
from relaydesk.mail.tasks import process_inbound_batch_task

logger = logging.getLogger(__name__)

# One run takes at most this many new messages and stops taking new ones after
# RUN_SECONDS, so that a full mailbox cannot hold a worker; the next run goes on.
MESSAGES_PER_RUN = 200
RUN_SECONDS = 120.0
# Only one run per account at a time. A run ends well within this; a worker
# that died mid-run blocks its account for this long at most.
LEASE = dt.timedelta(minutes=15)
# Stored sources are looked up this many at a time (SQL parameter limits).
LOOKUP_BATCH = 500

T = TypeVar("T")


@dataclass
class FetchReport:
    """What one run of one account did."""

    account: str
    stored: list[int] = field(default_factory=list)  # InboundMessage ids stored by this run
    already_stored: int = 0  # on the server, stored by an earlier run
    removed: int = 0  # deleted or moved away on the server
    has_more: bool = False  # new messages left for the next run
    is_busy: bool = False  # another run holds this account; nothing done
    error: str = ""

    @property
    def fetched(self) -> int:
        return len(self.stored)


def fetch_account(account: MailAccount, *, limit: int | None = None) -> FetchReport:
    """Fetch up to `limit` (MESSAGES_PER_RUN) new messages of one account; never
    raises for a mail server's failure (it is recorded in `last_error` and the
    report)."""
    limit = MESSAGES_PER_RUN if limit is None else limit
    report = FetchReport(account=account.name)
    with account_lease(account) as is_held:
        if not is_held:
            report.is_busy = True
            logger.info("mail account %s is being fetched by another run", account.name)
            return report
        try:
            _fetch(account, report, limit)
        except Exception as exc:
            # Whatever went wrong belongs to this account only: record it and go on.
            report.error = describe(exc)
            logger.warning(
                "fetching mail account %s failed: %s",
                account.name,
                report.error,
                exc_info=not isinstance(exc, EXPECTED_ERRORS),
            )
        _record_outcome(account, report)
    _enqueue_processing(report)
    return report


def fetch_active_accounts() -> list[FetchReport]:
    """Fetch every active account, one after the other."""
    return [fetch_account(account) for account in MailAccount.objects.filter(is_active=True)]


def _fetch(account: MailAccount, report: FetchReport, limit: int) -> None:
    check_account(account)
    with open_mailbox(account) as mailbox:
        imported = _take_messages(account, mailbox, report, limit)
        report.removed = mailbox.finish(imported)
    if report.fetched or report.removed:
        logger.info(
            "mail account %s: %d stored, %d already stored, %d removed from the server%s",
            account.name,
            report.fetched,
            report.already_stored,
            report.removed,
            ", more waiting" if report.has_more else "",
        )


def _take_messages(
    account: MailAccount, mailbox: RemoteMailbox, report: FetchReport, limit: int
) -> list[RemoteMessage]:
    """Store the new messages; returns every message that is safely stored
    (now or by an earlier run), which the after-import action may touch."""
    deadline = time.monotonic() + RUN_SECONDS
    imported: list[RemoteMessage] = []
    for batch in batched(mailbox.messages(), LOOKUP_BATCH):
        known = stored_sources(account, [message.source for message in batch])
        for message in batch:
            if message.source in known:
                report.already_stored += 1
                imported.append(message)
                continue
            if report.fetched >= limit or time.monotonic() > deadline:
                report.has_more = True
                return imported
            raw = mailbox.fetch(message)
            if raw is None:
                continue
            inbound = store_raw(
                raw, via=mailbox.via, account=account, queue=account.queue, source=message.source
            )
            report.stored.append(inbound.pk)
            imported.append(message)
    return imported


def stored_sources(account: MailAccount, sources: Sequence[str]) -> set[str]:
    return set(
        InboundMessage.objects.filter(account=account, source__in=sources).values_list(
            "source", flat=True
        )
    )


def check_account(account: MailAccount) -> None:
    """Refuse settings that cannot work before touching the server."""
    if account.after_import == MailAccount.AfterImport.MOVE:
        if account.protocol == MailAccount.Protocol.POP3:
            raise FetchError("POP3 has no folders: choose keep or delete after import")
        if not account.move_to_folder.strip():
            raise FetchError("after import 'move' needs a folder to move to")


def open_mailbox(account: MailAccount) -> AbstractContextManager[RemoteMailbox]:
    if account.protocol == MailAccount.Protocol.POP3:
        return open_pop3(account)
    return open_imap(account)


@contextlib.contextmanager
def account_lease(account: MailAccount) -> Iterator[bool]:
    """True for the one run that may fetch this account now.

    A compare-and-set on a PeriodicJob row (the same one-winner rule as the
    schedule), released when the run ends; a crashed run's lease expires.
    """
    job = Job(name=f"mail-fetch:{account.pk}", every=LEASE, task=None)
    taken_at = now()
    is_held = claim(job, taken_at)
    try:
        yield is_held
    finally:
        if is_held:
            PeriodicJob.objects.filter(name=job.name, last_started_at=taken_at).update(
                last_started_at=None
            )


def _record_outcome(account: MailAccount, report: FetchReport) -> None:
    """`last_fetched_at` is the last run that succeeded; `last_error` the
    latest run's failure (empty once a run succeeds again)."""
    rows = MailAccount.objects.filter(pk=account.pk)
    try:
        if report.error:
            rows.update(last_error=report.error)
        else:
            account.last_fetched_at = now()
            rows.update(last_error="", last_fetched_at=account.last_fetched_at)
    except DatabaseError:
        logger.exception("could not record the fetch outcome of mail account %s", account.name)
        return
    account.last_error = report.error


def _enqueue_processing(report: FetchReport) -> None:
    """One task per batch of stored messages: processed together, one commit each."""
    ids = list(report.stored)
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            process_inbound_batch_task.enqueue(batch)
        except Exception:
            # Stored and listed as "received, not yet processed": not lost.
            logger.exception("could not enqueue processing of inbound messages %s", batch)


def describe(exc: BaseException) -> str:
    """A one-line, readable reason (server replies arrive as bytes)."""
    # OSError's own text reads best: "[Errno 111] Connection refused".
    text = str(exc) if isinstance(exc, OSError) else server_text(exc.args)
    text = text or type(exc).__name__
    if isinstance(exc, FetchError):
        return text
    return f"{type(exc).__name__}: {text}"


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
