"""A small in-process event registry.

Actions publish events after their transaction commits; handlers (notifications,
webhooks, SLA, …) subscribe by event class and usually just enqueue a task, so
that a failing handler can never undo a committed change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
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


def dispatch(event: Event) -> None:
    """Call every handler of the event's class and its bases, isolating failures."""
    for event_type in type(event).__mro__:
        for handler in _handlers.get(event_type, ()):
            try:
                handler(event)
            except Exception:
                logger.exception("event handler %r failed for %r", handler, event)


def publish_after_commit(event: Event) -> None:
    """Dispatch the event once the current transaction commits (or now, outside one)."""
    transaction.on_commit(lambda: dispatch(event))
