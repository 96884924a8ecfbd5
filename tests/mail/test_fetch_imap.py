"""Fetching from IMAP against a real Dovecot: stored first, then deleted, moved
or kept on the server; never lost, never taken twice."""

from __future__ import annotations

import re
from typing import Any

import pytest

from relaydesk.core.schedule import registered_jobs
from relaydesk.core.storage import read_blob
from relaydesk.mail.fetch_tasks import fetch_mail_account_task, fetch_mail_accounts_task
from relaydesk.mail.inbound import fetch, fetch_imap
from relaydesk.mail.inbound.fetch import LEASE, account_lease, fetch_account, fetch_active_accounts
from relaydesk.mail.inbound.fetch_imap import ImapFolder, compact_uid_set, encode_modified_utf7
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia
from relaydesk.tickets.models import Article, Ticket
from tests.mail.conftest import AccountMaker
from tests.mail.dovecot import DovecotServer, free_ports

# Fetching commits (store_raw is durable): transactional tests. tests/conftest.py
# brings back the default states a previous transactional test's flush removed.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


def mail(number: int, *, sender: str = "alice@acme.example") -> bytes:
    return (
        f"From: Alice <{sender}>\r\n"
        "To: support@desk.test\r\n"
        f"Subject: Printer problem {number}\r\n"
        f"Message-ID: <fetch-imap-{number}@acme.example>\r\n"
        "Date: Mon, 2 Jun 2025 09:00:00 +0000\r\n"
        "\r\n"
        f"The printer on floor {number} prints blank pages.\r\n"
    ).encode()


def uid_validity(dovecot: DovecotServer, folder: str = "INBOX") -> str:
    with dovecot.imap() as client:
        client.select(f'"{folder}"', readonly=True)
        _, data = client.response("UIDVALIDITY")
    return data[0].decode()


def flags(dovecot: DovecotServer) -> list[str]:
    with dovecot.imap() as client:
        client.select("INBOX", readonly=True)
        _, data = client.uid("FETCH", "1:*", "(FLAGS)")
    return [re.sub(r".*FLAGS \((.*?)\).*", r"\1", item.decode()) for item in data]


