"""Threading: which ticket a reply lands in, and the record of why."""

from __future__ import annotations

import pytest

from relaydesk.core.ticket_numbers import subject_tag
from relaydesk.mail.ids import make_message_id
from relaydesk.mail.models import InboundStatus
from relaydesk.tickets.actions import NewArticle, add_article, merge_tickets
from relaydesk.tickets.models import Article, Queue, Ticket
from tests.factories import Directory, make_ticket
from tests.mail.inbound_helpers import deliver, raw_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(directory: Directory) -> Ticket:
    return make_ticket(customer=directory.alice, queue=directory.support)


def test_a_reply_with_the_subject_tag_follows_up(ticket: Ticket) -> None:
    row = deliver(raw_mail(subject=f"Re: {subject_tag(ticket.number)} The printer"))

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == ticket
    assert (row.match_method, row.match_value) == ("subject_tag", ticket.number)
    assert ticket.articles.count() == 2


def test_a_tag_in_other_digits_is_not_a_tag(ticket: Ticket) -> None:
    fullwidth = ticket.number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    row = deliver(raw_mail(subject=f"Re: [Ticket#{fullwidth}] The printer"))

    assert row.status == InboundStatus.NEW_TICKET
    assert ticket.articles.count() == 1


def test_a_tag_naming_no_ticket_falls_through_to_a_new_ticket(directory: Directory) -> None:
    row = deliver(raw_mail(subject="Re: [Ticket#1999010110000011] gone"))

    assert row.status == InboundStatus.NEW_TICKET


def test_a_reply_to_our_signed_message_id_follows_up_without_a_tag(ticket: Ticket) -> None:
    ours = make_message_id(ticket.number)  # never stored: the signature alone names the ticket

    row = deliver(raw_mail(subject="Re: printer", in_reply_to=f"<{ours}>"))

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == ticket
    assert (row.match_method, row.match_value) == ("in_reply_to", ours)


def test_a_forged_signed_message_id_is_ignored(ticket: Ticket) -> None:
    genuine = make_message_id("1")
    forged = genuine.replace("rd.1.", f"rd.{ticket.number}.")

    row = deliver(raw_mail(subject="Re: printer", in_reply_to=f"<{forged}>"))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket != ticket
    assert ticket.articles.count() == 1


def test_a_reply_to_a_customers_stored_message_id_follows_up(
    ticket: Ticket, directory: Directory
) -> None:
    add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(body_text="more", channel="email", message_id="cust-1@acme.example"),
    )

    row = deliver(
        raw_mail(
            sender="bob@acme.example",
            subject="Re: more",
            references="<unknown@x.example> <cust-1@acme.example>",
        )
    )

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == ticket
    assert (row.match_method, row.match_value) == ("references", "cust-1@acme.example")


def test_references_are_read_from_the_most_recent_end(directory: Directory, ticket: Ticket) -> None:
    later = make_ticket(customer=directory.alice, queue=directory.support, title="Later")
    old_id, new_id = make_message_id(ticket.number), make_message_id(later.number)

    row = deliver(raw_mail(subject="Re: x", references=f"<{old_id}> <{new_id}>"))

    assert row.ticket == later


def test_in_reply_to_goes_before_references(directory: Directory, ticket: Ticket) -> None:
    other = make_ticket(customer=directory.alice, queue=directory.support, title="Other")

    row = deliver(
        raw_mail(
            subject="Re: x",
            in_reply_to=f"<{make_message_id(ticket.number)}>",
            references=f"<{make_message_id(other.number)}>",
        )
    )

    assert row.ticket == ticket
    assert row.match_method == "in_reply_to"


def test_the_subject_tag_goes_before_message_ids(directory: Directory, ticket: Ticket) -> None:
    other = make_ticket(customer=directory.alice, queue=directory.support, title="Other")

    row = deliver(
        raw_mail(
            subject=f"Re: {subject_tag(ticket.number)}",
            in_reply_to=f"<{make_message_id(other.number)}>",
        )
    )

    assert row.ticket == ticket
    assert row.match_method == "subject_tag"


def test_a_follow_up_to_a_merged_ticket_lands_in_its_target(
    directory: Directory, ticket: Ticket
) -> None:
    target = make_ticket(customer=directory.alice, queue=directory.support, title="Target")
    merge_tickets(actor=directory.agent, via="web", source=ticket, target=target)

    row = deliver(raw_mail(subject=f"Re: {subject_tag(ticket.number)}"))

    assert row.status == InboundStatus.FOLLOW_UP
    assert row.ticket == target
    assert row.article is not None
    assert row.article.ticket == target


def test_an_external_number_opens_a_ticket_once_and_threads_afterwards(
    directory: Directory,
) -> None:
    Queue.objects.filter(pk=directory.support.pk).update(external_number_pattern=r"INC-\d+")

    first = deliver(raw_mail(sender="partner@itsm.example", subject="INC-4711 disk full"))
    second = deliver(raw_mail(sender="partner@itsm.example", subject="Update INC-4711: fixed"))

    assert first.status == InboundStatus.NEW_TICKET
    assert first.ticket is not None
    assert first.ticket.external_number == "INC-4711"
    assert second.status == InboundStatus.FOLLOW_UP
    assert second.ticket == first.ticket
    assert (second.match_method, second.match_value) == ("external_number", "INC-4711")


def test_an_external_number_pattern_with_a_group_stores_the_group(
    directory: Directory,
) -> None:
    Queue.objects.filter(pk=directory.support.pk).update(
        external_number_pattern=r"\[Partner ticket (\d+)\]"
    )

    row = deliver(raw_mail(subject="[Partner ticket 991] printer"))

    assert row.ticket is not None
    assert row.ticket.external_number == "991"


def test_a_broken_external_number_pattern_is_passed_over(directory: Directory) -> None:
    Queue.objects.filter(pk=directory.support.pk).update(external_number_pattern="INC-(")

    row = deliver(raw_mail(subject="INC-1"))

    assert row.status == InboundStatus.NEW_TICKET
    assert row.ticket is not None
    assert row.ticket.external_number == ""


def test_a_new_ticket_records_the_address_that_routed_it(directory: Directory) -> None:
    row = deliver(raw_mail(to="Support <SUPPORT@desk.test>"))

    assert (row.match_method, row.match_value) == ("new_ticket", "support@desk.test")
    assert Article.objects.filter(ticket=row.ticket).count() == 1
