"""The one visibility rule: which tickets, articles and queues each user sees.

The world (tests.factories.build_directory): Acme (alice, bob), Globex (carol),
dave without an organisation; queue Support worked by First level (agent),
queue Hardware by Second level (specialist); reader's group may only read
Support; outsider is an agent in no group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from pytest_django import DjangoAssertNumQueries

from relaydesk.accounts.models import User
from relaydesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from relaydesk.tickets.actions import (
    add_article,
    merge_tickets,
    set_private,
    share_ticket,
    unshare_ticket,
)
from relaydesk.tickets.models import (
    AccessLevel,
    Article,
    Channel,
    QueueAccess,
    SenderKind,
    Ticket,
    Visibility,
)
from relaydesk.tickets.visibility import readable_queues, visible_articles, visible_tickets
from tests.factories import AgentFactory, Directory, make_ticket
from tests.helpers import note, reply, snapshot

pytestmark = pytest.mark.django_db


def titles(tickets: Iterable[Ticket]) -> set[str]:
    return {ticket.title for ticket in tickets}


@dataclass
class World:
    d: Directory
    alice_open: Ticket  # Acme, Support
    alice_private: Ticket  # Acme, Support, private
    bob_hardware: Ticket  # Acme, Hardware
    carol_open: Ticket  # Globex, Support
    dave_open: Ticket  # no organisation, Support
    anonymous: Ticket  # no customer, Hardware


@pytest.fixture
def world(directory: Directory) -> World:
    d = directory
    return World(
        d=d,
        alice_open=make_ticket(customer=d.alice, queue=d.support, title="alice open"),
        alice_private=make_ticket(
            customer=d.alice, queue=d.support, title="alice private", is_private=True
        ),
        bob_hardware=make_ticket(customer=d.bob, queue=d.hardware, title="bob hardware"),
        carol_open=make_ticket(customer=d.carol, queue=d.support, title="carol open"),
        dave_open=make_ticket(customer=d.dave, queue=d.support, title="dave open"),
        anonymous=make_ticket(customer=None, queue=d.hardware, title="monitoring alert"),
    )


# --- who sees which tickets ------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("alice", {"alice open", "alice private", "bob hardware"}),
        ("bob", {"alice open", "bob hardware"}),
        ("carol", {"carol open"}),
        ("dave", {"dave open"}),
        ("agent", {"alice open", "alice private", "carol open", "dave open"}),
        ("specialist", {"bob hardware", "monitoring alert"}),
        ("reader", {"alice open", "alice private", "carol open", "dave open"}),
        ("outsider", set()),
    ],
)
def test_visible_tickets_per_person(world: World, person: str, expected: set[str]) -> None:
    user = getattr(world.d, person)

    assert titles(visible_tickets(user)) == expected
    assert visible_tickets(user).count() == len(expected)


def test_customer_of_another_organisation_sees_none_of_acmes_tickets(world: World) -> None:
    carol = world.d.carol

    visible = visible_tickets(carol)

    for ticket in (world.alice_open, world.alice_private, world.bob_hardware):
        assert not visible.filter(pk=ticket.pk).exists()


def test_colleague_loses_and_regains_a_ticket_with_the_private_flag(world: World) -> None:
    d = world.d
    assert visible_tickets(d.bob).filter(pk=world.alice_open.pk).exists()

    set_private(actor=d.alice, via=Channel.PORTAL, ticket=world.alice_open, is_private=True)
    assert not visible_tickets(d.bob).filter(pk=world.alice_open.pk).exists()
    assert visible_tickets(d.alice).filter(pk=world.alice_open.pk).exists()

    set_private(actor=d.alice, via=Channel.PORTAL, ticket=world.alice_open, is_private=False)
    assert visible_tickets(d.bob).filter(pk=world.alice_open.pk).exists()


def test_participant_sees_a_private_ticket_shared_with_them(world: World) -> None:
    d = world.d

    share_ticket(actor=d.alice, via=Channel.PORTAL, ticket=world.alice_private, user=d.bob)

    assert titles(visible_tickets(d.bob)) == {"alice open", "alice private", "bob hardware"}
    unshare_ticket(actor=d.alice, via=Channel.PORTAL, ticket=world.alice_private, user=d.bob)
    assert titles(visible_tickets(d.bob)) == {"alice open", "bob hardware"}


def test_agent_may_share_across_organisations(world: World) -> None:
    d = world.d

    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.alice_private, user=d.carol)

    # carol sees the shared ticket, and nothing else of Acme's
    assert titles(visible_tickets(d.carol)) == {"carol open", "alice private"}
    assert titles(visible_tickets(d.dave)) == {"dave open"}


def test_customer_may_not_share_outside_their_organisation(world: World) -> None:
    d = world.d
    before = snapshot(world.alice_open)

    with pytest.raises(ValidationFailed) as refused:
        share_ticket(actor=d.alice, via=Channel.PORTAL, ticket=world.alice_open, user=d.carol)

    assert refused.value.errors == {"user": "you can share only with your organisation"}
    assert snapshot(world.alice_open) == before
    assert titles(visible_tickets(d.carol)) == {"carol open"}


def test_participant_of_another_org_does_not_see_private_siblings(world: World) -> None:
    """Being shared one Acme ticket gives no view of Acme's other tickets."""
    d = world.d
    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.alice_open, user=d.carol)

    visible = visible_tickets(d.carol)

    assert not visible.filter(pk=world.alice_private.pk).exists()
    assert not visible.filter(pk=world.bob_hardware.pk).exists()


