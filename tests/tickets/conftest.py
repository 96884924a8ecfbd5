from __future__ import annotations

from collections.abc import Iterator

import pytest

from relaydesk.core.events import Event, subscribe, unsubscribe
from relaydesk.tickets.models import Ticket


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Every event dispatched during the test (after commit), in order."""
    seen: list[Event] = []
    handler = subscribe(Event)(seen.append)
    yield seen
    unsubscribe(Event, handler)


def snapshot(ticket: Ticket) -> tuple[object, ...]:
    """What must stay the same when an action is refused."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.version,
        fresh.state_id,
        fresh.queue_id,
        fresh.owner_id,
        fresh.priority_id,
        fresh.is_locked,
        fresh.history.count(),
        fresh.articles.count(),
        fresh.participants.count(),
    )
