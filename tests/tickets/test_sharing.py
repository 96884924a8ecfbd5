"""share_ticket, unshare_ticket and set_private."""

from __future__ import annotations

import pytest

from relaydesk.core.errors import PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import set_private, share_ticket, unshare_ticket
from relaydesk.tickets.models import Channel
from relaydesk.tickets.visibility import visible_tickets
from tests.factories import Directory, make_ticket
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def test_private_ticket_leaves_colleagues_view(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    assert visible_tickets(directory.bob).filter(pk=ticket.pk).exists()

    set_private(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, is_private=True)

    assert not visible_tickets(directory.bob).filter(pk=ticket.pk).exists()
    assert ticket.history.get(field="is_private").new_value == "yes"


def test_customer_shares_with_colleague_but_not_outside_organisation(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support, is_private=True)
    before = snapshot(ticket)
    with pytest.raises(ValidationFailed):
        share_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, user=directory.carol)
    assert snapshot(ticket) == before

    share_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, user=directory.bob)

    assert visible_tickets(directory.bob).filter(pk=ticket.pk).exists()
    assert ticket.history.get(action="share").new_value == "bob@acme.example"
    unshare_ticket(actor=directory.alice, via=Channel.PORTAL, ticket=ticket, user=directory.bob)
    assert not visible_tickets(directory.bob).filter(pk=ticket.pk).exists()


def test_agent_shares_across_organisations_and_colleague_cannot_manage(
    directory: Directory,
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    share_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket, user=directory.carol)
    assert visible_tickets(directory.carol).filter(pk=ticket.pk).exists()

    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        set_private(actor=directory.bob, via=Channel.PORTAL, ticket=ticket, is_private=True)
    with pytest.raises(ValidationFailed):
        share_ticket(
            actor=directory.agent, via=Channel.WEB, ticket=ticket, user=directory.specialist
        )
    assert snapshot(ticket) == before
