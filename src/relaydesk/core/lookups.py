"""Configuration lookups remembered for the length of one unit of work.

A batch of inbound mail asks the same questions hundreds of times — the
default state, the default priority, which queue owns an address — and the
answers do not change while it runs. Inside `remembered()` such a lookup runs
once; outside it every call asks the database, as before. Nothing is kept
between units of work (no process-wide cache: several processes share the
database, and an administrator's change must show at once).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_remembered: ContextVar[dict[Hashable, Any] | None] = ContextVar(
    "relaydesk_remembered_lookups", default=None
)


@contextmanager
def remembered() -> Iterator[None]:
    """Remember lookups made through `lookup` until the block ends (nestable)."""
    if _remembered.get() is not None:  # an outer block already remembers
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def lookup(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its remembered answer inside `remembered()`."""
    memory = _remembered.get()
    if memory is None:
        return compute()
    if key not in memory:
        memory[key] = compute()
    answer: T = memory[key]
    return answer


def recall(key: Hashable) -> Any:
    """The answer remembered for `key` in this block, or None."""
    memory = _remembered.get()
    return None if memory is None else memory.get(key)


def remember(key: Hashable, answer: object) -> None:
    """Keep an answer learnt another way (a row just written, a prefetch); outside a
    block, nothing is kept."""
    memory = _remembered.get()
    if memory is not None:
        memory[key] = answer
