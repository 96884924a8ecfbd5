"""IT documentation pages: find items, the item page (attributes, relations,
All tickets within the visibility rule, logbook), revealing a secret (permitted
agents only, logged), and a ticket created from an item."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from relaydesk.cmdb.actions import add_relation, link_item
from relaydesk.cmdb.models import LogbookKind
from relaydesk.tickets.models import Ticket
from tests.cmdb.fixtures import Inventory
from tests.factories import PASSWORD, Directory, make_ticket


def signed_in(email: str) -> Client:
    client = Client()
    assert client.post("/agent/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_items_are_found_by_ip_address(agent_client: Client, inventory: Inventory) -> None:
    page = agent_client.get("/agent/items/", {"q": "10.0.3.21"}).content.decode()
    assert f'href="/agent/items/{inventory.printer.pk}/"' in page
    assert "sw-floor3" not in page
    page = agent_client.get("/agent/items/", {"q": "no such thing"}).content.decode()
    assert "No configuration item matches." in page


def test_the_item_page_shows_attributes_relations_visible_tickets_and_the_logbook(
    agent_client: Client,
    inventory: Inventory,
    directory: Directory,
    django_assert_num_queries: Any,
) -> None:
    add_relation(
        actor=None,
        via="web",
        source=inventory.printer,
        target=inventory.switch,
        kind="connected_to",
    )
    seen = make_ticket(customer=directory.alice, queue=directory.support, title="Paper jam")
    unseen = make_ticket(customer=directory.bob, queue=directory.hardware, title="Fuser broken")
    for ticket in (seen, unseen):
        link_item(actor=None, via="web", ticket=ticket, item=inventory.printer)
    url = f"/agent/items/{inventory.printer.pk}/"
    agent_client.get(url)  # warm the session and the user's caches
    with django_assert_num_queries(12):
        page = agent_client.get(url).content.decode()
    for text in ("LaserJet M507", "10.0.3.21", "00:1a:2b:3c:4d:5e", "Head office", "Room 3.14"):
        assert text in page
    assert "s3cret!" not in page  # only a Reveal button
    assert "Reveal" in page
    assert "connected to" in page
    assert f'href="/agent/items/{inventory.switch.pk}/"' in page  # the uplink reference
    assert "Paper jam" in page
    assert "Fuser broken" not in page  # a queue the agent may not read: not even counted
    assert "(1)" in page
    assert page.count("ticket linked") == 2  # the logbook names both links, without the title
    # More tickets cost no more queries.
    for number in range(3):
        link_item(
            actor=None,
            via="web",
            ticket=make_ticket(
                customer=directory.alice, queue=directory.support, title=f"J{number}"
            ),
            item=inventory.printer,
        )
    with django_assert_num_queries(12):
        agent_client.get(url)


def test_revealing_a_secret_needs_the_permission_and_is_logged(
    agent_client: Client, inventory: Inventory, directory: Directory
) -> None:
    url = f"/agent/items/{inventory.printer.pk}/secrets/remote_password/"
    assert agent_client.get(url).status_code == 405  # a POST, never a link to follow
    response = agent_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip() == '<code class="secret-value">s3cret!</code>'
    assert response["Cache-Control"] == "no-store"
    assert inventory.printer.logbook.filter(kind=LogbookKind.SECRET_REVEALED).count() == 1

    specialist = signed_in(directory.specialist.email)
    page = specialist.get(f"/agent/items/{inventory.printer.pk}/").content.decode()
    assert "Reveal" not in page
    assert "hidden" in page
    refused = specialist.post(url)
    assert refused.status_code == 403
    assert "s3cret!" not in refused.content.decode()
    assert inventory.printer.logbook.filter(kind=LogbookKind.SECRET_REVEALED).count() == 1


def test_a_ticket_created_from_an_item_references_it(
    agent_client: Client,
    inventory: Inventory,
    directory: Directory,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RELAYDESK_CMDB_TICKET_QUEUES = ["Support"]
    form = agent_client.get("/agent/tickets/new/", {"item": inventory.printer.pk}).content.decode()
    assert "PRN-3F-01" in form
    assert ">Support</option>" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/agent/tickets/new/",
            {
                "kind": "phone",
                "customer": directory.alice.email,
                "title": "Printer shows error 50.2",
                "body": "Called in: the printer on floor 3 shows error 50.2.",
                "queue": directory.support.pk,
                "item": inventory.printer.pk,
            },
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Printer shows error 50.2")
    assert list(ticket.item_links.values_list("item_id", flat=True)) == [inventory.printer.pk]
    kinds = list(inventory.printer.logbook.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [LogbookKind.TICKET_LINKED, LogbookKind.TICKET_CREATED]


@pytest.mark.django_db
def test_customers_never_open_the_item_pages(inventory: Inventory, directory: Directory) -> None:
    client = Client()
    client.force_login(directory.alice)
    response = client.get(f"/agent/items/{inventory.printer.pk}/")
    assert response.status_code in (302, 403, 404)
    assert "LaserJet" not in response.content.decode()
