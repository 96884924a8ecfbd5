"""Optimistic concurrency and all-or-nothing actions."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from relaydesk.core.errors import Conflict
from relaydesk.tickets.actions import NewArticle, add_article, change_priority, create_ticket
from relaydesk.tickets.models import Article, Channel, Ticket, TicketHistory
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def test_stale_version_is_refused_with_the_current_one(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    seen_version = ticket.version
    change_priority(actor=directory.agent, via=Channel.WEB, ticket=ticket, priority=4)
    before = snapshot(ticket)

    with pytest.raises(Conflict) as raised:
        change_priority(
            actor=directory.agent,
            via=Channel.WEB,
            ticket=ticket,
            priority=5,
            expected_version=seen_version,
        )

    assert raised.value.current_version == seen_version + 1
    assert snapshot(ticket) == before
    change_priority(
        actor=directory.agent,
        via=Channel.WEB,
        ticket=ticket,
        priority=5,
        expected_version=seen_version + 1,
    )


def test_failure_half_way_leaves_no_trace(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the rows were written (here: the search index) rolls all back."""
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    counts = (Ticket.objects.count(), Article.objects.count(), TicketHistory.objects.count())

    def broken_index(ticket: Ticket, articles: object = None) -> None:
        raise IntegrityError("index is broken")

    monkeypatch.setattr("relaydesk.tickets.actions.articles.index_ticket", broken_index)
    monkeypatch.setattr("relaydesk.tickets.actions.create.index_tickets", broken_index)
    with pytest.raises(IntegrityError):
        add_article(
            actor=directory.agent,
            via=Channel.WEB,
            ticket=ticket,
            article=NewArticle(body_text="reply", channel="email"),
        )
    with pytest.raises(IntegrityError):
        create_ticket(
            actor=directory.alice,
            via=Channel.PORTAL,
            title="never",
            queue=directory.support,
            article=NewArticle(body_text="never", channel="portal"),
        )

    assert snapshot(ticket) == before
    assert counts == (
        Ticket.objects.count(),
        Article.objects.count(),
        TicketHistory.objects.count(),
    )
