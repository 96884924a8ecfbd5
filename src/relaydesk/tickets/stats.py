"""Numbers for the statistics page, within what the user may see.

Every function starts from `visible_tickets(user)` and runs one or two
queries, on SQLite and PostgreSQL alike:

- `created_and_closed_per_day`: tickets created and closed per day over the
  last N days, days counted in the viewer's time zone. "Closed" is read from
  `Ticket.closed_at`, which the actions set on closing and clear on reopening:
  a ticket closed on Monday and reopened on Tuesday no longer counts for Monday.
- `backlog`: tickets not closed or merged, by queue and state category.
- `median_first_response`: per queue, the median time from creation to the
  first public agent answer (`Ticket.first_response_at`), over the tickets
  created in the last N days that have one. PostgreSQL computes it
  (`percentile_cont`); SQLite, which lacks it, returns the durations sorted
  and Python takes the middle.
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, QuerySet
from django.db.models.functions import TruncDate

from relaydesk.accounts.models import User
from relaydesk.core.time import now
from relaydesk.tickets.models import CLOSED_CATEGORIES, Ticket
from relaydesk.tickets.visibility import visible_tickets

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    created: int
    closed: int


@dataclass(frozen=True)
class BacklogCount:
    queue_id: int
    queue_name: str
    category: str
    count: int


@dataclass(frozen=True)
class FirstResponse:
    queue_id: int
    queue_name: str
    median: dt.timedelta
    tickets: int  # how many tickets the median is taken over


def _zone(timezone: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _per_day(tickets: QuerySet[Ticket], field: str, zone: dt.tzinfo, start: dt.datetime) -> Any:
    return (
        tickets.filter(**{f"{field}__gte": start})
        .annotate(day=TruncDate(field, tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )


def created_and_closed_per_day(
    user: User,
    *,
    days: int = DEFAULT_DAYS,
    timezone: str | dt.tzinfo = "UTC",
    at: dt.datetime | None = None,
) -> list[DayCount]:
    """One entry per day, oldest first, the last being today (in `timezone`); two queries."""
    zone = _zone(timezone)
    today = (at or now()).astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    tickets = visible_tickets(user)
    created = dict(_per_day(tickets, "created_at", zone, start))
    closed = dict(_per_day(tickets.filter(closed_at__isnull=False), "closed_at", zone, start))
    return [
        DayCount(day, created.get(day, 0), closed.get(day, 0))
        for day in (first + dt.timedelta(days=offset) for offset in range(days))
    ]


def backlog(user: User) -> list[BacklogCount]:
    """Tickets not closed or merged, by queue (by name) and state category; one query."""
    rows = (
        visible_tickets(user)
        .exclude(state__category__in=list(CLOSED_CATEGORIES))
        .order_by()
        .values("queue_id", "queue__name", "state__category")
        .annotate(n=Count("pk"))
        .order_by("queue__name", "queue_id", "state__category")
        .values_list("queue_id", "queue__name", "state__category", "n")
    )
    return [BacklogCount(*row) for row in rows]


class _Median(Aggregate):
    """PostgreSQL's exact median of seconds between two timestamps."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def median_first_response(
    user: User, *, days: int = DEFAULT_DAYS, at: dt.datetime | None = None
) -> list[FirstResponse]:
    """Per queue (by name), the median first-response time of recent tickets; one query."""
    since = (at or now()) - dt.timedelta(days=days)
    answered = (
        visible_tickets(user)
        .filter(created_at__gte=since, first_response_at__isnull=False)
        .order_by()
    )
    if connection.vendor == "postgresql":
        rows = (
            answered.values("queue_id", "queue__name")
            .annotate(median=_Median(F("first_response_at") - F("created_at")), tickets=Count("pk"))
            .order_by("queue__name", "queue_id")
            .values_list("queue_id", "queue__name", "median", "tickets")
        )
        return [
            FirstResponse(pk, name, dt.timedelta(seconds=median), count)
            for pk, name, median, count in rows
        ]
    seconds: dict[tuple[str, int], list[float]] = defaultdict(list)
    pairs = answered.values_list("queue_id", "queue__name", "created_at", "first_response_at")
    for pk, name, created, responded in pairs:
        if responded is not None:  # always, by the filter; for the type checker
            seconds[(name, pk)].append((responded - created).total_seconds())
    return [
        FirstResponse(pk, name, dt.timedelta(seconds=statistics.median(values)), len(values))
        for (name, pk), values in sorted(seconds.items())
    ]
