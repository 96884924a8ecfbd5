"""link_tickets and unlink_tickets."""

from __future__ import annotations

import pytest

from relaydesk.core.errors import InvalidOperation, NotFound, ValidationFailed
from relaydesk.tickets.actions import link_tickets, unlink_tickets
from relaydesk.tickets.models import Channel, LinkKind, TicketLink
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def test_link_writes_history_on_both_tickets(directory: Directory) -> None:
    a = make_ticket(customer=directory.alice, queue=directory.support, title="A")
    b = make_ticket(customer=directory.alice, queue=directory.support, title="B")

    link_tickets(
        actor=directory.agent, via=Channel.WEB, source=a, target=b, kind=LinkKind.CAUSED_BY
    )

    assert TicketLink.objects.get().kind == "caused_by"
    assert a.history.get(action="link").new_value == f"caused_by {b.number}"
    assert b.history.get(action="link").new_value == f"caused_by (reverse) {a.number}"
    a.refresh_from_db()
    assert a.version == 2

    unlink_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=b, kind="caused_by")
    assert TicketLink.objects.count() == 0
    assert b.history.get(action="unlink").old_value == f"caused_by (reverse) {a.number}"


def test_bad_links_are_refused(directory: Directory) -> None:
    a = make_ticket(customer=directory.alice, queue=directory.support, title="A")
    b = make_ticket(customer=directory.alice, queue=directory.support, title="B")
    c = make_ticket(customer=directory.alice, queue=directory.support, title="C")
    hidden = make_ticket(customer=directory.carol, queue=directory.hardware, title="H")
    with pytest.raises(ValidationFailed):
        link_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=a, kind="relates_to")
    with pytest.raises(ValidationFailed):
        link_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=b, kind="likes")
    with pytest.raises(NotFound):
        link_tickets(
            actor=directory.agent, via=Channel.WEB, source=a, target=hidden, kind="relates_to"
        )
    link_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=b, kind="parent_of")
    link_tickets(actor=directory.agent, via=Channel.WEB, source=b, target=c, kind="parent_of")
    with pytest.raises(InvalidOperation):
        link_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=b, kind="parent_of")
    with pytest.raises(InvalidOperation):  # a cycle: c is below a
        link_tickets(actor=directory.agent, via=Channel.WEB, source=c, target=a, kind="parent_of")
    with pytest.raises(InvalidOperation):
        unlink_tickets(actor=directory.agent, via=Channel.WEB, source=a, target=c, kind="parent_of")
    assert TicketLink.objects.count() == 2
