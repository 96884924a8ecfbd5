"""Mail to the customer side, received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.mail.ids import ticket_number_in
from relaydesk.mail.models import MailTemplate, OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import subscribers  # noqa: F401 (subscribes the handlers)
from relaydesk.mail.outbound.kinds import MailKind
from relaydesk.tickets.actions import (
    NewArticle,
    add_article,
    change_state,
    close_ticket,
    share_ticket,
)
from relaydesk.tickets.models import (
    ArticleChannel,
    SenderKind,
    StateCategory,
    TicketState,
    Visibility,
)
from tests.factories import Directory, make_ticket
from tests.helpers import note, reply
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
    text_of,
)

# These tests look at customers' mail; agents' notifications have their own tests.
pytestmark = pytest.mark.usefixtures("agents_quiet_about_new_tickets")


def customer_mail(customer_email: str, **flags: Any) -> NewArticle:
    return NewArticle(
        body_text="Nothing prints since this morning.",
        channel=ArticleChannel.EMAIL,
        sender_kind=SenderKind.CUSTOMER,
        from_address=customer_email,
        message_id=f"first.{customer_email}",
        **flags,
    )


def test_acknowledgement_arrives_with_tag_loop_headers_and_signed_message_id(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(
            customer=directory.alice,
            queue=directory.support,
            article=customer_mail(directory.alice.email),
        )

    [message] = sending.to("alice@acme.example")
    assert (
        message["Subject"] == f"[Ticket#{ticket.number}] We received your request: {ticket.title}"
    )
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Loop"] == "support@desk.test"
    assert message["From"] == "Support <support@desk.test>"
    assert message["In-Reply-To"] == "<first.alice@acme.example>"
    assert ticket_number_in(message["Message-ID"]) == ticket.number
    assert "Precedence" not in message
    text = text_of(message)
    assert f"under number {ticket.number}" in text
    assert f"https://desk.example.com/portal/requests/{ticket.number}" in text
    row = OutboundMessage.objects.get(ticket=ticket, kind=MailKind.ACKNOWLEDGEMENT)
    assert (row.status, row.attempts, row.is_automatic) == (OutboundStatus.SENT, 1, True)
    assert message["Message-ID"].strip() == f"<{row.message_id}>"


def test_no_acknowledgement_when_the_queue_does_not_want_one(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.support.auto_acknowledge = False
    directory.support.save()

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)

    assert sending.messages == []
    assert not OutboundMessage.objects.filter(kind=MailKind.ACKNOWLEDGEMENT).exists()


def test_mail_that_was_automatic_gets_no_acknowledgement(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 8: an auto-reply or a bounce is never answered automatically."""
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(
            customer=directory.alice,
            queue=directory.support,
            article=customer_mail(directory.alice.email, is_auto_reply=True),
        )
        make_ticket(
            customer=directory.bob,
            queue=directory.support,
            article=customer_mail(directory.bob.email, is_bounce=True),
        )

    assert sending.messages == []
    rows = OutboundMessage.objects.filter(kind=MailKind.ACKNOWLEDGEMENT).order_by("to_address")
    assert [(row.to_address, row.status) for row in rows] == [
        ("alice@acme.example", OutboundStatus.SUPPRESSED),
        ("bob@acme.example", OutboundStatus.SUPPRESSED),
    ]
    assert "auto-reply" in rows[0].last_error
    assert "bounce" in rows[1].last_error


