"""add_article: replies, notes, follow-ups, locks, reopening, contact times."""

from __future__ import annotations

from typing import Any

import pytest

from relaydesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import (
    NewArticle,
    TicketClosed,
    add_article,
    close_ticket,
    lock_ticket,
    set_pending,
)
from relaydesk.tickets.events import ArticleAdded, TicketChanged
from relaydesk.tickets.models import (
    ArticleChannel,
    Channel,
    ReopenPolicy,
    SenderKind,
    StateCategory,
    Visibility,
)
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db

REPLY = NewArticle(body_text="Please restart the printer.", channel=ArticleChannel.EMAIL)
NOTE = NewArticle(
    body_text="Toner is out; ordered.", channel=ArticleChannel.NOTE, visibility=Visibility.INTERNAL
)
FOLLOW_UP = NewArticle(body_text="Still broken.", channel=ArticleChannel.EMAIL)


def test_first_agent_reply_opens_ticket_and_records_first_response(
    directory: Directory, events: list[object], django_capture_on_commit_callbacks: Any
) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)

    with django_capture_on_commit_callbacks(execute=True):
        article = add_article(actor=d.agent, via=Channel.WEB, ticket=ticket, article=REPLY)

    ticket.refresh_from_db()
    assert article.sender_kind == SenderKind.AGENT
    assert article.from_address == "agent@example.com"
    assert ticket.state.category == StateCategory.OPEN
    assert ticket.first_response_at == article.created_at
    assert ticket.last_agent_contact_at == article.created_at
    assert ticket.version == 2
    assert list(
        ticket.history.order_by("id").values_list("action", "field", "old_value", "new_value")
    )[-2:] == [
        ("update", "state", "new", "open"),
        ("article", "article", "", f"{article.pk} (email, public)"),
    ]
    assert events == [
        TicketChanged(
            ticket_id=ticket.pk,
            actor_id=d.agent.pk,
            channel="web",
            field="state",
            old="new",
            new="open",
        ),
        ArticleAdded(
            ticket_id=ticket.pk,
            actor_id=d.agent.pk,
            channel="web",
            article_id=article.pk,
            visibility="public",
            sender_kind="agent",
        ),
    ]


def test_internal_note_changes_no_state_or_contact_time(directory: Directory) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)

    add_article(actor=d.agent, via=Channel.WEB, ticket=ticket, article=NOTE)

    ticket.refresh_from_db()
    assert ticket.state.category == StateCategory.NEW
    assert ticket.first_response_at is None
    assert ticket.last_agent_contact_at is None


def test_customer_follow_up_reopens_pending_ticket(directory: Directory) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)
    import datetime as dt

    from relaydesk.core.time import now

    set_pending(
        actor=d.agent, via=Channel.WEB, ticket=ticket, pending_until=now() + dt.timedelta(days=2)
    )

    add_article(actor=d.alice, via=Channel.PORTAL, ticket=ticket, article=FOLLOW_UP)

    ticket.refresh_from_db()
    assert ticket.state.category == StateCategory.OPEN
    assert ticket.pending_until is None
    assert ticket.last_customer_contact_at is not None


def test_follow_up_to_closed_ticket_follows_queue_policy(directory: Directory) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)

    add_article(actor=d.alice, via=Channel.EMAIL, ticket=ticket, article=FOLLOW_UP)
    ticket.refresh_from_db()
    assert ticket.state.category == StateCategory.OPEN
    assert ticket.closed_at is None

    close_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)
    d.support.reopen_policy = ReopenPolicy.NEW_TICKET
    d.support.save()
    before = snapshot(ticket)
    with pytest.raises(TicketClosed):
        add_article(actor=d.alice, via=Channel.EMAIL, ticket=ticket, article=FOLLOW_UP)
    assert snapshot(ticket) == before


