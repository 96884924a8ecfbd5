"""Who may follow up by mail, and what a follow-up does to the ticket
(issue 3, points 5–7; SECURITY.md class 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django.fixtures import Settings

from relaydesk.accounts.models import User
from relaydesk.core.ticket_numbers import subject_tag
from relaydesk.core.time import now
from relaydesk.mail.ids import make_message_id
from relaydesk.mail.models import InboundStatus
from relaydesk.tickets.actions import (
    close_ticket,
    lock_ticket,
    set_owner,
    set_pending,
    set_private,
    share_ticket,
)
from relaydesk.tickets.models import (
    Article,
    LinkKind,
    Queue,
    ReopenPolicy,
    SenderKind,
    StateCategory,
    Ticket,
    TicketLink,
    UnknownSenderPolicy,
    Visibility,
)
from tests.factories import Directory, make_ticket
from tests.mail.inbound_helpers import bounce_for, deliver, raw_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(directory: Directory) -> Ticket:
    return make_ticket(customer=directory.alice, queue=directory.support)


def reply(ticket: Ticket, **fields: object) -> bytes:
    """A reply to the ticket, tagged, from `sender` (default: the requester)."""
    fields.setdefault("subject", f"Re: {subject_tag(ticket.number)} The printer")
    return raw_mail(**fields)  # type: ignore[arg-type]


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("state").get(pk=ticket.pk)


def set_policy(queue: Queue, **values: object) -> None:
    Queue.objects.filter(pk=queue.pk).update(**values)


# --- who may follow up ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "dave"])
def test_requester_participant_and_organisation_member_follow_up_publicly(
    directory: Directory, ticket: Ticket, who: str
) -> None:
    share_ticket(actor=directory.agent, via="web", ticket=ticket, user=directory.dave)
    person: User = getattr(directory, who)

    row = deliver(reply(ticket, sender=person.email))

    assert row.status == InboundStatus.FOLLOW_UP
    article = Article.objects.get(pk=row.article_id)
    assert article.sender_kind == SenderKind.CUSTOMER
    assert article.visibility == Visibility.PUBLIC
    assert article.author == person
    assert article.review_reason == ""


def test_a_stranger_with_a_valid_tag_is_kept_internal_for_review(
    directory: Directory, ticket: Ticket
) -> None:
    before = fresh(ticket)

    row = deliver(reply(ticket, sender="Carol <carol@globex.example>", body="I am the boss"))

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == ticket
    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.sender_kind == SenderKind.SYSTEM
    assert article.author is None
    assert article.from_address == "carol@globex.example"
    assert article.review_reason == (
        "carol@globex.example is not the requester, a participant, a member of the "
        "ticket's organisation or an agent"
    )
    after = fresh(ticket)
    assert after.state == before.state
    assert not after.participants.exists()


def test_a_stranger_is_not_made_a_customer_by_a_follow_up(ticket: Ticket) -> None:
    deliver(reply(ticket, sender="mallory@evil.example"))

    assert not User.objects.filter(email="mallory@evil.example").exists()


def test_an_organisation_member_is_a_stranger_to_a_private_ticket(
    directory: Directory, ticket: Ticket
) -> None:
    set_private(actor=directory.alice, via="portal", ticket=ticket, is_private=True)

    row = deliver(reply(ticket, sender=directory.bob.email))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.review_reason.startswith("bob@acme.example is not the requester")


def test_a_deactivated_customer_is_a_stranger(directory: Directory, ticket: Ticket) -> None:
    User.objects.filter(pk=directory.alice.pk).update(is_active=False)

    row = deliver(reply(ticket))

    assert Article.objects.get(pk=row.article_id).visibility == Visibility.INTERNAL


def test_queue_may_append_strangers_normally(directory: Directory, ticket: Ticket) -> None:
    set_policy(directory.support, unknown_sender_policy=UnknownSenderPolicy.APPEND)

    row = deliver(reply(ticket, sender="carol@globex.example"))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.PUBLIC
    assert article.sender_kind == SenderKind.CUSTOMER
    assert article.author is None
    assert article.review_reason == ""


def test_queue_may_open_a_new_linked_ticket_for_strangers(
    directory: Directory, ticket: Ticket
) -> None:
    set_policy(directory.support, unknown_sender_policy=UnknownSenderPolicy.NEW_TICKET)

    row = deliver(reply(ticket, sender="Carol <carol@globex.example>"))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket != ticket
    assert row.ticket.customer == directory.carol
    assert row.ticket.queue == directory.support
    assert TicketLink.objects.filter(
        source=row.ticket, target=ticket, kind=LinkKind.RELATES_TO
    ).exists()
    assert row.reason == (
        f"carol@globex.example is a stranger to ticket {ticket.number}: "
        "opened a new ticket linked to it"
    )
    assert ticket.articles.count() == 1


# --- agents --------------------------------------------------------------------------


def test_an_agents_reply_all_to_the_customer_is_a_public_agent_article(
    directory: Directory, ticket: Ticket
) -> None:
    row = deliver(
        reply(ticket, sender=directory.agent.email, to="alice@acme.example", cc="support@desk.test")
    )

    article = Article.objects.get(pk=row.article_id)
    assert article.sender_kind == SenderKind.AGENT
    assert article.visibility == Visibility.PUBLIC
    assert article.author == directory.agent
    assert fresh(ticket).state.category == StateCategory.OPEN


def test_an_agents_mail_to_the_desk_alone_is_an_internal_note(
    directory: Directory, ticket: Ticket
) -> None:
    row = deliver(reply(ticket, sender=directory.agent.email, to="support@desk.test"))

    article = Article.objects.get(pk=row.article_id)
    assert article.sender_kind == SenderKind.AGENT
    assert article.visibility == Visibility.INTERNAL
    assert article.author == directory.agent


def test_a_public_mail_reply_on_a_ticket_locked_by_another_agent_becomes_a_note(
    directory: Directory, ticket: Ticket
) -> None:
    colleague = User.objects.create_user("colleague@example.com", kind="agent", name="Colleague")
    colleague.agent_groups.add(directory.first_level)
    lock_ticket(actor=colleague, via="web", ticket=ticket)

    row = deliver(reply(ticket, sender=directory.agent.email, to="alice@acme.example"))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.review_reason == (
        f"ticket {ticket.number} is locked by another agent, who alone may reply"
    )


@pytest.mark.parametrize("who", ["reader", "outsider", "specialist"])
def test_agents_without_write_access_are_strangers(
    directory: Directory, ticket: Ticket, who: str
) -> None:
    agent: User = getattr(directory, who)

    row = deliver(reply(ticket, sender=agent.email, to="alice@acme.example"))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.sender_kind == SenderKind.SYSTEM
    assert article.review_reason.startswith(f"{agent.email} is not the requester")


def test_an_agent_writing_to_a_customer_and_the_desk_opens_a_ticket_for_the_customer(
    directory: Directory,
) -> None:
    row = deliver(
        raw_mail(sender=directory.agent.email, to="dave@home.example", cc="support@desk.test")
    )

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket.customer == directory.dave
    article = Article.objects.get(pk=row.article_id)
    assert (article.sender_kind, article.visibility) == (SenderKind.AGENT, Visibility.PUBLIC)
    assert article.author == directory.agent


# --- Cc participants --------------------------------------------------------------------


def test_ccd_customers_become_participants(directory: Directory) -> None:
    row = deliver(
        raw_mail(
            cc="Bob <bob@acme.example>, New Person <new@partner.example>, "
            "agent@example.com, hardware@desk.test, alice@acme.example"
        )
    )

    assert row.ticket is not None
    participants = set(row.ticket.participants.values_list("email", flat=True))
    assert participants == {"bob@acme.example", "new@partner.example"}
    newcomer = User.objects.get(email="new@partner.example")
    assert newcomer.is_customer
    assert newcomer.email_verified_at is None


def test_cc_participants_follow_the_queue_setting(directory: Directory) -> None:
    set_policy(directory.support, cc_become_participants=False)

    row = deliver(raw_mail(cc="bob@acme.example, new@partner.example"))

    assert row.ticket is not None
    assert not row.ticket.participants.exists()
    assert not User.objects.filter(email="new@partner.example").exists()


def test_a_strangers_cc_adds_nobody(directory: Directory, ticket: Ticket) -> None:
    deliver(reply(ticket, sender="mallory@evil.example", cc="accomplice@evil.example"))

    assert not fresh(ticket).participants.exists()


def test_a_colleagues_cc_adds_nobody(directory: Directory, ticket: Ticket) -> None:
    deliver(reply(ticket, sender=directory.bob.email, cc="carol@globex.example"))

    assert not fresh(ticket).participants.exists()


def test_the_requesters_follow_up_adds_ccd_participants(
    directory: Directory, ticket: Ticket
) -> None:
    deliver(reply(ticket, cc="carol@globex.example"))

    assert list(fresh(ticket).participants.all()) == [directory.carol]


# --- states ------------------------------------------------------------------------------


def test_a_follow_up_to_a_pending_ticket_opens_it(directory: Directory, ticket: Ticket) -> None:
    set_pending(
        actor=directory.agent, via="web", ticket=ticket, pending_until=now() + dt.timedelta(days=1)
    )

    deliver(reply(ticket))

    after = fresh(ticket)
    assert after.state.category == StateCategory.OPEN
    assert after.pending_until is None


def test_a_follow_up_to_a_closed_ticket_reopens_it_locked_to_its_previous_owner(
    directory: Directory, ticket: Ticket
) -> None:
    set_owner(actor=directory.agent, via="web", ticket=ticket, owner=directory.agent)
    close_ticket(actor=directory.agent, via="web", ticket=ticket)

    row = deliver(reply(ticket))

    assert row.status == InboundStatus.FOLLOW_UP
    after = fresh(ticket)
    assert after.state.category == StateCategory.OPEN
    assert after.is_locked
    assert after.owner == directory.agent
    assert after.history.filter(action="lock", channel="email").exists()


def test_a_follow_up_long_after_closing_opens_a_new_linked_ticket(
    directory: Directory, ticket: Ticket
) -> None:
    set_policy(directory.support, reopen_within_days=7)
    close_ticket(actor=directory.agent, via="web", ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=now() - dt.timedelta(days=10))

    row = deliver(reply(ticket, body="It is broken again."))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket != ticket
    assert row.ticket.customer == directory.alice
    assert row.ticket.queue == directory.support
    assert TicketLink.objects.filter(
        source=row.ticket, target=ticket, kind=LinkKind.RELATES_TO
    ).exists()
    assert row.reason == (
        f"follow-up to closed ticket {ticket.number}: opened a new ticket linked to it"
    )
    assert fresh(ticket).state.category == StateCategory.CLOSED


def test_a_queue_that_opens_new_tickets_for_follow_ups_to_closed_ones(
    directory: Directory, ticket: Ticket
) -> None:
    set_policy(directory.support, reopen_policy=ReopenPolicy.NEW_TICKET)
    close_ticket(actor=directory.agent, via="web", ticket=ticket)

    row = deliver(reply(ticket))

    assert row.status == InboundStatus.NEW_TICKET
    assert fresh(ticket).state.category == StateCategory.CLOSED


def test_a_queue_that_refuses_follow_ups_keeps_the_mail_as_a_flagged_note(
    directory: Directory, ticket: Ticket
) -> None:
    set_policy(directory.support, reopen_policy=ReopenPolicy.REFUSE)
    close_ticket(actor=directory.agent, via="web", ticket=ticket)

    row = deliver(reply(ticket))

    assert row.status == InboundStatus.FOLLOW_UP
    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.review_reason == (
        f"ticket {ticket.number} is closed and its queue takes no follow-ups"
    )
    assert fresh(ticket).state.category == StateCategory.CLOSED


# --- bounces, automatic mail, our own mail ------------------------------------------------


def test_a_bounce_is_recorded_on_the_ticket_and_does_not_reopen_it(
    directory: Directory, ticket: Ticket
) -> None:
    close_ticket(actor=directory.agent, via="web", ticket=ticket)
    ours = make_message_id(ticket.number)
    original = raw_mail(
        sender="support@desk.test", to="alice@acme.example", message_id=ours,
        subject=f"{subject_tag(ticket.number)} Closed",
    )  # fmt: skip
    version = fresh(ticket).version

    row = deliver(bounce_for(original))

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == ticket
    article = Article.objects.get(pk=row.article_id)
    assert article.is_bounce
    assert not article.is_auto_reply
    assert (article.sender_kind, article.visibility) == (SenderKind.SYSTEM, Visibility.INTERNAL)
    after = fresh(ticket)
    assert after.state.category == StateCategory.CLOSED
    assert after.version == version + 1  # the article, nothing else
    assert not User.objects.filter(email__istartswith="mailer-daemon").exists()


def test_an_out_of_office_answer_does_not_reopen_a_pending_ticket(
    directory: Directory, ticket: Ticket
) -> None:
    set_pending(
        actor=directory.agent, via="web", ticket=ticket, pending_until=now() + dt.timedelta(days=1)
    )

    row = deliver(
        reply(
            ticket,
            subject=f"Out of office: {subject_tag(ticket.number)}",
            body="I am away until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )

    article = Article.objects.get(pk=row.article_id)
    assert article.is_auto_reply
    assert (article.sender_kind, article.visibility) == (SenderKind.SYSTEM, Visibility.INTERNAL)
    assert fresh(ticket).state.category == StateCategory.PENDING_REMINDER


def test_mail_from_our_own_address_is_kept_internal(directory: Directory, ticket: Ticket) -> None:
    row = deliver(reply(ticket, sender="hardware@desk.test"))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.review_reason == "sent from our own address hardware@desk.test"


def test_mail_from_our_default_sender_is_ours_too(
    directory: Directory, ticket: Ticket, settings: Settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = "Relaydesk <relaydesk@localhost>"

    row = deliver(reply(ticket, sender="relaydesk@localhost"))

    article = Article.objects.get(pk=row.article_id)
    assert article.visibility == Visibility.INTERNAL
    assert article.review_reason == "sent from our own address relaydesk@localhost"


def test_a_bounce_that_threads_nowhere_opens_a_ticket_without_a_customer(
    directory: Directory,
) -> None:
    row = deliver(bounce_for(raw_mail(sender="someone@else.example")))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket.customer is None
    article = Article.objects.get(pk=row.article_id)
    assert article.is_bounce
    assert article.visibility == Visibility.INTERNAL
