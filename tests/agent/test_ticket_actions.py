"""The zoom's actions through their URLs: each works, each refuses what it must,
a stale version asks before going on, and nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relaydesk.mail.models import OutboundMessage
from relaydesk.tickets.actions import NewArticle, add_article, lock_ticket
from relaydesk.tickets.models import (
    ArticleChannel,
    LinkKind,
    Priority,
    StateCategory,
    Ticket,
    TicketLink,
    TicketState,
    TicketType,
    Visibility,
)
from tests.agent.test_ticket_zoom import signed_in
from tests.factories import Directory, make_ticket

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
}


def act(ticket: Ticket, name: str) -> str:
    return reverse("agent:ticket_action", args=[ticket.number, name])


def post(client: Client, ticket: Ticket, name: str, **data: Any) -> Any:
    ticket.refresh_from_db()
    payload = {"version": ticket.version, "loaded_at": "2020-01-01T00:00:00+00:00", **data}
    return client.post(act(ticket, name), payload)


@pytest.fixture
def ticket(directory: Directory) -> Ticket:
    return make_ticket(customer=directory.alice, queue=directory.support)  # type: ignore[no-any-return]


def state(category: str) -> TicketState:
    return TicketState.objects.filter(category=category, is_active=True).first()  # type: ignore[return-value]


def test_reply_is_mailed_to_the_customer(
    directory: Directory,
    agent_client: Client,
    ticket: Ticket,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    first = ticket.articles.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            agent_client,
            ticket,
            "reply",
            body="We are on it.",
            recipients="customer",
            article=first.pk,
            subject="Re: jammed",
        )
    assert response.status_code == 303
    assert response["Location"] == reverse("agent:ticket", args=[ticket.number])
    reply = ticket.articles.order_by("-id").first()
    assert reply.body_text == "We are on it."
    assert reply.visibility == Visibility.PUBLIC
    assert reply.to_addresses == directory.alice.email
    mail = OutboundMessage.objects.get(article=reply)
    assert mail.to_address == directory.alice.email
    assert ticket.number in mail.subject


def test_reply_form_quotes_the_chosen_article(agent_client: Client, ticket: Ticket) -> None:
    first = ticket.articles.get()
    response = agent_client.get(act(ticket, "reply") + f"?article={first.pk}")
    assert response.status_code == 200
    assert "&gt; Since this morning nothing prints" in response.content.decode()


def test_reply_all_copies_the_other_recipients(
    directory: Directory, agent_client: Client, ticket: Ticket
) -> None:
    mail = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="cc my boss",
            channel=ArticleChannel.EMAIL,
            from_address=directory.alice.email,
            to_addresses="support@desk.test",
            cc_addresses="boss@acme.example",
        ),
    )
    post(agent_client, ticket, "reply", body="Noted", recipients="all", article=mail.pk)
    reply = ticket.articles.order_by("-id").first()
    assert reply.cc_addresses == "boss@acme.example"
    # Without a chosen article, a reply answers the customer's latest mail.
    post(agent_client, ticket, "reply", body="Done", recipients="all")
    latest = ticket.articles.order_by("-id").first()
    assert latest.cc_addresses == "boss@acme.example"
    assert latest.to_addresses == directory.alice.email


@pytest.mark.parametrize(("name", "channel"), [("note", "note"), ("phone", "phone")])
def test_notes_are_internal(agent_client: Client, ticket: Ticket, name: str, channel: str) -> None:
    response = post(agent_client, ticket, name, body="Called the customer")
    assert response.status_code == 303
    article = ticket.articles.order_by("-id").first()
    assert (article.channel, article.visibility) == (channel, Visibility.INTERNAL)


def test_empty_note_names_the_field(agent_client: Client, ticket: Ticket) -> None:
    response = post(agent_client, ticket, "note", body="")
    assert response.status_code == 400
    assert ticket.articles.count() == 1


def test_forward_records_an_outgoing_internal_email(agent_client: Client, ticket: Ticket) -> None:
    first = ticket.articles.get()
    response = post(
        agent_client,
        ticket,
        "forward",
        article=first.pk,
        to_address="vendor@printers.example",
        note="Please have a look",
    )
    assert response.status_code == 303
    forward = ticket.articles.order_by("-id").first()
    assert forward.to_addresses == "vendor@printers.example"
    assert forward.visibility == Visibility.INTERNAL
    assert "error 50.2" in forward.body_text
    assert ticket.history.filter(action="forward", new_value="vendor@printers.example").exists()


def test_submitting_the_forward_form_queues_and_sends_the_mail(
    directory: Directory,
    agent_client: Client,
    ticket: Ticket,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    first = ticket.articles.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            agent_client,
            ticket,
            "forward",
            article=first.pk,
            to_address="vendor@printers.example",
            note="Please have a look",
        )
    assert response.status_code == 303
    forward = ticket.articles.order_by("-id").first()
    row = OutboundMessage.objects.get(article=forward)
    assert (row.kind, row.to_address) == ("forward", "vendor@printers.example")
    assert row.body_text.startswith("Please have a look")
    assert row.from_address == f"{directory.agent.name} <support@desk.test>"
    assert not OutboundMessage.objects.filter(article=forward, to_address=directory.alice.email)


def test_reply_all_is_mailed_to_the_cc_address(
    directory: Directory,
    agent_client: Client,
    ticket: Ticket,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    mail = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(
            body_text="cc my boss",
            channel=ArticleChannel.EMAIL,
            from_address=directory.alice.email,
            to_addresses="support@desk.test",
            cc_addresses="boss@acme.example, bad\\@@x, support@desk.test",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            agent_client, ticket, "reply", body="Noted", recipients="all", article=mail.pk
        )
    assert response.status_code == 303
    reply = ticket.articles.order_by("-id").first()
    assert reply.cc_addresses == "boss@acme.example"
    rows = OutboundMessage.objects.filter(article=reply).values_list("to_address", flat=True)
    assert sorted(rows) == ["alice@acme.example", "boss@acme.example"]


def test_forward_refuses_header_injection(agent_client: Client, ticket: Ticket) -> None:
    first = ticket.articles.get()
    response = post(
        agent_client,
        ticket,
        "forward",
        article=first.pk,
        to_address="a@b.example\r\nBcc: all@evil.example",
    )
    assert response.status_code == 400
    assert ticket.articles.count() == 1


def test_owner_priority_type_queue(
    directory: Directory, agent_client: Client, ticket: Ticket
) -> None:
    directory.specialist.agent_groups.add(directory.first_level)
    urgent = Priority.objects.order_by("-level").first()
    kind = TicketType.objects.first()
    assert post(agent_client, ticket, "owner", owner=directory.specialist.pk).status_code == 303
    assert post(agent_client, ticket, "priority", priority=urgent.pk).status_code == 303
    assert post(agent_client, ticket, "type", ticket_type=kind.pk).status_code == 303
    directory.agent.agent_groups.add(directory.second_level)
    assert post(agent_client, ticket, "queue", queue=directory.hardware.pk).status_code == 303
    ticket.refresh_from_db()
    assert ticket.owner == directory.specialist
    assert ticket.priority == urgent
    assert ticket.type == kind
    assert ticket.queue == directory.hardware


def test_owner_must_work_the_queue(
    directory: Directory, agent_client: Client, ticket: Ticket
) -> None:
    response = post(agent_client, ticket, "owner", owner=directory.outsider.pk)
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_lock_and_unlock(directory: Directory, agent_client: Client, ticket: Ticket) -> None:
    assert post(agent_client, ticket, "lock").status_code == 303
    ticket.refresh_from_db()
    assert ticket.is_locked
    assert ticket.owner == directory.agent
    assert post(agent_client, ticket, "unlock").status_code == 303
    ticket.refresh_from_db()
    assert not ticket.is_locked


def test_taking_over_a_lock_asks_first_and_is_recorded(
    directory: Directory, ticket: Ticket
) -> None:
    colleague = directory.specialist
    colleague.agent_groups.add(directory.first_level)
    lock_ticket(actor=colleague, via="web", ticket=ticket)
    client = signed_in(directory.agent)

    asked = post(client, ticket, "lock")
    assert asked.status_code == 200
    assert "holds the lock" in asked.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner == colleague

    taken = post(client, ticket, "lock", take_over="on")
    assert taken.status_code == 303
    ticket.refresh_from_db()
    assert ticket.owner == directory.agent
    assert ticket.history.filter(action="lock_taken_over", new_value=directory.agent.email).exists()


def test_pending_state_needs_a_date_in_the_agents_zone(
    directory: Directory, agent_client: Client, ticket: Ticket
) -> None:
    pending = state(StateCategory.PENDING_REMINDER)
    refused = post(agent_client, ticket, "state", state=pending.pk)
    assert refused.status_code == 400
    assert "needs a date" in refused.content.decode()

    directory.agent.timezone = "Europe/Berlin"
    directory.agent.save()
    done = post(agent_client, ticket, "state", state=pending.pk, pending_until="2030-05-01T09:30")
    assert done.status_code == 303
    ticket.refresh_from_db()
    assert ticket.state == pending
    assert ticket.pending_until == dt.datetime(2030, 5, 1, 7, 30, tzinfo=dt.UTC)


def test_link_by_number(agent_client: Client, ticket: Ticket, directory: Directory) -> None:
    other = make_ticket(customer=directory.bob, queue=directory.support)
    response = post(agent_client, ticket, "link", number=other.number, kind=LinkKind.PARENT_OF)
    assert response.status_code == 303
    assert TicketLink.objects.filter(source=ticket, target=other, kind="parent_of").exists()


def test_link_to_an_invisible_ticket_reads_like_a_missing_one(
    agent_client: Client, ticket: Ticket, directory: Directory
) -> None:
    hidden = make_ticket(customer=directory.bob, queue=directory.hardware)
    invisible = post(agent_client, ticket, "link", number=hidden.number, kind="relates_to")
    missing = post(agent_client, ticket, "link", number="999999", kind="relates_to")
    assert invisible.status_code == missing.status_code == 400
    assert "no such ticket" in invisible.content.decode()
    assert not TicketLink.objects.exists()


def test_merge_previews_then_merges(
    agent_client: Client, ticket: Ticket, directory: Directory
) -> None:
    target = make_ticket(customer=directory.alice, queue=directory.support, title="Keep me")
    preview = post(agent_client, ticket, "merge", number=target.number)
    assert preview.status_code == 200
    assert "Merge preview" in preview.content.decode()
    assert "Keep me" in preview.content.decode()
    ticket.refresh_from_db()
    assert ticket.merged_into is None

    elsewhere = make_ticket(customer=directory.bob, queue=directory.support)
    changed = post(
        agent_client,
        ticket,
        "merge",
        number=elsewhere.number,
        confirmed="on",
        previewed=target.number,
    )
    assert changed.status_code == 200  # a changed number is previewed again
    assert "Merge preview" in changed.content.decode()
    ticket.refresh_from_db()
    assert ticket.merged_into is None

    merged = post(
        agent_client,
        ticket,
        "merge",
        number=target.number,
        confirmed="on",
        previewed=target.number,
    )
    assert merged.status_code == 303
    assert merged["Location"] == reverse("agent:ticket", args=[target.number])
    ticket.refresh_from_db()
    assert ticket.merged_into == target
    assert target.articles.count() == 2


def test_split_an_article_into_a_new_ticket(
    agent_client: Client, ticket: Ticket, directory: Directory
) -> None:
    article = add_article(
        actor=directory.alice,
        via="email",
        ticket=ticket,
        article=NewArticle(body_text="And the scanner too", channel=ArticleChannel.EMAIL),
    )
    form = agent_client.get(act(ticket, "split") + f"?article={article.pk}")
    assert form.status_code == 200
    response = post(agent_client, ticket, "split", article=article.pk, title="Scanner broken")
    assert response.status_code == 303
    new = Ticket.objects.get(title="Scanner broken")
    assert response["Location"] == reverse("agent:ticket", args=[new.number])
    assert new.articles.get().body_text == "And the scanner too"


def test_close(agent_client: Client, ticket: Ticket) -> None:
    closed = state(StateCategory.CLOSED)
    assert post(agent_client, ticket, "close", state=closed.pk).status_code == 303
    ticket.refresh_from_db()
    assert ticket.state == closed
    assert ticket.closed_at is not None


def test_unknown_action_is_404(agent_client: Client, ticket: Ticket) -> None:
    assert agent_client.get(act(ticket, "explode")).status_code == 404


ALL_ACTIONS = [
    "reply",
    "note",
    "phone",
    "forward",
    "owner",
    "lock",
    "unlock",
    "state",
    "priority",
    "type",
    "queue",
    "link",
    "merge",
    "split",
    "close",
]


@pytest.mark.parametrize("name", ALL_ACTIONS)
def test_agent_without_the_queues_group_gets_404(
    directory: Directory, ticket: Ticket, name: str
) -> None:
    client = signed_in(directory.outsider)
    before = (ticket.version, ticket.articles.count())
    assert client.get(act(ticket, name)).status_code == 404
    response = post(client, ticket, name, body="x", state=1, priority=1, number="1")
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert (ticket.version, ticket.articles.count()) == before


@pytest.mark.parametrize("name", ALL_ACTIONS)
def test_reader_may_look_but_not_act(directory: Directory, ticket: Ticket, name: str) -> None:
    client = signed_in(directory.reader)
    before = (ticket.version, ticket.articles.count())
    response = post(client, ticket, name, body="x", state=1, priority=1, number="1")
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.version, ticket.articles.count()) == before
    zoom = client.get(reverse("agent:ticket", args=[ticket.number])).content.decode()
    assert act(ticket, "note") not in zoom


def test_stale_version_shows_what_changed_and_asks(directory: Directory, ticket: Ticket) -> None:
    """Two agents: the second one's page is older than the first one's change."""
    colleague = directory.specialist
    colleague.agent_groups.add(directory.first_level)
    second = signed_in(directory.agent)
    seen = {"version": ticket.version, "loaded_at": "2020-01-01T00:00:00+00:00"}
    urgent = Priority.objects.order_by("-level").first()
    signed_in(colleague).post(act(ticket, "priority"), {**seen, "priority": urgent.pk})
    ticket.refresh_from_db()
    assert ticket.priority == urgent

    stale = second.post(act(ticket, "note"), {**seen, "body": "My note"})

    assert stale.status_code == 409
    html = stale.content.decode()
    assert "changed after you opened it" in html
    assert "Sam Specialist" in html
    assert "changed" in html  # the priority change, in words
    assert "priority" in html
    assert "My note" in html  # the input is kept
    assert f'name="version" value="{ticket.version}"' in html
    assert ticket.articles.count() == 1

    again = second.post(
        act(ticket, "note"), {"version": ticket.version, "body": "My note", "go_on": "on"}
    )
    assert again.status_code == 303
    assert ticket.articles.order_by("-id").first().body_text == "My note"
