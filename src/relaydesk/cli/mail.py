"""Mail subcommands: `mailgate` (one message from an MTA pipe) and `ingest` (files).

Both go through the one inbound pipeline: store the raw bytes durably, then
process them (parse, thread, ticket). Exit codes follow sysexits.h, which is
what MTAs read: 75 asks the MTA to try again later, any other failure makes
it bounce the message to its sender.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from relaydesk.cli.base import (
    EXIT_FAILURE,
    EXIT_OK,
    CommandFailed,
    explain_database_error,
    first_line,
)
from relaydesk.mail.inbound.ingest_sources import SourceMessage, SourceProblem, find_messages

if TYPE_CHECKING:
    from relaydesk.mail.models import InboundMessage
    from relaydesk.tickets.models import Queue

EX_USAGE = 64
EX_DATAERR = 65  # stored, but in quarantine
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75  # not stored: the MTA keeps the message and retries

# Far above any MTA's message size limit (Postfix: 10 MB); only a runaway
# pipe reaches it. Messages above RELAYDESK_MAIL_MAX_BYTES are still stored
# (and quarantined by the pipeline) as long as they fit under this.
MAILGATE_READ_LIMIT = 256 * 1024 * 1024
READ_CHUNK = 1024 * 1024
JSON_TEXT_CHARS = 4000
SOURCE_MAX_CHARS = 1000  # InboundMessage.source
PROGRESS_SECONDS = 0.1
STATUS_ORDER = ("new_ticket", "follow_up", "duplicate", "quarantined")


# --- mailgate ----------------------------------------------------------------------


def cmd_mailgate(options: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        raise CommandFailed("mailgate reads one message on standard input", EX_USAGE)
    # Stderr goes to the MTA, which may quote it in a bounce to the sender:
    # one line of ours, no log records (quarantine reasons are in the admin).
    with logging_disabled(logging.CRITICAL):
        try:
            inbound = store_from_pipe(sys.stdin.buffer, options.queue)
        except CommandFailed:
            raise
        except Exception as exc:  # whatever it was, the message is not stored
            print(f"relaydesk: message not stored, try again: {failure_text(exc)}", file=sys.stderr)
            return EX_TEMPFAIL
        return process_for_mailgate(inbound)


def store_from_pipe(stdin: IO[bytes], queue_name: str | None) -> InboundMessage:
    """Read the message and store it durably. Raises when it is not stored."""
    setup_mail_django()
    from django.conf import settings

    from relaydesk.mail.inbound.store import store_raw
    from relaydesk.mail.models import InboundVia

    limit = max(MAILGATE_READ_LIMIT, settings.RELAYDESK_MAIL_MAX_BYTES)
    raw = read_limited(stdin, limit)
    if not raw:
        # An MTA always delivers headers; empty input is a hand-run mistake.
        raise CommandFailed("no message on standard input, nothing stored", EX_NOINPUT)
    queue, source = mailgate_queue(queue_name)
    return store_raw(raw, via=InboundVia.MAILGATE, queue=queue, source=source)


def setup_mail_django() -> None:
    """Django setup whose configuration errors are temporary for the MTA.

    A mistake in the environment is the operator's, not the sender's: the MTA
    should keep the message until it is fixed, not bounce it.
    """
    from relaydesk.cli.base import setup_django

    try:
        setup_django()
    except CommandFailed as exc:
        raise RuntimeError(str(exc)) from exc


def read_limited(stdin: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stdin.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            message = f"message larger than {limit} bytes refused, nothing stored"
            raise CommandFailed(message, EX_UNAVAILABLE)
        chunks.append(chunk)
    return b"".join(chunks)


def mailgate_queue(name: str | None) -> tuple[Queue | None, str]:
    """The queue --queue names, and the `source` note for the inbound row.

    An unknown name must not bounce customers' mail because of a typo in the
    MTA's configuration: the message is stored without the hint (the pipeline
    routes it by its addresses) and the row says which name was wrong.
    """
    if not name:
        return None, ""
    queue = find_queue(name)
    if queue is not None:
        return queue, ""
    print(f"relaydesk: warning: no queue {name!r}, routed by address", file=sys.stderr)
    return None, f"mailgate --queue {name!r}: no such queue"[:SOURCE_MAX_CHARS]


def find_queue(name: str) -> Queue | None:
    """A queue by its name, else by its email address."""
    from relaydesk.tickets.models import Queue

    return (
        Queue.objects.filter(name=name).first()
        or Queue.objects.filter(email_address__iexact=name).order_by("pk").first()
    )


def process_for_mailgate(inbound: InboundMessage) -> int:
    from relaydesk.mail.models import InboundStatus

    try:
        inbound = process_stored(inbound)
    except Exception as exc:
        # The pipeline quarantines every bad message itself; it raises only
        # when it cannot even do that (the database went away). Asking the
        # MTA to retry gets the message processed; the stored copy stays
        # "received" in the admin, where "process again" makes it a duplicate.
        print(
            f"relaydesk: message stored (reference {inbound.pk}) but not processed,"
            f" try again: {failure_text(exc)}",
            file=sys.stderr,
        )
        return EX_TEMPFAIL
    if inbound.status == InboundStatus.QUARANTINED:
        # This line may reach the sender in the MTA's bounce: no internals.
        print(
            f"relaydesk: message kept for review, not processed (reference {inbound.pk})",
            file=sys.stderr,
        )
        return EX_DATAERR
    return EXIT_OK


def process_stored(inbound: InboundMessage) -> InboundMessage:
    from relaydesk.mail.inbound.process import process_inbound

    return process_inbound(inbound)


@contextmanager
def logging_disabled(level: int) -> Iterator[None]:
    """Silence log records up to `level` (the pipeline logs each quarantine,
    with its traceback, to stderr), and restore what was there before."""
    previous = logging.root.manager.disable
    logging.disable(level)
    try:
        yield
    finally:
        logging.disable(previous)


def failure_text(exc: BaseException) -> str:
    if isinstance(exc, Exception) and (explanation := explain_database_error(exc)):
        return explanation
    if isinstance(exc, OSError):
        return f"storage unavailable: {first_line(exc)}"
    return f"{type(exc).__name__}: {first_line(exc)}"


# --- ingest ------------------------------------------------------------------------


@dataclass
class IngestSummary:
    """What an ingest run did, for the summary line and the exit code."""

    statuses: Counter[str] = field(default_factory=Counter)
    empty: int = 0
    unreadable: list[str] = field(default_factory=list)
    # Why the run stopped (the database or storage failed): the rest would too.
    not_stored: str = ""
    not_processed: str = ""

    @property
    def stored(self) -> int:
        return sum(self.statuses.values())

    def line(self) -> str:
        # "received" appears only when processing crashed after storing.
        names = [*STATUS_ORDER, *sorted(set(self.statuses) - set(STATUS_ORDER))]
        counts = ", ".join(f"{self.statuses[s]} {s.replace('_', ' ')}" for s in names)
        text = f"ingest: {self.stored} messages stored ({counts})"
        if self.empty:
            text += f"; {self.empty} empty files skipped"
        if self.unreadable:
            text += f"; {len(self.unreadable)} paths not readable"
        if self.not_stored:
            text += f"; stopped, not stored: {self.not_stored}"
        if self.not_processed:
            text += f"; stopped, stored but not processed: {self.not_processed}"
        return text

    def exit_code(self) -> int:
        failed = self.not_stored or self.not_processed or self.unreadable
        return EXIT_FAILURE if failed else EXIT_OK


Report = Callable[[str, "InboundMessage", bytes], None]


def ingest(
    paths: Iterable[str | Path],
    *,
    queue: Queue | None = None,
    report: Report | None = None,
    problem: Callable[[SourceProblem], None] | None = None,
) -> IngestSummary:
    """Store and process every message under `paths`; stops when storing fails.

    Messages go through the pipeline in batches (`process_many`): each batch is
    stored — every message durable — before any of it is processed. Running it
    again is safe: messages processed before are recognised as duplicates. The
    pipeline quarantines every message it cannot process and raises only when
    it cannot even do that (the database went away); such messages stay stored
    as "received" for an operator, and the run stops.
    """
    from relaydesk.mail.inbound.batch import BATCH_SIZE

    summary = IngestSummary()
    batch: list[SourceMessage] = []
    for found in find_messages(paths):
        if isinstance(found, SourceProblem):
            record_problem(summary, found)
            if problem is not None:
                problem(found)
            continue
        batch.append(found)
        if len(batch) == BATCH_SIZE and not ingest_batch(batch, queue, summary, report):
            return summary
        if len(batch) == BATCH_SIZE:
            batch = []
    if batch:
        ingest_batch(batch, queue, summary, report)
    return summary


def ingest_batch(
    batch: list[SourceMessage],
    queue: Queue | None,
    summary: IngestSummary,
    report: Report | None,
) -> bool:
    """Store, then process, one batch; False when the run must stop."""
    from relaydesk.mail.inbound.batch import process_many
    from relaydesk.mail.inbound.store import store_many
    from relaydesk.mail.models import InboundVia

    try:
        stored = store_many(
            [(found.raw, source_of(found)) for found in batch], via=InboundVia.INGEST, queue=queue
        )
    except Exception as exc:  # the rest would fail the same way
        summary.not_stored = f"{batch[0].path}: {failure_text(exc)}"
        return False
    try:
        processed = process_many(stored)
    except Exception as exc:
        where = f"{batch[0].path} and what follows (references {stored[0].pk}-{stored[-1].pk})"
        summary.not_processed = f"{where}: {failure_text(exc)}"
        return False
    for found, inbound in zip(batch, processed, strict=True):
        summary.statuses[inbound.status] += 1
        if report is not None:
            report(found.path, inbound, found.raw)
    return True


def record_problem(summary: IngestSummary, found: SourceProblem) -> None:
    if found.is_empty:
        summary.empty += 1
    else:
        summary.unreadable.append(found.path)


def source_of(found: SourceMessage) -> str:
    # The end of a long path names the file; the beginning is the least useful.
    return str(Path(found.path).absolute())[-SOURCE_MAX_CHARS:]


def cmd_ingest(options: argparse.Namespace) -> int:
    from relaydesk.cli.base import ensure_database, setup_django

    setup_django()
    ensure_database()
    queue = None
    if options.queue:
        queue = find_queue(options.queue)
        if queue is None:
            raise CommandFailed(f"no queue {options.queue!r}", EX_USAGE)
    output = IngestOutput(as_json=options.json, show_progress=sys.stderr.isatty())
    # Each quarantine is logged as a warning with its traceback: the summary
    # counts them, --json and the admin give their reasons.
    with logging_disabled(logging.WARNING):
        summary = ingest(options.paths, queue=queue, report=output.message, problem=output.problem)
    output.finish(summary)
    return summary.exit_code()


class IngestOutput:
    """JSON lines on stdout, a progress line on a terminal, problems on stderr."""

    def __init__(self, *, as_json: bool, show_progress: bool) -> None:
        self.as_json = as_json
        self.show_progress = show_progress and not as_json
        self.counts: Counter[str] = Counter()
        self.shown_at = 0.0

    def message(self, path: str, inbound: InboundMessage, raw: bytes) -> None:
        self.counts[inbound.status] += 1
        if self.as_json:
            line = json.dumps(message_record(path, inbound, raw), ensure_ascii=False)
            # Lone surrogates (from undecodable headers) must not stop the run.
            sys.stdout.buffer.write(line.encode("utf-8", "replace") + b"\n")
            sys.stdout.buffer.flush()
        self.progress()

    def problem(self, found: SourceProblem) -> None:
        self.clear_progress()
        print(f"relaydesk: {found.path}: {found.problem}, skipped", file=sys.stderr)

    def progress(self) -> None:
        if not self.show_progress or time.monotonic() - self.shown_at < PROGRESS_SECONDS:
            return
        self.shown_at = time.monotonic()
        counts = " ".join(f"{s.replace('_', ' ')} {self.counts[s]}" for s in STATUS_ORDER)
        sys.stderr.write(f"\ringest: {self.counts.total()} messages · {counts}")
        sys.stderr.flush()

    def clear_progress(self) -> None:
        if self.show_progress and self.shown_at:
            sys.stderr.write("\r\033[K")

    def finish(self, summary: IngestSummary) -> None:
        self.clear_progress()
        print(summary.line(), file=sys.stderr)


def message_record(path: str, inbound: InboundMessage, raw: bytes) -> dict[str, Any]:
    """The `--json` line of one message (see docs/mail.md)."""
    from relaydesk.mail.models import InboundStatus

    original = inbound.duplicate_of if inbound.duplicate_of_id else None
    article = inbound.article or (original.article if original else None)
    ticket = inbound.ticket or (original.ticket if original else None)
    subject, sender = (article.subject, article.from_address) if article else header_summary(raw)
    return {
        "path": path,
        "status": inbound.status,
        "ticket": ticket.number if ticket else None,
        "subject": subject,
        "from": sender,
        "text": article.body_text[:JSON_TEXT_CHARS] if article else "",
        "attachments": list(article.attachments.values_list("filename", flat=True))
        if article
        else [],
        "auto_reply": bool(article and article.is_auto_reply),
        "bounce": bool(article and article.is_bounce),
        "reason": inbound.reason if inbound.status == InboundStatus.QUARANTINED else None,
    }


def header_summary(raw: bytes) -> tuple[str, str]:
    """Subject and sender address of a message that has no article (quarantined).

    Only the header block, read leniently: a message quarantined for being too
    big or too odd to parse must not cost more here than in the pipeline.
    """
    from email.header import decode_header, make_header
    from email.utils import parseaddr

    from relaydesk.mail.inbound.raw import parse_headers, split_raw

    try:
        headers = parse_headers(split_raw(raw)[0])
    except Exception:  # a summary is best effort
        return "", ""

    def decoded(name: str) -> str:
        value = str(headers.get(name, ""))
        try:
            return str(make_header(decode_header(value))).strip()
        except Exception:  # malformed encoded words: show them as they are
            return value.strip()

    sender = decoded("from")
    return decoded("subject"), parseaddr(sender)[1] or sender
