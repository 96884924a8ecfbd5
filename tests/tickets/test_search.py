"""search_tickets: what it matches, in which order, and what it never returns.

Runs on both backends: FTS5 on SQLite, tsvector + GIN on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pytest_django import DjangoAssertNumQueries

from relaydesk.accounts.models import User
from relaydesk.tickets.actions import (
    NewArticle,
    add_article,
    merge_tickets,
    move_queue,
    share_ticket,
    split_ticket,
)
from relaydesk.tickets.actions.articles import MAX_BODY_LENGTH
from relaydesk.tickets.models import ArticleChannel, Channel, SenderKind, Ticket
from relaydesk.tickets.search import search_tickets
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def note(text: str) -> NewArticle:
    return NewArticle(
        body_text=text, subject="Call notes", channel=ArticleChannel.NOTE, visibility="internal"
    )


def mail(text: str, *, sender: str = "", subject: str = "Request") -> NewArticle:
    return NewArticle(
        body_text=text, subject=subject, channel=ArticleChannel.EMAIL, from_address=sender
    )


def found(user: User, query: str, **options: int) -> list[str]:
    return [ticket.title for ticket in search_tickets(user, query, **options)]


@dataclass
class World:
    d: Directory
    printer: Ticket  # alice (Acme), Support
    vpn: Ticket  # bob (Acme), Support
    salary: Ticket  # alice (Acme), Support, private
    toner: Ticket  # carol (Globex), Support
    laptop: Ticket  # dave (no organisation), Hardware


@pytest.fixture
def world(directory: Directory) -> World:
    d = directory
    return World(
        d=d,
        printer=make_ticket(
            customer=d.alice,
            queue=d.support,
            title="Printer jammed on floor 3",
            body="The display shows error 50.2 since this morning",
        ),
        vpn=make_ticket(
            customer=d.bob,
            queue=d.support,
            title="VPN drops every hour",
            body="Connection resets at minute 59",
        ),
        salary=make_ticket(
            customer=d.alice,
            queue=d.support,
            title="Salary slip missing",
            body="My payroll document for March",
            is_private=True,
        ),
        toner=make_ticket(
            customer=d.carol,
            queue=d.support,
            title="Printer toner low",
            body="Please send a new cartridge",
        ),
        laptop=make_ticket(
            customer=d.dave,
            queue=d.hardware,
            title="Laptop keyboard broken",
            body="Keys stick after coffee",
        ),
    )


# --- what it matches -------------------------------------------------------------------


def test_finds_by_full_ticket_number(world: World) -> None:
    number = world.vpn.number

    assert found(world.d.agent, number) == ["VPN drops every hour"]
    assert found(world.d.bob, number) == ["VPN drops every hour"]
    assert found(world.d.agent, f"#{number}") == ["VPN drops every hour"]


def test_finds_by_title_word_in_any_case(world: World) -> None:
    assert found(world.d.agent, "jammed") == ["Printer jammed on floor 3"]
    assert found(world.d.agent, "JAMMED") == ["Printer jammed on floor 3"]
    assert found(world.d.alice, "Jammed") == ["Printer jammed on floor 3"]


def test_finds_by_body_word(world: World) -> None:
    assert found(world.d.agent, "payroll") == ["Salary slip missing"]
    assert found(world.d.bob, "resets") == ["VPN drops every hour"]


def test_every_word_must_match(world: World) -> None:
    agent = world.d.agent

    assert set(found(agent, "printer")) == {"Printer jammed on floor 3", "Printer toner low"}
    assert found(agent, "printer toner") == ["Printer toner low"]
    assert found(agent, "printer payroll") == []


def test_finds_by_prefix(world: World) -> None:
    agent = world.d.agent

    assert found(agent, "jam") == ["Printer jammed on floor 3"]
    assert found(agent, "payr") == ["Salary slip missing"]
    assert found(agent, "cart") == ["Printer toner low"]
    assert found(agent, "jammedx") == []


def test_finds_by_customer_address_and_its_domain(world: World) -> None:
    d = world.d
    acme = {"Printer jammed on floor 3", "VPN drops every hour", "Salary slip missing"}

    assert set(found(d.agent, "alice@acme.example")) == {
        "Printer jammed on floor 3",
        "Salary slip missing",
    }
    assert set(found(d.agent, "acme.example")) == acme
    assert set(found(d.agent, "acme")) == acme
    assert found(d.agent, "globex.example") == ["Printer toner low"]
    # the customer's name is in the document too
    assert set(found(d.agent, "alice")) == {"Printer jammed on floor 3", "Salary slip missing"}


def test_finds_by_sender_address_of_a_later_article(world: World) -> None:
    d = world.d
    add_article(
        actor=None,
        via=Channel.EMAIL,
        ticket=world.vpn,
        article=NewArticle(
            body_text="We see the same from our side.",
            channel=ArticleChannel.EMAIL,
            sender_kind=SenderKind.CUSTOMER,
            from_address="Jo Smith <jo.smith@partner-it.example>",
        ),
    )

    assert found(d.agent, "jo.smith@partner-it.example") == ["VPN drops every hour"]
    assert found(d.agent, "partner-it.example") == ["VPN drops every hour"]
    assert found(d.bob, "partner") == ["VPN drops every hour"]


# --- ranking ------------------------------------------------------------------------------


def test_title_match_ranks_above_body_only_match(directory: Directory) -> None:
    d = directory
    # created first, so that a tie (ordered by id descending) would put it second
    in_title = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Toner cartridge empty",
        article=mail("printer says replace", sender=d.alice.email),
    )
    in_body = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Printer says replace",
        article=mail("toner cartridge empty", sender=d.alice.email),
    )

    assert [t.pk for t in search_tickets(d.agent, "toner")] == [in_title.pk, in_body.pk]


def test_more_matching_text_ranks_higher(directory: Directory) -> None:
    d = directory
    twice = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Scanner offline",
        article=mail("scanner shows scanner error", sender=d.alice.email),
    )
    once = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Fax offline",
        article=mail("the scanner", sender=d.alice.email),
    )

    assert [t.pk for t in search_tickets(d.agent, "scanner")] == [twice.pk, once.pk]


# --- internal notes -------------------------------------------------------------------


@pytest.fixture
def noted(world: World) -> Ticket:
    add_article(
        actor=world.d.agent,
        via=Channel.WEB,
        ticket=world.printer,
        article=note("Vendor RMA zx81 opened; customer is difficult"),
    )
    return world.printer


@pytest.mark.parametrize("query", ["zx81", "difficult", "rma", "vendor rma zx81"])
def test_agents_find_internal_note_words(world: World, noted: Ticket, query: str) -> None:
    assert found(world.d.agent, query) == ["Printer jammed on floor 3"]
    assert found(world.d.reader, query) == ["Printer jammed on floor 3"]


@pytest.mark.parametrize("person", ["alice", "bob"])
@pytest.mark.parametrize("query", ["zx81", "difficult", "rma", "vendor rma zx81", "call notes"])
def test_customers_never_find_internal_note_words(
    world: World, noted: Ticket, person: str, query: str
) -> None:
    """Not even the ticket's own customer: a hit would reveal the note's content."""
    assert found(getattr(world.d, person), query) == []


def test_agent_finds_a_ticket_by_a_public_and_an_internal_word_together(
    world: World, noted: Ticket
) -> None:

    assert found(world.d.agent, "jammed zx81") == ["Printer jammed on floor 3"]


# --- never invisible tickets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "query", "expected"),
    [
        ("alice", "printer", {"Printer jammed on floor 3"}),
        ("bob", "printer", {"Printer jammed on floor 3"}),
        ("carol", "printer", {"Printer toner low"}),
        ("dave", "printer", set()),
        ("agent", "printer", {"Printer jammed on floor 3", "Printer toner low"}),
        ("reader", "printer", {"Printer jammed on floor 3", "Printer toner low"}),
        ("specialist", "printer", set()),
        ("outsider", "printer", set()),
        ("alice", "salary", {"Salary slip missing"}),
        ("bob", "salary", set()),  # a colleague's private ticket
        ("carol", "salary", set()),
        ("agent", "laptop", set()),  # another queue
        ("specialist", "laptop", {"Laptop keyboard broken"}),
        ("dave", "laptop", {"Laptop keyboard broken"}),
        ("carol", "acme", set()),  # another organisation's address
    ],
)
def test_never_returns_invisible_tickets(
    world: World, person: str, query: str, expected: set[str]
) -> None:
    assert set(found(getattr(world.d, person), query)) == expected


def test_invisible_ticket_is_not_found_by_its_number(world: World) -> None:
    d = world.d

    assert found(d.carol, world.printer.number) == []
    assert found(d.bob, world.salary.number) == []
    assert found(d.outsider, world.printer.number) == []
    assert found(d.agent, world.laptop.number) == []


def test_search_follows_a_queue_move(world: World) -> None:
    d = world.d

    move_queue(actor=d.agent, via=Channel.WEB, ticket=world.printer, queue=d.hardware)

    assert found(d.agent, "jammed") == []
    assert found(d.specialist, "jammed") == ["Printer jammed on floor 3"]


def test_search_follows_sharing(world: World) -> None:
    d = world.d
    assert found(d.carol, "jammed") == []

    share_ticket(actor=d.agent, via=Channel.WEB, ticket=world.printer, user=d.carol)

    assert found(d.carol, "jammed") == ["Printer jammed on floor 3"]


def test_inactive_user_finds_nothing(world: World) -> None:
    d = world.d
    d.alice.is_active = False
    d.alice.save(update_fields=["is_active"])

    assert found(d.alice, "printer") == []


def test_visibility_is_applied_before_the_limit(directory: Directory) -> None:
    """60 better-ranked invisible matches must not push the visible one out of the top 50."""
    d = directory
    for index in range(60):
        make_ticket(
            customer=d.carol,
            queue=d.support,
            title=f"Plotter plotter plotter {index}",
            article=mail("plotter plotter plotter", sender=d.carol.email),
        )
    mine = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Question",
        article=mail("is the plotter in room 4 working?", sender=d.alice.email),
    )

    assert [t.pk for t in search_tickets(d.alice, "plotter", limit=50)] == [mine.pk]
    assert len(search_tickets(d.agent, "plotter", limit=50)) == 50
    assert len(search_tickets(d.agent, "plotter", limit=100)) == 61


def test_limit_keeps_the_best_ranked(directory: Directory) -> None:
    d = directory
    for index in range(5):
        make_ticket(
            customer=d.alice,
            queue=d.support,
            title=f"Other {index}",
            article=mail("a beamer question", sender=d.alice.email),
        )
    best = make_ticket(
        customer=d.alice,
        queue=d.support,
        title="Beamer broken",
        article=mail("the beamer beamer beamer", sender=d.alice.email),
    )

    result = list(search_tickets(d.agent, "beamer", limit=3))

    assert len(result) == 3
    assert result[0].pk == best.pk


# --- odd queries ------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "!!!", "-", "*", '"', "()", "{}", ":", "'", "\t\n"])
def test_empty_or_punctuation_query_finds_nothing_without_querying(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, query: str
) -> None:
    with django_assert_num_queries(0):
        assert list(search_tickets(world.d.agent, query)) == []


@pytest.mark.parametrize("person", ["agent", "alice"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"jammed"', ["Printer jammed on floor 3"]),
        ("jammed*", ["Printer jammed on floor 3"]),
        ("-jammed", ["Printer jammed on floor 3"]),
        ("(jammed)", ["Printer jammed on floor 3"]),
        ("^jammed", ["Printer jammed on floor 3"]),
        ("jammed:*", ["Printer jammed on floor 3"]),
        ("jammed & floor | !x", []),
        ("jammed OR toner", []),  # OR is just a word: every word must match
        ("jammed NOT floor", []),
        ("jammed AND floor", []),
        ("NEAR(jammed floor)", []),
        ("body:jammed", []),
        ("{head body internal}: jammed", []),
        ("internal : zx81", []),
        ('"unbalanced', []),
        ("' OR 1=1 --", []),
        ("_", []),
        ("jammed_floor", ["Printer jammed on floor 3"]),  # "_" splits words, like punctuation
        ("jammed " * 200, ["Printer jammed on floor 3"]),
        ("\\", []),
        ("\x00jammed", ["Printer jammed on floor 3"]),
    ],
)
def test_query_syntax_characters_do_not_raise(
    world: World, person: str, query: str, expected: list[str]
) -> None:
    assert found(getattr(world.d, person), query) == expected


@pytest.mark.parametrize("person", ["agent", "alice"])
@pytest.mark.parametrize("query", ["jammed _", "_ jammed", "jammed __ floor"])
def test_a_word_of_underscores_is_ignored_like_punctuation(
    world: World, person: str, query: str, request: pytest.FixtureRequest
) -> None:
    """What a customer's search finds, the agent's search of the same ticket finds too."""
    assert found(getattr(world.d, person), query) == ["Printer jammed on floor 3"]


# --- the index follows writes -----------------------------------------------------------


def test_index_follows_add_article(world: World) -> None:
    d = world.d
    assert found(d.agent, "firmware") == []

    add_article(
        actor=d.agent,
        via=Channel.WEB,
        ticket=world.printer,
        article=mail("Please update the firmware", subject="Re: your printer"),
    )
    add_article(actor=d.agent, via=Channel.WEB, ticket=world.printer, article=note("qwertz"))

    assert found(d.agent, "firmware") == ["Printer jammed on floor 3"]
    assert found(d.alice, "firmware") == ["Printer jammed on floor 3"]
    assert found(d.agent, "qwertz") == ["Printer jammed on floor 3"]
    assert found(d.alice, "qwertz") == []


def test_index_follows_merge(world: World) -> None:
    d = world.d
    assert found(d.agent, "resets") == ["VPN drops every hour"]

    merge_tickets(actor=d.agent, via=Channel.WEB, source=world.vpn, target=world.printer)

    # the source's thread now belongs to the target ...
    assert found(d.agent, "resets") == ["Printer jammed on floor 3"]
    assert found(d.bob, "resets") == ["Printer jammed on floor 3"]
    # ... and the source is still found by its own number
    assert found(d.agent, world.vpn.number) == ["VPN drops every hour"]


def test_index_follows_split(world: World) -> None:
    d = world.d
    article = add_article(
        actor=d.alice,
        via=Channel.PORTAL,
        ticket=world.printer,
        article=NewArticle(body_text="Also the scanner is dead", channel=ArticleChannel.PORTAL),
    )

    new = split_ticket(actor=d.agent, via=Channel.WEB, article=article, title="Scanner dead")

    assert [t.pk for t in search_tickets(d.agent, "scanner dead")] == [new.pk, world.printer.pk]


def distinct_words(count: int) -> str:
    """`count` different ten-letter words, as in a log dump or an inlined file."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for number in range(count):
        word = ""
        for _ in range(10):
            number, digit = divmod(number, 26)
            word += letters[digit]
        words.append(word)
    return " ".join(words)


