"""One regression class per class of past helpdesk vulnerabilities (../shared/SECURITY.md).

This file holds the classes about what a user may see and do with tickets:
1 (access leaks), 2 (internal notes reaching customers) and 13 (read-only
permissions holding everywhere). Other classes join as their code arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from relaydesk.accounts.models import User
from relaydesk.core.errors import NotFound, PermissionDenied
from relaydesk.core.time import now
from relaydesk.tickets.actions import (
    NewArticle,
    add_article,
    change_priority,
    change_state,
    change_type,
    close_ticket,
    create_ticket,
    default_state,
    link_tickets,
    lock_ticket,
    merge_tickets,
    move_queue,
    reopen_ticket,
    set_owner,
    set_pending,
    set_private,
    set_responsible,
    share_ticket,
    split_ticket,
    unlink_tickets,
    unlock_ticket,
    unshare_ticket,
)
from relaydesk.tickets.models import (
    AccessLevel,
    Article,
    ArticleChannel,
    Channel,
    LinkKind,
    Priority,
    QueueAccess,
    StateCategory,
    Ticket,
    TicketType,
    Visibility,
)
from relaydesk.tickets.search import search_tickets
from relaydesk.tickets.visibility import visible_articles
from tests.factories import Directory, make_ticket
from tests.helpers import note, reply, snapshot

pytestmark = pytest.mark.django_db

TicketRef = Ticket | int
Action = Callable[[User, TicketRef, Ticket], object]


def answer(action: Callable[[], object]) -> tuple[str, str]:
    """What the caller learns: the error's class and message (or that it worked)."""
    try:
        action()
    except Exception as exc:  # the answer itself is under test
        return type(exc).__name__, str(exc)
    return "no error", ""


