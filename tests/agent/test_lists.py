"""The queue view and the ticket list: counts, filters, sort, keyset paging,
columns, bulk actions (each ticket through the actions layer, refusals summed up)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relaydesk.tickets.actions import change_priority, lock_ticket, set_owner
from relaydesk.tickets.models import Channel, Priority, StateCategory, Ticket, TicketState
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def numbers_in(html: str) -> list[str]:
    """Ticket numbers of the list's rows, in order."""
    return re.findall(r'<td class="tl-number"><a href="/agent/tickets/(\w+)/"', html)


def messages_in(html: str) -> list[str]:
    return re.findall(r'<p class="message message-\w+">(.*?)</p>', html, re.S)


@pytest.fixture
def tickets(directory: Directory) -> dict[str, Ticket]:
    """Three support tickets, one of another queue the agent cannot see."""
    made = {
        "printer": make_ticket(
            customer=directory.alice, queue=directory.support, title="Printer jammed"
        ),
        "vpn": make_ticket(customer=directory.bob, queue=directory.support, title="VPN is slow"),
        "mail": make_ticket(customer=directory.dave, queue=directory.support, title="Mail bounced"),
        "server": make_ticket(
            customer=directory.carol, queue=directory.hardware, title="Server fan loud"
        ),
    }
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=made["vpn"])
    high = Priority.objects.get(level=4)
    change_priority(actor=None, via=Channel.SYSTEM, ticket=made["mail"], priority=high)
    return {key: Ticket.objects.get(pk=ticket.pk) for key, ticket in made.items()}


# The queue view


