"""`relaydesk ingest`: files, mbox files and Maildir folders, through the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relaydesk.accounts.models import AgentGroup
from relaydesk.cli import main
from relaydesk.cli.mail import ingest
from relaydesk.mail.inbound.ingest_sources import (
    SourceMessage,
    SourceProblem,
    find_messages,
)
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia
from relaydesk.tickets.models import Queue


def message(
    subject: str,
    message_id: str,
    *,
    sender: str = "alice@acme.example",
    body: str = "The printer on floor 3 prints blank pages.",
    headers: str = "",
) -> bytes:
    return (
        f"From: Alice <{sender}>\n"
        "To: support@desk.test\n"
        f"Subject: {subject}\n"
        f"Message-ID: <{message_id}>\n"
        "Date: Mon, 2 Jun 2025 09:00:00 +0000\n"
        f"{headers}"
        "\n"
        f"{body}\n"
    ).encode()


def mbox_of(*messages: bytes) -> bytes:
    envelope = b"From alice@acme.example Mon Jun  2 09:00:00 2025\n"
    return b"\n".join(envelope + raw for raw in messages)


def maildir(root: Path, new: dict[str, bytes], cur: dict[str, bytes]) -> Path:
    for folder, files in (("new", new), ("cur", cur), ("tmp", {"being-written": b"From: x"})):
        (root / folder).mkdir(parents=True)
        for name, raw in files.items():
            (root / folder / name).write_bytes(raw)
    return root


def found(paths: list[Path]) -> list[tuple[str, bytes | str]]:
    return [
        (item.path, item.raw if isinstance(item, SourceMessage) else item.problem)
        for item in find_messages(paths)
    ]


# --- finding messages (no database) --------------------------------------------------


def test_an_mbox_is_split_into_numbered_members_that_keep_their_envelope(tmp_path: Path) -> None:
    first, second = message("One", "1@acme.example"), message("Two", "2@acme.example")
    box = tmp_path / "archive"  # no extension: recognised by the first line
    box.write_bytes(mbox_of(first, second))

    assert found([box]) == [
        (f"{box}#1", b"From alice@acme.example Mon Jun  2 09:00:00 2025\n" + first),
        (f"{box}#2", b"From alice@acme.example Mon Jun  2 09:00:00 2025\n" + second),
    ]


def test_a_saved_message_with_one_envelope_line_is_taken_byte_for_byte(tmp_path: Path) -> None:
    raw = mbox_of(message("One", "1@acme.example")).replace(b"\n", b"\r\n")
    saved = tmp_path / "saved.eml"
    saved.write_bytes(raw)

    assert found([saved]) == [(str(saved), raw)]


def test_a_from_header_with_a_space_before_its_colon_is_a_message_not_an_mbox(
    tmp_path: Path,
) -> None:
    # RFC 5322's obsolete syntax allows "From  : …"; it must not lose the From line.
    raw = b"From  : John Doe <jdoe@example.net>\r\nSubject: Hi\r\n\r\nFrom the top.\r\n"
    odd = tmp_path / "example13.txt"
    odd.write_bytes(raw)

    assert found([odd]) == [(str(odd), raw)]


def test_a_maildir_yields_new_then_cur_and_skips_tmp(tmp_path: Path) -> None:
    box = maildir(
        tmp_path / "Mail",
        new={"2.host": message("New", "n@acme.example")},
        cur={"1.host:2,S": message("Seen", "s@acme.example"), ".hidden": b"x"},
    )
    (box / "dovecot-uidlist").write_bytes(b"3 V1 N2\n")
    maildir(box / ".Archive", new={}, cur={"0.host:2,S": message("Old", "o@acme.example")})

    assert [path for path, _raw in found([box])] == [
        str(box / "new" / "2.host"),
        str(box / "cur" / "1.host:2,S"),
        str(box / ".Archive" / "cur" / "0.host:2,S"),
    ]


def test_folders_are_walked_in_name_order_and_problems_are_reported_not_fatal(
    tmp_path: Path,
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mail.weird-extension").write_bytes(message("B", "b@acme.example"))
    (tmp_path / "a.eml").write_bytes(message("A", "a@acme.example"))
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "b" / "loop").symlink_to(tmp_path)  # walked once, not forever
    missing = tmp_path / "missing.eml"

    items = list(find_messages([tmp_path, missing]))

    assert [(type(item).__name__, item.path) for item in items] == [
        ("SourceMessage", str(tmp_path / "a.eml")),
        ("SourceMessage", str(tmp_path / "b" / "mail.weird-extension")),
        ("SourceProblem", str(tmp_path / "empty.eml")),
        ("SourceProblem", str(missing)),
    ]
    problems = [item for item in items if isinstance(item, SourceProblem)]
    assert [(p.problem, p.is_empty) for p in problems] == [
        ("empty file", True),
        ("No such file or directory", False),
    ]


# --- ingesting (pipeline, test database) ---------------------------------------------


@pytest.fixture
def support(db: None) -> Queue:
    group = AgentGroup.objects.create(name="Support team")
    return Queue.objects.create(name="Support", email_address="support@desk.test", group=group)


def mixed_folder(root: Path) -> Path:
    """An mbox (a request and its reply), a Maildir, an .eml and an odd extension."""
    request = message("Printer jammed", "req@acme.example")
    reply = message(
        "Re: Printer jammed",
        "reply@acme.example",
        body="It works again, thanks.",
        headers="In-Reply-To: <req@acme.example>\n",
    )
    root.mkdir()
    (root / "1-archive.mbox").write_bytes(mbox_of(request, reply))
    maildir(root / "2-Maildir", new={"1.host": message("VPN down", "vpn@acme.example")}, cur={})
    (root / "3-single.eml").write_bytes(request)  # the mbox's first message again
    (root / "4-out-of-office.data").write_bytes(
        message(
            "Out of office",
            "ooo@acme.example",
            sender="bob@acme.example",
            body="I am away until Monday.",
            headers="Auto-Submitted: auto-replied\n",
        )
    )
    return root


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_ingest_json_prints_one_line_per_message(
    support: Queue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = mixed_folder(tmp_path / "import")

    code = main(["ingest", "--queue", "Support", "--json", str(folder)])

    out, err = capsys.readouterr()
    assert code == 0, err
    lines = json_lines(out)
    assert [(line["path"], line["status"]) for line in lines] == [
        (f"{folder}/1-archive.mbox#1", "new_ticket"),
        (f"{folder}/1-archive.mbox#2", "follow_up"),
        (f"{folder}/2-Maildir/new/1.host", "new_ticket"),
        (f"{folder}/3-single.eml", "duplicate"),
        (f"{folder}/4-out-of-office.data", "new_ticket"),
    ]
    request, reply, vpn, duplicate, away = lines
    assert set(request) == {
        "path",
        "status",
        "ticket",
        "subject",
        "from",
        "text",
        "attachments",
        "auto_reply",
        "bounce",
        "reason",
    }
    assert request["ticket"] == reply["ticket"] == duplicate["ticket"] != vpn["ticket"]
    assert (request["subject"], request["from"]) == ("Printer jammed", "alice@acme.example")
    assert request["text"].strip() == "The printer on floor 3 prints blank pages."
    assert (request["attachments"], request["auto_reply"], request["bounce"]) == ([], False, False)
    assert request["reason"] is None
    assert reply["text"].strip() == "It works again, thanks."
    assert (away["auto_reply"], away["from"]) == (True, "bob@acme.example")
    assert err.strip().endswith(
        "ingest: 5 messages stored (3 new ticket, 1 follow up, 1 duplicate, 0 quarantined)"
    )
    rows = InboundMessage.objects.filter(via=InboundVia.INGEST)
    assert rows.count() == 5
    assert {row.queue_id for row in rows} == {support.pk}


def test_ingest_json_names_attachments_and_quarantines_what_it_cannot_process(
    support: Queue, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.RELAYDESK_MAIL_MAX_BYTES = 4000
    with_file = (
        b"From: alice@acme.example\nTo: support@desk.test\nSubject: Log file\n"
        b"Message-ID: <att@acme.example>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nThe log is attached.\n"
        b'--b\nContent-Type: text/plain; name="error.log"\n'
        b'Content-Disposition: attachment; filename="error.log"\n\nerror 50.2\n--b--\n'
    )
    (tmp_path / "a.eml").write_bytes(with_file)
    (tmp_path / "b.eml").write_bytes(message("Huge", "huge@acme.example", body="x" * 5000))

    code = main(["ingest", "--json", str(tmp_path)])

    out, _err = capsys.readouterr()
    attached, huge = json_lines(out)
    assert code == 0
    assert (attached["status"], attached["attachments"]) == ("new_ticket", ["error.log"])
    assert attached["text"].strip() == "The log is attached."
    assert (huge["status"], huge["ticket"], huge["text"], huge["attachments"]) == (
        "quarantined",
        None,
        "",
        [],
    )
    assert (huge["subject"], huge["from"]) == ("Huge", "alice@acme.example")
    assert huge["reason"]


def test_ingest_again_recognises_every_message_as_a_duplicate(
    support: Queue, tmp_path: Path
) -> None:
    folder = mixed_folder(tmp_path / "import")
    first = ingest([folder], queue=support)

    again = ingest([folder], queue=support)

    assert (first.stored, first.exit_code()) == (5, 0)
    assert (dict(again.statuses), again.exit_code()) == ({InboundStatus.DUPLICATE: 5}, 0)


def test_a_text_body_longer_than_4000_characters_is_cut_in_the_json(
    support: Queue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "long.eml").write_bytes(message("Long", "long@acme.example", body="y" * 9000))

    assert main(["ingest", "--json", str(tmp_path)]) == 0

    (line,) = json_lines(capsys.readouterr().out)
    assert line["text"] == "y" * 4000


def test_unreadable_paths_are_reported_and_fail_the_run_after_the_rest_is_stored(
    support: Queue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.eml").write_bytes(message("A", "a@acme.example"))
    (tmp_path / "empty.eml").write_bytes(b"")

    code = main(["ingest", str(tmp_path), str(tmp_path / "missing")])

    err = capsys.readouterr().err
    assert code == 1
    assert f"relaydesk: {tmp_path / 'missing'}: No such file or directory, skipped" in err
    assert err.strip().endswith("1 empty files skipped; 1 paths not readable")
    assert InboundMessage.objects.count() == 1


def test_an_unknown_queue_is_refused_before_anything_is_stored(
    support: Queue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.eml").write_bytes(message("A", "a@acme.example"))

    code = main(["ingest", "--queue", "Suport", str(tmp_path)])

    assert code == 64
    assert capsys.readouterr().err == "relaydesk: no queue 'Suport'\n"
    assert not InboundMessage.objects.exists()


def test_a_storage_failure_stops_the_run_and_says_what_was_not_stored(
    support: Queue, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.eml").write_bytes(message("A", "a@acme.example"))
    (tmp_path / "b.eml").write_bytes(message("B", "b@acme.example"))
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    settings.MEDIA_ROOT = str(blocker / "files")  # below a file: every save fails

    code = main(["ingest", str(tmp_path / "a.eml"), str(tmp_path / "b.eml")])

    err = capsys.readouterr().err
    assert code == 1
    assert f"stopped, not stored: {tmp_path / 'a.eml'}: storage unavailable:" in err
    assert not InboundMessage.objects.exists()
