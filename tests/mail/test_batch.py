"""Batches: bulk intake stores and processes many mails together, and ends
exactly as one-by-one processing would — duplicates and replies inside one
batch included, a failing mail quarantined without taking the others along."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from relaydesk.accounts.models import User
from relaydesk.core.storage import read_blob
from relaydesk.mail.inbound import deliver as deliver_module
from relaydesk.mail.inbound.batch import BATCH_SIZE, process_many
from relaydesk.mail.inbound.deliver import Deferred, Outcome
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.inbound.store import store_many
from relaydesk.mail.models import InboundMessage, InboundStatus, InboundVia
from relaydesk.tickets.models import Article, Queue, Ticket
from tests.factories import Directory
from tests.mail.inbound_helpers import raw_mail

pytestmark = pytest.mark.django_db


def store(*raws: bytes) -> list[InboundMessage]:
    return store_many([(raw, f"test {i}") for i, raw in enumerate(raws)], via=InboundVia.INGEST)


def test_a_batch_stores_every_message_before_processing_any(directory: Directory) -> None:
    raws = [raw_mail(subject=f"Printer {i}") for i in range(3)]

    rows = store(*raws)

    assert [row.status for row in rows] == [InboundStatus.RECEIVED] * 3
    assert [read_blob(row.raw_sha256) for row in rows] == raws
    assert InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count() == 3
    assert not Ticket.objects.exists()


def test_a_batch_ends_as_one_by_one_processing_would(directory: Directory) -> None:
    first = raw_mail(subject="VPN drops", message_id="first@mua.example")
    reply = raw_mail(
        subject="Re: VPN drops",
        message_id="reply@mua.example",
        in_reply_to="<first@mua.example>",
        references="<first@mua.example>",
        body="It dropped again at noon.",
    )
    other = raw_mail(subject="Printer jammed")

    rows = process_many(store(first, reply, first, other))

    assert [row.status for row in rows] == [
        InboundStatus.NEW_TICKET,
        InboundStatus.FOLLOW_UP,
        InboundStatus.DUPLICATE,
        InboundStatus.NEW_TICKET,
    ]
    assert rows[1].ticket == rows[0].ticket  # the reply found a ticket of the same batch
    assert rows[1].match_method == "in_reply_to"
    assert rows[2].duplicate_of_id == rows[0].pk
    assert Ticket.objects.count() == 2
    assert Article.objects.count() == 3
    assert all(row.processed_at is not None for row in rows)


def test_a_mail_that_fails_is_quarantined_and_the_others_still_land(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_deliver = deliver_module.deliver

    def fails_on_the_second(
        parsed: ParsedMail, inbound: InboundMessage, *, defer: bool = False
    ) -> Outcome | Deferred:
        if parsed.subject == "Second":
            raise RuntimeError("database hiccup")
        return real_deliver(parsed, inbound, defer=defer)

    monkeypatch.setattr("relaydesk.mail.inbound.process.deliver", fails_on_the_second)
    raws = [raw_mail(subject=subject) for subject in ("First", "Second", "Third")]

    rows = process_many(store(*raws))

    assert [row.status for row in rows] == [
        InboundStatus.NEW_TICKET,
        InboundStatus.QUARANTINED,
        InboundStatus.NEW_TICKET,
    ]
    assert rows[1].reason == "threading and delivering failed: RuntimeError: database hiccup"
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["First", "Third"]
    assert InboundMessage.objects.get(pk=rows[1].pk).status == InboundStatus.QUARANTINED


def test_a_mail_that_cannot_be_parsed_is_quarantined_in_a_batch(
    directory: Directory, settings: object
) -> None:
    big = raw_mail(subject="Huge", body="x" * 5000)
    small = raw_mail(subject="Small")
    settings.RELAYDESK_MAIL_MAX_BYTES = len(big) - 1  # type: ignore[attr-defined]

    rows = process_many(store(small, big))

    assert [row.status for row in rows] == [InboundStatus.NEW_TICKET, InboundStatus.QUARANTINED]
    assert "RELAYDESK_MAIL_MAX_BYTES" in rows[1].reason


def test_messages_not_waiting_are_returned_untouched(directory: Directory) -> None:
    rows = process_many(store(raw_mail(subject="Once")))
    again = process_many([InboundMessage.objects.get(pk=rows[0].pk)])

    assert again[0].status == InboundStatus.NEW_TICKET
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_commits_once(directory: Directory) -> None:
    rows = store(*(raw_mail(subject=f"Mail {i}") for i in range(5)))

    with CaptureQueriesContext(connection) as queries:
        process_many(rows)

    commits = [q for q in queries.captured_queries if q["sql"].upper().startswith("COMMIT")]
    # The batch's transaction, and the one its events' handlers (notify tasks) write in;
    # one by one it would be two per mail.
    assert len(commits) == 2
    assert Ticket.objects.count() == 5
    [notify] = DBTaskResult.objects.filter(task_path__endswith=".notify_tickets_created_task")
    assert len(notify.args_kwargs["args"][0]) == 5  # one task for the batch's new tickets


def test_more_than_a_batch_is_split_into_batches(directory: Directory) -> None:
    raws = [raw_mail(subject=f"Mail {i}") for i in range(BATCH_SIZE + 3)]

    rows = process_many(store(*raws))

    assert len(rows) == BATCH_SIZE + 3
    assert {row.status for row in rows} == {InboundStatus.NEW_TICKET}
    assert Ticket.objects.count() == BATCH_SIZE + 3


def test_two_mails_of_one_new_sender_in_a_batch_make_one_customer(directory: Directory) -> None:
    sender = "Newcomer <new@startup.example>"

    rows = process_many(
        store(raw_mail(subject="First", sender=sender), raw_mail(subject="Second", sender=sender))
    )

    assert [row.status for row in rows] == [InboundStatus.NEW_TICKET] * 2
    customer = User.objects.get(email="new@startup.example")
    assert {ticket.customer for ticket in Ticket.objects.all()} == {customer}


def test_a_partner_number_seen_twice_in_a_batch_threads_the_second(directory: Directory) -> None:
    Queue.objects.filter(pk=directory.support.pk).update(external_number_pattern=r"INC-\d+")
    to = directory.support.email_address

    rows = process_many(
        store(
            raw_mail(subject="INC-4711 printer down", to=to),
            raw_mail(subject="Update on INC-4711", to=to, body="Still down."),
        )
    )

    assert [row.status for row in rows] == [InboundStatus.NEW_TICKET, InboundStatus.FOLLOW_UP]
    assert rows[1].ticket == rows[0].ticket
    assert rows[1].match_method == "external_number"


def test_what_became_of_each_mail_is_stored_on_its_row(directory: Directory) -> None:
    rows = process_many(store(raw_mail(subject="A"), raw_mail(subject="B")))

    for row in rows:
        stored = InboundMessage.objects.get(pk=row.pk)
        assert stored.status == InboundStatus.NEW_TICKET
        assert stored.ticket_id == row.ticket_id is not None
        assert stored.article_id == row.article_id is not None
        assert stored.match_method == "new_ticket"
        assert stored.processed_at is not None
