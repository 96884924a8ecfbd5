"""The send task: retries with backoff, a visible failed state, never twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from relaydesk.core.time import now
from relaydesk.mail import outbound_tasks
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import notifications, subscribers  # noqa: F401 (subscribes)
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.mail.outbound.send import retry_delay
from relaydesk.tickets.actions import add_article
from relaydesk.tickets.models import StateCategory, TicketState
from tests.factories import Directory, make_ticket
from tests.helpers import reply
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    free_port,
    sending_fixture,
    smtp_server_fixture,
)


@pytest.fixture(autouse=True)
def _only_the_acknowledgement(directory: Directory) -> None:
    for agent in (directory.agent, directory.specialist, directory.reader):
        agent.preferences = {"notifications": {MailKind.NEW_TICKET: False}}
        agent.save()


def acknowledge_alice(directory: Directory, capture: Any) -> OutboundMessage:
    with capture(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
    return OutboundMessage.objects.get(ticket=ticket, kind=MailKind.ACKNOWLEDGEMENT)


def test_a_temporary_refusal_is_retried_until_the_server_takes_it(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    sending.refuse_recipients = "451 4.3.0 try again later"
    sending.refuse_times = 2

    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboundStatus.SENT, 3, "")
    [message] = sending.to("alice@acme.example")
    assert message["Message-ID"].strip() == f"<{row.message_id}>"  # the same on every try
    assert sending.refused == 2


def test_after_the_last_attempt_the_mail_is_failed_with_the_servers_answer(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    sending.refuse_recipients = "451 4.3.0 mailbox busy"

    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, 5)
    assert row.last_error == (
        "attempt 5 of 5: recipient refused: alice@acme.example: 451 4.3.0 mailbox busy"
    )
    assert sending.refused == 5
    assert sending.messages == []


def test_a_permanent_refusal_fails_at_once(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """RFC 5321: a 5xx answer is not to be repeated."""
    sending.refuse_recipients = "550 5.1.1 no such user"

    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, 1)
    assert row.last_error == (
        "attempt 1 of 5: recipient refused: alice@acme.example: 550 5.1.1 no such user"
    )
    assert sending.refused == 1


def test_an_unreachable_server_is_retried_then_failed(
    directory: Directory,
    sending: SmtpServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.RELAYDESK_MAIL_SEND_ATTEMPTS = 3

    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, 3)
    assert row.last_error.startswith("attempt 3 of 3: ConnectionRefusedError")


def test_the_task_run_again_sends_nothing_twice(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)

    assert outbound_tasks.send_outbound_message_task.call(row.pk) == "nothing to do"
    assert outbound_tasks.send_outbound_message_task.call(10**9) == "nothing to do"

    assert len(sending.to("alice@acme.example")) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_suppressed_mail_is_never_sent(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)
    OutboundMessage.objects.filter(pk=row.pk).update(status=OutboundStatus.SUPPRESSED)
    sending.collector.received.clear()

    assert outbound_tasks.send_outbound_message_task.call(row.pk) == "nothing to do"
    assert sending.messages == []


def test_with_the_database_backend_work_waits_for_commits_and_a_retry_waits_its_turn(
    directory: Directory, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """Production's backend: the event queues a notify task, which writes the outbox
    rows and queues their send after its commit; a retry is deferred."""
    smtp_server.refuse_recipients = "451 4.3.0 later"
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)
    [notify] = DBTaskResult.objects.all()
    assert notify.task_path.endswith(".notify_tickets_created_task")
    assert not OutboundMessage.objects.exists()  # the request wrote no mail

    with django_capture_on_commit_callbacks(execute=False) as sends:
        outbound_tasks.notify_tickets_created_task.call(*notify.args_kwargs["args"])
    row = OutboundMessage.objects.get(kind=MailKind.ACKNOWLEDGEMENT)
    assert DBTaskResult.objects.count() == 1  # no send queued before the commit
    for send in sends:
        send()
    queued = DBTaskResult.objects.exclude(pk=notify.pk).get()
    assert queued.args_kwargs == {"args": [row.pk], "kwargs": {}}

    before = now()
    assert outbound_tasks.send_outbound_message_task.call(row.pk) == OutboundStatus.PENDING

    retry = DBTaskResult.objects.exclude(pk__in=[notify.pk, queued.pk]).get()
    assert retry.run_after is not None
    assert before + retry_delay(1) <= retry.run_after <= now() + retry_delay(1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.PENDING, 1)
    assert row.last_error.startswith("attempt 1 of 5: recipient refused")
    assert row.last_error.endswith("retrying in 0:01:00")


def test_a_notify_task_run_twice_writes_its_mail_once(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """Every notify task is safe to run twice: its event key finds the first run's rows."""
    resolved = TicketState.objects.get(category=StateCategory.RESOLVED)
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        article = add_article(
            actor=directory.agent, via="web", ticket=ticket, article=reply("Done.")
        )
    changed = {
        "ticket_id": ticket.pk,
        "field": "state",
        "new": resolved.name,
        "actor_id": directory.agent.pk,
        "event_key": "k1",
    }
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbound_tasks.notify_article_added_task.call(article_id=article.pk, event_key="k0")
            outbound_tasks.notify_ticket_changed_task.call(**changed)

    kinds = sorted(OutboundMessage.objects.values_list("kind", flat=True))
    assert kinds == [MailKind.REPLY, MailKind.RESOLVED]
    assert len(sending.to("alice@acme.example")) == 2
    # The bookkeeping key stays in the outbox; it is no header on the wire.
    assert all("relaydesk_event" not in message for message in sending.messages)


