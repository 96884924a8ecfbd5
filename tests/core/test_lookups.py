"""Remembered lookups: asked once inside a unit of work, every time outside."""

from __future__ import annotations

import pytest

from relaydesk.core.lookups import lookup, remembered
from relaydesk.tickets.actions.states import default_state
from relaydesk.tickets.models import StateCategory


def test_outside_a_block_every_call_computes() -> None:
    calls: list[int] = []

    assert lookup("k", lambda: calls.append(1) or len(calls)) == 1
    assert lookup("k", lambda: calls.append(1) or len(calls)) == 2


def test_inside_a_block_the_first_answer_is_kept_until_it_ends() -> None:
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    with remembered():
        assert [lookup("k", count), lookup("k", count), lookup("other", count)] == [1, 1, 2]
        with remembered():  # nested: the outer memory serves
            assert lookup("k", count) == 1
    assert lookup("k", count) == 3


@pytest.mark.django_db
def test_the_default_state_is_read_once_per_block(
    django_assert_num_queries: pytest.FixtureDef[object],
) -> None:
    with django_assert_num_queries(1), remembered():  # type: ignore[operator]
        first = default_state(StateCategory.NEW)
        again = default_state(StateCategory.NEW)
    assert first == again
