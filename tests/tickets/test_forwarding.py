"""forward_article, and the version checks of link_tickets and split_ticket."""

from __future__ import annotations

import pytest

from relaydesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import (
    NewArticle,
    NewAttachment,
    add_article,
    forward_article,
    link_tickets,
    split_ticket,
)
from relaydesk.tickets.models import ArticleChannel, Ticket, TicketLink, Visibility
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def test_forward_adds_an_internal_email_article_with_the_attachments(
    directory: Directory,
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    original = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="log attached",
            channel=ArticleChannel.EMAIL,
            subject="Logs",
            attachments=[NewAttachment("log.txt", b"lines", "text/plain")],
        ),
    )
    version = Ticket.objects.get(pk=ticket.pk).version

    forward = forward_article(
        actor=directory.agent,
        via="web",
        article=original,
        to_address="vendor@printers.example",
        note="FYI",
        expected_version=version,
    )

    assert forward.visibility == Visibility.INTERNAL
    assert forward.channel == ArticleChannel.EMAIL
    assert forward.subject == "Fwd: Logs"
    assert forward.to_addresses == "vendor@printers.example"
    assert forward.body_text.startswith("FYI")
    assert "log attached" in forward.body_text
    assert [a.filename for a in forward.attachments.all()] == ["log.txt"]
    row = ticket.history.get(action="forward")
    assert (row.old_value, row.new_value) == (str(original.pk), "vendor@printers.example")
    assert Ticket.objects.get(pk=ticket.pk).version == version + 1


@pytest.mark.parametrize(
    "address",
    ["", "two@a.example, three@b.example", "x@y.example\r\nBcc: z@evil.example", "nodomain"],
)
def test_forward_refuses_anything_but_one_address(directory: Directory, address: str) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(ValidationFailed) as error:
        forward_article(
            actor=directory.agent, via="web", article=ticket.articles.get(), to_address=address
        )
    assert "to_address" in error.value.errors
    assert ticket.articles.count() == 1


def test_forward_needs_write_access_and_visibility(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = ticket.articles.get()
    with pytest.raises(PermissionDenied):
        forward_article(
            actor=directory.reader, via="web", article=article, to_address="a@b.example"
        )
    with pytest.raises(NotFound):
        forward_article(
            actor=directory.outsider, via="web", article=article, to_address="a@b.example"
        )
    assert ticket.articles.count() == 1


def test_forward_with_a_stale_version_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(Conflict):
        forward_article(
            actor=directory.agent,
            via="web",
            article=ticket.articles.get(),
            to_address="a@b.example",
            expected_version=ticket.version - 1 if ticket.version > 1 else 99,
        )
    assert ticket.articles.count() == 1


def test_link_and_split_check_the_version(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    other = make_ticket(customer=directory.alice, queue=directory.support)
    stale = Ticket.objects.get(pk=ticket.pk).version + 5
    with pytest.raises(Conflict):
        link_tickets(
            actor=directory.agent,
            via="web",
            source=ticket,
            target=other,
            kind="relates_to",
            expected_version=stale,
        )
    with pytest.raises(Conflict):
        split_ticket(
            actor=directory.agent,
            via="web",
            article=ticket.articles.get(),
            expected_version=stale,
        )
    assert not TicketLink.objects.exists()
    assert Ticket.objects.count() == 2