def missing_ticket_id() -> int:
    return (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@dataclass
class Case:
    d: Directory
    support: Ticket  # alice's, in Support (First level writes, Readers read)
    support_other: Ticket  # bob's, in Support
    hardware: Ticket  # bob's, in Hardware (Second level writes)
    hardware_other: Ticket  # carol's, in Hardware


@pytest.fixture
def case(directory: Directory) -> Case:
    d = directory
    return Case(
        d=d,
        support=make_ticket(customer=d.alice, queue=d.support, title="Printer jammed"),
        support_other=make_ticket(customer=d.bob, queue=d.support, title="VPN drops"),
        hardware=make_ticket(customer=d.bob, queue=d.hardware, title="Laptop broken"),
        hardware_other=make_ticket(customer=d.carol, queue=d.hardware, title="Dock dead"),
    )


def tomorrow() -> dt.datetime:
    return now() + dt.timedelta(days=1)


# Every action that takes a ticket, as (actor, ticket, another ticket the actor may write).
AGENT_ACTIONS: dict[str, Action] = {
    "add_note": lambda a, t, o: add_article(actor=a, via="web", ticket=t, article=note("x")),
    "add_reply": lambda a, t, o: add_article(actor=a, via="web", ticket=t, article=reply("x")),
    "change_state": lambda a, t, o: change_state(
        actor=a, via="web", ticket=t, state=default_state(StateCategory.OPEN)
    ),
    "set_pending": lambda a, t, o: set_pending(
        actor=a, via="web", ticket=t, pending_until=tomorrow()
    ),
    "close_ticket": lambda a, t, o: close_ticket(actor=a, via="web", ticket=t),
    "reopen_ticket": lambda a, t, o: reopen_ticket(actor=a, via="web", ticket=t),
    "change_priority": lambda a, t, o: change_priority(
        actor=a, via="web", ticket=t, priority=Priority.objects.get(level=5)
    ),
    "change_type": lambda a, t, o: change_type(
        actor=a, via="web", ticket=t, ticket_type=TicketType.objects.first()
    ),
    "move_queue": lambda a, t, o: move_queue(actor=a, via="web", ticket=t, queue=o.queue),
    "set_owner": lambda a, t, o: set_owner(actor=a, via="web", ticket=t, owner=None),
    "set_responsible": lambda a, t, o: set_responsible(
        actor=a, via="web", ticket=t, responsible=None
    ),
    "lock_ticket": lambda a, t, o: lock_ticket(actor=a, via="web", ticket=t),
    "unlock_ticket": lambda a, t, o: unlock_ticket(actor=a, via="web", ticket=t),
    "share_ticket": lambda a, t, o: share_ticket(
        actor=a, via="web", ticket=t, user="dave@home.example"
    ),
    "unshare_ticket": lambda a, t, o: unshare_ticket(
        actor=a, via="web", ticket=t, user="dave@home.example"
    ),
    "set_private": lambda a, t, o: set_private(actor=a, via="web", ticket=t, is_private=True),
    "link_as_source": lambda a, t, o: link_tickets(
        actor=a, via="web", source=t, target=o, kind=LinkKind.RELATES_TO
    ),
    "link_as_target": lambda a, t, o: link_tickets(
        actor=a, via="web", source=o, target=t, kind=LinkKind.PARENT_OF
    ),
    "unlink": lambda a, t, o: unlink_tickets(
        actor=a, via="web", source=o, target=t, kind=LinkKind.RELATES_TO
    ),
    "merge_as_source": lambda a, t, o: merge_tickets(actor=a, via="web", source=t, target=o),
    "merge_as_target": lambda a, t, o: merge_tickets(actor=a, via="web", source=o, target=t),
}

# What a customer may do to a ticket they can see.
CUSTOMER_ACTIONS: dict[str, Action] = {
    "add_follow_up": lambda a, t, o: add_article(
        actor=a, via="portal", ticket=t, article=reply("x")
    ),
    "close_ticket": lambda a, t, o: close_ticket(actor=a, via="portal", ticket=t),
    "reopen_ticket": lambda a, t, o: reopen_ticket(actor=a, via="portal", ticket=t),
    "share_ticket": lambda a, t, o: share_ticket(
        actor=a, via="portal", ticket=t, user="dave@home.example"
    ),
    "unshare_ticket": lambda a, t, o: unshare_ticket(
        actor=a, via="portal", ticket=t, user="dave@home.example"
    ),
    "set_private": lambda a, t, o: set_private(actor=a, via="portal", ticket=t, is_private=True),
}


class TestClass01AccessLeaks:
    """A ticket one may not see answers exactly like a missing one; nothing leaks by side way."""

    @pytest.mark.parametrize("name", sorted(AGENT_ACTIONS))
    def test_invisible_ticket_is_not_found_for_agents(self, case: Case, name: str) -> None:
        # the specialist works Hardware and cannot see Support
        d, action = case.d, AGENT_ACTIONS[name]
        before = (snapshot(case.support), snapshot(case.hardware))

        with pytest.raises(NotFound) as refused:
            action(d.specialist, case.support, case.hardware)

        assert str(refused.value) == "no such ticket"
        assert refused.value.code == "not_found"
        assert (snapshot(case.support), snapshot(case.hardware)) == before

    @pytest.mark.parametrize("name", sorted(CUSTOMER_ACTIONS))
    def test_invisible_ticket_is_not_found_for_customers(self, case: Case, name: str) -> None:
        d, action = case.d, CUSTOMER_ACTIONS[name]
        before = snapshot(case.support)

        with pytest.raises(NotFound) as refused:
            action(d.carol, case.support, case.hardware_other)

        assert str(refused.value) == "no such ticket"
        assert snapshot(case.support) == before

    def test_missing_ticket_answers_like_an_invisible_one(self, case: Case) -> None:
        """One test over every action, so that the failure lists each one that differs."""
        d = case.d
        before = (snapshot(case.support), snapshot(case.hardware))
        missing_id = missing_ticket_id()

        invisible = {
            name: answer(partial(action, d.specialist, case.support, case.hardware))
            for name, action in AGENT_ACTIONS.items()
        }
        missing = {
            name: answer(partial(action, d.specialist, missing_id, case.hardware))
            for name, action in AGENT_ACTIONS.items()
        }

        assert set(invisible.values()) == {("NotFound", "no such ticket")}
        assert (snapshot(case.support), snapshot(case.hardware)) == before
        assert missing == invisible

    def test_missing_ticket_answers_like_an_invisible_one_for_customers(self, case: Case) -> None:
        d = case.d
        missing_id = missing_ticket_id()

        invisible = {
            name: answer(partial(action, d.carol, case.support, case.hardware_other))
            for name, action in CUSTOMER_ACTIONS.items()
        }
        missing = {
            name: answer(partial(action, d.carol, missing_id, case.hardware_other))
            for name, action in CUSTOMER_ACTIONS.items()
        }

        assert set(invisible.values()) == {("NotFound", "no such ticket")}
        assert missing == invisible

    def test_lock_by_a_customer_answers_the_same_for_visible_invisible_and_missing(
        self, case: Case
    ) -> None:
        d = case.d

        own = answer(lambda: lock_ticket(actor=d.alice, via="portal", ticket=case.support))
        other = answer(lambda: lock_ticket(actor=d.carol, via="portal", ticket=case.support))
        missing = answer(
            lambda: lock_ticket(actor=d.carol, via="portal", ticket=missing_ticket_id())
        )

        assert own == other == missing == ("PermissionDenied", "only agents lock tickets")

    def test_invisible_article_is_not_found_for_split(self, case: Case) -> None:
        d = case.d
        article = case.support.articles.get()
        before = (snapshot(case.support), Ticket.objects.count())

        with pytest.raises(NotFound, match="^no such article$"):
            split_ticket(actor=d.specialist, via="web", article=article)

        assert (snapshot(case.support), Ticket.objects.count()) == before

    def test_missing_article_answers_like_an_invisible_one_for_split(self, case: Case) -> None:
        d = case.d
        article = case.support.articles.get()
        missing_id = Article.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000

        invisible = answer(lambda: split_ticket(actor=d.specialist, via="web", article=article))
        missing = answer(lambda: split_ticket(actor=d.specialist, via="web", article=missing_id))

        assert missing == invisible == ("NotFound", "no such article")

    def test_search_hit_count_does_not_reveal_invisible_tickets(self, case: Case) -> None:
        d = case.d
        mine = make_ticket(customer=d.alice, queue=d.support, title="Plotter question")
        before = [t.pk for t in search_tickets(d.alice, "plotter")]

        # better-ranked matches alice may not see: other organisation, a colleague's
        # private ticket, another queue
        for index in range(30):
            make_ticket(customer=d.carol, queue=d.support, title=f"Plotter plotter {index}")
        make_ticket(customer=d.bob, queue=d.support, title="Plotter plotter", is_private=True)
        make_ticket(customer=None, queue=d.hardware, title="Plotter plotter plotter")

        assert before == [mine.pk]
        assert [t.pk for t in search_tickets(d.alice, "plotter")] == [mine.pk]
        assert [t.pk for t in search_tickets(d.alice, "plotter", limit=1)] == [mine.pk]
        assert search_tickets(d.alice, "plotter").count() == 1
        assert search_tickets(d.agent, "plotter").count() == 32
        assert search_tickets(d.outsider, "plotter").count() == 0

    def test_search_by_an_invisible_number_answers_like_an_unknown_number(self, case: Case) -> None:
        d = case.d

        assert list(search_tickets(d.carol, case.support.number)) == []
        assert list(search_tickets(d.carol, "2099123110999991")) == []
        assert list(search_tickets(d.specialist, case.support.number)) == []
        assert list(search_tickets(d.alice, case.support.number)) == [case.support]

    def test_no_articles_of_invisible_tickets(self, case: Case) -> None:
        d = case.d

        assert list(visible_articles(d.carol, ticket=case.support)) == []
        assert list(visible_articles(d.specialist, ticket=case.support)) == []
        assert list(visible_articles(d.outsider)) == []


@pytest.fixture
def noted(case: Case) -> Article:
    """An internal note on alice's ticket, written from the vendor's address."""
    return add_article(
        actor=case.d.agent,
        via=Channel.WEB,
        ticket=case.support,
        article=NewArticle(
            body_text="Vendor says firmware xq17 is broken; customer is difficult",
            subject="Escalation",
            channel=ArticleChannel.NOTE,
            visibility=Visibility.INTERNAL,
            from_address="liaison@supplier-corp.example",
        ),
    )


class TestClass02InternalNotes:
    """Internal notes never reach customers: not in articles, not in search."""

    @pytest.mark.parametrize("person", ["alice", "bob", "dave"])
    def test_never_in_customers_visible_articles(
        self, case: Case, noted: Article, person: str
    ) -> None:
        d = case.d
        share_ticket(actor=d.agent, via="web", ticket=case.support, user=d.dave)
        user = getattr(d, person)

        articles = list(visible_articles(user, ticket=case.support))

        assert noted not in articles
        assert articles == [case.support.articles.order_by("pk").first()]
        assert not visible_articles(user).filter(visibility=Visibility.INTERNAL).exists()
        assert noted in visible_articles(d.agent, ticket=case.support)

    @pytest.mark.parametrize("person", ["alice", "bob"])
    @pytest.mark.parametrize(
        "query", ["xq17", "difficult", "escalation", "supplier-corp.example", "liaison"]
    )
    def test_never_found_by_customers_search(
        self, case: Case, noted: Article, person: str, query: str
    ) -> None:
        user = getattr(case.d, person)

        assert list(search_tickets(user, query)) == []
        assert list(search_tickets(case.d.agent, query)) == [case.support]

    @pytest.mark.parametrize("query", ["printer xq17", "jammed difficult", "alice escalation"])
    def test_never_found_by_a_public_word_plus_a_note_word(
        self, case: Case, noted: Article, query: str
    ) -> None:
        # each query's first word is public, so only the second one could match the note

        assert list(search_tickets(case.d.alice, query)) == []

    def test_still_internal_after_merge(self, case: Case, noted: Article) -> None:
        d = case.d

        merge_tickets(actor=d.agent, via="web", source=case.support, target=case.support_other)

        assert noted not in visible_articles(d.alice, ticket=case.support_other)
        assert noted not in visible_articles(d.bob, ticket=case.support_other)
        assert list(search_tickets(d.alice, "xq17")) == []
        assert list(search_tickets(d.bob, "xq17")) == []
        assert list(search_tickets(d.agent, "xq17")) == [case.support_other]

    def test_still_internal_after_split(self, case: Case, noted: Article) -> None:
        d = case.d

        new = split_ticket(actor=d.agent, via="web", article=noted, title="Firmware issue")

        copy = new.articles.get()
        assert copy.visibility == Visibility.INTERNAL
        assert list(visible_articles(d.alice, ticket=new)) == []
        assert list(search_tickets(d.alice, "xq17")) == []
        assert {t.pk for t in search_tickets(d.agent, "xq17")} == {case.support.pk, new.pk}

    def test_customers_cannot_write_internal_articles(self, case: Case) -> None:
        d = case.d
        before = snapshot(case.support)

        refused = answer(
            lambda: add_article(
                actor=d.alice, via="portal", ticket=case.support, article=note("sneaky")
            )
        )

        assert refused == (
            "ValidationFailed",
            "visibility: customers cannot write internal articles",
        )
        assert snapshot(case.support) == before


class TestClass13ReadOnlyPermissions:
    """Read access never becomes write access: not for fields, links, merges or notes."""

    @pytest.mark.parametrize("name", sorted(AGENT_ACTIONS))
    def test_read_only_agent_may_change_nothing(self, case: Case, name: str) -> None:
        d, action = case.d, AGENT_ACTIONS[name]
        before = (snapshot(case.support), snapshot(case.support_other))

        with pytest.raises(PermissionDenied) as refused:
            action(d.reader, case.support, case.support_other)

        assert str(refused.value) == "you may read this ticket but not change it"
        assert (snapshot(case.support), snapshot(case.support_other)) == before

    def test_read_only_agent_may_not_split(self, case: Case) -> None:
        d = case.d
        article = case.support.articles.get()
        before = (snapshot(case.support), Ticket.objects.count())

        with pytest.raises(PermissionDenied, match="you may read this ticket but not change it"):
            split_ticket(actor=d.reader, via="web", article=article)

        assert (snapshot(case.support), Ticket.objects.count()) == before

    def test_read_only_agent_may_not_move_a_ticket_out(self, case: Case) -> None:
        d = case.d
        QueueAccess.objects.create(queue=d.hardware, group=d.readers, level=AccessLevel.WRITE)
        before = snapshot(case.support)

        with pytest.raises(PermissionDenied):
            move_queue(actor=d.reader, via="web", ticket=case.support, queue=d.hardware)

        assert snapshot(case.support) == before

    @pytest.mark.parametrize(
        "name", ["link_as_source", "link_as_target", "merge_as_source", "merge_as_target"]
    )
    def test_write_on_one_side_is_not_enough_to_link_or_merge(self, case: Case, name: str) -> None:
        """The reader writes Hardware (a grant) but only reads Support."""
        d, action = case.d, AGENT_ACTIONS[name]
        QueueAccess.objects.create(queue=d.hardware, group=d.readers, level=AccessLevel.WRITE)
        before = (snapshot(case.support), snapshot(case.hardware))

        with pytest.raises(PermissionDenied):
            action(d.reader, case.support, case.hardware)

        assert (snapshot(case.support), snapshot(case.hardware)) == before

    def test_a_write_grant_does_write(self, case: Case) -> None:
        """The control: the same grant at WRITE level lets the reader add a note."""
        d = case.d
        QueueAccess.objects.filter(queue=d.support, group=d.readers).update(level=AccessLevel.WRITE)

        add_article(actor=d.reader, via="web", ticket=case.support, article=note("ok"))

        assert case.support.articles.count() == 2

    def test_read_only_agent_may_not_create_in_the_queue(self, case: Case) -> None:
        d = case.d
        count = Ticket.objects.count()

        with pytest.raises(PermissionDenied, match="you may not create tickets in queue Support"):
            create_ticket(actor=d.reader, via="web", title="x", queue=d.support, article=note("x"))

        assert Ticket.objects.count() == count

    def test_read_only_agent_cannot_be_made_owner(self, case: Case) -> None:
        d = case.d
        before = snapshot(case.support)

        refused = answer(
            lambda: set_owner(actor=d.agent, via="web", ticket=case.support, owner=d.reader)
        )

        assert refused == (
            "ValidationFailed",
            "owner: reader@example.com may not work queue Support",
        )
        assert snapshot(case.support) == before

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            (
                "add_note",
                ("ValidationFailed", "visibility: customers cannot write internal articles"),
            ),
            ("change_state", ("PermissionDenied", "you may read this ticket but not change it")),
            ("change_priority", ("PermissionDenied", "you may read this ticket but not change it")),
            ("set_owner", ("PermissionDenied", "you may read this ticket but not change it")),
            ("lock_ticket", ("PermissionDenied", "only agents lock tickets")),
            ("link_as_source", ("PermissionDenied", "you may read this ticket but not change it")),
            ("merge_as_source", ("PermissionDenied", "you may read this ticket but not change it")),
        ],
    )
    def test_customer_may_not_work_their_own_ticket(
        self, case: Case, name: str, expected: tuple[str, str]
    ) -> None:
        d, action = case.d, AGENT_ACTIONS[name]
        before = (snapshot(case.support), snapshot(case.support_other))

        refused = answer(lambda: action(d.alice, case.support, case.support_other))

        assert refused == expected
        assert (snapshot(case.support), snapshot(case.support_other)) == before


