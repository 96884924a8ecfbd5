"""The statistics page: numbers from tickets/stats.py within what the agent may see,
inline SVG charts with title and description, tables, CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relaydesk.core.csv_export import safe_cell
from relaydesk.core.time import now
from relaydesk.tickets.models import Queue
from tests.factories import Directory, QueueFactory, make_ticket


def test_the_page_has_charts_with_title_desc_and_tables(
    agent_client: Client, directory: Directory
) -> None:
    make_ticket(customer=directory.alice, queue=directory.support)
    make_ticket(customer=directory.bob, queue=directory.support)
    make_ticket(customer=directory.carol, queue=directory.hardware)  # not the agent's
    response = agent_client.get("/agent/statistics/")
    html = response.content.decode()
    assert response.status_code == 200
    for chart in ("chart-daily", "chart-backlog"):
        assert re.search(rf'<svg class="chart" id="{chart}" role="img"', html)
        assert f'<title id="{chart}-title">' in html
        assert f'<desc id="{chart}-desc">' in html
    assert "Created: 2, closed: 0 over the last 30 days." in html
    backlog = re.search(
        r'<table class="data-table compact" id="table-backlog">.*?</table>', html, re.S
    )
    assert backlog is not None
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', backlog.group(0))
    assert [name for name, _cells in rows] == ["Support"]
    assert re.findall(r'<td class="num">(\d+)</td>', rows[0][1]) == ["2", "0", "0", "0", "0"]
    assert "Hardware" not in html


def test_the_page_runs_constant_queries(agent_client: Client, directory: Directory) -> None:
    agent_client.get("/agent/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            agent_client.get("/agent/statistics/")
        return len(queries)

    make_ticket(customer=directory.alice, queue=directory.support)
    few = count()
    for _ in range(5):
        make_ticket(customer=directory.alice, queue=directory.support)
    assert count() == few


def test_the_csv_tables(agent_client: Client, directory: Directory) -> None:
    make_ticket(customer=directory.alice, queue=directory.support)
    daily = agent_client.get("/agent/statistics/daily.csv")
    assert daily["Content-Type"].startswith("text/csv")
    assert daily["Content-Disposition"] == 'attachment; filename="relaydesk-daily.csv"'
    rows = list(csv.reader(io.StringIO(daily.content.decode())))
    assert rows[0] == ["day", "created", "closed"]
    assert len(rows) == 31
    assert rows[-1] == [now().date().isoformat(), "1", "0"]
    backlog = list(
        csv.reader(io.StringIO(agent_client.get("/agent/statistics/backlog.csv").content.decode()))
    )
    assert backlog == [
        ["queue", "new", "open", "pending_reminder", "pending_auto_close", "resolved", "total"],
        ["Support", "1", "0", "0", "0", "0", "1"],
    ]
    first = agent_client.get("/agent/statistics/first_response.csv").content.decode()
    assert first.splitlines() == ["queue,median_first_response_seconds,tickets"]
    assert agent_client.get("/agent/statistics/nothing.csv").status_code == 404


def test_csv_cells_cannot_become_formulas(
    agent_client: Client, directory: Directory, settings: Any
) -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("Support") == "Support"
    queue: Queue = QueueFactory(name="=cmd|' /C calc'!A0", group=directory.first_level)
    make_ticket(customer=directory.alice, queue=queue)
    text = agent_client.get("/agent/statistics/backlog.csv").content.decode()
    assert "\n'=cmd" in text.replace("\r\n", "\n")


def test_an_agent_without_queues_sees_empty_statistics(directory: Directory) -> None:
    make_ticket(customer=directory.alice, queue=directory.support)
    client = Client()
    client.force_login(directory.outsider)
    html = client.get("/agent/statistics/").content.decode()
    assert "No open tickets in the queues you may see." in html
    assert "Created: 0, closed: 0" in html
