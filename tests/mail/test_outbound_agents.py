"""Mail to agents: My Queues, preferences, out of office, the visibility rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from relaydesk.accounts.models import User
from relaydesk.core.time import now
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import notifications, subscribers  # noqa: F401 (subscribes)
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.mail.outbound.recipients import is_out_of_office
from relaydesk.tickets.actions import NewArticle, add_article, lock_ticket, set_owner
from relaydesk.tickets.models import ArticleChannel
from tests.factories import AgentFactory, Directory, make_ticket
from tests.helpers import reply
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
    text_of,
)


@pytest.fixture(autouse=True)
def _no_acknowledgements(directory: Directory) -> None:
    """These tests look at agents' mail only."""
    for queue in (directory.support, directory.hardware):
        queue.auto_acknowledge = False
        queue.save()


def prefer(user: User, **preferences: Any) -> None:
    user.preferences = preferences
    user.save()


def recipients(server: SmtpServer) -> list[str]:
    return sorted(address for item in server.received for address in item.rcpt_tos)


def test_a_new_ticket_goes_to_the_agents_who_may_write_the_queue(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)

    # The reader may only read Support; the specialist and the outsider cannot see it.
    assert recipients(sending) == ["agent@example.com"]
    [message] = sending.messages
    assert message["Subject"] == (f"[Ticket#{ticket.number}] New ticket in Support: {ticket.title}")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Loop"] == "support@desk.test"
    text = text_of(message)
    assert "From: Alice" in text
    assert "error 50.2" in text
    assert f"https://desk.example.com/agent/tickets/{ticket.number}" in text


def test_my_queues_replace_the_queues_one_may_write(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    prefer(directory.agent, my_queues=[directory.hardware.pk])  # not Support any more
    prefer(directory.reader, my_queues=[directory.support.pk])  # read-only, but chosen
    # Chosen, but Support is invisible to the specialist: the visibility rule wins.
    prefer(directory.specialist, my_queues=[directory.support.pk, directory.hardware.pk])

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)

    assert recipients(sending) == ["reader@example.com"]


def test_agents_who_switched_the_kind_off_or_are_away_get_nothing(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    today = now().date()
    colleague = AgentFactory(email="colleague@example.com", groups=[directory.first_level])
    back = AgentFactory(email="back@example.com", groups=[directory.first_level])
    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    prefer(colleague, out_of_office={"start": str(today), "end": str(today + dt.timedelta(1))})
    prefer(back, out_of_office={"start": "2001-01-01", "end": str(today - dt.timedelta(1))})

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)

    assert recipients(sending) == ["back@example.com"]


def test_an_unreadable_out_of_office_period_does_not_silence_an_agent(
    directory: Directory,
) -> None:
    prefer(directory.agent, out_of_office={"start": "next monday", "end": None})
    assert not is_out_of_office(directory.agent)
    prefer(directory.agent, out_of_office={"start": "2025-07-01", "end": "2025-07-14"})
    assert is_out_of_office(directory.agent, today=dt.date(2025, 7, 14))
    assert not is_out_of_office(directory.agent, today=dt.date(2025, 7, 15))


def test_the_agent_who_opened_the_ticket_is_not_told_about_it(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(
            customer=directory.alice,
            queue=directory.support,
            actor=directory.agent,
            via="phone",
            article=NewArticle(
                body_text="Called about the printer",
                channel=ArticleChannel.PHONE,
                visibility="internal",
            ),
        )

    assert sending.messages == []


def test_a_customer_follow_up_goes_to_the_owner_who_has_the_ticket_locked(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        lock_ticket(actor=directory.agent, via="web", ticket=ticket)
        add_article(actor=directory.alice, via="portal", ticket=ticket, article=reply("Any news?"))

    [message] = sending.to("agent@example.com")
    assert message["Subject"] == f"[Ticket#{ticket.number}] Follow-up: {ticket.title}"
    assert "Alice wrote to your ticket" in text_of(message)
    assert "Any news?" in text_of(message)
    assert recipients(sending) == ["agent@example.com"]


def test_an_automatic_follow_up_is_not_passed_on(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """An auto-responder answering the owner's mail must not start a loop with it."""
    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        set_owner(actor=directory.agent, via="web", ticket=ticket, owner=directory.agent)
        add_article(
            actor=None,
            via="email",
            ticket=ticket,
            article=NewArticle(
                body_text="I am out of the office.",
                channel=ArticleChannel.EMAIL,
                sender_kind="customer",
                from_address=directory.alice.email,
                is_auto_reply=True,
            ),
        )

    assert sending.messages == []
    row = OutboundMessage.objects.get(kind=MailKind.FOLLOW_UP)
    assert row.status == OutboundStatus.SUPPRESSED
    assert "automatic" in row.last_error


def test_the_new_owner_hears_of_it_unless_they_took_it_themselves(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    colleague = AgentFactory(
        email="colleague@example.com", name="Carl Colleague", groups=[directory.first_level]
    )
    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    prefer(colleague, notifications={MailKind.NEW_TICKET: False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        set_owner(actor=directory.agent, via="web", ticket=ticket, owner=directory.agent)
        set_owner(actor=directory.agent, via="web", ticket=ticket, owner=colleague)

    assert recipients(sending) == ["colleague@example.com"]
    [message] = sending.messages
    assert message["Subject"] == f"[Ticket#{ticket.number}] Assigned to you: {ticket.title}"
    assert "Agnes Agent made you the owner" in text_of(message)


def test_agents_get_no_mail_about_a_ticket_they_cannot_see(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 1: after a move to Hardware, Support's agent hears nothing more."""
    from relaydesk.tickets.actions import move_queue

    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        set_owner(actor=directory.agent, via="web", ticket=ticket, owner=directory.agent)
        move_queue(actor=None, via="web", ticket=ticket, queue=directory.hardware)
        add_article(
            actor=None,
            via="email",
            ticket=ticket,
            article=NewArticle(
                body_text="Still broken", channel=ArticleChannel.EMAIL, sender_kind="customer"
            ),
        )

    assert sending.to("agent@example.com") == []


def test_the_pending_reminder_goes_to_the_owner(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    prefer(directory.agent, notifications={MailKind.NEW_TICKET: False})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        set_owner(actor=None, via="web", ticket=ticket, owner=directory.agent)
    sending.collector.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rows = notifications.notify_pending_reminder(ticket.pk)

    assert [row.kind for row in rows] == [MailKind.PENDING_REMINDER]
    [message] = sending.to("agent@example.com")
    assert message["Subject"] == f"[Ticket#{ticket.number}] Reminder: {ticket.title}"
