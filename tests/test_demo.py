"""The demo data: what `relaydesk demo` promises, loaded once and only once."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import redirect_stdout

import pytest
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoDbBlocker

from relaydesk.accounts.models import AgentGroup, Organisation, User, UserKind
from relaydesk.core.errors import InvalidOperation
from relaydesk.demo import DemoDataConflict, load_demo
from relaydesk.tickets.models import (
    Article,
    Attachment,
    LinkKind,
    Queue,
    StateCategory,
    Ticket,
    TicketHistory,
    TicketLink,
    TicketState,
    Visibility,
)
from relaydesk.tickets.visibility import visible_articles, visible_tickets

PASSWORD = "demo password for tests"
LOGINS = (
    "admin@example.com",
    "agent@example.com",
    "alice@acme.example",
    "bob@acme.example",
    "carol@globex.example",
)
# Hashing is deliberately slow; these tests check who gets which password, not the hasher.
FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module", autouse=True)
def _fast_hashing() -> Iterator[None]:
    with FAST_HASHING:
        yield


def load(password: str | None = PASSWORD) -> str:
    """Run load_demo and return what it printed."""
    out = io.StringIO()
    with redirect_stdout(out):
        load_demo(password)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Organisation, AgentGroup, User, Queue, Ticket, Article, Attachment, TicketHistory)
    return {model.__name__: model.objects.count() for model in models} | {
        "links": TicketLink.objects.count(),
        "shares": Ticket.participants.through.objects.count(),
    }


@pytest.fixture(scope="class")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo loaded once for a class of read-only tests, rolled back afterwards.

    Each test's own transaction nests inside this one (a savepoint), so the
    tests see the demo and cannot disturb each other.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = load()
        yield output
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_output")
class TestLoadedDemo:
    def test_people_and_places(self) -> None:
        assert sorted(Organisation.objects.values_list("name", flat=True)) == ["Acme", "Globex"]
        assert User.objects.filter(kind=UserKind.AGENT).count() == 4
        assert User.objects.filter(kind=UserKind.CUSTOMER).count() >= 10
        assert AgentGroup.objects.count() == 2
        assert Queue.objects.count() == 4

    def test_tickets_in_every_state_category(self) -> None:
        assert Ticket.objects.count() >= 55
        categories = set(Ticket.objects.values_list("state__category", flat=True))
        assert categories == set(StateCategory.values)
        pending = Ticket.objects.filter(state__category__startswith="pending")
        assert pending.exists()
        assert not pending.filter(pending_until__isnull=True).exists()
        merged = Ticket.objects.filter(state__category=StateCategory.MERGED)
        assert not merged.filter(merged_into__isnull=True).exists()
        assert not Article.objects.filter(ticket__in=merged).exists()  # moved to the targets

    def test_threads_attachments_and_notes(self) -> None:
        assert Article.objects.count() > 2 * Ticket.objects.count()
        assert Attachment.objects.filter(content_type="image/png").exists()
        assert Attachment.objects.filter(content_type="text/plain").exists()
        assert Article.objects.filter(visibility=Visibility.INTERNAL, channel="note").exists()
        assert Article.objects.filter(channel="phone").exists()
        assert set(Article.objects.values_list("sender_kind", flat=True)) >= {"customer", "agent"}

    def test_locked_linked_private_and_shared_tickets(self) -> None:
        assert Ticket.objects.filter(is_locked=True, owner__isnull=False).exists()
        assert TicketLink.objects.filter(kind=LinkKind.PARENT_OF).count() == 2
        assert Ticket.objects.filter(is_private=True).count() == 1
        assert Ticket.participants.through.objects.count() == 1

    def test_documented_logins_work(self) -> None:
        for email in LOGINS:
            assert authenticate(username=email, password=PASSWORD) is not None, email
        assert authenticate(username="admin@example.com", password="wrong") is None

    def test_roles_of_the_documented_logins(self) -> None:
        admin = User.objects.get(email="admin@example.com")
        assert (admin.is_agent, admin.is_staff, admin.is_superuser) == (True, True, True)
        assert admin.agent_groups.count() == AgentGroup.objects.count()
        agent = User.objects.get(email="agent@example.com")
        assert (agent.is_agent, agent.is_staff, agent.agent_groups.count()) == (True, False, 1)
        organisations = {
            email: User.objects.get(email=email).organisation.name  # type: ignore[union-attr]
            for email in LOGINS[2:]
        }
        assert organisations == {
            "alice@acme.example": "Acme",
            "bob@acme.example": "Acme",
            "carol@globex.example": "Globex",
        }

    def test_first_load_prints_the_password_once(self, demo_output: str) -> None:
        assert demo_output.count(PASSWORD) == 1
        assert "admin@example.com" in demo_output
        assert "/admin/" in demo_output
        assert "Every demo user has this password" in demo_output

    def test_second_load_changes_nothing(self) -> None:
        before = row_counts()
        with CaptureQueriesContext(connection) as queries:
            output = load("another password")
        assert row_counts() == before
        assert "already present" in output
        assert "another password" not in output
        assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert authenticate(username="alice@acme.example", password=PASSWORD) is not None

    def test_alice_sees_acme_but_never_globex(self) -> None:
        alice = User.objects.get(email="alice@acme.example")
        globex = Organisation.objects.get(name="Globex")
        visible = visible_tickets(alice)
        assert visible.exists()
        assert not visible.filter(organisation=globex).exists()
        assert visible.filter(customer__email="bob@acme.example").exists()
        assert not visible_articles(alice).filter(visibility=Visibility.INTERNAL).exists()

    def test_private_and_shared_tickets_reach_the_right_people(self) -> None:
        private = Ticket.objects.get(is_private=True)
        bob = User.objects.get(email="bob@acme.example")
        assert private.customer is not None
        assert private.customer.email == "alice@acme.example"
        assert not visible_tickets(bob).filter(pk=private.pk).exists()
        contractor = User.objects.get(email="ivan.petrov@freelance.example")
        assert contractor.organisation is None
        shared = contractor.shared_tickets.get()
        assert shared.organisation is not None
        assert shared.organisation.name == "Acme"
        others = visible_tickets(contractor).exclude(customer=contractor)
        assert list(others) == [shared]


@pytest.mark.django_db
def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAYDESK_DEMO_PASSWORD", "from the environment")
    output = load(None)
    assert "from the environment" in output
    assert authenticate(username="carol@globex.example", password="from the environment")


@pytest.mark.django_db
def test_a_random_password_is_made_and_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAYDESK_DEMO_PASSWORD", raising=False)
    output = load(None)
    match = re.search(r"with the password: (\S+)", output)
    assert match is not None
    assert len(match.group(1)) >= 16
    assert authenticate(username="bob@acme.example", password=match.group(1))


@pytest.mark.django_db
def test_an_existing_administrator_keeps_their_password() -> None:
    User.objects.create_superuser("Admin@Example.com", "their own password")
    output = load()
    assert "admin@example.com existed before and keeps its own password" in output
    assert authenticate(username="admin@example.com", password="their own password")
    assert authenticate(username="admin@example.com", password=PASSWORD) is None
    assert authenticate(username="agent@example.com", password=PASSWORD)
    assert User.objects.get(email__iexact="admin@example.com").agent_groups.count() == 2


@pytest.mark.django_db
def test_a_failed_load_leaves_nothing_behind() -> None:
    # Without a resolved state the load fails half-way, after people and
    # tickets have been written.
    TicketState.objects.filter(category=StateCategory.RESOLVED).update(is_active=False)
    with pytest.raises(InvalidOperation, match="(?i)resolved"):
        load()
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.django_db
def test_a_partial_demo_is_refused() -> None:
    group = AgentGroup.objects.create(name="Someone else's team")
    Queue.objects.create(name="Hardware", group=group)
    with pytest.raises(DemoDataConflict, match="Hardware"):
        load()
    assert Ticket.objects.count() == 0
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_user_of_the_wrong_kind_is_refused() -> None:
    User.objects.create_user("alice@acme.example", "x", kind=UserKind.AGENT)
    with pytest.raises(DemoDataConflict, match="alice@acme.example"):
        load()
    assert Queue.objects.count() == 0
    assert Ticket.objects.count() == 0
