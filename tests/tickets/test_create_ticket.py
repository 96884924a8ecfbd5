"""create_ticket: the first article, history of every initial value, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.core.errors import PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import NewArticle, NewAttachment, create_ticket
from relaydesk.tickets.events import TicketCreated
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Channel,
    SenderKind,
    StateCategory,
    Ticket,
    TicketHistory,
)
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def mail(text: str = "Help!", **extra: object) -> NewArticle:
    return NewArticle(body_text=text, channel=ArticleChannel.EMAIL, **extra)  # type: ignore[arg-type]


def test_create_writes_ticket_article_history_and_event(
    directory: Directory, events: list[object], django_capture_on_commit_callbacks: Any
) -> None:
    d = directory
    pdf = NewAttachment(filename="error.pdf", content=b"%PDF-1.4 x", content_type="application/pdf")

    with django_capture_on_commit_callbacks(execute=True):
        ticket = create_ticket(
            actor=d.alice,
            via=Channel.PORTAL,
            title="  VPN drops every hour  ",
            queue=d.support,
            article=NewArticle(
                body_text="Since Monday.", channel=ArticleChannel.PORTAL, attachments=[pdf]
            ),
        )

    ticket.refresh_from_db()
    assert ticket.title == "VPN drops every hour"
    assert ticket.customer == d.alice
    assert ticket.organisation == d.acme
    assert ticket.state.category == StateCategory.NEW
    assert ticket.priority.level == 3
    assert ticket.version == 1
    assert len(ticket.number) == 16
    assert ticket.last_customer_contact_at == ticket.created_at
    assert ticket.first_response_at is None
    article = ticket.articles.get()
    assert (article.sender_kind, article.author, article.from_address) == (
        SenderKind.CUSTOMER,
        d.alice,
        "alice@acme.example",
    )
    assert article.subject == "VPN drops every hour"
    attachment = article.attachments.get()
    assert (attachment.filename, attachment.size) == ("error.pdf", 10)
    rows = list(
        TicketHistory.objects.filter(ticket=ticket).values_list("action", "field", "new_value")
    )
    assert rows == [
        ("create", "title", "VPN drops every hour"),
        ("create", "queue", "Support"),
        ("create", "state", "new"),
        ("create", "priority", "3 normal"),
        ("create", "customer", "alice@acme.example"),
        ("article", "article", f"{article.pk} (portal, public)"),
    ]
    assert all(row.channel == "portal" and row.actor == d.alice for row in ticket.history.all())
    assert events == [
        TicketCreated(
            ticket_id=ticket.pk, actor_id=d.alice.pk, channel="portal", article_id=article.pk
        )
    ]


def test_agent_creates_phone_ticket_for_customer_with_owner(directory: Directory) -> None:
    d = directory
    ticket = create_ticket(
        actor=d.agent,
        via=Channel.WEB,
        title="Laptop screen flickers",
        queue=d.support,
        customer=d.bob,
        owner=d.agent,
        priority=4,
        ticket_type="1",
        article=NewArticle(
            body_text="Called in", channel=ArticleChannel.PHONE, sender_kind=SenderKind.CUSTOMER
        ),
    )
    assert (ticket.customer, ticket.organisation, ticket.owner) == (d.bob, d.acme, d.agent)
    assert ticket.priority.level == 4
    assert ticket.history.filter(field="owner", new_value="agent@example.com").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"queue": 999_999}, "queue"),
        ({"queue": "not-a-number"}, "queue"),
        ({"state": 999_999}, "state"),
        ({"customer": "nobody@nowhere.example"}, "customer"),
        ({"owner": 999_999}, "owner"),
        ({"priority": 999_999}, "priority"),
        ({"ticket_type": 999_999}, "type"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    directory: Directory, changes: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "actor": directory.agent,
        "via": Channel.WEB,
        "title": "Fine title",
        "queue": directory.support,
        "customer": directory.alice,
        "article": mail(),
    }
    arguments.update(changes)

    with pytest.raises(ValidationFailed) as raised:
        create_ticket(**arguments)  # type: ignore[arg-type]

    assert field in raised.value.errors
    assert field in str(raised.value)
    assert Ticket.objects.count() == 0
    assert Article.objects.count() == 0
    assert TicketHistory.objects.count() == 0


def test_pending_state_without_date_is_refused(directory: Directory) -> None:
    pending = "pending reminder"
    from relaydesk.tickets.models import TicketState

    with pytest.raises(ValidationFailed) as raised:
        make_ticket(
            customer=directory.alice,
            queue=directory.support,
            state=TicketState.objects.get(name=pending),
        )
    assert "pending_until" in raised.value.errors
    assert Ticket.objects.count() == 0


def test_empty_body_and_internal_customer_article_are_refused(directory: Directory) -> None:
    with pytest.raises(ValidationFailed) as raised:
        make_ticket(customer=directory.alice, queue=directory.support, body="  ")
    assert "body_text" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        create_ticket(
            actor=directory.alice,
            via=Channel.PORTAL,
            title="x",
            queue=directory.support,
            article=mail(visibility="internal"),
        )
    assert "visibility" in raised.value.errors
    assert Ticket.objects.count() == 0


def test_customer_cannot_raise_a_ticket_for_someone_else(directory: Directory) -> None:
    with pytest.raises(ValidationFailed) as raised:
        create_ticket(
            actor=directory.alice,
            via=Channel.PORTAL,
            title="x",
            queue=directory.support,
            customer=directory.carol,
            article=mail(),
        )
    assert "customer" in raised.value.errors


def test_agent_needs_write_access_to_create_in_a_queue(directory: Directory) -> None:
    with pytest.raises(PermissionDenied):
        make_ticket(customer=directory.alice, queue=directory.hardware, actor=directory.agent)
    with pytest.raises(PermissionDenied):
        make_ticket(customer=directory.alice, queue=directory.support, actor=directory.reader)
    assert Ticket.objects.count() == 0


def test_owner_must_be_able_to_work_the_queue(directory: Directory) -> None:
    with pytest.raises(ValidationFailed) as raised:
        make_ticket(customer=directory.alice, queue=directory.support, owner=directory.specialist)
    assert "owner" in raised.value.errors


def test_attachment_names_are_made_safe(directory: Directory) -> None:
    evil = NewAttachment(filename="../../etc/invoice\u202eFDP.exe", content=b"MZ")
    ticket = make_ticket(
        customer=directory.alice,
        queue=directory.support,
        article=NewArticle(body_text="see file", channel=ArticleChannel.EMAIL, attachments=[evil]),
    )
    attachment = ticket.articles.get().attachments.get()
    assert attachment.filename == "invoiceFDP.exe"
    assert len(attachment.sha256) == 64
