"""Customers and organisations: finding them, their pages, a ticket on a customer's behalf."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relaydesk.accounts.models import User, UserKind
from relaydesk.accounts.selectors import customers_matching, organisations_matching
from relaydesk.mail.models import OutboundMessage
from relaydesk.tickets.models import (
    ArticleChannel,
    Channel,
    SenderKind,
    Ticket,
    TicketHistory,
    Visibility,
)
from tests.factories import PASSWORD, Directory, OrganisationFactory, UserFactory, make_ticket

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
}


def sign_in(email: str) -> Client:
    client = Client()
    assert client.post("/agent/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


# --- finding ------------------------------------------------------------------------


def test_customers_are_found_by_address_name_and_domain(directory: Directory) -> None:
    assert list(customers_matching("ALICE@acme")) == [directory.alice]
    assert list(customers_matching("bo")) == [directory.bob]
    assert list(customers_matching("acme.example")) == [directory.alice, directory.bob]
    assert list(customers_matching("@globex.example")) == [directory.carol]
    assert list(customers_matching("agent")) == []  # agents are no customers
    assert list(customers_matching("   ")) == []
    assert list(organisations_matching("glo")) == [directory.globex]


def test_the_customer_search_page_lists_people_and_organisations(
    agent_client: Client, directory: Directory
) -> None:
    directory.acme.domain = "acme.example"
    directory.acme.save()
    response = agent_client.get("/agent/customers/", {"q": "acme"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/agent/customers/{directory.alice.pk}/"' in html
    assert f'href="/agent/customers/{directory.bob.pk}/"' in html
    assert f'href="/agent/organisations/{directory.acme.pk}/"' in html
    assert "carol@globex.example" not in html


def test_the_customer_search_pages_and_runs_constant_queries(
    agent_client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    organisation = OrganisationFactory(name="Initech")
    for index in range(30):
        UserFactory(email=f"x{index:02d}@initech.example", organisation=organisation)
    agent_client.get("/agent/")  # the session is loaded once before counting
    # session, user, matching organisations' ids, customers (with organisation), organisations
    with django_assert_num_queries(5):
        first = agent_client.get("/agent/customers/", {"q": "initech.example"})
    html = first.content.decode()
    assert len(re.findall(r'href="/agent/customers/\d+/"', html)) == 25
    assert "from=25" in html
    with django_assert_num_queries(5):
        second = agent_client.get("/agent/customers/", {"q": "initech.example", "from": "25"})
    assert len(re.findall(r'href="/agent/customers/\d+/"', second.content.decode())) == 5


def test_the_customer_search_without_words_explains(agent_client: Client) -> None:
    response = agent_client.get("/agent/customers/")
    assert response.status_code == 200
    assert "Type the start of a name" in response.content.decode()


# --- customer and organisation pages ------------------------------------------------


def test_a_customer_page_lists_only_the_tickets_the_agent_may_see(
    agent_client: Client, directory: Directory
) -> None:
    mine = make_ticket(customer=directory.alice, queue=directory.support, title="Printer jam")
    hidden = make_ticket(customer=directory.alice, queue=directory.hardware, title="Secret disk")
    response = agent_client.get(f"/agent/customers/{directory.alice.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.number in html
    assert "Printer jam" in html
    assert hidden.number not in html
    assert "Secret disk" not in html
    assert "(1)" in html  # the count, too, knows only the visible ticket
    assert f'href="/agent/organisations/{directory.acme.pk}/"' in html
    assert f"/agent/tickets/new/?customer={directory.alice.pk}&amp;kind=phone" in html


def test_a_customer_page_runs_constant_queries(
    agent_client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    agent_client.get("/agent/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(f"/agent/customers/{directory.alice.pk}/").status_code == 200
        return len(queries)

    make_ticket(customer=directory.alice, queue=directory.support)
    few = count()
    for _ in range(5):
        make_ticket(customer=directory.alice, queue=directory.support, owner=directory.agent)
    assert count() == few + 1  # owners appear: one more query for them, whatever their number
    for _ in range(5):
        make_ticket(customer=directory.alice, queue=directory.support, owner=directory.agent)
    assert count() == few + 1


def test_an_organisation_page_lists_members_and_visible_tickets(
    agent_client: Client, directory: Directory
) -> None:
    shown = make_ticket(customer=directory.bob, queue=directory.support, title="Shared drive")
    hidden = make_ticket(customer=directory.alice, queue=directory.hardware, title="Secret")
    html = agent_client.get(f"/agent/organisations/{directory.acme.pk}/").content.decode()
    assert "alice@acme.example" in html
    assert "bob@acme.example" in html
    assert shown.number in html
    assert hidden.number not in html


def test_agents_and_unknown_ids_have_no_customer_page(
    agent_client: Client, directory: Directory
) -> None:
    assert agent_client.get(f"/agent/customers/{directory.specialist.pk}/").status_code == 404
    assert agent_client.get("/agent/customers/999999/").status_code == 404
    assert agent_client.get("/agent/organisations/999999/").status_code == 404


def test_customers_cannot_open_the_customer_pages(directory: Directory) -> None:
    client = Client()
    client.force_login(directory.alice)
    response = client.get("/agent/customers/", {"q": "a"})
    assert response.status_code == 302
    assert response["Location"].startswith("/agent/login/")


# --- new ticket ---------------------------------------------------------------------


def test_the_new_ticket_form_offers_only_writable_queues(
    agent_client: Client, directory: Directory
) -> None:
    html = agent_client.get(f"/agent/tickets/new/?customer={directory.alice.pk}").content.decode()
    assert 'value="alice@acme.example"' in html
    assert f'<option value="{directory.support.pk}">Support</option>' in html
    assert "Hardware" not in html


def test_a_phone_ticket_is_the_customers_article_with_the_agent_as_creator(
    agent_client: Client, directory: Directory
) -> None:
    upload = SimpleUploadedFile("notes.txt", b"called twice", content_type="text/plain")
    response = agent_client.post(
        "/agent/tickets/new/",
        {
            "kind": "phone",
            "customer": "alice@acme.example",
            "title": "Cannot print",
            "body": "Alice called: the printer shows error 50.2.",
            "queue": directory.support.pk,
            "owner": directory.agent.pk,
            "attachments": [upload],
        },
    )
    ticket = Ticket.objects.get(title="Cannot print")
    assert response.status_code == 302
    assert response["Location"] == f"/agent/tickets/{ticket.number}/"
    assert ticket.customer == directory.alice
    assert ticket.owner == directory.agent
    article = ticket.articles.get()
    assert article.channel == ArticleChannel.PHONE
    assert article.sender_kind == SenderKind.CUSTOMER
    assert article.visibility == Visibility.PUBLIC
    assert article.author == directory.agent
    assert [a.filename for a in article.attachments.all()] == ["notes.txt"]
    created = TicketHistory.objects.filter(ticket=ticket, field="title").get()
    assert created.actor == directory.agent
    assert created.channel == Channel.WEB


def test_an_email_ticket_is_mailed_to_the_customer(
    agent_client: Client,
    directory: Directory,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/agent/tickets/new/",
            {
                "kind": "email",
                "customer": "new.person@example.net",
                "title": "Your new laptop",
                "body": "Your laptop is ready for pick-up.",
                "queue": directory.support.pk,
            },
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Your new laptop")
    customer = User.objects.get(email="new.person@example.net")
    assert customer.kind == UserKind.CUSTOMER
    assert ticket.customer == customer
    article = ticket.articles.get()
    assert (article.channel, article.sender_kind) == (ArticleChannel.EMAIL, SenderKind.AGENT)
    assert article.to_addresses == "new.person@example.net"
    sent = OutboundMessage.objects.filter(ticket=ticket, to_address="new.person@example.net")
    assert sent.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("customer", "agent@example.com", "cannot be one"),
        ("title", "", "This field is required."),
        ("body", "", "This field is required."),
    ],
)
def test_a_bad_new_ticket_names_the_field_and_writes_nothing(
    agent_client: Client, directory: Directory, field: str, value: str, error: str
) -> None:
    data = {
        "kind": "phone",
        "customer": "alice@acme.example",
        "title": "Cannot print",
        "body": "Text",
        "queue": directory.support.pk,
    }
    data[field] = value
    response = agent_client.post("/agent/tickets/new/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Ticket.objects.exists()


def test_no_ticket_in_a_queue_the_agent_may_not_write(directory: Directory) -> None:
    reader = sign_in(directory.reader.email)  # may read Support, not write it
    data = {
        "kind": "phone",
        "customer": "alice@acme.example",
        "title": "Cannot print",
        "body": "Text",
        "queue": directory.support.pk,
    }
    response = reader.post("/agent/tickets/new/", data)
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    hardware = sign_in(directory.agent.email).post(
        "/agent/tickets/new/", {**data, "queue": directory.hardware.pk}
    )
    assert hardware.status_code == 400
    assert not Ticket.objects.exists()
