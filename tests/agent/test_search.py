"""Search: the top bar's box, results, advanced search, saved searches and last-search."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relaydesk.agent.models import LAST_SEARCH, SavedSearch
from tests.factories import PASSWORD, Directory, make_ticket


def sign_in(email: str) -> Client:
    client = Client()
    assert client.post("/agent/login/", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def result_numbers(html: str) -> list[str]:
    return re.findall(r'<td class="nowrap"><a href="/agent/tickets/(\d+)/">', html)


def test_a_visible_ticket_number_opens_the_ticket(
    agent_client: Client, directory: Directory
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    response = agent_client.get("/agent/search/", {"q": f"  #{ticket.number} "})
    assert response.status_code == 302
    assert response["Location"] == f"/agent/tickets/{ticket.number}/"


def test_an_invisible_ticket_number_finds_nothing(
    agent_client: Client, directory: Directory
) -> None:
    hidden = make_ticket(customer=directory.alice, queue=directory.hardware, title="Secret disk")
    response = agent_client.get("/agent/search/", {"q": hidden.number})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing found" in html
    assert "Secret disk" not in html
    assert f'href="/agent/tickets/{hidden.number}/"' not in html


def test_words_find_visible_tickets_best_first(agent_client: Client, directory: Directory) -> None:
    weak = make_ticket(
        customer=directory.alice, queue=directory.support, title="Something", body="toner toner"
    )
    strong = make_ticket(
        customer=directory.bob, queue=directory.support, title="Toner empty", body="toner"
    )
    make_ticket(
        customer=directory.carol, queue=directory.hardware, title="Toner secret", body="toner"
    )
    response = agent_client.get("/agent/search/", {"q": "toner"})
    html = response.content.decode()
    assert response.status_code == 200
    assert result_numbers(html) == [strong.number, weak.number]
    assert "Toner secret" not in html


def test_search_results_page_and_run_constant_queries(
    agent_client: Client, directory: Directory
) -> None:
    agent_client.get("/agent/")

    def count(**params: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get("/agent/search/", params)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    make_ticket(customer=directory.alice, queue=directory.support, title="Toner 0")
    count(q="toner")  # makes the last-search row; later searches update it
    few, _html = count(q="toner")
    # session, user, ranked ids, page ids, rows, customers, organisations, last-search
    assert few == 8
    for index in range(1, 30):
        make_ticket(customer=directory.alice, queue=directory.support, title=f"Toner {index}")
    many, html = count(q="toner")
    assert many == few
    assert len(result_numbers(html)) == 25
    assert "page=2" in html
    second, html = count(q="toner", page="2")
    assert second <= few  # the last-search is kept on the first page only
    assert len(result_numbers(html)) == 5
    filtered_few, html = count(q="toner", queue=str(directory.support.pk))
    assert len(result_numbers(html)) == 25
    assert "cursor=" in html
    for index in range(30, 40):
        make_ticket(customer=directory.alice, queue=directory.support, title=f"Toner {index}")
    assert count(q="toner", queue=str(directory.support.pk))[0] == filtered_few


def test_the_advanced_search_filters_and_counts(agent_client: Client, directory: Directory) -> None:
    from relaydesk.tickets.models import TicketState

    closed = TicketState.objects.get(name="closed successful")
    wanted = make_ticket(customer=directory.alice, queue=directory.support, title="Alpha")
    make_ticket(customer=directory.bob, queue=directory.support, title="Beta")
    make_ticket(customer=directory.alice, queue=directory.support, title="Gamma", state=closed)
    response = agent_client.get("/agent/search/", {"sender": "alice@acme", "state_category": "new"})
    html = response.content.decode()
    assert result_numbers(html) == [wanted.number]
    assert "1 ticket found." in html
    form = agent_client.get("/agent/search/advanced/", {"sender": "alice@acme"}).content.decode()
    assert 'name="sender"' in form
    assert 'value="alice@acme"' in form
    assert f'<option value="{directory.support.pk}">Support</option>' in form
    assert "Hardware" not in form  # only queues the agent may read


def test_a_bad_filter_is_named_not_run(agent_client: Client) -> None:
    response = agent_client.get("/agent/search/", {"queue": "x", "created_after": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>queue</strong>" in html
    assert "<strong>created_after</strong>" in html
    assert not SavedSearch.objects.exists()


def test_a_filter_on_an_invisible_queue_finds_nothing(
    agent_client: Client, directory: Directory
) -> None:
    make_ticket(customer=directory.alice, queue=directory.hardware, title="Secret disk")
    html = agent_client.get("/agent/search/", {"queue": directory.hardware.pk}).content.decode()
    assert "0 tickets found." in html
    assert "Secret disk" not in html


def test_every_search_is_kept_as_last_search(agent_client: Client, directory: Directory) -> None:
    agent_client.get("/agent/search/", {"q": "printer"})
    agent_client.get("/agent/search/", {"q": "toner", "locked": "no"})
    last = SavedSearch.objects.get(owner=directory.agent, name=LAST_SEARCH)
    assert last.query == "locked=no&q=toner"
    html = agent_client.get("/agent/searches/").content.decode()
    assert "last-search" in html
    assert "(kept automatically)" in html


def test_saved_searches_are_saved_run_renamed_and_deleted(
    agent_client: Client, directory: Directory
) -> None:
    response = agent_client.post(
        "/agent/searches/save/", {"name": "Toner", "query": "q=toner&locked=no"}
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=directory.agent, name="Toner")
    run = agent_client.get(f"/agent/searches/{saved.pk}/")
    assert run.status_code == 302
    assert run["Location"] == "/agent/search/?q=toner&locked=no"
    menu = agent_client.get("/agent/searches/menu/").content.decode()
    assert f'href="/agent/searches/{saved.pk}/">Toner</a>' in menu
    duplicate = agent_client.post("/agent/searches/save/", {"name": "Toner", "query": "q=x"})
    assert duplicate.status_code == 400
    assert "You already have a search with this name." in duplicate.content.decode()
    reserved = agent_client.post("/agent/searches/save/", {"name": LAST_SEARCH, "query": ""})
    assert reserved.status_code == 400
    assert (
        agent_client.post(f"/agent/searches/{saved.pk}/rename/", {"name": "Ink"}).status_code == 302
    )
    saved.refresh_from_db()
    assert saved.name == "Ink"
    assert agent_client.post(f"/agent/searches/{saved.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def test_another_agents_saved_search_is_not_found(directory: Directory) -> None:
    theirs = SavedSearch.objects.create(owner=directory.specialist, name="Mine", query="q=disk")
    client = sign_in(directory.agent.email)
    assert client.get(f"/agent/searches/{theirs.pk}/").status_code == 404
    assert client.post(f"/agent/searches/{theirs.pk}/rename/", {"name": "X"}).status_code == 404
    assert client.post(f"/agent/searches/{theirs.pk}/delete/").status_code == 404
    assert "Mine" not in client.get("/agent/searches/").content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Mine"


def test_saving_needs_a_post(agent_client: Client) -> None:
    assert agent_client.get("/agent/searches/save/").status_code == 405


def test_the_top_bar_has_the_saved_searches_dropdown(agent_client: Client) -> None:
    html = agent_client.get("/agent/search/").content.decode()
    assert 'hx-get="/agent/searches/menu/"' in html
    assert "Type a ticket number or some words" in html


def test_the_search_is_shown_escaped(agent_client: Client, directory: Directory) -> None:
    html = agent_client.get("/agent/search/", {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