def test_a_large_article_within_the_body_limit_is_stored_and_indexed(directory: Directory) -> None:
    """Regression: PostgreSQL refuses tsvectors over 1 MB; the index is capped, the article not."""
    d = directory
    body = distinct_words(90_000)  # 989,999 characters: under MAX_BODY_LENGTH (1,000,000)
    assert len(body) < MAX_BODY_LENGTH

    ticket = make_ticket(customer=d.alice, queue=d.support, title="Log dump", body=body)

    assert ticket.articles.get().body_text == body
    assert found(d.agent, "log dump") == ["Log dump"]
    assert found(d.agent, "aaaaaaaaaa") == ["Log dump"]  # the first word of the body
    assert found(d.agent, body[11_000:11_010]) == ["Log dump"]  # the 1,001st word


def test_large_articles_keep_coming_into_one_ticket(directory: Directory) -> None:
    """Regression: the search document grew with every article until PostgreSQL refused it."""
    d = directory
    ticket = make_ticket(
        customer=d.alice, queue=d.support, title="Log dumps", body=distinct_words(55_000)
    )

    for _ in range(2):
        add_article(
            actor=d.alice,
            via=Channel.PORTAL,
            ticket=ticket,
            article=NewArticle(body_text=distinct_words(55_000), channel=ArticleChannel.PORTAL),
        )
    add_article(actor=d.agent, via=Channel.WEB, ticket=ticket, article=note("still here"))

    assert ticket.articles.count() == 4
    assert found(d.agent, "still here") == ["Log dumps"]
    assert found(d.alice, "log dumps") == ["Log dumps"]


def test_a_merged_internal_note_stays_internal(world: World) -> None:
    d = world.d
    add_article(actor=d.agent, via=Channel.WEB, ticket=world.vpn, article=note("bananas"))

    merge_tickets(actor=d.agent, via=Channel.WEB, source=world.vpn, target=world.printer)

    assert found(d.agent, "bananas") == ["Printer jammed on floor 3"]
    assert found(d.alice, "bananas") == []
    assert found(d.bob, "bananas") == []


# --- query count ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 30])
@pytest.mark.parametrize("person", ["agent", "alice"])
def test_search_takes_two_queries(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries, person: str, count: int
) -> None:
    d = directory
    for index in range(count):
        make_ticket(customer=d.alice, queue=d.support, title=f"Monitor flickers {index}")

    with django_assert_num_queries(2):
        result = list(search_tickets(getattr(d, person), "monitor"))

    assert len(result) == count


def test_result_is_a_ticket_queryset_callers_can_refine(world: World) -> None:
    result = search_tickets(world.d.agent, "printer")

    assert result.model is Ticket
    assert result.count() == 2
    assert list(result.filter(customer=world.d.carol)) == [world.toner]