def test_merge_keeps_the_source_customer_able_to_see_the_conversation(world: World) -> None:
    d = world.d
    assert not visible_tickets(d.dave).filter(pk=world.carol_open.pk).exists()

    merge_tickets(actor=d.agent, via=Channel.WEB, source=world.dave_open, target=world.carol_open)

    assert titles(visible_tickets(d.dave)) == {"dave open", "carol open"}


def test_a_customer_sees_each_ticket_once_however_many_reasons(world: World) -> None:
    """Own ticket, organisation ticket and shared ticket at once: still one row."""
    d = world.d
    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.alice_open, user=d.alice)

    visible = list(visible_tickets(d.alice).filter(pk=world.alice_open.pk))

    assert visible == [world.alice_open]


def test_an_agent_in_two_groups_of_one_queue_sees_each_ticket_once(world: World) -> None:
    d = world.d
    AgentFactory(email="both@example.com", groups=[d.first_level, d.readers])  # type: ignore[no-untyped-call]
    both = User.objects.get(email="both@example.com")

    visible = list(visible_tickets(both))

    assert len(visible) == 4
    assert titles(visible) == {"alice open", "alice private", "carol open", "dave open"}
    assert list(readable_queues(both)) == [d.support]


def test_agent_without_the_queues_group_sees_nothing(world: World) -> None:
    d = world.d

    assert list(visible_tickets(d.outsider)) == []
    assert list(visible_articles(d.outsider)) == []
    assert list(readable_queues(d.outsider)) == []
    assert not visible_tickets(d.specialist).filter(queue=d.support).exists()


def test_a_read_grant_makes_a_queue_visible_and_its_removal_hides_it(world: World) -> None:
    d = world.d
    grant = QueueAccess.objects.create(
        queue=d.hardware, group=d.first_level, level=AccessLevel.READ
    )
    assert titles(visible_tickets(d.agent)) == {
        "alice open",
        "alice private",
        "carol open",
        "dave open",
        "bob hardware",
        "monitoring alert",
    }

    grant.delete()

    assert titles(visible_tickets(d.agent)) == {
        "alice open",
        "alice private",
        "carol open",
        "dave open",
    }


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("agent", ["Support"]),
        ("reader", ["Support"]),
        ("specialist", ["Hardware"]),
        ("outsider", []),
        ("alice", []),
    ],
)
def test_readable_queues(directory: Directory, person: str, expected: list[str]) -> None:
    user = getattr(directory, person)

    assert list(readable_queues(user).values_list("name", flat=True)) == expected


# --- inactive users -----------------------------------------------------------------


@pytest.mark.parametrize("person", ["alice", "bob", "agent", "reader", "specialist"])
def test_inactive_users_see_nothing(world: World, person: str) -> None:
    user: User = getattr(world.d, person)
    assert visible_tickets(user).exists()
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert list(visible_tickets(user)) == []
    assert list(visible_articles(user)) == []
    assert list(readable_queues(user)) == []


def test_inactive_participant_sees_nothing(world: World) -> None:
    d = world.d
    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.carol_open, user=d.dave)
    d.dave.is_active = False
    d.dave.save(update_fields=["is_active"])

    assert list(visible_tickets(d.dave)) == []


# --- articles -------------------------------------------------------------------------


@pytest.fixture
def thread(world: World) -> list[Article]:
    """alice_open's thread: her mail, an internal note, a public reply, a customer follow-up."""
    d = world.d
    first = world.alice_open.articles.get()
    internal = add_article(
        actor=d.agent, via=Channel.WEB, ticket=world.alice_open, article=note("vendor RMA 4711")
    )
    public = add_article(
        actor=d.agent, via=Channel.WEB, ticket=world.alice_open, article=reply("Try again")
    )
    follow_up = add_article(
        actor=d.alice, via=Channel.PORTAL, ticket=world.alice_open, article=reply("Still broken")
    )
    return [first, internal, public, follow_up]


@pytest.mark.parametrize("person", ["alice", "bob"])
def test_customers_never_see_internal_articles(
    world: World, thread: list[Article], person: str
) -> None:
    first, internal, public, follow_up = thread
    user = getattr(world.d, person)

    articles = list(visible_articles(user, ticket=world.alice_open).order_by("pk"))

    assert articles == [first, public, follow_up]
    assert internal.visibility == Visibility.INTERNAL
    assert not visible_articles(user).filter(visibility=Visibility.INTERNAL).exists()


