"""Attachments and raw messages from the zoom: downloads with safe headers,
previews only for real raster images, 404 for what the agent may not see
(class 4 and 5 of SECURITY.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relaydesk.core.storage import store_blob
from relaydesk.tickets.actions import NewArticle, NewAttachment, add_article
from relaydesk.tickets.models import ArticleChannel, Attachment, Ticket
from tests.agent.test_ticket_zoom import PNG, signed_in
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db


def with_attachment(directory: Directory, filename: str, content: bytes, kind: str) -> Attachment:
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="see attached",
            channel=ArticleChannel.EMAIL,
            attachments=[NewAttachment(filename, content, kind)],
        ),
    )
    return article.attachments.get()  # type: ignore[no-any-return]


def url(attachment: Attachment) -> str:
    number = attachment.article.ticket.number
    return reverse("agent:ticket_attachment", args=[number, attachment.pk])


def test_download_is_an_attachment_with_nosniff(directory: Directory, agent_client: Client) -> None:
    attachment = with_attachment(directory, "report\u202egpj.exe", b"MZ binary", "image/jpeg")
    response = agent_client.get(url(attachment))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\u202e" not in disposition
    assert "\r" not in disposition
    assert b"".join(response.streaming_content) == b"MZ binary"


def test_non_ascii_filename_is_encoded(directory: Directory, agent_client: Client) -> None:
    attachment = with_attachment(directory, 'Übersicht "Q3".pdf', b"%PDF", "application/pdf")
    disposition = agent_client.get(url(attachment))["Content-Disposition"]
    assert "filename*=utf-8''" in disposition


def test_real_png_is_previewed_inline_under_a_strict_policy(
    directory: Directory, agent_client: Client
) -> None:
    attachment = with_attachment(directory, "shot.png", PNG, "image/png")
    response = agent_client.get(url(attachment) + "?inline=1")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("filename", "content", "claimed"),
    [
        ("evil.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
        ("fake.png", b"<html><script>alert(1)</script>", "image/png"),
    ],
)
def test_other_types_are_never_shown_inline(
    directory: Directory, agent_client: Client, filename: str, content: bytes, claimed: str
) -> None:
    attachment = with_attachment(directory, filename, content, claimed)
    response = agent_client.get(url(attachment) + "?inline=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_raw_message_download(directory: Directory, agent_client: Client) -> None:
    raw = b"From: alice@acme.example\r\nSubject: hi\r\n\r\nbody\r\n"
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="body", channel=ArticleChannel.EMAIL, raw_sha256=store_blob(raw)
        ),
    )
    response = agent_client.get(
        reverse("agent:ticket_article_raw", args=[ticket.number, article.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "message/rfc822"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == raw


def test_article_without_raw_message_has_none(directory: Directory, agent_client: Client) -> None:
    ticket: Ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = ticket.articles.get()
    response = agent_client.get(
        reverse("agent:ticket_article_raw", args=[ticket.number, article.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["ticket_attachment", "ticket_article_raw", "ticket_article_headers", "ticket_article_html"],
)
def test_every_file_url_is_404_without_the_queue(directory: Directory, name: str) -> None:
    raw = store_blob(b"Subject: x\r\n\r\nbody")
    ticket = make_ticket(customer=directory.alice, queue=directory.support)
    article = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="b",
            body_html="<p>b</p>",
            channel=ArticleChannel.EMAIL,
            raw_sha256=raw,
            attachments=[NewAttachment("a.png", PNG, "image/png")],
        ),
    )
    key = article.attachments.get().pk if name == "ticket_attachment" else article.pk
    target = reverse(f"agent:{name}", args=[ticket.number, key])
    assert signed_in(directory.agent).get(target).status_code == 200
    assert signed_in(directory.outsider).get(target).status_code == 404


def test_attachment_of_another_ticket_is_404(directory: Directory, agent_client: Client) -> None:
    attachment = with_attachment(directory, "a.png", PNG, "image/png")
    other = make_ticket(customer=directory.alice, queue=directory.support)
    target = reverse("agent:ticket_attachment", args=[other.number, attachment.pk])
    assert agent_client.get(target).status_code == 404
