from __future__ import annotations

from collections.abc import Iterator

import pytest

from relaydesk.core.events import Event, subscribe, unsubscribe


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Every event dispatched during the test (after commit), in order."""
    seen: list[Event] = []
    handler = subscribe(Event)(seen.append)
    yield seen
    unsubscribe(Event, handler)