def test_the_queue_view_counts_new_open_and_pending(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    response = agent_client.get("/agent/queues/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Support" in html
    assert "Hardware" not in html
    support = directory.support.pk
    new_link = f'href="/agent/tickets/?queue={support}&amp;state_category=new"'
    assert re.search(re.escape(new_link) + r"[^>]*>3</a>", html)
    assert re.search(
        rf'href="/agent/tickets/\?queue={support}&amp;state_category=open"[^>]*>0</a>', html
    )
    assert 'href="/agent/queues/" aria-current="page"' in html


def test_the_queue_view_runs_one_query_for_any_number_of_queues(
    agent_client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    from tests.factories import QueueFactory

    agent_client.get("/agent/queues/")
    with CaptureQueriesContext(connection) as few:
        agent_client.get("/agent/queues/")
    for n in range(5):
        queue = QueueFactory(name=f"Extra {n}", group=directory.first_level)
        make_ticket(customer=directory.alice, queue=queue)
    with django_assert_num_queries(len(few.captured_queries)):
        html = agent_client.get("/agent/queues/").content.decode()
    assert "Extra 4" in html


def test_an_agent_without_queues_is_told_why(directory: Directory, client: Client) -> None:
    client.force_login(directory.outsider)
    html = client.get("/agent/queues/").content.decode()
    assert "No queues for you yet" in html


# The list


def test_the_list_shows_what_the_agent_may_see(
    agent_client: Client, tickets: dict[str, Ticket]
) -> None:
    response = agent_client.get("/agent/tickets/")
    html = response.content.decode()
    assert response.status_code == 200
    assert set(numbers_in(html)) == {tickets[key].number for key in ("printer", "vpn", "mail")}
    assert "Server fan loud" not in html
    assert '<span class="count">3</span>' in html
    assert 'href="/agent/queues/" aria-current="page"' in html  # the rail's Queues section


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("queue={support}", {"printer", "vpn", "mail"}),
        ("state_category=new", {"printer", "vpn", "mail"}),
        ("state_category=open", set()),
        ("owner=none", {"printer", "mail"}),
        ("owner={agent}", {"vpn"}),
        ("locked=yes", {"vpn"}),
        ("locked=no", {"printer", "mail"}),
        ("priority={high}", {"mail"}),
        ("customer=alice@acme.example", {"printer"}),
        ("customer={alice}", {"printer"}),
        ("organisation=acme", {"printer", "vpn"}),
        ("q=printer", {"printer"}),
        ("created_after=2000-01-01&created_before=2999-12-31", {"printer", "vpn", "mail"}),
        ("updated_before=2000-01-01", set()),
        ("queue={hardware}", set()),  # a queue one may not read lists nothing
    ],
)
def test_the_list_filters(
    agent_client: Client,
    directory: Directory,
    tickets: dict[str, Ticket],
    query: str,
    expected: set[str],
) -> None:
    values = {
        "support": directory.support.pk,
        "hardware": directory.hardware.pk,
        "agent": directory.agent.pk,
        "alice": directory.alice.pk,
        "high": Priority.objects.get(level=4).pk,
    }
    html = agent_client.get("/agent/tickets/?" + query.format(**values)).content.decode()
    assert set(numbers_in(html)) == {tickets[key].number for key in expected}


@pytest.mark.parametrize(
    ("query", "key", "message"),
    [
        ("locked=perhaps", "locked", "is neither yes nor no"),
        ("created_after=yesterday", "created_after", "is not a date"),
        ("sort=password", "sort", "cannot sort by"),
        ("cursor=bogus", "cursor", "is not a cursor of this list"),
        ("size=100000", "size", "must be between 1 and 200"),
        ("customer=nobody@nowhere.example", "customer", "nothing is called"),
        ("queue=1;drop", "queue", "is not an id"),
    ],
)
def test_a_bad_filter_answers_400_naming_the_key(
    agent_client: Client, tickets: dict[str, Ticket], query: str, key: str, message: str
) -> None:
    response = agent_client.get("/agent/tickets/?" + query)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert numbers_in(html) == []
    if key in {"sort", "cursor", "size"}:
        assert f"{key}: " in html  # not a field of the form: named in the summary


def test_sorting_by_a_column_heading(agent_client: Client, tickets: dict[str, Ticket]) -> None:
    by_title = agent_client.get("/agent/tickets/?sort=title").content.decode()
    reverse = agent_client.get("/agent/tickets/?sort=-title").content.decode()
    titles = ["Mail bounced", "Printer jammed", "VPN is slow"]
    order = [tickets[key].number for key in ("mail", "printer", "vpn")]
    assert numbers_in(by_title) == order
    assert numbers_in(reverse) == order[::-1]
    assert re.search(r'<th scope="col" class="col-title" aria-sort="ascending">', by_title)
    assert 'href="?sort=-title"' in by_title  # clicking again reverses
    assert 'href="?sort=-priority"' in by_title  # other columns: their first direction
    for title in titles:
        assert title in by_title


def test_sorting_keeps_the_filter_and_starts_at_the_first_page(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    query = f"queue={directory.support.pk}&sort=title&size=2"
    first = agent_client.get(f"/agent/tickets/?{query}").content.decode()
    next_link = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert next_link is not None
    second = agent_client.get("/agent/tickets/?" + next_link.group(1).replace("&amp;", "&"))
    html = second.content.decode()
    assert "cursor=" in next_link.group(1)
    # the headings keep the filter and the page size, and drop the cursor
    assert f'href="?queue={directory.support.pk}&amp;sort=-title&amp;size=2"' in html
    # the filter form keeps the sort and the size
    assert '<input type="hidden" name="sort" value="title">' in html
    assert '<input type="hidden" name="size" value="2">' in html


def test_keyset_paging_forward_and_back(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    first = agent_client.get("/agent/tickets/?sort=title&size=2").content.decode()
    next_link = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert next_link is not None
    assert 'rel="prev"' not in first
    second = agent_client.get("/agent/tickets/?" + next_link.group(1).replace("&amp;", "&"))
    second_html = second.content.decode()
    previous = re.search(r'rel="prev" href="\?([^"]+)"', second_html)
    assert previous is not None
    assert 'rel="next"' not in second_html
    back = agent_client.get("/agent/tickets/?" + previous.group(1).replace("&amp;", "&"))
    order = [tickets[key].number for key in ("mail", "printer", "vpn")]
    assert numbers_in(first) == order[:2]
    assert numbers_in(second_html) == order[2:]
    assert numbers_in(back.content.decode()) == order[:2]
    assert "3 tickets" in first


def test_the_list_runs_a_constant_number_of_queries(
    agent_client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    def make(count: int) -> None:
        for n in range(count):
            ticket = make_ticket(customer=directory.alice, queue=directory.support, title=f"T{n}")
            set_owner(actor=None, via=Channel.SYSTEM, ticket=ticket, owner=directory.agent)

    make(1)
    url = "/agent/tickets/?state_category=new&sort=title&q=print"
    agent_client.get(url)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(url)
    make(30)
    with django_assert_num_queries(len(few.captured_queries)):
        html = agent_client.get(url).content.decode()
    assert len(numbers_in(html)) == 25


def test_columns_are_chosen_and_kept(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    response = agent_client.post(
        "/agent/tickets/",
        {"form": "columns", "columns": ["type", "organisation", "evil"], "back": "sort=title"},
    )
    html = agent_client.get("/agent/tickets/").content.decode()

    assert response.status_code == 302
    assert response["Location"] == "/agent/tickets/?sort=title"
    directory.agent.refresh_from_db()
    assert directory.agent.preferences["ticket_list"] == {
        "columns": ["number", "title", "organisation", "type"]
    }
    headings = re.findall(r'<th scope="col" class="col-(\w+)"', html)
    assert headings == ["number", "title", "organisation", "type"]
    assert "Acme" in html
    assert "The list&#x27;s columns are saved." in html


def test_rows_link_to_the_ticket_and_show_badges_with_text(
    agent_client: Client, tickets: dict[str, Ticket]
) -> None:
    html = agent_client.get("/agent/tickets/").content.decode()
    vpn = tickets["vpn"]
    assert f'<a href="/agent/tickets/{vpn.number}/" data-row-link>{vpn.number}</a>' in html
    assert '<span class="lock-badge">locked</span>' in html
    assert '<span class="priority-badge priority-4">4 high</span>' in html
    assert f'name="ticket" value="{vpn.number}" form="bulk-form"' in html
    assert 'data-help-next="Next ticket"' in html


def test_lists_need_an_agent(client: Client, directory: Directory) -> None:
    for url in ("/agent/tickets/", "/agent/queues/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/agent/login/")
    client.force_login(directory.alice)  # a customer
    assert client.get("/agent/tickets/").status_code == 302
    assert client.post("/agent/tickets/", {"form": "bulk"}).status_code == 302


# Bulk actions


def bulk(client: Client, numbers: list[str], action: str, **values: Any) -> str:
    """Post a bulk action from the list, follow the way back, return the page."""
    data = {"form": "bulk", "back": "sort=title", "ticket": numbers, "bulk-action": action}
    data.update({f"bulk-{key}": value for key, value in values.items()})
    response = client.post("/agent/tickets/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/agent/tickets/?sort=title")
    return client.get(response["Location"]).content.decode()


def test_bulk_close_with_one_refused_ticket(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    chosen = [tickets[key].number for key in ("printer", "mail", "server")]

    html = bulk(agent_client, chosen, "close")

    states = {key: Ticket.objects.get(pk=t.pk).state.category for key, t in tickets.items()}
    assert states["printer"] == states["mail"] == StateCategory.CLOSED
    assert states["server"] == StateCategory.NEW  # another team's: not even seen
    server = tickets["server"].number
    assert messages_in(html) == [f"2 done, 1 refused: #{server} no such ticket"]


def test_an_agent_who_may_only_read_is_refused_for_each_ticket(
    directory: Directory, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(directory.reader)
    chosen = [tickets[key].number for key in ("printer", "vpn")]

    html = bulk(client, chosen, "priority", priority=str(Priority.objects.get(level=5).pk))

    assert {t.priority.level for t in Ticket.objects.filter(number__in=chosen)} == {3}
    why = "you may read this ticket but not change it"
    assert messages_in(html) == [
        f"0 done, 2 refused: #{chosen[0]} {why}; #{chosen[1]} {why}".replace("'", "&#x27;")
    ]


def test_an_agent_in_no_group_changes_nothing_through_the_bulk_form(
    directory: Directory, client: Client, tickets: dict[str, Ticket]
) -> None:
    client.force_login(directory.outsider)
    versions = {t.pk: t.version for t in Ticket.objects.all()}
    html = bulk(client, [tickets["printer"].number], "close")
    assert {t.pk: t.version for t in Ticket.objects.all()} == versions
    assert messages_in(html) == [f"0 done, 1 refused: #{tickets['printer'].number} no such ticket"]


def test_bulk_state_owner_queue_priority(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    chosen = [tickets["printer"].number, tickets["mail"].number]
    open_state = TicketState.objects.get(category=StateCategory.OPEN)
    pending = TicketState.objects.filter(category=StateCategory.PENDING_REMINDER).first()
    assert pending is not None

    assert "2 done." in bulk(agent_client, chosen, "state", state=str(open_state.pk))
    assert "2 done." in bulk(agent_client, chosen, "owner", owner=str(directory.agent.pk))
    assert "2 done." in bulk(
        agent_client, chosen, "priority", priority=str(Priority.objects.get(level=1).pk)
    )
    html = bulk(
        agent_client, chosen, "state", state=str(pending.pk), pending_until="2030-01-02T09:30"
    )

    rows = list(Ticket.objects.filter(number__in=chosen).select_related("state", "priority"))
    assert "2 done." in html
    assert {row.state.pk for row in rows} == {pending.pk}
    assert {row.owner_id for row in rows} == {directory.agent.pk}
    assert {row.priority.level for row in rows} == {1}
    assert {row.pending_until.isoformat() for row in rows if row.pending_until} == {
        "2030-01-02T09:30:00+00:00"  # the agent's zone (UTC here)
    }
    # owner "nobody", then move to a queue the agent cannot see: both through the actions
    assert "2 done." in bulk(agent_client, chosen, "owner", owner="none")
    assert "2 done." in bulk(agent_client, chosen, "queue", queue=str(directory.hardware.pk))
    assert set(Ticket.objects.filter(number__in=chosen).values_list("queue", flat=True)) == {
        directory.hardware.pk
    }


def test_bulk_pending_without_a_date_changes_nothing(
    agent_client: Client, tickets: dict[str, Ticket]
) -> None:
    pending = TicketState.objects.filter(category=StateCategory.PENDING_REMINDER).first()
    assert pending is not None
    chosen = [tickets["printer"].number]
    html = bulk(agent_client, chosen, "state", state=str(pending.pk))
    assert "Nothing was changed. Pending until: A pending state needs a date and time." in html
    assert Ticket.objects.get(pk=tickets["printer"].pk).state.category == StateCategory.NEW
    # the selection is kept for a second go
    assert f'value="{chosen[0]}" form="bulk-form" id="select-{chosen[0]}"' in html
    assert re.search(rf'id="select-{chosen[0]}"[^>]* checked>', html)


def test_bulk_lock_and_unlock_refuse_another_agents_lock(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket], client: Client
) -> None:
    colleague = directory.agent.__class__.objects.create_user(
        email="colleague@example.com", password="x", kind="agent", name="Col League"
    )
    colleague.agent_groups.add(directory.first_level)
    lock_ticket(actor=colleague, via=Channel.WEB, ticket=tickets["printer"])
    chosen = [tickets[key].number for key in ("printer", "mail")]

    locked = bulk(agent_client, chosen, "lock")
    unlocked = bulk(agent_client, [tickets["mail"].number, tickets["vpn"].number], "unlock")

    printer = tickets["printer"].number
    assert messages_in(locked) == [
        f"1 done, 1 refused: #{printer} ticket {printer} is locked by "
        "Col League &lt;colleague@example.com&gt;"
    ]
    assert messages_in(unlocked) == ["2 done."]
    assert Ticket.objects.get(pk=tickets["printer"].pk).owner_id == colleague.pk
    assert not Ticket.objects.filter(
        number__in=[tickets["mail"].number, tickets["vpn"].number], is_locked=True
    ).exists()


def test_bulk_merge_into_one(agent_client: Client, tickets: dict[str, Ticket]) -> None:
    target = tickets["vpn"].number
    chosen = [tickets[key].number for key in ("printer", "mail", "vpn")]

    html = bulk(agent_client, chosen, "merge", merge_target=target)

    assert messages_in(html) == ["2 done."]
    merged = Ticket.objects.filter(number__in=chosen[:2])
    assert {row.state.category for row in merged} == {StateCategory.MERGED}
    assert {row.merged_into.number for row in merged if row.merged_into} == {target}


def test_bulk_merge_without_target_uses_the_oldest_and_refuses_an_unknown_target(
    agent_client: Client, tickets: dict[str, Ticket]
) -> None:
    unknown = bulk(
        agent_client, [tickets["mail"].number], "merge", merge_target=tickets["server"].number
    )
    assert messages_in(unknown) == [
        f"Nothing was changed: there is no ticket {tickets['server'].number}."
    ]
    html = bulk(agent_client, [tickets["mail"].number, tickets["vpn"].number], "merge")
    assert messages_in(html) == ["1 done."]
    assert Ticket.objects.get(pk=tickets["mail"].pk).merged_into_id == tickets["vpn"].pk


def test_bulk_needs_a_selection_and_a_known_action(
    agent_client: Client, tickets: dict[str, Ticket]
) -> None:
    nothing = bulk(agent_client, [], "close")
    unknown = bulk(agent_client, [tickets["printer"].number], "delete")
    no_value = bulk(agent_client, [tickets["printer"].number], "owner")
    assert messages_in(nothing) == ["Nothing was changed: select at least one ticket."]
    assert "Nothing was changed. Action: Select a valid choice." in messages_in(unknown)[0]
    assert "Owner: Choose a value for this action." in messages_in(no_value)[0]


def test_the_way_back_stays_on_this_site(agent_client: Client, tickets: dict[str, Ticket]) -> None:
    response = agent_client.post(
        "/agent/tickets/",
        {"form": "columns", "columns": ["type"], "back": "//evil.example/x?y=1"},
    )
    assert response["Location"].startswith("/agent/tickets/?")


def test_a_key_given_several_times_shows_all_its_values(
    agent_client: Client, directory: Directory, tickets: dict[str, Ticket]
) -> None:
    html = agent_client.get(
        f"/agent/tickets/?queue={directory.support.pk}&state_category=new&state_category=open"
    ).content.decode()
    select = re.search(r'<select name="state_category"[^>]*multiple[^>]*>.*?</select>', html, re.S)
    assert select is not None
    assert '<option value="new" selected>' in select.group(0)
    assert '<option value="open" selected>' in select.group(0)
    assert '<option value="closed">' in select.group(0)
