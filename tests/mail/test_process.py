"""Processing stored mail: new tickets, duplicates, routing, limits and quarantine."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from relaydesk.accounts.models import User, UserKind
from relaydesk.core.storage import read_blob
from relaydesk.mail import tasks
from relaydesk.mail.ids import make_message_id
from relaydesk.mail.inbound import deliver as deliver_module
from relaydesk.mail.inbound.parse import parse_message
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.process import discard, process_inbound, reprocess
from relaydesk.mail.inbound.store import store_raw
from relaydesk.mail.models import InboundMessage, InboundStatus, MailAccount
from relaydesk.tickets.actions import NewArticle, add_article
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Queue,
    SenderKind,
    Ticket,
    Visibility,
)
from tests.factories import Directory, OrganisationFactory, make_ticket
from tests.mail.inbound_helpers import deliver, raw_mail

pytestmark = pytest.mark.django_db


# The parser itself, taken before any test replaces it.
real_parse = parse_message


@pytest.fixture
def operator(directory: Directory) -> User:
    return User.objects.create_superuser("root@example.com", "pw", name="Root")


# --- new tickets -------------------------------------------------------------------


def test_a_mail_to_a_queue_address_opens_a_ticket_in_that_queue(directory: Directory) -> None:
    raw = raw_mail(
        to="Hardware desk <hardware@desk.test>",
        subject="Broken monitor",
        body="The monitor flickers.",
        message_id="m1@acme.example",
    )

    row = deliver(raw)

    assert row.status == InboundStatus.NEW_TICKET
    assert (row.match_method, row.match_value) == ("new_ticket", "hardware@desk.test")
    assert row.processed_at is not None
    assert row.reason == ""
    ticket = Ticket.objects.get()
    assert row.ticket == ticket
    assert ticket.queue == directory.hardware
    assert ticket.title == "Broken monitor"
    assert ticket.customer == directory.alice
    assert ticket.organisation == directory.acme
    article = Article.objects.get()
    assert row.article == article
    assert article.channel == ArticleChannel.EMAIL
    assert article.sender_kind == SenderKind.CUSTOMER
    assert article.visibility == Visibility.PUBLIC
    assert article.author == directory.alice
    assert article.from_address == "alice@acme.example"
    assert article.to_addresses == "hardware@desk.test"
    assert article.subject == "Broken monitor"
    assert "The monitor flickers." in article.body_text
    assert article.message_id == "m1@acme.example"
    assert article.raw_sha256 == row.raw_sha256
    assert (article.is_bounce, article.is_auto_reply, article.review_reason) == (False, False, "")


def test_html_and_attachments_reach_the_article(directory: Directory) -> None:
    raw = raw_mail(
        html="<p>See <b>attached</b><script>alert(1)</script></p>",
        attachments=[("report.pdf", b"%PDF-1.4 fake", "application/pdf")],
    )

    row = deliver(raw)

    article = Article.objects.get(pk=row.article_id)
    assert "<b>attached</b>" in article.body_html
    assert "script" not in article.body_html
    files = list(article.attachments.values_list("filename", "size", "content_type"))
    assert files == [("report.pdf", 13, "application/pdf")]


def test_in_reply_to_and_references_are_stored_on_the_article(directory: Directory) -> None:
    raw = raw_mail(in_reply_to="<elsewhere@x.example>", references="<a@x.example> <b@x.example>")

    row = deliver(raw)

    article = Article.objects.get(pk=row.article_id)
    assert article.in_reply_to == "<elsewhere@x.example>"
    assert article.references == "<a@x.example> <b@x.example>"


def test_a_mail_without_text_still_opens_a_ticket(directory: Directory) -> None:
    row = deliver(raw_mail(body="", subject=""))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket.title == "(no subject)"
    assert Article.objects.get().body_text.strip() != ""


def test_a_mail_without_a_usable_sender_opens_a_ticket_flagged_for_review(
    directory: Directory,
) -> None:
    row = deliver(raw_mail(sender="undisclosed-recipients:;"))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket.customer is None
    article = Article.objects.get()
    assert article.review_reason == "the mail names no usable sender address"
    assert article.author is None


def test_an_unknown_sender_becomes_an_unconfirmed_customer_of_the_mapped_organisation(
    directory: Directory,
) -> None:
    initech = OrganisationFactory(name="Initech", domain="initech.example")

    row = deliver(raw_mail(sender="Peter Gibbons <Peter@INITECH.example>"))

    peter = User.objects.get(email__iexact="peter@initech.example")
    assert peter.kind == UserKind.CUSTOMER
    assert peter.name == "Peter Gibbons"
    assert peter.organisation == initech
    assert peter.email_verified_at is None
    assert not peter.has_usable_password()
    assert row.ticket is not None
    assert row.ticket.customer == peter
    assert row.ticket.organisation == initech


def test_a_display_name_that_looks_like_an_address_is_not_taken_as_the_name(
    directory: Directory,
) -> None:
    deliver(raw_mail(sender='"ceo@acme.example" <mallory@evil.example>'))

    mallory = User.objects.get(email="mallory@evil.example")
    assert mallory.name == ""
    assert mallory.organisation is None  # the display name's domain maps nothing
    assert Ticket.objects.get().customer == mallory


def test_a_known_sender_is_found_whatever_the_case(directory: Directory) -> None:
    row = deliver(raw_mail(sender="ALICE@Acme.Example"))

    assert row.ticket is not None
    assert row.ticket.customer == directory.alice
    assert User.objects.filter(email__iexact="alice@acme.example").count() == 1


# --- routing -------------------------------------------------------------------------


def test_delivered_to_decides_before_to(directory: Directory) -> None:
    raw = b"Delivered-To: hardware@desk.test\r\n" + raw_mail(to="support@desk.test")

    row = deliver(raw)

    assert row.ticket is not None
    assert row.ticket.queue == directory.hardware
    assert row.match_value == "hardware@desk.test"


def test_an_unknown_address_goes_to_the_queue_the_delivery_named(directory: Directory) -> None:
    row = deliver(raw_mail(to="someone@else.example"), via="mailgate", queue=directory.hardware)

    assert row.ticket is not None
    assert row.ticket.queue == directory.hardware
    assert row.match_value == "queue:Hardware"


def test_an_unknown_address_goes_to_the_accounts_queue(directory: Directory) -> None:
    account = MailAccount.objects.create(
        name="box", protocol="imap", host="h", port=993, username="u", password="p",
        queue=directory.hardware,
    )  # fmt: skip

    row = deliver(raw_mail(to="someone@else.example"), via="imap", account=account)

    assert row.ticket is not None
    assert row.ticket.queue == directory.hardware
    assert row.match_value == "account:box"


def test_without_any_hint_the_oldest_queue_with_an_address_takes_it(
    directory: Directory, settings: Settings
) -> None:
    row = deliver(raw_mail(to="someone@else.example"))

    assert row.ticket is not None
    assert row.ticket.queue == directory.support
    assert row.match_value == "default:Support"

    settings.RELAYDESK_MAIL_DEFAULT_QUEUE = "Hardware"
    row = deliver(raw_mail(to="someone@else.example"))
    assert row.ticket is not None
    assert row.ticket.queue == directory.hardware


def test_no_active_queue_means_quarantine(directory: Directory) -> None:
    Queue.objects.update(is_active=False)

    row = deliver(raw_mail())

    assert row.status == InboundStatus.QUARANTINED
    assert "no active queue" in row.reason
    assert not Ticket.objects.exists()


# --- duplicates ----------------------------------------------------------------------


def test_the_same_bytes_twice_become_one_article(directory: Directory) -> None:
    raw = raw_mail()
    first = deliver(raw)

    second = deliver(raw)

    assert second.status == InboundStatus.DUPLICATE
    assert second.duplicate_of == first
    assert second.article == first.article
    assert second.ticket == first.ticket
    assert second.match_method == "duplicate_raw_sha256"
    assert Article.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_one_message_delivered_to_two_of_our_addresses_becomes_one_article(
    directory: Directory,
) -> None:
    raw = raw_mail(to="support@desk.test, hardware@desk.test", message_id="both@acme.example")
    via_support = b"Delivered-To: support@desk.test\r\nReceived: from mx1\r\n" + raw
    via_hardware = b"Delivered-To: hardware@desk.test\r\nReceived: from mx2\r\n" + raw

    first = deliver(via_support, via="mailgate")
    second = deliver(via_hardware, via="mailgate")

    assert first.status == InboundStatus.NEW_TICKET
    assert second.status == InboundStatus.DUPLICATE
    assert second.duplicate_of == first
    assert (second.match_method, second.match_value) == (
        "duplicate_message_id",
        "both@acme.example",
    )
    assert Ticket.objects.count() == 1
    assert Article.objects.count() == 1


def test_a_reused_message_id_on_different_content_is_not_a_duplicate(
    directory: Directory,
) -> None:
    deliver(raw_mail(message_id="reused@mua.example", subject="First", body="One thing."))

    second = deliver(raw_mail(message_id="reused@mua.example", subject="Second", body="Other."))

    assert second.status == InboundStatus.NEW_TICKET
    assert Ticket.objects.count() == 2


def test_our_own_mail_coming_back_is_a_duplicate_of_its_article(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    ours = make_message_id(ticket.number)
    reply = add_article(
        actor=directory.agent,
        via="web",
        ticket=ticket,
        article=NewArticle(body_text="Try again", channel="email", message_id=ours),
    )

    row = deliver(raw_mail(sender="support@desk.test", to="support@desk.test", message_id=ours))

    assert row.status == InboundStatus.DUPLICATE
    assert row.article == reply
    assert row.ticket == ticket
    assert row.duplicate_of is None
    assert ticket.articles.count() == 2


def test_processing_twice_does_nothing_the_second_time(directory: Directory) -> None:
    row = deliver(raw_mail())
    processed_at = row.processed_at

    again = process_inbound(row.pk)

    assert again.status == InboundStatus.NEW_TICKET
    assert again.processed_at == processed_at
    assert Article.objects.count() == 1


def test_the_task_processes_by_id(directory: Directory) -> None:
    row = store_raw(raw_mail(), via="imap")

    assert tasks.process_inbound_task.call(row.pk) == InboundStatus.NEW_TICKET
    assert tasks.process_inbound_task.call(row.pk) == InboundStatus.NEW_TICKET
    assert Ticket.objects.count() == 1


# --- untrusted headers -----------------------------------------------------------------


def test_our_internal_headers_never_reach_the_parser(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []

    def spy(raw: bytes) -> ParsedMail:
        seen.append(raw)
        return real_parse(raw)

    monkeypatch.setattr("relaydesk.mail.inbound.parse.parse_message", spy)
    raw = raw_mail(
        headers={"X-Relaydesk-Queue": "Hardware", "X-Relaydesk-Sender-Kind": "agent"},
    )

    row = deliver(raw)

    assert b"X-Relaydesk" not in seen[0]
    assert read_blob(row.raw_sha256) == raw  # the stored original is untouched
    assert row.ticket is not None
    assert row.ticket.queue == directory.support
    assert Article.objects.get().sender_kind == SenderKind.CUSTOMER


# --- limits and quarantine ---------------------------------------------------------------


def test_an_oversized_message_is_quarantined_unparsed(
    directory: Directory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.RELAYDESK_MAIL_MAX_BYTES = 500

    def must_not_parse(raw: bytes) -> ParsedMail:
        raise AssertionError("parsed an oversized message")

    monkeypatch.setattr("relaydesk.mail.inbound.parse.parse_message", must_not_parse)
    raw = raw_mail(body="x" * 2000)

    row = deliver(raw)

    assert row.status == InboundStatus.QUARANTINED
    assert f"the message is {len(raw)} bytes; the limit is 500" in row.reason
    assert "RELAYDESK_MAIL_MAX_BYTES" in row.reason
    assert read_blob(row.raw_sha256) == raw
    assert not Ticket.objects.exists()


def test_parsing_that_takes_too_long_is_interrupted_and_quarantined(
    directory: Directory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.RELAYDESK_MAIL_PARSE_SECONDS = 0.2

    def slow(raw: bytes) -> ParsedMail:
        time.sleep(5)
        return real_parse(raw)

    monkeypatch.setattr("relaydesk.mail.inbound.parse.parse_message", slow)
    started = time.monotonic()

    row = deliver(raw_mail())

    assert time.monotonic() - started < 2
    assert row.status == InboundStatus.QUARANTINED
    assert "parsing took longer than 0.2 seconds" in row.reason


def test_a_failing_step_quarantines_and_process_again_works_once_fixed(
    directory: Directory, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: bytes) -> ParsedMail:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("relaydesk.mail.inbound.parse.parse_message", broken)
    raw = raw_mail(sender="Newcomer <new@startup.example>")

    row = deliver(raw)

    assert row.status == InboundStatus.QUARANTINED
    assert row.reason == "parsing failed: RuntimeError: parser bug"
    assert row.ticket is None
    assert read_blob(row.raw_sha256) == raw
    assert not User.objects.filter(email="new@startup.example").exists()

    monkeypatch.undo()
    again = reprocess(row, actor=operator)

    assert again.status == InboundStatus.NEW_TICKET
    assert again.handled_by == operator
    assert again.ticket is not None
    assert again.ticket.customer is not None
    assert again.ticket.customer.email == "new@startup.example"
    assert again.reason == ""


def test_a_failure_after_writes_rolls_them_all_back(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(requests: object) -> list[object]:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(deliver_module, "create_many", refuse)

    row = deliver(raw_mail(sender="someone@new.example"))

    assert row.status == InboundStatus.QUARANTINED
    assert row.reason == "threading and delivering failed: RuntimeError: database hiccup"
    assert not User.objects.filter(email="someone@new.example").exists()
    assert not Ticket.objects.exists()


def test_a_quarantined_message_is_not_taken_again_by_the_pipeline(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "relaydesk.mail.inbound.parse.parse_message",
        lambda raw: (_ for _ in ()).throw(ValueError("bad")),
    )
    row = deliver(raw_mail())
    monkeypatch.undo()

    again = process_inbound(row)

    assert again.status == InboundStatus.QUARANTINED
    assert not Ticket.objects.exists()


def test_discard_records_the_operator_and_keeps_the_raw_message(
    directory: Directory, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "relaydesk.mail.inbound.parse.parse_message",
        lambda raw: (_ for _ in ()).throw(ValueError("bad")),
    )
    raw = raw_mail()
    row = deliver(raw)

    done = discard(row, actor=operator)

    done.refresh_from_db()
    assert done.status == InboundStatus.DISCARDED
    assert done.handled_by == operator
    assert read_blob(done.raw_sha256) == raw
    assert InboundMessage.objects.filter(pk=row.pk).exists()


def test_a_processed_message_is_neither_discarded_nor_processed_again(
    directory: Directory, operator: User
) -> None:
    row = deliver(raw_mail())

    assert discard(row, actor=operator).status == InboundStatus.NEW_TICKET
    assert reprocess(row, actor=operator).status == InboundStatus.NEW_TICKET
    assert Article.objects.count() == 1


# --- concurrency (PostgreSQL: real row locks and concurrent transactions) -------------------


def run_side_by_side(pks: list[int]) -> list[InboundMessage]:
    """Process the messages in parallel threads, each with its own connection."""
    barrier = threading.Barrier(len(pks))
    results: dict[int, InboundMessage] = {}
    errors: list[BaseException] = []

    def work(pk: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[pk] = process_inbound(pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in pks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return [results[pk] for pk in pks]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_two_deliveries_of_one_message_make_one_article(
    default_configuration: None, directory: Directory
) -> None:
    raw = raw_mail(to="support@desk.test, hardware@desk.test", message_id="race@acme.example")
    rows = [
        store_raw(b"Delivered-To: support@desk.test\r\n" + raw, via="mailgate"),
        store_raw(b"Delivered-To: hardware@desk.test\r\n" + raw, via="imap"),
    ]

    done = run_side_by_side([row.pk for row in rows])

    assert sorted(row.status for row in done) == [InboundStatus.DUPLICATE, InboundStatus.NEW_TICKET]
    assert Article.objects.count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_two_mails_of_one_new_sender_make_one_customer(
    default_configuration: None, directory: Directory
) -> None:
    rows = [
        store_raw(raw_mail(sender="New <new@startup.example>", subject=f"Mail {n}"), via="imap")
        for n in range(2)
    ]

    done = run_side_by_side([row.pk for row in rows])

    assert [row.status for row in done] == [InboundStatus.NEW_TICKET] * 2
    assert User.objects.filter(email__iexact="new@startup.example").count() == 1
    assert set(Ticket.objects.values_list("customer__email", flat=True)) == {"new@startup.example"}
