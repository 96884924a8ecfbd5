"""The statistics page's numbers on a known set of tickets, within visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django import DjangoAssertNumQueries

from relaydesk.tickets.actions import add_article, close_ticket, set_pending
from relaydesk.tickets.models import Channel, Ticket
from relaydesk.tickets.stats import (
    BacklogCount,
    DayCount,
    FirstResponse,
    backlog,
    created_and_closed_per_day,
    median_first_response,
)
from tests.factories import Directory, make_ticket
from tests.helpers import reply

pytestmark = pytest.mark.django_db
AT = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)  # "now" for every test


def stamp(ticket: Ticket, **times: dt.datetime | None) -> None:
    """Put a ticket's timestamps where the test needs them (the actions stamp "now")."""
    Ticket.objects.filter(pk=ticket.pk).update(**times)


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=dt.UTC)


def test_created_and_closed_per_day_in_the_viewers_zone(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    d = directory
    late = make_ticket(customer=d.alice, queue=d.support, title="late on the 8th (UTC)")
    stamp(late, created_at=utc(8, 23, 30))  # the 9th in Berlin
    closed = make_ticket(customer=d.alice, queue=d.support, title="closed")
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=closed)
    stamp(closed, created_at=utc(9, 10), closed_at=utc(10, 9))
    old = make_ticket(customer=d.alice, queue=d.support, title="before the window")
    stamp(old, created_at=utc(1, 10))
    hidden = make_ticket(customer=d.alice, queue=d.hardware, title="not the agent's")
    stamp(hidden, created_at=utc(9, 10))

    with django_assert_num_queries(2):
        utc_days = created_and_closed_per_day(d.agent, days=3, at=AT)
    berlin_days = created_and_closed_per_day(d.agent, days=3, timezone="Europe/Berlin", at=AT)

    assert utc_days == [
        DayCount(dt.date(2025, 3, 8), created=1, closed=0),
        DayCount(dt.date(2025, 3, 9), created=1, closed=0),
        DayCount(dt.date(2025, 3, 10), created=0, closed=1),
    ]
    assert berlin_days == [
        DayCount(dt.date(2025, 3, 8), created=0, closed=0),
        DayCount(dt.date(2025, 3, 9), created=2, closed=0),
        DayCount(dt.date(2025, 3, 10), created=0, closed=1),
    ]
    assert len(created_and_closed_per_day(d.agent, at=AT)) == 30
    assert sum(day.created for day in created_and_closed_per_day(d.outsider, at=AT)) == 0


def test_backlog_by_queue_and_state_category(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    d = directory
    make_ticket(customer=d.alice, queue=d.support, title="new 1")
    make_ticket(customer=d.alice, queue=d.support, title="new 2")
    answered = make_ticket(customer=d.alice, queue=d.support, title="open")
    add_article(actor=d.agent, via=Channel.WEB, ticket=answered, article=reply("hi"))
    pending = make_ticket(customer=d.alice, queue=d.support, title="pending")
    set_pending(actor=d.agent, via=Channel.WEB, ticket=pending, pending_until=AT)
    done = make_ticket(customer=d.alice, queue=d.support, title="closed")
    close_ticket(actor=d.agent, via=Channel.WEB, ticket=done)
    make_ticket(customer=d.alice, queue=d.hardware, title="hardware")

    with django_assert_num_queries(1):
        agent_backlog = backlog(d.agent)

    support = d.support.pk
    assert agent_backlog == [
        BacklogCount(support, "Support", "new", 2),
        BacklogCount(support, "Support", "open", 1),
        BacklogCount(support, "Support", "pending_reminder", 1),
    ]
    assert backlog(d.specialist) == [BacklogCount(d.hardware.pk, "Hardware", "new", 1)]
    assert backlog(d.outsider) == []


def test_median_first_response_per_queue(
    directory: Directory, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    d = directory
    for minutes, queue in ((10, d.support), (30, d.support), (90, d.support), (5, d.hardware)):
        ticket = make_ticket(customer=d.alice, queue=queue, title=f"{minutes} min")
        created = utc(9, 8)
        stamp(ticket, created_at=created, first_response_at=created + dt.timedelta(minutes=minutes))
    even = make_ticket(customer=d.alice, queue=d.hardware, title="even count")
    stamp(even, created_at=utc(9, 8), first_response_at=utc(9, 8, 15))
    make_ticket(customer=d.alice, queue=d.support, title="unanswered")  # no first response
    old = make_ticket(customer=d.alice, queue=d.support, title="too old")
    stamp(old, created_at=utc(1, 8), first_response_at=utc(5, 8))
    d.specialist.agent_groups.add(d.first_level)  # sees both queues

    with django_assert_num_queries(1):
        medians = median_first_response(d.specialist, days=7, at=AT)

    assert medians == [
        FirstResponse(d.hardware.pk, "Hardware", dt.timedelta(minutes=10), tickets=2),
        FirstResponse(d.support.pk, "Support", dt.timedelta(minutes=30), tickets=3),
    ]
    assert median_first_response(d.agent, days=7, at=AT) == medians[1:]
    assert median_first_response(d.outsider, at=AT) == []