class TestClass04StoredXss:
    """HTML bodies are sanitised on write, whoever writes them."""

    def test_article_html_is_sanitised_by_the_actions(self, directory: Directory) -> None:
        hostile = (
            '<p onclick="steal()">Hello<script>alert(1)</script>'
            '<a href="javascript:alert(2)">link</a><img src="cid:logo@mail">'
            "<style>body{display:none}</style><iframe src=https://evil.example></iframe></p>"
        )
        ticket = make_ticket(
            customer=directory.alice,
            queue=directory.support,
            article=NewArticle(body_text="Hello", body_html=hostile, channel=ArticleChannel.EMAIL),
        )

        stored = ticket.articles.get().body_html
        assert stored == (
            '<p>Hello<a rel="noopener noreferrer nofollow">link</a><img src="cid:logo@mail"></p>'
        )


class TestClass16HugeInputs:
    """HTML that would make the sanitiser quadratic is dropped, quickly; the text stays."""

    @pytest.mark.parametrize(
        "hostile", ["<div>" * 100_000 + "<p>x</p>" * 10_000, "<p>" + "&amp;" * 200_000 + "</p>"]
    )
    def test_costly_html_is_refused_in_bounded_time(self, hostile: str) -> None:
        import time

        from relaydesk.core.html import sanitize_html

        started = time.monotonic()
        assert sanitize_html(hostile) == ""
        assert time.monotonic() - started < 1.0
