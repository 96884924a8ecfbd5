"""The dashboard: widgets with counts and rows, paging inside a widget (query
parameters and htmx), refresh, hidden and ordered widgets kept in preferences."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relaydesk.accounts.models import User
from relaydesk.tickets.actions import lock_ticket
from relaydesk.tickets.models import Channel
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def widget_html(html: str, key: str) -> str:
    found = re.search(rf'<section class="widget" id="widget-{key}".*?</section>', html, re.S)
    assert found is not None, key
    return found.group(0)


def widget_count(html: str, key: str) -> int:
    found = re.search(r'<span class="count"[^>]*>(\d+)</span>', widget_html(html, key))
    assert found is not None
    return int(found.group(1))


def test_the_dashboard_shows_each_widget_with_its_count(
    agent_client: Client, directory: Directory
) -> None:
    fresh = make_ticket(
        customer=directory.alice, queue=directory.support, title="Printer <b>jam</b>"
    )
    locked = make_ticket(customer=directory.bob, queue=directory.support, title="VPN down")
    lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=locked)
    make_ticket(customer=directory.carol, queue=directory.hardware, title="Not mine to see")

    response = agent_client.get("/agent/")
    html = response.content.decode()

    assert response.status_code == 200
    keys = re.findall(r'<section class="widget" id="widget-([a-z_]+)"', html)
    assert keys == ["new", "awaiting_answer", "my_locked", "my_queues", "pending_reminders"]
    assert widget_count(html, "new") == 1
    assert widget_count(html, "awaiting_answer") == 2
    assert widget_count(html, "my_locked") == 1
    assert widget_count(html, "my_queues") == 2
    assert widget_count(html, "pending_reminders") == 0
    new = widget_html(html, "new")
    assert f'href="/agent/tickets/{fresh.number}/"' in new
    assert "Printer &lt;b&gt;jam&lt;/b&gt;" in new  # escaped
    assert '<span class="state-badge state-new">new</span>' in new
    assert "Alice" in new
    assert "Support" in new
    assert "Not mine to see" not in html  # the visibility rule
    mine = widget_html(html, "my_locked")
    assert "VPN down" in mine
    assert "locked" in mine
    assert "Agnes Agent" in mine
    assert "No reminders due" in widget_html(html, "pending_reminders")
    # refreshed every 60 s by htmx, swapping only the widget
    assert 'hx-get="/agent/widgets/new/?page=1" hx-trigger="every 60s" hx-swap="outerHTML"' in new
    assert '<link rel="stylesheet" href="/static/relaydesk/agent/lists.css">' in html


def test_times_are_shown_in_the_agents_zone_with_the_absolute_time_on_hover(
    agent_client: Client, directory: Directory
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    User.objects.filter(pk=directory.agent.pk).update(timezone="Asia/Tokyo")

    html = widget_html(agent_client.get("/agent/").content.decode(), "new")

    assert ticket.number in html
    assert re.search(r'<time datetime="[^"]+\+09:00" title="[^"]+">0\xa0minutes ago</time>', html)


def test_a_widget_pages_through_query_parameters_and_through_htmx(
    agent_client: Client, directory: Directory
) -> None:
    tickets = [
        make_ticket(customer=directory.alice, queue=directory.support, title=f"Ticket {n:02}")
        for n in range(12)
    ]

    first = widget_html(agent_client.get("/agent/").content.decode(), "new")
    second_page = agent_client.get("/agent/?new_page=2&my_queues_page=2").content.decode()
    second = widget_html(second_page, "new")
    fragment = agent_client.get("/agent/widgets/new/?page=2", headers={"HX-Request": "true"})
    plain = agent_client.get("/agent/widgets/new/?page=2")

    assert first.count("<tr data-row") == 10  # oldest first
    assert "Ticket 00" in first
    assert "Ticket 10" not in first
    assert "1–10 of 12" in first
    assert 'href="?new_page=2"' in first
    assert 'hx-get="/agent/widgets/new/?page=2" hx-target="#widget-new"' in first
    assert second.count("<tr data-row") == 2
    assert "Ticket 10" in second
    assert "Ticket 11" in second
    assert "11–12 of 12" in second
    # paging one widget keeps the others' pages
    assert 'href="?my_queues_page=2&amp;new_page=1"' in second
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith("<section")
    assert "<html" not in body
    assert tickets[11].number in body
    assert plain.status_code == 302
    assert plain["Location"] == "/agent/?new_page=2"
    # a page beyond the end (tickets were taken meanwhile) shows the first
    assert "Ticket 00" in widget_html(
        agent_client.get("/agent/?new_page=9").content.decode(), "new"
    )
    # nonsense pages are page 1; unknown widgets are 404
    assert agent_client.get("/agent/?new_page=abc").status_code == 200
    assert (
        agent_client.get("/agent/widgets/nope/", headers={"HX-Request": "true"}).status_code == 404
    )


def test_the_dashboard_runs_a_constant_number_of_queries(
    agent_client: Client, directory: Directory, django_assert_num_queries: Any
) -> None:
    def make(count: int) -> None:
        for _ in range(count):
            ticket = make_ticket(customer=directory.alice, queue=directory.support)
            lock_ticket(actor=directory.agent, via=Channel.WEB, ticket=ticket)
            make_ticket(customer=directory.bob, queue=directory.support)

    make(1)
    agent_client.get("/agent/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert agent_client.get("/agent/").status_code == 200
    make(9)
    with django_assert_num_queries(len(few.captured_queries)):
        html = agent_client.get("/agent/").content.decode()
    assert html.count("<tr data-row") == 40  # four widgets of ten rows


def test_widgets_are_hidden_and_ordered_and_the_choice_is_kept(
    agent_client: Client, directory: Directory
) -> None:
    order = ["new", "awaiting_answer", "my_locked", "my_queues", "pending_reminders"]
    shown = ["new", "my_locked", "my_queues", "pending_reminders"]  # awaiting_answer hidden

    moved = agent_client.post(
        "/agent/dashboard/customise/", {"order": order, "shown": shown, "up": "my_queues"}
    )
    saved = agent_client.post(
        "/agent/dashboard/customise/",
        {
            "order": ["my_queues", "new", "my_locked", "pending_reminders", "awaiting_answer"],
            "shown": ["my_queues", "new", "pending_reminders"],
        },
    )
    html = agent_client.get("/agent/").content.decode()

    assert moved.status_code == 302
    assert moved["Location"] == "/agent/?customise=1#customise"
    assert saved.status_code == 302
    assert saved["Location"] == "/agent/"
    directory.agent.refresh_from_db()
    assert directory.agent.preferences["dashboard"] == {
        "order": ["my_queues", "new", "my_locked", "pending_reminders", "awaiting_answer"],
        "hidden": ["my_locked", "awaiting_answer"],
    }
    keys = re.findall(r'<section class="widget" id="widget-([a-z_]+)"', html)
    assert keys == ["my_queues", "new", "pending_reminders"]
    assert "Your dashboard is saved." in html
    # the customise panel lists every widget, hidden ones unticked
    assert 'id="shown-my_locked">' in html
    assert 'id="shown-new" checked>' in html


def test_moving_a_widget_keeps_other_preferences_and_ignores_unknown_keys(
    agent_client: Client, directory: Directory
) -> None:
    User.objects.filter(pk=directory.agent.pk).update(preferences={"my_queues": [1]})

    agent_client.post(
        "/agent/dashboard/customise/",
        {"order": ["pending_reminders", "evil", "new"], "shown": ["new", "evil"], "down": "new"},
    )

    directory.agent.refresh_from_db()
    assert directory.agent.preferences["my_queues"] == [1]
    assert directory.agent.preferences["dashboard"]["order"] == [
        "pending_reminders",
        "awaiting_answer",
        "new",
        "my_locked",
        "my_queues",
    ]


def test_all_widgets_hidden_says_how_to_get_them_back(
    agent_client: Client, directory: Directory
) -> None:
    agent_client.post("/agent/dashboard/customise/", {"order": []})
    html = agent_client.get("/agent/").content.decode()
    assert "All widgets are hidden" in html


def test_customising_needs_a_post_and_an_agent(
    agent_client: Client, directory: Directory, client: Client
) -> None:
    assert agent_client.get("/agent/dashboard/customise/").status_code == 405
    anonymous = client.post("/agent/dashboard/customise/", {"order": []})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/agent/login/")
    widget = client.get("/agent/widgets/new/", headers={"HX-Request": "true"})
    assert widget.status_code == 204
    assert widget["HX-Redirect"] == "/agent/login/"


def test_an_agent_sees_only_what_their_groups_may_read(
    directory: Directory, client: Client
) -> None:
    make_ticket(customer=directory.alice, queue=directory.support, title="Support ticket")
    client.force_login(directory.outsider)
    html = client.get("/agent/").content.decode()
    assert "Support ticket" not in html
    assert widget_count(html, "new") == 0