def test_colleague_of_same_organisation_may_follow_up(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_article(actor=directory.bob, via=Channel.PORTAL, ticket=ticket, article=FOLLOW_UP)
    assert article.author == directory.bob


def test_other_organisation_and_groupless_agent_get_not_found(directory: Directory) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support)
    before = snapshot(ticket)
    for stranger in (d.carol, d.outsider, d.specialist):
        with pytest.raises(NotFound):
            add_article(actor=stranger, via=Channel.WEB, ticket=ticket, article=FOLLOW_UP)
    assert snapshot(ticket) == before


def test_reader_may_not_add_notes(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        add_article(actor=directory.reader, via=Channel.WEB, ticket=ticket, article=NOTE)
    assert snapshot(ticket) == before


def test_locked_ticket_only_owner_replies_but_others_may_note(directory: Directory) -> None:
    d = directory
    colleague = type(d.agent).objects.create_user(
        "colleague@example.com", "pw", kind="agent", name="Col League"
    )
    colleague.agent_groups.add(d.first_level)
    ticket = make_ticket(customer=d.alice, queue=d.support)
    lock_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)
    before = snapshot(ticket)

    with pytest.raises(PermissionDenied) as raised:
        add_article(actor=colleague, via=Channel.WEB, ticket=ticket, article=REPLY)
    assert "locked" in str(raised.value)
    assert snapshot(ticket) == before

    note = add_article(actor=colleague, via=Channel.WEB, ticket=ticket, article=NOTE)
    reply = add_article(actor=d.agent, via=Channel.WEB, ticket=ticket, article=REPLY)
    assert (note.visibility, reply.visibility) == ("internal", "public")


def test_customer_cannot_write_internal_article(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed) as raised:
        add_article(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, article=NOTE)
    assert "visibility" in raised.value.errors
    assert snapshot(ticket) == before


def test_over_long_subject_is_refused(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    before = snapshot(ticket)
    long_subject = NewArticle(body_text="x", channel=ArticleChannel.EMAIL, subject="s" * 999)
    with pytest.raises(ValidationFailed) as raised:
        add_article(actor=directory.agent, via=Channel.WEB, ticket=ticket, article=long_subject)
    assert "subject" in raised.value.errors
    assert snapshot(ticket) == before


def test_follow_up_reopens_closed_ticket_locked_to_its_previous_owner(
    directory: Directory,
) -> None:
    d = directory
    ticket = make_ticket(customer=d.alice, queue=d.support, owner=d.agent)
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)

    add_article(actor=d.alice, via=Channel.EMAIL, ticket=ticket, article=FOLLOW_UP)

    ticket.refresh_from_db()
    assert (ticket.state.category, ticket.owner, ticket.is_locked) == (
        StateCategory.OPEN,
        d.agent,
        True,
    )
    assert ticket.history.filter(action="lock", field="is_locked").count() == 1


def test_follow_up_long_after_closing_is_refused_when_queue_limits_reopening(
    directory: Directory,
) -> None:
    import datetime as dt

    from relaydesk.core.time import now
    from relaydesk.tickets.models import Ticket

    d = directory
    d.support.reopen_within_days = 7
    d.support.save()
    ticket = make_ticket(customer=d.alice, queue=d.support)
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=now() - dt.timedelta(days=8))
    before = snapshot(ticket)

    with pytest.raises(TicketClosed):
        add_article(actor=d.alice, via=Channel.EMAIL, ticket=ticket, article=FOLLOW_UP)
    assert snapshot(ticket) == before

    Ticket.objects.filter(pk=ticket.pk).update(closed_at=now() - dt.timedelta(days=6))
    add_article(actor=d.alice, via=Channel.EMAIL, ticket=ticket, article=FOLLOW_UP)


def test_mail_flags_are_stored_on_the_article(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    bounce = NewArticle(
        body_text="Delivery failed",
        channel=ArticleChannel.EMAIL,
        sender_kind=SenderKind.SYSTEM,
        visibility=Visibility.INTERNAL,
        is_bounce=True,
        review_reason="sender is not part of this ticket",
    )
    row = add_article(actor=None, via=Channel.EMAIL, ticket=ticket, article=bounce)
    row.refresh_from_db()
    assert (row.is_bounce, row.is_auto_reply, row.review_reason) == (
        True,
        False,
        "sender is not part of this ticket",
    )
