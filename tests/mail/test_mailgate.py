"""`relaydesk mailgate` as an MTA runs it: a process, a message on stdin, an exit code.

The processes share a database of their own, migrated once for the module: a
SQLite file in a temporary data dir, or a throwaway PostgreSQL database when
the suite runs on PostgreSQL (the test database's rows are invisible to
another process until committed, and SQLite's test database lives in memory).
The tests read what the processes wrote through `relaydesk manage shell`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection

from relaydesk.cli import mail as mail_cli
from relaydesk.cli import main
from relaydesk.mail.models import InboundMessage, InboundStatus
from tests.core.test_cli import free_port, relaydesk_command
from tests.test_bench import throwaway_postgres_database

pytestmark = pytest.mark.slow

EX_DATAERR = 65
EX_NOINPUT = 66
EX_TEMPFAIL = 75

SETUP = """
from relaydesk.accounts.models import AgentGroup
from relaydesk.tickets.models import Queue
Queue.objects.create(
    name="Support", email_address="support@desk.test",
    group=AgentGroup.objects.create(name="Support team"),
)
"""
# Every inbound row, oldest first, as one JSON line.
ROWS = """
import json
from relaydesk.mail.models import InboundMessage
print(json.dumps([
    {"status": m.status, "via": m.via, "ticket": m.ticket.number if m.ticket else None,
     "queue": m.queue.name if m.queue else None, "source": m.source, "reason": m.reason}
    for m in InboundMessage.objects.select_related("ticket", "queue").order_by("id")
]))
"""


@dataclass
class Installation:
    """A data dir and a migrated database that the subprocesses share."""

    env: dict[str, str]

    def run(self, *args: str, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*relaydesk_command(), *args],
            input=stdin,
            env={**self.env, **env},
            capture_output=True,
            timeout=120,
            check=False,
        )

    def mailgate(self, raw: bytes, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
        return self.run("mailgate", *args, stdin=raw, **env)

    def shell(self, code: str) -> str:
        done = self.run("manage", "shell", "--no-imports", "-c", code)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.shell(ROWS).splitlines()[-1])
        return rows


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    data_dir = tmp_path_factory.mktemp("mailgate-data")
    env = base_environment(data_dir)
    with ExitStack() as stack:
        if connection.vendor == "postgresql":
            env["RELAYDESK_DATABASE_URL"] = stack.enter_context(throwaway_postgres_database())
        else:
            env["RELAYDESK_DATABASE_URL"] = f"sqlite:///{data_dir / 'relaydesk.sqlite3'}"
        installed = Installation(env)
        migrated = installed.run("migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr.decode()
        installed.shell(SETUP)
        yield installed


def base_environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAYDESK_")}
    env.update(
        RELAYDESK_DATA_DIR=str(data_dir),
        RELAYDESK_SECRET_KEY="mailgate tests: the same key in every process",
        DJANGO_SETTINGS_MODULE="relaydesk.settings",
    )
    return env


def message(subject: str, message_id: str, *, headers: str = "", body: str = "Hello") -> bytes:
    return (
        "From: Alice <alice@acme.example>\r\n"
        "To: support@desk.test\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "Date: Mon, 2 Jun 2025 09:00:00 +0000\r\n"
        f"{headers}\r\n"
        f"{body}\r\n"
    ).encode()


def new_rows(installation: Installation, before: int) -> list[dict[str, Any]]:
    return installation.rows()[before:]


def test_a_good_mail_opens_a_ticket_a_reply_follows_it_a_redelivery_is_a_duplicate(
    installation: Installation,
) -> None:
    before = len(installation.rows())
    request = message("Printer jammed", "printer@acme.example")
    reply = message(
        "Re: Printer jammed",
        "reply@acme.example",
        headers="In-Reply-To: <printer@acme.example>\r\n",
    )

    results = [
        installation.mailgate(request, "--queue", "Support"),
        installation.mailgate(reply),
        installation.mailgate(request, "--queue", "Support"),
    ]

    assert [(r.returncode, r.stdout, r.stderr) for r in results] == [(0, b"", b"")] * 3
    opened, followed, again = new_rows(installation, before)
    assert (opened["status"], opened["via"], opened["queue"]) == (
        "new_ticket",
        "mailgate",
        "Support",
    )
    assert (followed["status"], again["status"]) == ("follow_up", "duplicate")
    assert opened["ticket"]
    assert opened["ticket"] == followed["ticket"] == again["ticket"]


def test_a_message_the_pipeline_cannot_process_is_kept_in_quarantine_with_exit_65(
    installation: Installation,
) -> None:
    # An honest trigger: the size limit the pipeline enforces (RELAYDESK_MAIL_MAX_BYTES).
    before = len(installation.rows())
    big = message("Scan of the contract", "scan@acme.example", body="x" * 5000)

    result = installation.mailgate(big, "--queue", "Support", RELAYDESK_MAIL_MAX_BYTES="2000")

    assert result.returncode == EX_DATAERR, result.stderr
    stored = new_rows(installation, before)
    assert [(row["status"], row["ticket"]) for row in stored] == [("quarantined", None)]
    assert stored[0]["reason"]
    # One line, nothing internal: an MTA may put it in the bounce to the sender.
    assert result.stderr.decode().count("\n") == 1
    assert result.stderr.decode().startswith("relaydesk: message kept for review")


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param("postgres://postgres@127.0.0.1:{port}/relaydesk", id="postgres-closed-port"),
        pytest.param("sqlite:///{missing}/relaydesk.sqlite3", id="sqlite-missing-folder"),
    ],
)
def test_an_unreachable_database_is_a_temporary_failure_so_the_mta_retries(
    installation: Installation, tmp_path: Path, database_url: str
) -> None:
    url = database_url.format(port=free_port(), missing=tmp_path / "missing")

    result = installation.mailgate(
        message("Hello", "down@acme.example"), RELAYDESK_DATABASE_URL=url
    )

    assert result.returncode == EX_TEMPFAIL
    err = result.stderr.decode()
    assert err.startswith("relaydesk: message not stored, try again: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_unwritable_storage_is_a_temporary_failure_and_stores_nothing(
    installation: Installation, tmp_path: Path
) -> None:
    # Root ignores file permissions; a regular file where the files folder
    # should be makes every storage write fail, for root too.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "files").write_bytes(b"not a folder")
    before = len(installation.rows())

    result = installation.mailgate(
        message("Hello", "storage@acme.example"), RELAYDESK_DATA_DIR=str(data_dir)
    )

    assert result.returncode == EX_TEMPFAIL
    assert result.stderr.decode().startswith(
        "relaydesk: message not stored, try again: storage unavailable: "
    )
    assert len(installation.rows()) == before


def test_an_unknown_queue_still_stores_the_message_and_says_which_name_was_wrong(
    installation: Installation,
) -> None:
    before = len(installation.rows())

    result = installation.mailgate(message("Typo", "typo@acme.example"), "--queue", "Suport")

    assert result.returncode == 0
    assert result.stderr == b"relaydesk: warning: no queue 'Suport', routed by address\n"
    (row,) = new_rows(installation, before)
    assert (row["status"], row["queue"]) == ("new_ticket", None)
    assert row["source"] == "mailgate --queue 'Suport': no such queue"


def test_empty_input_stores_nothing_and_is_not_a_message(installation: Installation) -> None:
    before = len(installation.rows())

    result = installation.mailgate(b"")

    assert result.returncode == EX_NOINPUT
    assert result.stderr == b"relaydesk: no message on standard input, nothing stored\n"
    assert len(installation.rows()) == before


def test_ingest_as_a_process_prints_json_and_exits_0(
    installation: Installation, tmp_path: Path
) -> None:
    (tmp_path / "one.eml").write_bytes(message("From a file", "file@acme.example"))

    result = installation.run("ingest", "--json", "--queue", "Support", str(tmp_path))

    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stdout.decode().splitlines()]
    assert (line["path"], line["status"], line["subject"]) == (
        str(tmp_path / "one.eml"),
        "new_ticket",
        "From a file",
    )
    assert result.stderr.decode().startswith("ingest: 1 messages stored (1 new ticket,")


class Pipe:
    """Standard input as an MTA gives it: bytes, not a terminal."""

    def __init__(self, raw: bytes) -> None:
        self.buffer = io.BytesIO(raw)

    def isatty(self) -> bool:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_after_storing_asks_the_mta_to_retry_and_keeps_the_copy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: the only way to make the database fail between the two
    # steps. The pipeline quarantines everything it can; it raises only when
    # it cannot write the quarantine either.
    def database_gone(inbound: InboundMessage) -> InboundMessage:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(sys, "stdin", Pipe(message("Hello", "gone@acme.example")))
    monkeypatch.setattr(mail_cli, "process_stored", database_gone)

    code = main(["mailgate"])

    (row,) = InboundMessage.objects.all()
    assert code == EX_TEMPFAIL
    assert row.status == InboundStatus.RECEIVED
    assert capsys.readouterr().err == (
        f"relaydesk: message stored (reference {row.pk}) but not processed, try again:"
        " the database is unavailable: server closed the connection unexpectedly\n"
    )
