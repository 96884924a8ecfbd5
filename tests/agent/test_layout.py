"""The agent layout: rail, top bar, menu, messages, placeholder pages, static files."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import resolve, reverse

from relaydesk.agent.navigation import RAIL
from tests.factories import Directory


def test_the_dashboard_shows_the_layout(agent_client: Client, directory: Directory) -> None:
    response = agent_client.get("/agent/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="widget-new"' in html  # the dashboard's first widget
    rail = re.search(r'<nav class="rail".*?</nav>', html, re.S)
    assert rail is not None
    labels = re.findall(r'<span class="rail-label">(.*?)</span>', rail.group(0))
    assert labels == [
        "Dashboard",
        "Queues",
        "Saved searches",
        "Customers",
        "IT documentation",
        "Statistics",
    ]
    assert 'href="/agent/" aria-current="page"' in rail.group(0)
    still_coming = [
        item for item in RAIL if getattr(resolve(reverse(item.url_name)).func, "is_placeholder", 0)
    ]
    assert rail.group(0).count('<span class="rail-note">coming</span>') == len(still_coming)
    # Top bar: search with its shortcut, new ticket, the agent's menu.
    assert '<label class="visually-hidden" for="topbar-search-input">Search tickets</label>' in html
    assert 'action="/agent/search/"' in html
    assert 'data-shortcut="/"' in html
    assert 'href="/agent/tickets/new/"' in html
    assert 'href="/agent/preferences/"' in html
    assert 'href="/agent/password/"' in html
    assert re.search(r'<form method="post" action="/agent/logout/">\s*<input type="hidden"', html)
    assert directory.agent.email in html
    # Everything the page loads is served by Relaydesk itself.
    sources = re.findall(r'(?:src|href)="([^"#]+\.(?:js|css))"', html)
    assert sources == [
        "/static/relaydesk/tokens.css",
        "/static/relaydesk/base.css",
        "/static/relaydesk/agent/agent.css",
        "/static/django_htmx/htmx-2.min.js",
        "/static/relaydesk/agent/shortcuts.js",
        "/static/relaydesk/agent/lists.css",  # the dashboard's rows
    ]
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert "<script>" not in html  # no inline scripts (a CSP can forbid them)


def test_a_page_still_to_come_says_so(directory: Directory) -> None:
    """The placeholder every `coming(...)` URL answers with, called directly
    (no section of the rail still needs it)."""
    from django.test import RequestFactory

    from relaydesk.agent.views.placeholders import coming_soon

    request = RequestFactory().get("/agent/somewhere/", {"q": "printer"})
    request.user = directory.agent
    request.htmx = False  # type: ignore[attr-defined]
    response = coming_soon(request, page="statistics")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Statistics</h1>" in html
    assert "This page is not built yet." in html


def test_the_rail_marks_the_current_section(agent_client: Client) -> None:
    html = agent_client.get("/agent/customers/").content.decode()
    assert re.search(r'href="/agent/customers/" aria-current="page"', html)
    assert 'href="/agent/" aria-current' not in html


def test_a_search_is_shown_escaped(agent_client: Client) -> None:
    html = agent_client.get("/agent/search/", {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_the_page_is_in_the_users_language(agent_client: Client, directory: Directory) -> None:
    # Signed in, the agent's own language wins over the browser's.
    html = agent_client.get("/agent/", headers={"accept-language": "de"}).content.decode()
    assert '<html lang="en">' in html
    directory.agent.language = "de"
    directory.agent.save()
    html = agent_client.get("/agent/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="de">' in html
    # Before signing in, the browser's language decides.
    login = Client().get("/agent/login/", headers={"accept-language": "de"}).content.decode()
    assert '<html lang="de">' in login
