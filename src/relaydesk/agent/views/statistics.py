"""The statistics page: created and closed per day (30 days), the open backlog
by queue and state category, the median first response per queue — as inline
SVG charts and tables, and each table as CSV.

The numbers come from tickets/stats.py, which starts from the visibility rule:
an agent's statistics count only the tickets the agent may see. Days are
days in the agent's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from relaydesk.agent.charts import Series, grouped_columns, horizontal_bars
from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.core.csv_export import write_csv
from relaydesk.core.time import now
from relaydesk.tickets import stats
from relaydesk.tickets.models import CLOSED_CATEGORIES, StateCategory

DAYS = stats.DEFAULT_DAYS
BACKLOG_CATEGORIES = [c for c in StateCategory if c not in CLOSED_CATEGORIES]


def _hours(duration: dt.timedelta) -> float:
    return round(duration.total_seconds() / 3600, 1)


def _numbers(request: AgentRequest) -> dict[str, Any]:
    user, at = request.user, now()
    daily = stats.created_and_closed_per_day(user, days=DAYS, timezone=user.timezone, at=at)
    backlog_rows = stats.backlog(user)
    queues: dict[str, dict[str, int]] = {}
    for row in backlog_rows:
        queues.setdefault(row.queue_name, dict.fromkeys(BACKLOG_CATEGORIES, 0))
        queues[row.queue_name][row.category] = row.count
    return {
        "daily": daily,
        "backlog": queues,
        "first_response": stats.median_first_response(user, days=DAYS, at=at),
    }


def _charts(numbers: dict[str, Any]) -> dict[str, Any]:
    daily = numbers["daily"]
    labels = [date_format(day.day, "d.m.") for day in daily]
    per_day = grouped_columns(
        "chart-daily",
        _("Tickets created and closed per day"),
        _("Created: %(created)d, closed: %(closed)d over the last %(days)d days.")
        % {
            "created": sum(day.created for day in daily),
            "closed": sum(day.closed for day in daily),
            "days": DAYS,
        },
        labels,
        [
            Series(_("created"), "series-1", [day.created for day in daily]),
            Series(_("closed"), "series-2", [day.closed for day in daily]),
        ],
    )
    backlog = numbers["backlog"]
    by_queue = horizontal_bars(
        "chart-backlog",
        _("Open backlog by queue and state category"),
        _("%(count)d tickets not closed, in %(queues)d queues.")
        % {"count": sum(sum(c.values()) for c in backlog.values()), "queues": len(backlog)},
        list(backlog),
        [
            Series(
                str(category.label),
                f"category-{category.value}",
                [c[category] for c in backlog.values()],
            )
            for category in BACKLOG_CATEGORIES
        ],
    )
    responses = numbers["first_response"]
    first_response = horizontal_bars(
        "chart-first-response",
        _("Median first response per queue, in hours"),
        _("Tickets created in the last %(days)d days that have an answer.") % {"days": DAYS},
        [row.queue_name for row in responses],
        [Series(_("hours"), "series-1", [_hours(row.median) for row in responses])],
        unit=" h",
    )
    return {
        "chart_daily": per_day,
        "chart_backlog": by_queue,
        "chart_first_response": first_response,
    }


@agent_required
def statistics(request: AgentRequest) -> HttpResponse:
    numbers = _numbers(request)
    context = {
        **numbers,
        **_charts(numbers),
        "days": DAYS,
        "categories": BACKLOG_CATEGORIES,
        "first_response_rows": [
            (row.queue_name, _hours(row.median), row.tickets) for row in numbers["first_response"]
        ],
    }
    return render(request, "agent/statistics/statistics.html", context)


TABLES = ("daily", "backlog", "first_response")


def _table_rows(table: str, numbers: dict[str, Any]) -> Iterator[list[object]]:
    """Header and rows of one table; cells are made safe by `write_csv`."""
    if table == "daily":
        yield ["day", "created", "closed"]
        yield from ([day.day.isoformat(), day.created, day.closed] for day in numbers["daily"])
    elif table == "backlog":
        yield ["queue", *BACKLOG_CATEGORIES, "total"]
        for queue, counts in numbers["backlog"].items():
            row = [counts[c] for c in BACKLOG_CATEGORIES]
            yield [queue, *row, sum(row)]
    else:
        yield ["queue", "median_first_response_seconds", "tickets"]
        for entry in numbers["first_response"]:
            yield [entry.queue_name, round(entry.median.total_seconds()), entry.tickets]


@agent_required
def statistics_csv(request: AgentRequest, table: str) -> HttpResponse:
    """One table of the page as CSV (`daily`, `backlog`, `first_response`)."""
    if table not in TABLES:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="relaydesk-{table}.csv"'
    write_csv(_table_rows(table, _numbers(request)), response)
    return response