def test_backoff_doubles() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_pending_mail_whose_task_was_lost_is_queued_again(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as events:
        make_ticket(customer=directory.alice, queue=directory.support)
    with django_capture_on_commit_callbacks(execute=False):  # the send is never queued
        for dispatch in events:
            dispatch()
    row = OutboundMessage.objects.get(kind=MailKind.ACKNOWLEDGEMENT)
    assert outbound_tasks.resend_stale_outbound_mail_task.call() == 0  # too young to be lost

    OutboundMessage.objects.update(created_at=now() - dt.timedelta(hours=2))
    assert outbound_tasks.resend_stale_outbound_mail_task.call() == 1

    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert len(sending.to("alice@acme.example")) == 1


def test_an_operator_may_send_failed_mail_again_and_nothing_else(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    sending.refuse_recipients = "550 5.2.2 mailbox full"
    row = acknowledge_alice(directory, django_capture_on_commit_callbacks)
    sending.refuse_recipients = ""

    with django_capture_on_commit_callbacks(execute=True):
        assert outbound_tasks.send_again(row.pk) is True

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboundStatus.SENT, 1, "")
    [message] = sending.to("alice@acme.example")
    assert message["Message-ID"].strip() == f"<{row.message_id}>"
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound_tasks.send_again(row.pk) is False  # sent mail never goes twice
    assert len(sending.messages) == 1


def test_one_failing_notice_costs_the_other_tickets_of_a_batch_nothing(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_ticket(customer=directory.alice, queue=directory.support, title="First")
    second = make_ticket(customer=directory.bob, queue=directory.support, title="Second")
    real = notifications.notify_ticket_created

    def broken_for_the_first(**notice: Any) -> None:
        if notice["ticket_id"] == first.pk:
            raise RuntimeError("template bug")
        real(**notice)

    monkeypatch.setattr(notifications, "notify_ticket_created", broken_for_the_first)
    notices = [
        {"ticket_id": t.pk, "article_id": t.articles.get().pk, "actor_id": None, "event_key": k}
        for t, k in ((first, "k1"), (second, "k2"))
    ]

    with pytest.raises(outbound_tasks.NotifyFailed, match="1 of 2"):
        outbound_tasks.notify_tickets_created_task.call(notices)

    assert OutboundMessage.objects.filter(ticket=second, kind=MailKind.ACKNOWLEDGEMENT).exists()
    assert not OutboundMessage.objects.filter(ticket=first).exists()