def test_participant_never_sees_internal_articles(world: World, thread: list[Article]) -> None:
    first, _internal, public, follow_up = thread
    d = world.d
    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.alice_open, user=d.carol)

    articles = list(visible_articles(d.carol, ticket=world.alice_open).order_by("pk"))

    assert articles == [first, public, follow_up]


@pytest.mark.parametrize("person", ["agent", "reader"])
def test_agents_see_internal_articles(world: World, thread: list[Article], person: str) -> None:
    user = getattr(world.d, person)

    articles = list(visible_articles(user, ticket=world.alice_open).order_by("pk"))

    assert articles == thread
    assert [a.visibility for a in articles] == ["public", "internal", "public", "public"]
    assert [a.sender_kind for a in articles] == [
        SenderKind.CUSTOMER,
        SenderKind.AGENT,
        SenderKind.AGENT,
        SenderKind.CUSTOMER,
    ]


@pytest.mark.parametrize("person", ["carol", "dave", "specialist", "outsider"])
def test_no_articles_of_invisible_tickets(world: World, thread: list[Article], person: str) -> None:
    user = getattr(world.d, person)

    assert list(visible_articles(user, ticket=world.alice_open)) == []
    assert not visible_articles(user).filter(ticket=world.alice_open).exists()


def test_visible_articles_without_a_ticket_spans_every_visible_ticket(
    world: World, thread: list[Article]
) -> None:
    d = world.d

    alice_sees = set(visible_articles(d.alice).values_list("ticket__title", "visibility"))
    agent_sees = set(visible_articles(d.agent).values_list("ticket__title", "visibility"))

    assert alice_sees == {
        ("alice open", "public"),
        ("alice private", "public"),
        ("bob hardware", "public"),
    }
    assert agent_sees == {
        ("alice open", "public"),
        ("alice open", "internal"),
        ("alice private", "public"),
        ("carol open", "public"),
        ("dave open", "public"),
    }
    assert visible_articles(d.alice).count() == 5  # 3 on alice open, 1 each on the others
    assert visible_articles(d.agent).count() == 7


# --- read-only agents, invisible tickets --------------------------------------------


def test_read_only_agent_sees_but_may_not_write(world: World, thread: list[Article]) -> None:
    d = world.d
    before = snapshot(world.alice_open)

    with pytest.raises(PermissionDenied, match="you may read this ticket but not change it"):
        add_article(actor=d.reader, via=Channel.WEB, ticket=world.alice_open, article=note("hi"))

    assert visible_tickets(d.reader).filter(pk=world.alice_open.pk).exists()
    assert visible_articles(d.reader, ticket=world.alice_open).count() == 4
    assert snapshot(world.alice_open) == before


@pytest.mark.parametrize(
    ("person", "ticket"),
    [
        ("carol", "alice_open"),  # another organisation
        ("bob", "alice_private"),  # a colleague's private ticket
        ("dave", "carol_open"),  # a customer without organisation
        ("outsider", "alice_open"),  # an agent without the queue's group
        ("specialist", "carol_open"),  # an agent of another queue
    ],
)
def test_invisible_ticket_is_not_found_for_actions(world: World, person: str, ticket: str) -> None:
    user = getattr(world.d, person)
    target: Ticket = getattr(world, ticket)
    before = snapshot(target)
    article = reply("let me in") if user.is_customer else note("let me in")

    with pytest.raises(NotFound, match="^no such ticket$"):
        add_article(actor=user, via=Channel.WEB, ticket=target, article=article)

    assert snapshot(target) == before


# --- query counts ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 30])
@pytest.mark.parametrize("person", ["alice", "bob", "agent", "reader", "outsider"])
def test_listing_visible_tickets_takes_one_query(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries, person: str, count: int
) -> None:
    d = directory
    for index in range(count):
        customer = (d.alice, d.bob, d.carol)[index % 3]
        make_ticket(customer=customer, queue=d.support, title=f"ticket {index}")
    first = Ticket.objects.order_by("pk")[0]
    share_ticket(actor=d.agent, via=Channel.WEB, ticket=first, user=d.bob)
    user = getattr(d, person)

    with django_assert_num_queries(1):
        listed = list(visible_tickets(user).order_by("-updated_at"))

    expected = {
        "alice": count - count // 3,  # her own and bob's
        "bob": count - count // 3,
        "agent": count,
        "reader": count,
        "outsider": 0,
    }[person]
    assert len(listed) == expected


@pytest.mark.parametrize("count", [5, 30])
def test_listing_visible_articles_takes_one_query(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries, count: int
) -> None:
    d = directory
    for index in range(count):
        ticket = make_ticket(customer=d.alice, queue=d.support, title=f"ticket {index}")
        add_article(actor=d.agent, via=Channel.WEB, ticket=ticket, article=note("internal"))

    with django_assert_num_queries(1):
        for_customer = list(visible_articles(d.bob))
    with django_assert_num_queries(1):
        for_agent = list(visible_articles(d.agent))

    assert len(for_customer) == count
    assert len(for_agent) == 2 * count
