"""The ticket zoom: thread, sidebar, history, headers, HTML frame, presence; 404s."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relaydesk.agent.models import TicketPresence
from relaydesk.mail.models import InboundMessage
from relaydesk.tickets.actions import NewArticle, NewAttachment, add_article, link_tickets
from relaydesk.tickets.models import ArticleChannel, SenderKind, Visibility
from tests.factories import PASSWORD, Directory, make_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def signed_in(user: Any) -> Client:
    client = Client()
    response = client.post("/agent/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def zoom_url(ticket: Any) -> str:
    return reverse("agent:ticket", args=[ticket.number])


def add_customer_mail(ticket: Any, customer: Any, text: str = "More details", **extra: Any) -> Any:
    return add_article(
        actor=customer,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text=text,
            channel=ArticleChannel.EMAIL,
            sender_kind=SenderKind.CUSTOMER,
            from_address=customer.email,
            **extra,
        ),
    )


def test_zoom_shows_the_thread_in_order_with_kinds(
    directory: Directory, agent_client: Client
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    add_article(
        actor=directory.agent,
        via="web",
        ticket=ticket,
        article=NewArticle(
            body_text="Checked the logs",
            channel=ArticleChannel.NOTE,
            visibility=Visibility.INTERNAL,
        ),
    )
    add_customer_mail(ticket, directory.alice, "<script>alert(1)</script>")

    response = agent_client.get(zoom_url(ticket))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("error 50.2") < html.index("Checked the logs") < html.index("&lt;script&gt;")
    assert "<script>alert(1)</script>" not in html
    assert "Customer mail" in html
    assert "Internal note" in html
    assert 'class="badge badge-internal"' in html
    assert "Alice" in html
    assert "Acme" in html


def test_zoom_shows_how_inbound_mail_was_matched(
    directory: Directory, agent_client: Client
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = ticket.articles.get()
    InboundMessage.objects.create(
        raw_sha256="0" * 64,
        size=10,
        via="pipe",
        article=article,
        ticket=ticket,
        status="processed",
        match_method="subject_tag",
        match_value=ticket.number,
    )
    response = agent_client.get(zoom_url(ticket))
    assert f"matched by subject tag {ticket.number}" in response.content.decode()


def test_zoom_flags_articles_for_review(directory: Directory, agent_client: Client) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    add_customer_mail(ticket, directory.alice, review_reason="sender is not on the ticket")
    response = agent_client.get(zoom_url(ticket))
    assert "sender is not on the ticket" in response.content.decode()


def test_sidebar_lists_links_other_tickets_and_participants(
    directory: Directory, agent_client: Client
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    other = make_ticket(customer=directory.alice, queue=directory.support, title="Second one")
    hidden = make_ticket(customer=directory.alice, queue=directory.hardware, title="Not for you")
    link_tickets(actor=None, via="system", source=ticket, target=other, kind="relates_to")
    link_tickets(actor=None, via="system", source=ticket, target=hidden, kind="relates_to")

    html = agent_client.get(zoom_url(ticket)).content.decode()

    assert html.count("Second one") == 2  # other open tickets and linked tickets
    assert "Not for you" not in html


def test_zoom_query_count_is_constant(
    directory: Directory, agent_client: Client, django_assert_max_num_queries: Any
) -> None:
    small = make_ticket(customer=directory.alice, queue=directory.support)
    big = make_ticket(customer=directory.alice, queue=directory.support)
    for index in range(12):
        add_customer_mail(
            big,
            directory.alice,
            f"mail {index}",
            attachments=[NewAttachment(f"f{index}.png", PNG, "image/png")],
        )
    agent_client.get(zoom_url(small))  # warm the session and the presence rows
    agent_client.get(zoom_url(big))

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert agent_client.get(zoom_url(small)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert agent_client.get(zoom_url(big)).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many]
    assert len(many) <= 21, [q["sql"][:120] for q in many]


@pytest.mark.parametrize("name", ["ticket", "ticket_history"])
def test_invisible_ticket_answers_404(directory: Directory, name: str) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    client = signed_in(directory.outsider)
    assert client.get(reverse(f"agent:{name}", args=[ticket.number])).status_code == 404
    assert client.get(reverse(f"agent:{name}", args=["0000"])).status_code == 404


def test_history_tab_lists_every_row(directory: Directory, agent_client: Client) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    add_customer_mail(ticket, directory.alice)
    response = agent_client.get(reverse("agent:ticket_history", args=[ticket.number]))
    assert response.status_code == 200
    rows = response.content.decode().count("<tr>") - 1  # the header row
    assert rows == ticket.history.count()


def test_html_body_is_served_for_a_sandboxed_frame(
    directory: Directory, agent_client: Client
) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_customer_mail(
        ticket,
        directory.alice,
        attachments=[NewAttachment("logo.png", PNG, "image/png", content_id="<logo@x>")],
        body_html=(
            '<p>Hi <img src="cid:logo@x"> <img src="https://tracker.example/p.gif">'
            "<script>alert(1)</script></p>"
        ),
    )
    zoom = agent_client.get(zoom_url(ticket)).content.decode()
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in zoom
    assert "allow-scripts" not in zoom
    # The zoom builds article links on a prefix: they must be the reversed URLs.
    attachment = article.attachments.get()
    for name, key in (
        ("ticket_article_html", article.pk),
        ("ticket_attachment", attachment.pk),
    ):
        assert reverse(f"agent:{name}", args=[ticket.number, key]) in zoom
    assert reverse("agent:ticket_action", args=[ticket.number, "split"]) + "?article=" in zoom

    response = agent_client.get(
        reverse("agent:ticket_article_html", args=[ticket.number, article.pk])
    )
    body = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "img-src 'self' data:" in policy
    assert "sandbox" in policy
    assert "allow-scripts" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "<script" not in body
    attachment = article.attachments.get()
    assert f"/attachments/{attachment.pk}/?inline=1" in body
    assert "cid:" not in body
    assert "tracker.example" in body  # kept in the markup, blocked by the policy


def test_headers_of_a_raw_message(directory: Directory, agent_client: Client) -> None:
    from relaydesk.core.storage import store_blob

    digest = store_blob(
        b"From: alice@acme.example\r\nSubject: Jammed\r\nX-Test: yes\r\n\r\nbody\r\n"
    )
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_customer_mail(ticket, directory.alice, raw_sha256=digest)
    url = reverse("agent:ticket_article_headers", args=[ticket.number, article.pk])
    zoom = agent_client.get(zoom_url(ticket)).content.decode()
    assert url in zoom
    assert reverse("agent:ticket_article_raw", args=[ticket.number, article.pk]) in zoom
    html = agent_client.get(url).content.decode()
    assert "X-Test" in html
    assert "Jammed" in html
    fragment = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert "X-Test" in fragment


def test_presence_heartbeat_shows_the_other_agent(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    first = signed_in(directory.agent)
    second = signed_in(directory.reader)
    first.get(zoom_url(ticket))

    html = second.get(zoom_url(ticket)).content.decode()
    assert "Also looking at this ticket" in html
    assert "Agnes Agent" in html

    url = reverse("agent:ticket_presence", args=[ticket.number])
    beat = first.post(url, {"version": ticket.version}).content.decode()
    assert "Rita Reader" in beat
    assert TicketPresence.objects.filter(ticket=ticket).count() == 2


def test_presence_heartbeat_reports_a_change(directory: Directory, agent_client: Client) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    version = ticket.version
    add_customer_mail(ticket, directory.alice)
    url = reverse("agent:ticket_presence", args=[ticket.number])
    html = agent_client.post(url, {"version": version}).content.decode()
    assert "changed since you opened it" in html


def test_presence_expires(directory: Directory) -> None:
    import datetime as dt

    from relaydesk.core.time import now

    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    TicketPresence.objects.create(
        ticket=ticket, user=directory.reader, seen_at=now() - dt.timedelta(seconds=60)
    )
    html = signed_in(directory.agent).get(zoom_url(ticket)).content.decode()
    assert "Also looking at this ticket" not in html


def test_presence_of_invisible_ticket_is_404(directory: Directory) -> None:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    client = signed_in(directory.outsider)
    url = reverse("agent:ticket_presence", args=[ticket.number])
    assert client.post(url, {"version": 1}).status_code == 404
    assert not TicketPresence.objects.exists()
