"""Fetching from POP3 against a real Dovecot (messages put there with IMAP
APPEND): stored first, deleted only by a QUIT after that, kept messages taken
once."""

from __future__ import annotations

import poplib

import pytest

from relaydesk.core.storage import read_blob
from relaydesk.mail.inbound.fetch import fetch_account, fetch_active_accounts
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia
from relaydesk.tickets.models import Article, Ticket
from tests.mail.conftest import AccountMaker
from tests.mail.dovecot import DovecotServer

# Fetching commits (store_raw is durable): transactional tests. tests/conftest.py
# brings back the default states a previous transactional test's flush removed.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


def mail(number: int, *, body: str = "") -> bytes:
    return (
        "From: Bob <bob@acme.example>\r\n"
        "To: support@desk.test\r\n"
        f"Subject: VPN problem {number}\r\n"
        f"Message-ID: <fetch-pop3-{number}@acme.example>\r\n"
        "Date: Mon, 2 Jun 2025 09:00:00 +0000\r\n"
        "\r\n"
        f"{body or f'The VPN drops every {number} minutes.'}\r\n"
    ).encode()


def unique_ids(dovecot: DovecotServer, user: str = "desk") -> list[str]:
    client = poplib.POP3(dovecot.host, dovecot.ports.pop3, timeout=10)
    try:
        client.user(user)
        client.pass_(dovecot.users[user])
        _, lines, _ = client.uidl()
    finally:
        client.quit()
    return [line.decode().split()[1] for line in lines]


def test_delete_stores_every_message_then_removes_it(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(protocol="pop3", after_import="delete")
    # Lines that start with a dot travel dot-stuffed (RFC 1939 3) and must
    # arrive as they were written.
    dotted = mail(2, body=".signature\r\n..\r\n.")
    dovecot.append(mail(1))
    dovecot.append(dotted)
    expected_ids = unique_ids(dovecot)

    report = fetch_account(account)

    assert (report.fetched, report.already_stored, report.removed, report.error) == (2, 0, 2, "")
    stored = list(InboundMessage.objects.order_by("pk"))
    assert [row.source for row in stored] == [f"pop3:{uid}" for uid in expected_ids]
    assert [read_blob(row.raw_sha256) for row in stored] == [mail(1), dotted]
    assert {(row.via, row.account_id, row.queue_id) for row in stored} == {
        (InboundVia.POP3, account.pk, account.queue_id)
    }
    assert {row.status for row in stored} == {InboundStatus.NEW_TICKET}
    assert Ticket.objects.count() == 2
    assert dovecot.messages() == {}
    account.refresh_from_db()
    assert account.last_error == ""
    assert account.last_fetched_at is not None


def test_keep_takes_each_message_once(dovecot: DovecotServer, mail_account: AccountMaker) -> None:
    account = mail_account(protocol="pop3", after_import="keep")
    dovecot.append(mail(1))

    first = fetch_account(account)
    second = fetch_account(account)
    dovecot.append(mail(2))
    third = fetch_account(account)

    assert [(r.fetched, r.already_stored, r.removed, r.error) for r in (first, second, third)] == [
        (1, 0, 0, ""),
        (0, 1, 0, ""),
        (1, 1, 0, ""),
    ]
    assert sorted(dovecot.messages().values()) == [mail(1), mail(2)]
    assert InboundMessage.objects.count() == 2
    assert Ticket.objects.count() == 2


def test_a_run_takes_at_most_its_limit(dovecot: DovecotServer, mail_account: AccountMaker) -> None:
    account = mail_account(protocol="pop3", after_import="delete")
    for number in (1, 2, 3):
        dovecot.append(mail(number))

    first = fetch_account(account, limit=2)
    second = fetch_account(account, limit=2)

    assert [(r.fetched, r.removed, r.has_more) for r in (first, second)] == [
        (2, 2, True),
        (1, 1, False),
    ]
    assert dovecot.messages() == {}


def test_a_connection_lost_before_quit_neither_loses_nor_duplicates(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DELE was sent but QUIT never arrived: the server keeps the message, and
    the next run only deletes it."""
    account = mail_account(protocol="pop3", after_import="delete")
    dovecot.append(mail(1))

    def lost(self: poplib.POP3) -> bytes:
        raise ConnectionResetError("connection lost before QUIT")

    with monkeypatch.context() as patch:
        patch.setattr(poplib.POP3, "quit", lost)
        crashed = fetch_account(account)

    assert crashed.error == "ConnectionResetError: connection lost before QUIT"
    assert list(dovecot.messages().values()) == [mail(1)]
    account.refresh_from_db()
    assert account.last_error == crashed.error

    again = fetch_account(account)

    assert (again.fetched, again.already_stored, again.removed, again.error) == (0, 1, 1, "")
    assert dovecot.messages() == {}
    assert InboundMessage.objects.count() == 1
    assert Article.objects.count() == 1


def test_a_wrong_password_is_recorded_and_other_accounts_are_still_fetched(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    broken = mail_account(protocol="pop3", password="wrong")
    working = mail_account(protocol="pop3", user="other")
    dovecot.append(mail(1))
    dovecot.append(mail(2), user="other")

    reports = {report.account: report for report in fetch_active_accounts()}

    assert reports[broken.name].error.startswith("POP3 login as 'desk' failed: -ERR ")
    assert (reports[working.name].fetched, reports[working.name].error) == (1, "")
    assert list(InboundMessage.objects.values_list("account", flat=True)) == [working.pk]
    assert list(dovecot.messages().values()) == [mail(1)]
    broken.refresh_from_db()
    assert broken.last_error == reports[broken.name].error
    assert broken.last_fetched_at is None


def test_lines_longer_than_poplib_allows_arrive_whole(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    """poplib refuses lines over 2048 bytes; such a message must not block the account."""
    account = mail_account(protocol="pop3")
    long_line = mail(1, body="<p>" + "x" * 5000 + "</p>")
    dovecot.append(long_line)

    report = fetch_account(account)

    assert (report.fetched, report.error) == (1, "")
    assert read_blob(InboundMessage.objects.get().raw_sha256) == long_line


def test_move_is_refused_because_pop3_has_no_folders(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(protocol="pop3", after_import="move", move_to_folder="Done")
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert report.error == "POP3 has no folders: choose keep or delete after import"
    assert InboundMessage.objects.count() == 0
    assert list(dovecot.messages().values()) == [mail(1)]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate(
    dovecot: DovecotServer,
    mail_account: AccountMaker,
    monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.ca_file))
    account = mail_account(protocol="pop3", security=security)
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert (report.fetched, report.removed, report.error) == (1, 1, "")


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_refuses_an_untrusted_certificate(
    dovecot: DovecotServer, mail_account: AccountMaker, security: str
) -> None:
    account = mail_account(protocol="pop3", security=security)
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert "CERTIFICATE_VERIFY_FAILED" in report.error
    assert InboundMessage.objects.count() == 0
    assert list(dovecot.messages().values()) == [mail(1)]