def test_delete_stores_every_message_then_removes_it(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(after_import="delete")
    uids = [dovecot.append(mail(n)) for n in (1, 2, 3)]
    validity = uid_validity(dovecot)

    report = fetch_account(account)

    assert (report.fetched, report.already_stored, report.removed, report.error) == (3, 0, 3, "")
    assert not report.has_more
    stored = list(InboundMessage.objects.order_by("pk"))
    assert [row.source for row in stored] == [f"imap:INBOX:{validity}:{uid}" for uid in uids]
    assert [read_blob(row.raw_sha256) for row in stored] == [mail(1), mail(2), mail(3)]
    assert {(row.via, row.account_id, row.queue_id) for row in stored} == {
        (InboundVia.IMAP, account.pk, account.queue_id)
    }
    # Processed once the server was cleaned up (tasks run at once here).
    assert {row.status for row in stored} == {InboundStatus.NEW_TICKET}
    assert Ticket.objects.count() == 3
    assert dovecot.messages() == {}
    account.refresh_from_db()
    assert account.last_error == ""
    assert account.last_fetched_at is not None


def test_move_uses_uid_move_and_creates_the_folder(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(after_import="move", move_to_folder="Gelöst")
    dovecot.append(mail(1))
    dovecot.append(mail(2))

    report = fetch_account(account)

    assert (report.fetched, report.removed, report.error) == (2, 2, "")
    assert dovecot.messages() == {}
    assert "Gel&APY-st" in dovecot.folders()
    assert sorted(dovecot.messages(folder="Gel&APY-st").values()) == [mail(1), mail(2)]


def test_move_without_the_move_extension_copies_and_expunges(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Servers without MOVE (RFC 6851) or UIDPLUS: COPY, \\Deleted, EXPUNGE."""
    real = fetch_imap.server_capabilities
    monkeypatch.setattr(
        fetch_imap,
        "server_capabilities",
        lambda client: real(client) - {"MOVE", "UIDPLUS"},
    )
    dovecot.create_folder("Done")
    account = mail_account(after_import="move", move_to_folder="Done")
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert (report.fetched, report.removed, report.error) == (1, 1, "")
    assert dovecot.messages() == {}
    assert list(dovecot.messages(folder="Done").values()) == [mail(1)]


def test_keep_leaves_messages_unread_and_takes_each_once(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(after_import="keep")
    dovecot.append(mail(1))
    dovecot.append(mail(2))

    first = fetch_account(account)
    second = fetch_account(account)
    dovecot.append(mail(3))
    third = fetch_account(account)

    assert [(r.fetched, r.removed, r.error) for r in (first, second, third)] == [
        (2, 0, ""),
        (0, 0, ""),
        (1, 0, ""),
    ]
    assert sorted(dovecot.messages().values()) == [mail(1), mail(2), mail(3)]
    assert not any("Seen" in flag for flag in flags(dovecot))  # still unread for people
    assert InboundMessage.objects.count() == 3
    assert Ticket.objects.count() == 3


def test_a_run_takes_at_most_its_limit_and_the_next_run_goes_on(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(after_import="delete")
    for number in (1, 2, 3):
        dovecot.append(mail(number))

    first = fetch_account(account, limit=2)

    assert (first.fetched, first.removed, first.has_more) == (2, 2, True)
    assert list(dovecot.messages().values()) == [mail(3)]

    second = fetch_account(account, limit=2)

    assert (second.fetched, second.removed, second.has_more) == (1, 1, False)
    assert dovecot.messages() == {}


def test_a_large_folder_is_searched_in_uid_windows(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One SEARCH answer for a huge folder would exceed imaplib's line limit."""
    monkeypatch.setattr(fetch_imap, "UIDS_PER_SEARCH", 2)
    searches: list[str] = []
    search = ImapFolder._uid_windows

    def counted(self: ImapFolder, first: int) -> Any:
        for window in search(self, first):
            searches.append(f"{window[0]}:{window[1]}")
            yield window

    monkeypatch.setattr(ImapFolder, "_uid_windows", counted)
    account = mail_account(after_import="delete")
    uids = [dovecot.append(mail(number)) for number in (1, 2, 3)]

    report = fetch_account(account, limit=2)

    assert (report.fetched, report.removed, report.has_more) == (2, 2, True)
    assert list(dovecot.messages()) == [uids[2]]
    assert searches[0] == "1:2"
    assert len(searches) == len(range(1, uids[2] + 1, 2))  # stopped once it had enough


def fail_after_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash window: stored and committed, the server not yet cleaned up."""

    def crash(self: ImapFolder, imported: Any) -> int:
        raise ConnectionResetError("connection lost before the delete")

    monkeypatch.setattr(ImapFolder, "finish", crash)


def test_a_crash_after_storing_neither_loses_nor_duplicates(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = mail_account(after_import="delete")
    dovecot.append(mail(1))
    with monkeypatch.context() as patch:
        fail_after_store(patch)
        crashed = fetch_account(account)

    assert crashed.error == "ConnectionResetError: connection lost before the delete"
    assert crashed.fetched == 1
    assert list(dovecot.messages().values()) == [mail(1)]  # still on the server
    account.refresh_from_db()
    assert account.last_error == crashed.error
    assert account.last_fetched_at is None

    again = fetch_account(account)

    assert (again.fetched, again.already_stored, again.removed, again.error) == (0, 1, 1, "")
    assert dovecot.messages() == {}
    assert InboundMessage.objects.count() == 1
    assert Article.objects.count() == 1
    account.refresh_from_db()
    assert account.last_error == ""


def test_a_refetched_copy_without_its_record_becomes_a_duplicate(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the (account, source) record cannot help, the pipeline's
    sha256 check keeps the second copy from becoming a second article."""
    account = mail_account(after_import="delete")
    dovecot.append(mail(1))
    with monkeypatch.context() as patch:
        fail_after_store(patch)
        fetch_account(account)
    InboundMessage.objects.update(source="")

    again = fetch_account(account)

    assert (again.fetched, again.removed, again.error) == (1, 1, "")
    assert dovecot.messages() == {}
    assert list(InboundMessage.objects.order_by("pk").values_list("status", flat=True)) == [
        InboundStatus.NEW_TICKET,
        InboundStatus.DUPLICATE,
    ]
    assert Article.objects.count() == 1


def test_a_wrong_password_is_recorded_and_other_accounts_are_still_fetched(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    broken = mail_account(password="wrong")
    working = mail_account(user="other")
    dovecot.append(mail(1))
    dovecot.append(mail(2), user="other")

    reports = {report.account: report for report in fetch_active_accounts()}

    assert reports[broken.name].error.startswith("IMAP login as 'desk' failed: ")
    assert "AUTHENTICATIONFAILED" in reports[broken.name].error
    assert reports[broken.name].fetched == 0
    assert (reports[working.name].fetched, reports[working.name].error) == (1, "")
    assert list(InboundMessage.objects.values_list("account", flat=True)) == [working.pk]
    assert list(dovecot.messages().values()) == [mail(1)]
    broken.refresh_from_db()
    assert broken.last_error == reports[broken.name].error
    assert broken.last_fetched_at is None
    assert "wrong" not in broken.last_error


def test_an_unreachable_server_is_recorded(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(port=free_ports(1)[0])

    report = fetch_account(account)

    assert report.error == "ConnectionRefusedError: [Errno 111] Connection refused"
    account.refresh_from_db()
    assert account.last_error == report.error


def test_a_missing_folder_is_an_error_not_an_empty_mailbox(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(folder="Nowhere")

    report = fetch_account(account)

    assert report.error.startswith("cannot open IMAP folder 'Nowhere': ")


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate(
    dovecot: DovecotServer,
    mail_account: AccountMaker,
    monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.ca_file))
    account = mail_account(security=security)
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert (report.fetched, report.removed, report.error) == (1, 1, "")


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_refuses_an_untrusted_certificate(
    dovecot: DovecotServer, mail_account: AccountMaker, security: str
) -> None:
    """Verification is on: the test CA is not among the system's."""
    account = mail_account(security=security)
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert "CERTIFICATE_VERIFY_FAILED" in report.error
    assert InboundMessage.objects.count() == 0
    assert list(dovecot.messages().values()) == [mail(1)]


def test_an_account_being_fetched_is_left_to_that_run(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account()
    dovecot.append(mail(1))

    with account_lease(account) as is_held:
        assert is_held
        report = fetch_account(account)

    assert report.is_busy
    assert report.fetched == 0
    assert list(dovecot.messages().values()) == [mail(1)]
    assert fetch_account(account).fetched == 1  # released afterwards
    assert LEASE.total_seconds() > 0


def test_the_periodic_task_fetches_every_active_account(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    mail_account()
    mail_account(user="other", is_active=False)
    dovecot.append(mail(1))
    dovecot.append(mail(2), user="other")

    fetch_mail_accounts_task.enqueue()

    assert "fetch_mail_accounts" in {job.name for job in registered_jobs()}
    assert InboundMessage.objects.count() == 1
    assert dovecot.messages() == {}
    assert list(dovecot.messages(user="other").values()) == [mail(2)]


def test_a_backlog_is_fetched_run_after_run_without_waiting(
    dovecot: DovecotServer, mail_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "MESSAGES_PER_RUN", 1)
    account = mail_account()
    for number in (1, 2, 3):
        dovecot.append(mail(number))

    fetch_mail_account_task.enqueue(account.pk)

    assert InboundMessage.objects.count() == 3
    assert dovecot.messages() == {}


def test_a_queued_fetch_of_a_deactivated_account_does_nothing(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(is_active=False)
    dovecot.append(mail(1))

    result = fetch_mail_account_task.enqueue(account.pk)

    assert result.return_value == {"skipped": "inactive or deleted"}
    assert list(dovecot.messages().values()) == [mail(1)]


def test_settings_that_cannot_work_are_refused_before_connecting(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    account = mail_account(after_import="move", move_to_folder=" ")
    dovecot.append(mail(1))

    report = fetch_account(account)

    assert report.error == "after import 'move' needs a folder to move to"
    assert list(dovecot.messages().values()) == [mail(1)]


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", "INBOX"),
        ("Gelöst", "Gel&APY-st"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("日本語", "&ZeVnLIqe-"),
        ("Archiv/Ärger", "Archiv/&AMQ-rger"),
    ],
)
def test_folder_names_are_modified_utf7(name: str, encoded: str) -> None:
    assert encode_modified_utf7(name) == encoded


def test_uid_sets_are_compact() -> None:
    assert compact_uid_set([9, 1, 2, 3, 7, 10]) == "1:3,7,9:10"
    assert compact_uid_set([5]) == "5"


def test_an_account_switched_to_another_folder_takes_that_folders_messages(
    dovecot: DovecotServer, mail_account: AccountMaker
) -> None:
    """UIDs count per folder, so the folder is part of every source."""
    account = mail_account(after_import="keep")
    inbox_uid = dovecot.append(mail(1))
    dovecot.create_folder("Support")
    support_uid = dovecot.append(mail(2), folder="Support")
    assert fetch_account(account).fetched == 1

    account.folder = "Support"
    account.save()
    report = fetch_account(account)

    assert (report.fetched, report.error) == (1, "")
    assert sorted(InboundMessage.objects.values_list("source", flat=True)) == [
        f"imap:INBOX:{uid_validity(dovecot)}:{inbox_uid}",
        f"imap:Support:{uid_validity(dovecot, 'Support')}:{support_uid}",
    ]
