"""`mail`: the email corpus through the inbound pipeline, one message at a time.

Each message is stored raw and processed (parsed, threaded, ticket written)
exactly as `relaydesk mailgate` and `relaydesk ingest` do it, in one thread:
the figure is messages per second per worker. The corpus is repeated until
there are N messages; every copy gets a Message-ID of its own, so that each is
a new message and not a redelivery the pipeline would recognise as duplicate.
Reading the corpus and rewriting the headers happen before the clock starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli import positive
from bench.environment import database_label
from bench.timing import Measurement, Operation, measure, percentile

if TYPE_CHECKING:
    from bench.fixture import BenchFixture

# The corpus lives next to the repository (../shared/corpus/email);
# RELAYDESK_CORPUS_DIR points elsewhere, as for the tests.
DEFAULT_CORPUS = Path(
    os.environ.get("RELAYDESK_CORPUS_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus" / "email"
)
PROGRESS_EVERY = 250
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"message-id[ \t]*:", re.IGNORECASE)


def add_mail_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser("mail", help="ingest the email corpus through the pipeline")
    command.add_argument("--n", type=positive, default=2000, help="messages (default 2000)")
    command.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with index.jsonl"
    )
    command.add_argument(
        "--batch",
        type=positive,
        default=50,
        help="messages stored and processed together, as `relaydesk ingest` does (default 50;"
        " 1 is the mail gate's one message at a time)",
    )
    command.add_argument(
        "--json-only", action="store_true", help="no progress on stderr, only the result"
    )


def corpus_messages(corpus: Path) -> list[bytes]:
    """The corpus's messages as stored: the files index.jsonl lists, else all."""
    from relaydesk.mail.inbound.ingest_sources import SourceMessage, find_messages

    index = corpus / "index.jsonl"
    if index.exists():
        lines = index.read_text().splitlines()
        paths = [corpus / json.loads(line)["path"] for line in lines if line.strip()]
    else:
        paths = [corpus]
    return [found.raw for found in find_messages(paths) if isinstance(found, SourceMessage)]


def with_message_id(raw: bytes, message_id: str) -> bytes:
    """The message with its Message-ID replaced (or added) at the top of the headers."""
    match = _HEADER_END.search(raw)
    header_end = match.start() if match else len(raw)
    newline = b"\r\n" if b"\r\n" in raw[: header_end + 2] else b"\n"
    lines = raw[:header_end].splitlines(keepends=True)
    # An mbox envelope line ("From sender date") must stay first.
    envelope = [lines.pop(0)] if lines and lines[0].startswith(b"From ") else []
    kept: list[bytes] = []
    dropping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):  # a continuation of the line before
            if not dropping:
                kept.append(line)
            continue
        dropping = _MESSAGE_ID.match(line) is not None
        if not dropping:
            kept.append(line)
    header = f"Message-ID: <{message_id}>".encode() + newline
    return b"".join([*envelope, header, *kept]) + raw[header_end:]


def mail_operation(
    fixture: BenchFixture, messages: list[bytes], statuses: Counter[str], batch: int
) -> Operation:
    """Operation `index` takes messages [index * batch, (index + 1) * batch)."""
    from relaydesk.mail.inbound.batch import process_many
    from relaydesk.mail.inbound.store import store_many
    from relaydesk.mail.models import InboundVia

    def ingest(index: int) -> str:
        first = index * batch
        chunk = [
            (raw, f"bench {first + offset}")
            for offset, raw in enumerate(messages[first : first + batch])
        ]
        stored = store_many(chunk, via=InboundVia.INGEST, queue=fixture.queue)
        for inbound in process_many(stored):
            statuses[inbound.status] += 1
        return str(index)

    return ingest


def with_progress(
    operation: Operation, n: int, batch: int, progress: Callable[[str], None]
) -> Operation:
    def run(index: int) -> str:
        result = operation(index)
        done = min(n, (index + 1) * batch)
        if done // PROGRESS_EVERY > (done - batch) // PROGRESS_EVERY or done == n:
            progress(f"mail: {done}/{n}")
        return result

    return run


def summarise_mail(
    n: int, batch: int, measurement: Measurement, statuses: Counter[str]
) -> dict[str, Any]:
    latencies = measurement.latencies  # one per batch
    wall = measurement.wall_seconds
    return {
        "op": "mail",
        "database": database_label()[0],
        "n": n,
        "batch": batch,
        "per_s": round(statuses.total() / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "max_ms": round(max(latencies, default=0.0) * 1000, 2),
        "quarantined": statuses["quarantined"],
        "errors": len(measurement.errors),
    }


def main_mail(
    options: argparse.Namespace, fixture: BenchFixture, progress: Callable[[str], None]
) -> int:
    corpus = corpus_messages(options.corpus)
    if not corpus:
        progress(f"mail: no messages in {options.corpus}")
        return 1
    run = uuid.uuid4().hex[:12]  # unique across runs on the same database
    messages = [
        with_message_id(corpus[i % len(corpus)], f"bench.{run}.{i}@bench.example")
        for i in range(options.n)
    ]
    vendor, name = database_label()
    progress(f"mail: {options.n} messages from {len(corpus)} in the corpus, {vendor} {name}")
    statuses: Counter[str] = Counter()
    batch = options.batch
    operation = with_progress(
        mail_operation(fixture, messages, statuses, batch), options.n, batch, progress
    )
    measurement = measure(operation, n=math.ceil(options.n / batch), concurrency=1)
    progress("mail: " + ", ".join(f"{count} {s}" for s, count in sorted(statuses.items())))
    result = summarise_mail(options.n, batch, measurement, statuses)
    print(json.dumps(result), flush=True)
    return 0 if result["errors"] == 0 else 1
