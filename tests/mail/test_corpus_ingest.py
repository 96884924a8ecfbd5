"""The whole email corpus through `ingest`: every message is stored and settled.

Zero lost, zero crashes: each message index.jsonl lists ends as a new ticket,
a follow-up, a duplicate or a quarantine entry. (How well the parser reads
them is tests/mail/test_corpus_parse.py's business.) Counts per status and per
source are printed for the issue's closing note.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from relaydesk.accounts.models import AgentGroup
from relaydesk.cli.mail import ingest
from relaydesk.mail.models import InboundMessage
from relaydesk.tickets.models import Queue
from tests.mail.corpus import corpus_dir, load_index

SETTLED = {"new_ticket", "follow_up", "duplicate", "quarantined"}


def status_table(title: str, counts: dict[str, Counter[str]]) -> str:
    columns = sorted(SETTLED)
    lines = [f"{title:<24}" + "".join(f"{c:>13}" for c in columns) + f"{'total':>8}"]
    for name in sorted(counts):
        row = counts[name]
        cells = "".join(f"{row[c]:>13}" for c in columns)
        lines.append(f"{name:<24}{cells}{row.total():>8}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.django_db
def test_every_corpus_message_is_stored_and_settled(capsys: pytest.CaptureFixture[str]) -> None:
    entries = load_index()
    corpus = corpus_dir()
    group = AgentGroup.objects.create(name="Support team")
    queue = Queue.objects.create(name="Support", email_address="support@desk.test", group=group)
    statuses: dict[str, list[str]] = {}

    def report(path: str, inbound: InboundMessage, raw: bytes) -> None:
        # An mbox member is reported as "file#N"; the index lists the file.
        relative = str(Path(path.split("#", 1)[0]).relative_to(corpus))
        statuses.setdefault(relative, []).append(inbound.status)

    summary = ingest([corpus / entry["path"] for entry in entries], queue=queue, report=report)

    assert (summary.not_stored, summary.unreadable, summary.empty) == ("", [], 0)
    lost = [entry["path"] for entry in entries if entry["path"] not in statuses]
    assert lost == []
    unsettled = {path: s for path, s in statuses.items() if not set(s) <= SETTLED}
    assert unsettled == {}
    assert InboundMessage.objects.count() == sum(len(s) for s in statuses.values())

    per_source: dict[str, Counter[str]] = {}
    for entry in entries:
        per_source.setdefault(entry["source"], Counter()).update(statuses[entry["path"]])
    per_source["all"] = Counter(summary.statuses)
    with capsys.disabled():
        print("\n" + status_table("corpus ingest", per_source))  # noqa: T201 - for the closing note
