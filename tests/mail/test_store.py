"""Store first: raw bytes and a RECEIVED row, committed before anything else."""

from __future__ import annotations

import hashlib

import pytest
from pytest_django.fixtures import Settings

from relaydesk.core.storage import read_blob
from relaydesk.mail.inbound import store as store_module
from relaydesk.mail.inbound.raw import (
    content_fingerprint,
    message_id_of,
    split_raw,
    strip_internal_headers,
)
from relaydesk.mail.inbound.store import store_raw
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia
from tests.factories import Directory
from tests.mail.inbound_helpers import raw_mail

pytestmark = pytest.mark.django_db


def test_the_raw_bytes_and_a_received_row_are_stored(directory: Directory) -> None:
    raw = raw_mail(message_id="first@mua.example")

    row = store_raw(raw, via=InboundVia.MAILGATE, queue=directory.support, source="stdin")

    row.refresh_from_db()
    assert row.status == InboundStatus.RECEIVED
    assert row.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert row.size == len(raw)
    assert row.message_id == "first@mua.example"
    assert row.via == InboundVia.MAILGATE
    assert row.queue == directory.support
    assert row.source == "stdin"
    assert read_blob(row.raw_sha256) == raw


def test_the_same_bytes_twice_are_two_deliveries_of_one_blob(db: None) -> None:
    raw = raw_mail()

    first = store_raw(raw, via="ingest")
    second = store_raw(raw, via="ingest")

    assert first.pk != second.pk
    assert first.raw_sha256 == second.raw_sha256


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without any header",
        b"From: \xff\xfe\r\nMessage-ID: <\xff@\xfe>\r\n\r\nbody",
        b"Message-ID: " + b"<" + b"x" * 5000 + b"@y>\n\nlong",
        b"Subject: no blank line and no body",
    ],
)
def test_garbage_is_stored_too(db: None, raw: bytes) -> None:
    row = store_raw(raw, via="ingest")

    assert InboundMessage.objects.filter(pk=row.pk, status=InboundStatus.RECEIVED).exists()
    assert read_blob(row.raw_sha256) == raw
    assert len(row.message_id) <= 998


def test_an_oversized_message_is_stored_not_refused(db: None, settings: Settings) -> None:
    settings.RELAYDESK_MAIL_MAX_BYTES = 100
    raw = raw_mail(body="x" * 1000)

    row = store_raw(raw, via="ingest")

    assert row.size == len(raw) > 100
    assert row.status == InboundStatus.RECEIVED


def test_a_storage_failure_raises_and_leaves_no_row(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(content: bytes) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "store_blob", broken)

    with pytest.raises(OSError, match="disk full"):
        store_raw(raw_mail(), via="ingest")
    assert not InboundMessage.objects.exists()


def test_an_unknown_way_in_is_a_programming_error(db: None) -> None:
    with pytest.raises(ValueError, match="carrier pigeon"):
        store_raw(raw_mail(), via="carrier pigeon")


def test_message_ids_are_read_leniently() -> None:
    assert message_id_of(b"Message-ID: <a@b>\r\n\r\n") == "a@b"
    assert message_id_of(b"Message-Id:   a@b  \n\n") == "a@b"
    assert message_id_of(b"Message-ID:\n <folded@b>\n\nx") == "folded@b"
    assert message_id_of(b"Subject: none\n\n") == ""
    assert message_id_of(b"Message-ID: two words\n\n") == ""
    assert message_id_of(b"\nMessage-ID: <in-the-body@b>\n") == ""


def test_split_raw_finds_the_first_blank_line() -> None:
    assert split_raw(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore") == (
        b"A: 1\r\nB: 2",
        b"body\r\n\r\nmore",
    )
    assert split_raw(b"A: 1\n\nbody") == (b"A: 1", b"body")
    assert split_raw(b"A: 1") == (b"A: 1", b"")


def test_internal_headers_are_stripped_with_their_continuations() -> None:
    raw = (
        b"From: a@b\r\nX-Relaydesk-Queue: Hardware\r\n  continued\r\n"
        b"x-relaydesk-sender-kind: agent\r\nSubject: hi\r\n\r\n"
        b"X-Relaydesk-Queue: in the body stays\r\n"
    )

    stripped = strip_internal_headers(raw)

    assert stripped == (b"From: a@b\r\nSubject: hi\r\n\r\nX-Relaydesk-Queue: in the body stays\r\n")
    untouched = b"From: a@b\r\n\r\nbody"
    assert strip_internal_headers(untouched) is untouched


def test_the_fingerprint_ignores_how_a_message_travelled() -> None:
    raw = raw_mail(message_id="same@mua.example", to="support@desk.test, hardware@desk.test")
    via_support = b"Delivered-To: support@desk.test\r\nReceived: from mx1\r\n" + raw
    via_hardware = b"Delivered-To: hardware@desk.test\r\nReceived: from mx2\r\n" + raw.replace(
        b"\n", b"\r\n"
    )
    other = raw_mail(message_id="same@mua.example", body="Something else entirely.")

    assert content_fingerprint(via_support) == content_fingerprint(via_hardware)
    assert content_fingerprint(via_support) != content_fingerprint(other)
