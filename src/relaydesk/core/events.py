"""A small in-process event registry.

Actions publish events after their transaction commits; handlers (notifications,
webhooks, SLA, …) subscribe by event class and usually just enqueue a task, so
that a failing handler can never undo a committed change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of domain events; subclasses carry ids, never model instances."""


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]
_handlers: dict[type[Event], list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Decorator: call the function with every published event of this type."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)
        return handler

    return register


def unsubscribe(event_type: type[Event], handler: Handler) -> None:
    if handler in _handlers.get(event_type, []):
        _handlers[event_type].remove(handler)


ManyHandler = Callable[[list[Any]], None]
_many_handlers: dict[type[Event], list[ManyHandler]] = defaultdict(list)


def subscribe_many(
    event_type: type[E],
) -> Callable[[Callable[[list[E]], None]], Callable[[list[E]], None]]:
    """Decorator: call the function with the events of this type dispatched together
    (a batch's, in order), or with a list of one for an event on its own — for a
    handler that can do one thing for many (queue one task for a batch)."""

    def register(handler: Callable[[list[E]], None]) -> Callable[[list[E]], None]:
        if handler not in _many_handlers[event_type]:
            _many_handlers[event_type].append(handler)
        return handler

    return register


def unsubscribe_many(event_type: type[Event], handler: ManyHandler) -> None:
    if handler in _many_handlers.get(event_type, []):
        _many_handlers[event_type].remove(handler)


def _many_calls(events: list[Event]) -> list[tuple[ManyHandler, list[Event]]]:
    """Each list handler with the events of its type, in order."""
    calls = []
    for event_type, handlers in _many_handlers.items():
        mine = [event for event in events if isinstance(event, event_type)]
        if mine:
            calls += [(handler, mine) for handler in handlers]
    return calls


def handlers_of(event: Event) -> list[Handler]:
    return [
        handler for event_type in type(event).__mro__ for handler in _handlers.get(event_type, ())
    ]


def dispatch(event: Event) -> None:
    """Call every handler of the event's class and its bases, isolating failures."""
    for handler in handlers_of(event):
        try:
            handler(event)
        except Exception:
            logger.exception("event handler %r failed for %r", handler, event)
    for many, events in _many_calls([event]):
        try:
            many(events)
        except Exception:
            logger.exception("event handler %r failed for %r", many, event)


# Events committed inside `dispatched_together()`, waiting for its end.
_gathered: ContextVar[list[Event] | None] = ContextVar("relaydesk_gathered_events", default=None)


def publish_after_commit(event: Event) -> None:
    """Dispatch the event once the current transaction commits (or now, outside one).

    A transaction rolled back (or a savepoint) takes its events with it.
    """
    transaction.on_commit(lambda: _committed(event))


def _committed(event: Event) -> None:
    gathered = _gathered.get()
    if gathered is None:
        dispatch(event)
    else:
        gathered.append(event)


@contextmanager
def dispatched_together() -> Iterator[None]:
    """Hold back the events of transactions committed in the block; dispatch them
    all at its end, their handlers' writes in one transaction.

    For batch work (a few hundred mails): handlers mostly enqueue a task, and one
    commit for all those rows costs what one commit for each would cost once.
    Should a handler fail, that transaction is rolled back and every event is
    dispatched again on its own, failures isolated as always — so handlers must
    only write to the database (enqueue), never act outside it directly.
    """
    if _gathered.get() is not None:  # an outer block gathers already
        yield
        return
    gathered: list[Event] = []
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
        dispatch_all(gathered)


def dispatch_all(events: list[Event]) -> None:
    if len(events) > 1:
        try:
            with transaction.atomic():
                for event in events:
                    for handler in handlers_of(event):
                        handler(event)
                for many, some in _many_calls(events):
                    many(some)
            return
        except Exception:
            logger.warning("a handler failed; dispatching %d events one by one", len(events))
    for event in events:
        dispatch(event)
