"""An agent's forward and a reply to all, received by a real SMTP server (aiosmtpd);
internal text still reaches no customer; CR/LF in an address is refused
(SECURITY.md classes 2 and 6)."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.core.errors import ValidationFailed
from relaydesk.mail.ids import ticket_number_in
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import notifications, subscribers  # noqa: F401 (handlers)
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.mail.outbound.outbox import Mail, mail_context
from relaydesk.mail.outbound.recipients import address_recipient, recipient_for
from relaydesk.tickets.actions import NewArticle, NewAttachment, add_article, forward_article
from relaydesk.tickets.models import Article, ArticleChannel, SenderKind, Ticket, Visibility
from tests.factories import Directory, make_ticket
from tests.helpers import note
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
    text_of,
)

pytestmark = pytest.mark.usefixtures("agents_quiet_about_new_tickets")

VENDOR = "vendor@printers.example"


def customer_mail(ticket: Ticket, directory: Directory, **fields: Any) -> Article:
    return add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="The printer shows error 50.2.",
            channel=ArticleChannel.EMAIL,
            sender_kind=SenderKind.CUSTOMER,
            from_address=directory.alice.email,
            subject="Printer jammed",
            message_id="jam.1@acme.example",
            **fields,
        ),
    )


def test_forward_reaches_its_recipient_with_text_files_tag_and_agents_name(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with django_capture_on_commit_callbacks(execute=True):
        original = customer_mail(
            ticket,
            directory,
            attachments=[NewAttachment("error.log", b"50.2 fuser", "text/plain")],
        )
    received_before, alice_before = len(sending.messages), len(sending.to("alice@acme.example"))
    with django_capture_on_commit_callbacks(execute=True):
        forward = forward_article(
            actor=directory.agent,
            via="web",
            article=original,
            to_address=VENDOR,
            note="Could you look at this fuser?",
        )

    [message] = sending.to(VENDOR)
    assert len(sending.messages) == received_before + 1  # the forward, to nobody else
    assert message["To"] == VENDOR
    assert message["From"] == "Agnes Agent <support@desk.test>"
    assert message["Subject"] == f"[Ticket#{ticket.number}] Fwd: Printer jammed"
    assert ticket_number_in(message["Message-ID"]) == ticket.number
    assert message["In-Reply-To"] == "<jam.1@acme.example>"
    assert "Auto-Submitted" not in message  # written by a person
    text = text_of(message)
    assert text.startswith("Could you look at this fuser?")
    assert "The printer shows error 50.2." in text
    assert "/portal/" not in text  # no link they could not open
    assert "/agent/" not in text
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "error.log"
    assert attached.get_content() == "50.2 fuser"
    row = OutboundMessage.objects.get(kind=MailKind.FORWARD)
    assert (row.article_id, row.to_address, row.status, row.is_automatic) == (
        forward.pk,
        VENDOR,
        OutboundStatus.SENT,
        False,
    )
    assert len(sending.to(directory.alice.email)) == alice_before


def test_forward_is_queued_once_when_its_task_runs_twice(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    original = customer_mail(ticket, directory)
    with django_capture_on_commit_callbacks(execute=True):
        forward = forward_article(
            actor=directory.agent, via="web", article=original, to_address=VENDOR
        )
    assert notifications.send_forward(article_id=forward.pk, event_key="again") == []
    assert len(sending.to(VENDOR)) == 1


def test_forward_to_our_own_queue_address_is_suppressed(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    original = customer_mail(ticket, directory)
    with django_capture_on_commit_callbacks(execute=True):
        forward_article(
            actor=directory.agent, via="web", article=original, to_address="support@desk.test"
        )
    row = OutboundMessage.objects.get(kind=MailKind.FORWARD)
    assert row.status == OutboundStatus.SUPPRESSED
    assert "own queue addresses" in row.last_error
    assert not sending.to("support@desk.test")


@pytest.mark.parametrize(
    "address", ["it@printers.example\r\nBcc: all@evil.example", "a@b.example\nX-Evil: 1"]
)
def test_class6_forward_address_with_a_line_break_is_refused_and_nothing_written(
    directory: Directory, sending: SmtpServer, address: str
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    original = customer_mail(ticket, directory)
    articles, version = ticket.articles.count(), Ticket.objects.get(pk=ticket.pk).version
    with pytest.raises(ValidationFailed) as refused:
        forward_article(actor=directory.agent, via="web", article=original, to_address=address)
    assert list(refused.value.errors) == ["to_address"]
    assert "line break" in refused.value.errors["to_address"]
    assert ticket.articles.count() == articles
    assert Ticket.objects.get(pk=ticket.pk).version == version
    assert not OutboundMessage.objects.filter(kind=MailKind.FORWARD).exists()


def test_class2_internal_articles_still_never_reach_customers(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    original = customer_mail(ticket, directory)
    with django_capture_on_commit_callbacks(execute=True):
        secret = add_article(
            actor=directory.agent, via="web", ticket=ticket, article=note("SECRET margin 40%")
        )
        forward = forward_article(
            actor=directory.agent, via="web", article=original, to_address=VENDOR
        )
    for message in sending.to(directory.alice.email):
        assert "SECRET" not in text_of(message)
    assert not OutboundMessage.objects.filter(article=secret).exists()
    assert not OutboundMessage.objects.filter(article=forward, to_address="alice@acme.example")

    alice = recipient_for(directory.alice)
    assert alice is not None
    # Every kind but the forward hides an internal article from a customer …
    for kind in MailKind:
        context = mail_context(Mail(ticket, kind, secret, directory.agent), alice)
        assert (context.article_text, context.article_subject) == ("", "")
    # … and the forward shows only the forward article, only to its own recipient.
    for article, who in ((secret, VENDOR), (forward, "alice@acme.example")):
        recipient = address_recipient(who, language="en")
        assert recipient is not None
        context = mail_context(Mail(ticket, MailKind.FORWARD, article, directory.agent), recipient)
        assert context.article_text == ""
    vendor = address_recipient(VENDOR, language="en")
    assert vendor is not None
    shown = mail_context(Mail(ticket, MailKind.FORWARD, forward, directory.agent), vendor)
    assert "error 50.2" in shown.article_text


def test_reply_all_reaches_each_cc_address_once_and_never_our_own(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with django_capture_on_commit_callbacks(execute=True):
        reply = add_article(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            article=NewArticle(
                body_text="Replacing the fuser today.",
                channel=ArticleChannel.EMAIL,
                visibility=Visibility.PUBLIC,
                to_addresses=directory.alice.email,
                cc_addresses=(
                    "Boss@Acme.example, alice@acme.example, support@desk.test; "
                    "boss@acme.example, agent@example.com"
                ),
            ),
        )
    assert reply.cc_addresses == (
        "Boss@Acme.example, alice@acme.example, support@desk.test, "
        "boss@acme.example, agent@example.com"
    )
    [to_boss] = sending.to("boss@acme.example")
    assert "Replacing the fuser today." in text_of(to_boss)
    assert to_boss["Subject"].startswith(f"[Ticket#{ticket.number}]")
    assert to_boss["To"] == "boss@acme.example"
    assert len(sending.to("alice@acme.example")) == 1
    assert not sending.to("support@desk.test")
    assert not sending.to("agent@example.com")  # the author is not sent their own reply
    rows = OutboundMessage.objects.filter(article=reply).values_list("to_address", flat=True)
    assert sorted(rows) == ["alice@acme.example", "boss@acme.example"]
    # The same event handled twice mails nobody twice.
    notifications.notify_article_added(article_id=reply.pk, event_key="again")
    assert OutboundMessage.objects.filter(article=reply).count() == 2


def test_internal_note_with_cc_addresses_mails_nobody(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with django_capture_on_commit_callbacks(execute=True):
        add_article(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            article=NewArticle(
                body_text="internal only",
                channel=ArticleChannel.EMAIL,
                visibility=Visibility.INTERNAL,
                cc_addresses="boss@acme.example",
            ),
        )
    assert not sending.to("boss@acme.example")
    assert not sending.to("alice@acme.example")


@pytest.mark.parametrize(
    "cc",
    [
        "boss@acme.example\r\nBcc: all@evil.example",
        "boss@acme.example, x@y.example\nX-Evil: 1",
        "Boss <boss@acme.example>",
    ],
)
def test_class6_cc_address_with_a_line_break_is_refused_and_nothing_written(
    directory: Directory, sending: SmtpServer, cc: str
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    articles, version = ticket.articles.count(), Ticket.objects.get(pk=ticket.pk).version
    with pytest.raises(ValidationFailed) as refused:
        add_article(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            article=NewArticle(body_text="hello", channel=ArticleChannel.EMAIL, cc_addresses=cc),
        )
    assert list(refused.value.errors) == ["cc_addresses"]
    assert ticket.articles.count() == articles
    assert Ticket.objects.get(pk=ticket.pk).version == version
    assert not OutboundMessage.objects.exists()
