"""The Django admin for configuration: every page opens, tickets are read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relaydesk.accounts.models import User
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db

CONFIGURATION = [
    "accounts_user",
    "accounts_organisation",
    "accounts_agentgroup",
    "tickets_queue",
    "tickets_ticketstate",
    "tickets_priority",
    "tickets_tickettype",
    "sla_businesscalendar",
    "cmdb_itemclass",
    "cmdb_location",
    "cmdb_configurationitem",
]


@pytest.fixture
def admin_client_for(directory: Directory) -> Client:
    admin = User.objects.create_superuser("root@example.com", "pw", name="Root")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", CONFIGURATION)
def test_configuration_lists_and_add_forms_open(admin_client_for: Client, model: str) -> None:
    assert admin_client_for.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client_for.get(reverse(f"admin:{model}_add")).status_code == 200


def test_queue_change_form_shows_group_access(
    admin_client_for: Client, directory: Directory
) -> None:
    url = reverse("admin:tickets_queue_change", args=[directory.support.pk])
    page = admin_client_for.get(url)
    assert page.status_code == 200
    assert b"Readers" in page.content


def test_tickets_are_listed_but_cannot_be_changed_here(
    admin_client_for: Client, directory: Directory
) -> None:
    for number in range(5):
        make_ticket(customer=directory.alice, queue=directory.support, title=f"Ticket {number}")
    listing = admin_client_for.get(reverse("admin:tickets_ticket_changelist"))
    assert listing.status_code == 200
    assert listing.content.count(b"Ticket ") >= 5
    ticket = directory.support.ticket_set.first()
    assert ticket is not None
    change_url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    response = admin_client_for.post(change_url, {"title": "changed behind the actions' back"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title.startswith("Ticket ")
    assert admin_client_for.get(reverse("admin:tickets_ticket_add")).status_code == 403


def test_ticket_list_query_count_does_not_grow_with_tickets(
    admin_client_for: Client, directory: Directory
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:tickets_ticket_changelist")
    make_ticket(customer=directory.alice, queue=directory.support)
    with CaptureQueriesContext(connection) as few:
        admin_client_for.get(url)
    for number in range(10):
        make_ticket(customer=directory.bob, queue=directory.support, title=f"More {number}")
    with CaptureQueriesContext(connection) as many:
        admin_client_for.get(url)
    assert len(many) == len(few)


def test_customers_and_agents_without_staff_flag_are_kept_out(directory: Directory) -> None:
    client = Client()
    client.force_login(directory.agent)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
