"""The read side of the agent interface: dashboard widgets, the queue overview,
the ticket list's filters, sorts and keyset paging.

The world (tests.factories.build_directory): queue Support worked by First
level (agent), Hardware by Second level (specialist); reader may only read
Support; outsider is an agent in no group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from relaydesk.core.errors import ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets.actions import (
    add_article,
    close_ticket,
    default_state,
    lock_ticket,
    set_owner,
    set_pending,
    set_responsible,
)
from relaydesk.tickets.models import Channel, Priority, StateCategory, Ticket, TicketType
from relaydesk.tickets.selectors import (
    SORT_COLUMNS,
    QueueSummary,
    TicketFilters,
    filters_querystring,
    list_page,
    my_locked_tickets,
    my_queue_tickets,
    new_tickets,
    parse_filters,
    parse_sort,
    pending_reminders_reached,
    queue_overview,
    tickets_awaiting_answer,
    widget_page,
)
from tests.factories import AgentFactory, Directory, make_ticket
from tests.helpers import note, reply

pytestmark = pytest.mark.django_db
WEB = Channel.WEB


def titles(tickets: Iterable[Ticket]) -> set[str]:
    return {ticket.title for ticket in tickets}


def ticket(d: Directory, title: str, *, queue: str = "support", **fields: object) -> Ticket:
    customer = fields.pop("customer", d.alice)
    return make_ticket(customer=customer, queue=getattr(d, queue), title=title, **fields)  # type: ignore[arg-type]


# --- dashboard widgets ---------------------------------------------------------


def test_new_tickets_are_new_ones_nobody_has_touched(directory: Directory) -> None:
    d = directory
    ticket(d, "untouched")
    lock_ticket(actor=d.agent, via=WEB, ticket=ticket(d, "locked"))
    set_owner(actor=d.agent, via=WEB, ticket=ticket(d, "owned"), owner=d.agent)
    add_article(actor=d.agent, via=WEB, ticket=ticket(d, "noted"), article=note("looking"))
    add_article(actor=d.agent, via=WEB, ticket=ticket(d, "answered"), article=reply("hello"))
    ticket(d, "hardware", queue="hardware")
    make_ticket(
        customer=d.alice, queue=d.support, title="opened", state=default_state(StateCategory.OPEN)
    )

    assert titles(new_tickets(d.agent)) == {"untouched"}
    assert titles(new_tickets(d.reader)) == {"untouched"}
    assert titles(new_tickets(d.specialist)) == {"hardware"}
    assert titles(new_tickets(d.outsider)) == set()
    assert titles(new_tickets(d.alice)) == set()  # customers have no queues


def test_awaiting_answer_is_where_the_customer_spoke_last(directory: Directory) -> None:
    d = directory
    ticket(d, "fresh")
    answered = ticket(d, "answered")
    add_article(actor=d.agent, via=WEB, ticket=answered, article=reply("on it"))
    followed_up = ticket(d, "followed up")
    add_article(actor=d.agent, via=WEB, ticket=followed_up, article=reply("on it"))
    add_article(actor=d.alice, via=Channel.EMAIL, ticket=followed_up, article=reply("and?"))
    only_noted = ticket(d, "only noted")
    add_article(actor=d.agent, via=WEB, ticket=only_noted, article=note("internal"))
    closed = ticket(d, "closed")
    close_ticket(actor=d.agent, via=WEB, ticket=closed)
    make_ticket(customer=None, queue=d.support, title="no customer", actor=d.agent)
    ticket(d, "other queue", queue="hardware")

    assert titles(tickets_awaiting_answer(d.agent)) == {"fresh", "followed up", "only noted"}
    assert titles(tickets_awaiting_answer(d.specialist)) == {"other queue"}
    assert titles(tickets_awaiting_answer(d.outsider)) == set()


def test_my_locked_tickets_are_mine_and_locked(directory: Directory) -> None:
    d = directory
    colleague = AgentFactory(email="colleague@example.com", groups=[d.first_level])
    lock_ticket(actor=d.agent, via=WEB, ticket=ticket(d, "mine"))
    lock_ticket(actor=colleague, via=WEB, ticket=ticket(d, "colleague's"))
    set_owner(actor=d.agent, via=WEB, ticket=ticket(d, "owned, unlocked"), owner=d.agent)
    lock_ticket(actor=d.specialist, via=WEB, ticket=ticket(d, "hardware", queue="hardware"))

    assert titles(my_locked_tickets(d.agent)) == {"mine"}
    assert titles(my_locked_tickets(colleague)) == {"colleague's"}
    assert titles(my_locked_tickets(d.specialist)) == {"hardware"}


def test_my_queues_come_from_preferences_else_the_writable_queues(directory: Directory) -> None:
    d = directory
    d.hardware.access.create(group=d.first_level, level=2)  # agent may write both now
    ticket(d, "support")
    ticket(d, "hardware", queue="hardware")
    close_ticket(actor=d.agent, via=WEB, ticket=ticket(d, "closed"))

    assert titles(my_queue_tickets(d.agent)) == {"support", "hardware"}
    assert titles(my_queue_tickets(d.reader)) == set()  # reads Support, writes nothing
    d.agent.preferences = {"my_queues": [d.hardware.pk]}
    assert titles(my_queue_tickets(d.agent)) == {"hardware"}
    d.reader.preferences = {"my_queues": [str(d.support.pk), str(d.hardware.pk), "junk"]}
    assert titles(my_queue_tickets(d.reader)) == {"support"}  # Hardware: not visible
    d.agent.preferences = {"my_queues": []}
    assert titles(my_queue_tickets(d.agent)) == set()


def test_pending_reminders_reached_are_due_and_mine_or_nobodys(directory: Directory) -> None:
    d = directory
    colleague = AgentFactory(email="colleague@example.com", groups=[d.first_level])
    past, future = now() - dt.timedelta(hours=1), now() + dt.timedelta(hours=1)
    for title, until, owner in (
        ("due, mine", past, d.agent),
        ("due, nobody's", past, None),
        ("due, colleague's", past, colleague),
        ("not yet", future, d.agent),
    ):
        pending = ticket(d, title)
        if owner is not None:
            set_owner(actor=d.agent, via=WEB, ticket=pending, owner=owner)
        set_pending(actor=d.agent, via=WEB, ticket=pending, pending_until=until)
    auto = ticket(d, "auto close")
    set_pending(
        actor=d.agent,
        via=WEB,
        ticket=auto,
        pending_until=past,
        state=default_state(StateCategory.PENDING_AUTO_CLOSE),
    )
    hardware = ticket(d, "hardware", queue="hardware")
    set_pending(actor=d.specialist, via=WEB, ticket=hardware, pending_until=past)

    assert titles(pending_reminders_reached(d.agent)) == {"due, mine", "due, nobody's"}
    later = now() + dt.timedelta(hours=2)
    assert titles(pending_reminders_reached(d.agent, at=later)) == {
        "due, mine",
        "due, nobody's",
        "not yet",
    }
    assert titles(pending_reminders_reached(d.specialist)) == {"hardware"}


def test_widget_page_counts_and_pages(directory: Directory) -> None:
    d = directory
    for index in range(5):
        ticket(d, f"new {index}")

    first = widget_page(new_tickets(d.agent), page=1, size=2)
    last = widget_page(new_tickets(d.agent), page=3, size=2)
    beyond = widget_page(new_tickets(d.agent), page=4, size=2)

    assert [row.title for row in first.rows] == ["new 0", "new 1"]  # oldest first
    assert (first.count, first.has_previous, first.has_next) == (5, False, True)
    assert ([row.title for row in last.rows], last.has_next) == (["new 4"], False)
    assert (beyond.rows, beyond.count) == ([], 5)
    with pytest.raises(ValidationFailed) as error:
        widget_page(new_tickets(d.agent), page=0)
    assert set(error.value.errors) == {"page"}
    with pytest.raises(ValidationFailed) as error:
        widget_page(new_tickets(d.agent), size=1000)
    assert set(error.value.errors) == {"size"}


WIDGETS = [
    new_tickets,
    tickets_awaiting_answer,
    my_locked_tickets,
    my_queue_tickets,
    pending_reminders_reached,
]


@pytest.mark.parametrize("widget", WIDGETS)
def test_widgets_run_the_same_few_queries_whatever_the_rows(
    widget: object, directory: Directory
) -> None:
    d = directory
    past = now() - dt.timedelta(minutes=5)
    counts = []
    for rows in (1, 4):
        for index in range(rows):  # every widget gets rows each round
            ticket(d, f"untouched {rows}-{index}")
            lock_ticket(actor=d.agent, via=WEB, ticket=ticket(d, f"locked {rows}-{index}"))
            pending = ticket(d, f"pending {rows}-{index}")
            lock_ticket(actor=d.agent, via=WEB, ticket=pending)
            set_pending(actor=d.agent, via=WEB, ticket=pending, pending_until=past)
        with CaptureQueriesContext(connection) as queries:
            page = widget_page(widget(d.agent), size=10)  # type: ignore[operator]
            for row in page.rows:  # everything a row shows is loaded already
                _ = (row.queue.name, row.state.name, row.priority.name, row.customer)
                _ = (row.owner, row.responsible, row.organisation, row.type)
        assert page.rows
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 7


# --- queue overview ------------------------------------------------------------


def test_queue_overview_counts_new_open_pending_of_readable_queues(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    d = directory
    ticket(d, "new")
    ticket(d, "new 2")
    answered = ticket(d, "open")
    add_article(actor=d.agent, via=WEB, ticket=answered, article=reply("hello"))  # new -> open
    set_pending(
        actor=d.agent, via=WEB, ticket=ticket(d, "pending"), pending_until=now() + dt.timedelta(1)
    )
    close_ticket(actor=d.agent, via=WEB, ticket=ticket(d, "closed"))
    ticket(d, "hardware", queue="hardware")

    with django_assert_num_queries(1):
        agent_view = queue_overview(d.agent)
    assert agent_view == [QueueSummary(d.support.pk, "Support", new=2, open=1, pending=1)]
    assert queue_overview(d.reader) == agent_view
    assert queue_overview(d.specialist) == [
        QueueSummary(d.hardware.pk, "Hardware", new=1, open=0, pending=0)
    ]
    assert queue_overview(d.outsider) == []
    assert queue_overview(d.alice) == []


# --- filters ---------------------------------------------------------------------


@pytest.fixture
def listed(directory: Directory) -> dict[str, Ticket]:
    """Tickets differing in every filterable field (all in Support unless said)."""
    d = directory
    made = {
        "alice": ticket(d, "alice"),
        "carol": ticket(d, "carol", customer=d.carol),
        "dave": ticket(d, "dave", customer=d.dave),
        "high": ticket(d, "high", priority=Priority.objects.get(level=5)),
        "incident": ticket(d, "incident", ticket_type=TicketType.objects.get(name="Incident")),
        "hardware": ticket(d, "hardware", queue="hardware"),
    }
    lock_ticket(actor=d.agent, via=WEB, ticket=made["alice"])
    set_responsible(actor=d.agent, via=WEB, ticket=made["carol"], responsible=d.agent)
    close_ticket(actor=d.agent, via=WEB, ticket=made["dave"])
    add_article(
        actor=d.agent, via=WEB, ticket=made["high"], article=note("the flux capacitor leaks")
    )
    return made


def filtered(d: Directory, query: str, user: object = None) -> set[str]:
    filters = parse_filters(QueryDict(query))
    return titles(list_page(user or d.agent, filters, size=100).rows)  # type: ignore[arg-type]


def test_every_filter(directory: Directory, listed: dict[str, Ticket]) -> None:
    d = directory
    everything = {"alice", "carol", "dave", "high", "incident"}
    incident = TicketType.objects.get(name="Incident").pk
    closed_state = Ticket.objects.get(pk=listed["dave"].pk).state_id
    high = Priority.objects.get(level=5).pk

    assert filtered(d, "") == everything  # Hardware is not the agent's
    assert filtered(d, "", user=d.specialist) == {"hardware"}
    assert filtered(d, f"queue={d.support.pk}") == everything
    assert filtered(d, f"queue={d.hardware.pk}") == set()  # a filter never widens visibility
    assert filtered(d, f"state={closed_state}") == {"dave"}
    assert filtered(d, "state_category=closed") == {"dave"}
    assert filtered(d, "state_category=new,closed") == everything
    assert filtered(d, f"owner={d.agent.pk}") == {"alice"}
    assert filtered(d, f"owner=none&owner={d.agent.pk}") == everything
    assert filtered(d, "owner=none") == everything - {"alice"}
    assert filtered(d, f"responsible={d.agent.pk}") == {"carol"}
    assert filtered(d, "locked=yes") == {"alice"}
    assert filtered(d, "locked=false") == everything - {"alice"}
    assert filtered(d, f"priority={high}") == {"high"}
    assert filtered(d, f"type={incident}") == {"incident"}
    assert filtered(d, f"customer={d.carol.pk}&customer={d.dave.pk}") == {"carol", "dave"}
    assert filtered(d, f"organisation={d.acme.pk}") == {"alice", "high", "incident"}
    assert filtered(d, "q=flux capac") == {"high"}  # internal notes: agents find them
    assert filtered(d, "q=flux", user=d.alice) == set()  # customers never do
    assert filtered(d, "q=prints carol") == {"carol"}
    assert filtered(d, "q=nothing-like-this") == set()
    assert filtered(d, "q=%21%21") == everything  # no word at all: no text filter


def test_date_ranges_are_days_in_the_viewers_zone(
    directory: Directory, listed: dict[str, Ticket]
) -> None:
    d = directory
    Ticket.objects.filter(pk=listed["alice"].pk).update(
        created_at=dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC),
        updated_at=dt.datetime(2025, 3, 2, 12, 0, tzinfo=dt.UTC),
    )
    berlin = "Europe/Berlin"  # 23:30 UTC on 1 March is 2 March in Berlin

    def found(query: str, zone: str = "UTC") -> set[str]:
        filters = parse_filters(QueryDict(query), timezone=zone)
        return titles(list_page(d.agent, filters, size=100).rows)

    assert found("created_before=2025-03-01") == {"alice"}
    assert found("created_before=2025-03-01", berlin) == set()
    assert found("created_after=2025-03-02&created_before=2025-03-02", berlin) == {"alice"}
    assert found("created_after=2025-03-02") == titles(listed.values()) - {"alice", "hardware"}
    assert found("updated_after=2025-03-02T11:00:00Z&updated_before=2025-03-02T13:00") == {"alice"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("queue=abc", "queue"),
        ("queue=1,-2", "queue"),
        ("owner=nobody", "owner"),
        ("responsible=1.5", "responsible"),
        ("state_category=almost_done", "state_category"),
        ("locked=maybe", "locked"),
        ("locked=yes&locked=no", "locked"),
        ("created_after=yesterday", "created_after"),
        ("updated_before=2025-02-30", "updated_before"),
        ("created_after=2025-03-02&created_before=2025-03-01", "created_before"),
        ("q=" + "x" * 501, "q"),
        ("type=" + ",".join(["1"] * 201), "type"),
    ],
)
def test_bad_filter_values_name_their_key(query: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_filters(QueryDict(query))
    assert set(error.value.errors) == {field}


def test_every_bad_key_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_filters(QueryDict("queue=x&priority=y&locked=z&sort=whatever"))
    assert set(error.value.errors) == {"queue", "priority", "locked"}


def test_filters_survive_the_querystring_round_trip() -> None:
    filters = TicketFilters(
        queues=(3, 1),
        state_categories=("new", "open"),
        owners=(None, 7),
        locked=False,
        created_after=dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC),
        text="printer 50.2",
    )
    assert parse_filters(QueryDict(filters_querystring(filters))) == filters
    assert parse_filters({"queue": ["3", "1"], "locked": "no"}) == TicketFilters(
        queues=(3, 1), locked=False
    )
    assert TicketFilters().is_empty


# --- sorting and keyset paging --------------------------------------------------


@pytest.fixture
def many(directory: Directory) -> list[Ticket]:
    """Eleven tickets with ties in every column, and empty values in the nullable ones."""
    d = directory
    made = []
    for index in range(11):
        made.append(
            ticket(
                d,
                f"title {index % 3}",
                customer=(d.alice, d.carol, None)[index % 3],
                actor=None if index % 3 != 2 else d.agent,
                priority=Priority.objects.get(level=index % 2 + 2),
                ticket_type=TicketType.objects.get(name="Incident") if index % 4 == 0 else None,
            )
        )
        if index % 3 == 0:
            set_owner(actor=d.agent, via=WEB, ticket=made[-1], owner=d.agent)
    ties = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # forced ties: the action stamps "now"
    Ticket.objects.filter(pk__in=[t.pk for t in made[::2]]).update(updated_at=ties)
    Ticket.objects.filter(pk__in=[t.pk for t in made[1::2]]).update(created_at=ties)
    return made


def walk(d: Directory, sort: str, size: int) -> tuple[list[int], list[int]]:
    """All pages forward, then all pages back from the last; the ids in list order."""
    forward: list[int] = []
    pages = []
    page = list_page(d.agent, sort=sort, size=size)
    pages.append(page)
    while page.next_cursor:
        page = list_page(d.agent, sort=sort, cursor=page.next_cursor, size=size)
        pages.append(page)
    for page in pages:
        forward += [row.pk for row in page.rows]
    backward: list[int] = []
    while page.previous_cursor:
        page = list_page(d.agent, sort=sort, cursor=page.previous_cursor, size=size)
        backward = [row.pk for row in page.rows] + backward
    backward += [row.pk for row in pages[-1].rows]
    return forward, backward


@pytest.mark.parametrize("key", list(SORT_COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_paging_walks_every_sort_without_gaps_or_repeats(
    key: str, descending: bool, directory: Directory, many: list[Ticket]
) -> None:
    sort = f"-{key}" if descending else key
    everything = list_page(directory.agent, sort=sort, size=100).rows
    expected = [row.pk for row in everything]

    for size in (1, 3, 4):
        forward, backward = walk(directory, sort, size)
        assert forward == expected, size
        assert backward == expected, size
    assert sorted(expected) == sorted(ticket.pk for ticket in many)


def test_sort_orders_by_the_column_then_id(directory: Directory, many: list[Ticket]) -> None:
    rows = list_page(directory.agent, sort="priority", size=100).rows
    keys = [(row.priority.level, row.pk) for row in rows]
    assert keys == sorted(keys)
    rows = list_page(directory.agent, sort="-owner", size=100).rows
    owners = [row.owner_id for row in rows]
    assert owners == [None] * 7 + [directory.agent.pk] * 4  # empty first when descending


def test_first_page_has_no_previous_and_the_count(directory: Directory, many: list[Ticket]) -> None:
    page = list_page(directory.agent, size=4)
    assert (page.previous_cursor, page.count, len(page.rows)) == (None, 11, 4)
    assert list_page(directory.agent, size=4, with_count=False).count is None
    assert list_page(directory.outsider, size=4).rows == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"sort": "colour"}, "sort"),
        ({"sort": "--updated"}, "sort"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": "e30"}, "cursor"),  # {}
        ({"size": 0}, "size"),
        ({"size": 201}, "size"),
    ],
)
def test_bad_sort_cursor_or_size_is_refused(
    arguments: dict[str, object], field: str, directory: Directory
) -> None:
    with pytest.raises(ValidationFailed) as error:
        list_page(directory.agent, **arguments)  # type: ignore[arg-type]
    assert set(error.value.errors) == {field}


def test_a_cursor_only_works_with_its_own_sort(directory: Directory, many: list[Ticket]) -> None:
    cursor = list_page(directory.agent, sort="title", size=2).next_cursor
    assert cursor is not None
    with pytest.raises(ValidationFailed) as error:
        list_page(directory.agent, sort="-title", cursor=cursor)
    assert set(error.value.errors) == {"cursor"}
    assert str(parse_sort("-title")) == "-title"


def test_list_page_runs_the_same_few_queries_whatever_the_rows(directory: Directory) -> None:
    d = directory
    filters = parse_filters(QueryDict("q=prints&state_category=new"))
    counts = []
    for rows in (2, 10):  # pages of 2 rows, then of 8 (and a next page)
        for index in range(rows):
            made = ticket(d, f"{rows}-{index}", customer=(d.alice, d.carol)[index % 2])
            set_owner(actor=d.agent, via=WEB, ticket=made, owner=d.agent)
        with CaptureQueriesContext(connection) as queries:
            page = list_page(d.agent, filters, sort="-updated", size=8)
            for row in page.rows:
                _ = (row.queue.name, row.state.name, row.priority.name, row.customer)
                _ = (row.owner, row.responsible, row.organisation, row.type)
        counts.append(len(queries))
    assert page.next_cursor
    with CaptureQueriesContext(connection) as queries:
        list_page(d.agent, filters, sort="-updated", cursor=page.next_cursor, size=8)
    counts.append(len(queries))
    # ids, rows, customers, organisations, owners (no responsible is set), count
    assert counts == [6, 6, 6]
