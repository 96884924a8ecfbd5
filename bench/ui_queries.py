"""`ui-queries`: server time of the agent interface's queries on a seeded database.

As the first bench-ui agent (who reads every bench-ui queue), each query is run
`--repeat` times after one warm-up run, rows fetched and related objects
touched as a page would: each dashboard widget (count + first page of 10),
the queue overview, the ticket list's first page and a deep page (a cursor
from about the middle of the list, where OFFSET paging would hurt), a filtered
page (one queue, open states) and the full-text search and text filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import reset_queries

from bench.timing import percentile
from relaydesk.accounts.models import User
from relaydesk.tickets.models import StateCategory, Ticket
from relaydesk.tickets.search import search_tickets
from relaydesk.tickets.selectors import (
    TicketFilters,
    list_page,
    my_locked_tickets,
    my_queue_tickets,
    new_tickets,
    pending_reminders_reached,
    queue_overview,
    tickets_awaiting_answer,
    widget_page,
)
from relaydesk.tickets.selectors.listing import Sort, _encode
from relaydesk.tickets.visibility import visible_tickets

SEARCH_WORDS = "printer jammed"


def _touch(rows: list[Ticket]) -> None:
    for row in rows:
        _ = (row.queue.name, row.state.name, row.priority.name, row.customer, row.owner)


def _deep_cursor(agent: User, sort: Sort) -> str:
    """A cursor pointing at the middle of the agent's list, in the given sort."""
    tickets = visible_tickets(agent)
    middle = tickets.count() // 2
    order = ["-updated_at", "-pk"] if sort.descending else ["updated_at", "pk"]
    row = tickets.order_by(*order)[middle]
    return _encode(sort, row, backward=False)


def scenarios(agent: User) -> dict[str, Callable[[], Any]]:
    sort = Sort("updated", descending=True)
    deep = _deep_cursor(agent, sort)
    queue_id = agent.agent_groups.first().owned_queues.first().pk  # type: ignore[union-attr]
    open_in_queue = TicketFilters(queues=(queue_id,), state_categories=(StateCategory.OPEN,))
    text = TicketFilters(text=SEARCH_WORDS)

    def widget(function: Callable[[User], Any]) -> Callable[[], Any]:
        return lambda: _touch(widget_page(function(agent), size=10).rows)

    return {
        "widget_new": widget(new_tickets),
        "widget_awaiting_answer": widget(tickets_awaiting_answer),
        "widget_my_locked": widget(my_locked_tickets),
        "widget_my_queues": widget(my_queue_tickets),
        "widget_pending_reached": widget(pending_reminders_reached),
        "queue_overview": lambda: queue_overview(agent),
        "list_first_page": lambda: _touch(list_page(agent, sort=sort, size=25).rows),
        "list_first_page_no_count": lambda: _touch(
            list_page(agent, sort=sort, size=25, with_count=False).rows
        ),
        "list_deep_page": lambda: _touch(list_page(agent, sort=sort, cursor=deep, size=25).rows),
        "list_queue_open": lambda: _touch(list_page(agent, open_in_queue, sort=sort).rows),
        "list_text_filter": lambda: _touch(list_page(agent, text, sort=sort).rows),
        "search_full_text": lambda: _touch(
            list(search_tickets(agent, SEARCH_WORDS).select_related("queue", "state"))
        ),
    }


def measure_queries(agent_email: str, repeat: int) -> dict[str, Any]:
    agent = User.objects.get(email__iexact=agent_email)
    results: dict[str, Any] = {}
    for name, run in scenarios(agent).items():
        run()  # warm-up: plans and caches as a running server has them
        latencies = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            latencies.append(time.perf_counter() - started)
            reset_queries()
        results[name] = {
            "p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        }
    return results
