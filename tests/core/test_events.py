"""Events: dispatched after commit, never for a rolled-back change, and — in a
batch — all together, their handlers' writes in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from relaydesk.core.events import (
    Event,
    dispatched_together,
    publish_after_commit,
    subscribe,
    subscribe_many,
    unsubscribe,
    unsubscribe_many,
)
from relaydesk.core.models import TicketNumberCounter

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Pinged(Event):
    name: str


@pytest.fixture
def seen() -> Iterator[list[tuple[str, bool]]]:
    """(name, inside an atomic block?) for every Pinged handled."""
    log: list[tuple[str, bool]] = []

    def handler(event: Pinged) -> None:
        if event.name == "bad":
            raise RuntimeError("handler bug")
        TicketNumberCounter.objects.create(scope=f"ev-{event.name}", value=1)
        log.append((event.name, transaction.get_connection().in_atomic_block))

    subscribe(Pinged)(handler)
    yield log
    unsubscribe(Pinged, handler)


def test_an_event_waits_for_the_commit(seen: list[tuple[str, bool]]) -> None:
    with transaction.atomic():
        publish_after_commit(Pinged("a"))
        assert seen == []

    assert seen == [("a", False)]


def test_a_rolled_back_change_publishes_nothing(seen: list[tuple[str, bool]]) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            publish_after_commit(Pinged("lost"))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert seen == []


def test_events_of_a_batch_are_dispatched_together_at_its_end(
    seen: list[tuple[str, bool]],
) -> None:
    with dispatched_together():
        for name in ("a", "b", "c"):
            with transaction.atomic():
                publish_after_commit(Pinged(name))
        assert seen == []

    assert seen == [("a", True), ("b", True), ("c", True)]  # in one transaction
    assert TicketNumberCounter.objects.filter(scope__startswith="ev-").count() == 3


def test_a_failing_handler_in_a_batch_costs_nobody_their_event(
    seen: list[tuple[str, bool]],
) -> None:
    with dispatched_together():
        for name in ("a", "bad", "c"):
            with transaction.atomic():
                publish_after_commit(Pinged(name))

    # The joint transaction was rolled back; each event was dispatched again alone.
    assert [name for name, _ in seen if name in "ac"][-2:] == ["a", "c"]
    assert sorted(
        TicketNumberCounter.objects.filter(scope__startswith="ev-").values_list("scope", flat=True)
    ) == ["ev-a", "ev-c"]


def test_a_list_handler_gets_a_batch_at_once_and_a_lone_event_as_a_list_of_one() -> None:
    calls: list[list[str]] = []

    def handler(events: list[Pinged]) -> None:
        calls.append([event.name for event in events])

    subscribe_many(Pinged)(handler)
    try:
        with dispatched_together():
            for name in ("a", "b"):
                with transaction.atomic():
                    publish_after_commit(Pinged(name))
        with transaction.atomic():
            publish_after_commit(Pinged("c"))
    finally:
        unsubscribe_many(Pinged, handler)

    assert calls == [["a", "b"], ["c"]]