def test_public_reply_reaches_customer_and_participants_and_an_internal_note_nobody(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 2: internal notes never reach customers."""
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(
            customer=directory.alice,
            queue=directory.support,
            article=customer_mail(directory.alice.email),
        )
        share_ticket(actor=directory.agent, via="web", ticket=ticket, user=directory.bob)
        add_article(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            article=note("SECRET: the customer is on our watch list"),
        )
        add_article(
            actor=directory.agent, via="web", ticket=ticket, article=reply("Please restart it.")
        )

    assert sorted(address for item in sending.received for address in item.rcpt_tos) == [
        "alice@acme.example",
        "bob@acme.example",
    ]
    for message in sending.messages:
        assert "Please restart it." in text_of(message)
        assert "SECRET" not in message.as_string()
        assert message["From"] == "Agnes Agent <support@desk.test>"
        assert "Auto-Submitted" not in message
        assert "X-Loop" not in message
        assert message["In-Reply-To"] == "<first.alice@acme.example>"
        assert message["Subject"] == f"[Ticket#{ticket.number}] {ticket.title}"
    assert not OutboundMessage.objects.filter(article__visibility=Visibility.INTERNAL).exists()
    assert not OutboundMessage.objects.filter(body_text__contains="SECRET").exists()
    assert OutboundMessage.objects.get(to_address="alice@acme.example").is_automatic is False


def test_the_author_of_an_article_is_not_sent_it(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """A customer's own follow-up is not mailed back to anyone on the customer side."""
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        share_ticket(actor=directory.agent, via="web", ticket=ticket, user=directory.bob)
        add_article(actor=directory.alice, via="portal", ticket=ticket, article=reply("Any news?"))

    assert sending.messages == []


def test_a_german_recipient_gets_german_text(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.alice.language = "de"
    directory.alice.save()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)

    [message] = sending.to("alice@acme.example")
    assert (
        message["Subject"]
        == f"[Ticket#{ticket.number}] Ihre Anfrage ist eingegangen: {ticket.title}"
    )
    assert f"unter der Nummer {ticket.number}" in text_of(message)


def test_resolved_and_closed_are_announced_other_states_are_not(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.support.auto_acknowledge = False
    directory.support.save()
    resolved = TicketState.objects.get(category=StateCategory.RESOLVED)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        change_state(
            actor=directory.agent,
            via="web",
            ticket=ticket,
            state=TicketState.objects.get(category=StateCategory.OPEN),
        )
        change_state(actor=directory.agent, via="web", ticket=ticket, state=resolved)
        close_ticket(actor=directory.agent, via="web", ticket=ticket)

    subjects = [message["Subject"] for message in sending.to("alice@acme.example")]
    assert subjects == [
        f"[Ticket#{ticket.number}] Resolved: {ticket.title}",
        f"[Ticket#{ticket.number}] Closed: {ticket.title}",
    ]
    assert all(m["Auto-Submitted"] == "auto-generated" for m in sending.messages)


def test_the_customer_closing_their_own_request_gets_no_mail_about_it(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        close_ticket(actor=directory.alice, via="portal", ticket=ticket)

    assert sending.messages == []


def test_an_operators_queue_template_wins_and_brings_an_html_alternative(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    MailTemplate.objects.create(
        kind=MailKind.ACKNOWLEDGEMENT,
        language="en",
        subject="All queues: {{ ticket_title }}",
        body_text="all queues",
    )
    MailTemplate.objects.create(
        kind=MailKind.ACKNOWLEDGEMENT,
        language="en",
        queue=directory.support,
        subject="Support got: {{ ticket_title }}",
        body_text="Dear {{ recipient_name }}, we have {{ ticket_title }}.",
        body_html="<p>Dear {{ recipient_name }}, we have <b>{{ ticket_title }}</b>.</p>",
    )
    title = "<script>alert(1)</script> & more"

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support, title=title)
        make_ticket(customer=directory.bob, queue=directory.hardware, title="Other")

    [message] = sending.to("alice@acme.example")
    assert message["Subject"] == f"[Ticket#{ticket.number}] Support got: {title}"
    assert text_of(message).rstrip() == f"Dear Alice, we have {title}."
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert html.get_content().rstrip() == (  # type: ignore[attr-defined]
        "<p>Dear Alice, we have <b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</b>.</p>"
    )
    [other] = sending.to("bob@acme.example")
    assert text_of(other).rstrip() == "all queues"


def test_customer_text_is_data_never_template(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 9: template syntax written by a customer stays those characters."""
    title = "{{ 7|add:1 }} {% debug %} {{ ticket_number }}"

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support, title=title)

    [message] = sending.to("alice@acme.example")
    assert message["Subject"].endswith(f"We received your request: {title}")


def test_an_operator_template_cannot_reach_files_or_dump_the_process(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """SECURITY.md class 9: admin templates run on a restricted engine; a template
    using a tag outside the allowlist does not compile, and the built-in one is sent."""
    for language, body in (("en", "{% debug %}"), ("de", "{% include 'admin/base.html' %}")):
        MailTemplate.objects.create(
            kind=MailKind.ACKNOWLEDGEMENT, language=language, subject="x", body_text=body
        )
    directory.bob.language = "de"
    directory.bob.save()

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)
        make_ticket(customer=directory.bob, queue=directory.support)

    [english] = sending.to("alice@acme.example")
    [german] = sending.to("bob@acme.example")
    assert "We received your request" in english["Subject"]
    assert "Ihre Anfrage ist eingegangen" in german["Subject"]
    assert "sys.modules" not in english.as_string()


def test_an_agents_mail_that_came_in_by_mail_is_not_sent_again(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """The customer was a recipient of the agent's own mail; a second copy would be noise."""
    directory.support.auto_acknowledge = False
    directory.support.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        add_article(
            actor=directory.agent, via="email", ticket=ticket, article=reply("Sent from my client")
        )
        add_article(actor=directory.agent, via="web", ticket=ticket, article=reply("From the desk"))

    assert [text_of(message).count("From the desk") for message in sending.messages] == [1]
