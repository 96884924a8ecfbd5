"""Headers of outgoing mail: From, subject tag, threading; no header injection."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.accounts.models import User
from relaydesk.mail.models import OutboundMessage
from relaydesk.mail.outbound import compose, subscribers  # noqa: F401 (subscribes)
from relaydesk.tickets.actions import NewArticle, add_article
from relaydesk.tickets.models import ArticleChannel, SenderKind, SenderNamePolicy
from tests.factories import Directory, make_ticket
from tests.helpers import reply
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
)

ALLOWED_HEADERS = {
    "Content-Type",
    "MIME-Version",
    "Content-Transfer-Encoding",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Loop",
}
INJECTED = "\r\nBcc: mallory@evil.example\r\nX-Injected: yes"

# These tests look at customers' mail; agents' notifications have their own tests.
pytestmark = pytest.mark.usefixtures("agents_quiet_about_new_tickets")


def customer_mail(user: User, message_id: str, references: str = "") -> NewArticle:
    return NewArticle(
        body_text="Hello",
        channel=ArticleChannel.EMAIL,
        sender_kind=SenderKind.CUSTOMER,
        from_address=user.email,
        message_id=message_id,
        references=references,
    )


def test_a_sender_name_or_subject_with_line_breaks_adds_no_header(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 6: CR/LF in a subject, a queue's or an agent's name."""
    directory.support.sender_name = f"Support{INJECTED}"
    directory.support.sender_name_policy = SenderNamePolicy.QUEUE
    directory.support.save()
    directory.agent.name = f'Agnes "the Agent"{INJECTED}'
    directory.agent.save()
    title = f"Printer{INJECTED}"

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support, title=title)
        directory.support.sender_name_policy = SenderNamePolicy.AGENT
        directory.support.save()
        add_article(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            article=NewArticle(
                body_text="On it.", channel=ArticleChannel.EMAIL, subject=f"Re: x{INJECTED}"
            ),
        )

    assert [item.rcpt_tos for item in sending.received] == [["alice@acme.example"]] * 2
    acknowledgement, answer = sending.messages
    for message in sending.messages:
        assert set(message.keys()) <= ALLOWED_HEADERS
    flat = "Bcc: mallory@evil.example X-Injected: yes"
    assert acknowledgement["From"].addresses[0].display_name == f"Support {flat}"
    assert acknowledgement["From"].addresses[0].addr_spec == "support@desk.test"
    assert acknowledgement["Subject"].endswith(f"Printer {flat}")
    assert answer["From"].addresses[0].display_name == f'Agnes "the Agent" {flat}'
    assert answer["Subject"] == f"[Ticket#{ticket.number}] Re: x {flat}"


def test_from_carries_the_queue_name_when_the_queue_says_so(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.support.sender_name = "Acme Support Desk"
    directory.support.sender_name_policy = SenderNamePolicy.QUEUE
    directory.support.auto_acknowledge = False
    directory.support.save()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        add_article(actor=directory.agent, via="web", ticket=ticket, article=reply("Done."))

    [message] = sending.messages
    assert message["From"] == "Acme Support Desk <support@desk.test>"


def test_replies_thread_under_the_customers_last_message(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(
            customer=directory.alice,
            queue=directory.support,
            article=customer_mail(directory.alice, "one@acme.example"),
        )
        add_article(actor=directory.agent, via="web", ticket=ticket, article=reply("First"))
        add_article(
            actor=None,
            via="email",
            ticket=ticket,
            article=customer_mail(
                directory.alice, "<three@acme.example>", "<one@acme.example> <two@desk.test>"
            ),
        )
        add_article(actor=directory.agent, via="web", ticket=ticket, article=reply("Second"))

    first, second = sending.messages
    assert first["In-Reply-To"] == "<one@acme.example>"
    assert first["References"] == "<one@acme.example>"
    assert second["In-Reply-To"] == "<three@acme.example>"
    assert second["References"] == "<one@acme.example> <two@desk.test> <three@acme.example>"
    # Every mail has its own Message-ID, each stored on its outbox row.
    stored = {f"<{row.message_id}>" for row in OutboundMessage.objects.all()}
    assert {first["Message-ID"].strip(), second["Message-ID"].strip()} == stored


def test_one_line_flattens_every_kind_of_line_break() -> None:
    assert compose.one_line("a\rb\nc\u2028d\u2029e\x85f\x00g\tz", max_length=100) == (
        "a b c d e f g z"
    )
    assert compose.one_line("x" * 300, max_length=250) == "x" * 250


def test_an_address_that_will_not_go_in_a_header_is_refused() -> None:
    with pytest.raises(ValueError, match="CR or LF"):
        compose.format_address("a@b.example\r\nBcc: c@d.example", "Name")
