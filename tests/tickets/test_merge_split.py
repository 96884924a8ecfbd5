"""merge_tickets and split_ticket keep every article and attachment reachable."""

from __future__ import annotations

import pytest

from relaydesk.core.errors import InvalidOperation, PermissionDenied
from relaydesk.core.storage import read_blob
from relaydesk.tickets.actions import (
    NewArticle,
    NewAttachment,
    add_article,
    merge_tickets,
    split_ticket,
)
from relaydesk.tickets.models import (
    Article,
    ArticleChannel,
    Attachment,
    Channel,
    StateCategory,
    TicketLink,
    Visibility,
)
from relaydesk.tickets.visibility import visible_articles
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def with_file(text: str, name: str, content: bytes) -> NewArticle:
    return NewArticle(
        body_text=text,
        channel=ArticleChannel.EMAIL,
        attachments=[NewAttachment(filename=name, content=content, content_type="text/plain")],
    )


def test_merge_moves_every_article_and_attachment_to_the_target(directory: Directory) -> None:
    d = directory
    target = make_ticket(customer=d.alice, queue=d.support, title="Printer jam")
    source = make_ticket(
        customer=d.bob,
        queue=d.support,
        title="Printer jammed again",
        article=with_file("Photo attached", "jam.txt", b"paper everywhere"),
    )
    add_article(
        actor=d.agent,
        via=Channel.WEB,
        ticket=source,
        article=NewArticle(body_text="dup", channel="note", visibility=Visibility.INTERNAL),
    )
    source_articles = set(source.articles.values_list("pk", flat=True))

    merge_tickets(actor=d.agent, via=Channel.WEB, source=source, target=target)

    source.refresh_from_db()
    target.refresh_from_db()
    assert set(target.articles.values_list("pk", flat=True)) >= source_articles
    assert target.articles.count() == 3
    assert source.articles.count() == 0
    attachment = Attachment.objects.get(article__ticket=target)
    assert read_blob(attachment.sha256) == b"paper everywhere"
    assert source.state.category == StateCategory.MERGED
    assert source.merged_into == target
    assert source.closed_at is not None
    assert source.history.get(field="merged_into").new_value == str(target)
    assert target.history.get(action="merged_from").old_value == source.number
    # Bob raised the source: he keeps sight of his words, now on the target.
    assert d.bob in target.participants.all()
    assert visible_articles(d.bob, target).count() == 2  # his mail and Alice's; not the note


def test_follow_up_to_merged_ticket_lands_in_target(directory: Directory) -> None:
    d = directory
    target = make_ticket(customer=d.alice, queue=d.support, title="T")
    source = make_ticket(customer=d.alice, queue=d.support, title="S")
    merge_tickets(actor=d.agent, via=Channel.WEB, source=source, target=target)

    article = add_article(
        actor=d.alice,
        via=Channel.EMAIL,
        ticket=source,
        article=NewArticle(body_text="any news?", channel="email"),
    )

    assert article.ticket_id == target.pk


def test_merge_refusals_change_nothing(directory: Directory) -> None:
    d = directory
    a = make_ticket(customer=d.alice, queue=d.support, title="A")
    b = make_ticket(customer=d.alice, queue=d.support, title="B")
    c = make_ticket(customer=d.alice, queue=d.support, title="C")
    merge_tickets(actor=d.agent, via=Channel.WEB, source=a, target=b)
    before = (snapshot(b), snapshot(c))
    with pytest.raises(InvalidOperation):
        merge_tickets(actor=d.agent, via=Channel.WEB, source=c, target=a)
    with pytest.raises(PermissionDenied):
        merge_tickets(actor=d.reader, via=Channel.WEB, source=c, target=b)
    assert (snapshot(b), snapshot(c)) == before


def test_split_copies_article_with_attachments_into_linked_ticket(directory: Directory) -> None:
    d = directory
    origin = make_ticket(customer=d.alice, queue=d.support, title="Two problems")
    second = add_article(
        actor=d.alice,
        via=Channel.EMAIL,
        ticket=origin,
        article=with_file("Also my VPN is down", "vpn.log", b"timeout"),
    )

    new = split_ticket(actor=d.agent, via=Channel.WEB, article=second, title="VPN down")

    assert (new.title, new.customer, new.queue) == ("VPN down", d.alice, d.support)
    assert new.state.category == StateCategory.NEW
    copy = new.articles.get()
    assert copy.body_text == "Also my VPN is down"
    assert read_blob(copy.attachments.get().sha256) == b"timeout"
    assert origin.articles.count() == 2  # the origin keeps its thread
    assert Article.objects.filter(pk=second.pk, ticket=origin).exists()
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.kind) == (origin, new, "relates_to")
    assert origin.history.get(action="split").new_value == f"{second.pk} → {new.number}"
    assert new.history.get(action="split").new_value == f"{origin.number} article {second.pk}"


def test_reader_cannot_split(directory: Directory) -> None:
    origin = make_ticket(customer=directory.alice, queue=directory.support)
    with pytest.raises(PermissionDenied):
        split_ticket(actor=directory.reader, via=Channel.WEB, article=origin.articles.get())
    assert TicketLink.objects.count() == 0
