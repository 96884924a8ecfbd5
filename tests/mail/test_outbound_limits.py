"""Loop and flood protection on outgoing mail (SECURITY.md class 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from relaydesk.core.time import now
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import limits, subscribers  # noqa: F401 (subscribes)
from relaydesk.mail.outbound.kinds import MailKind
from tests.factories import Directory, UserFactory, make_ticket
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
)

# These tests look at customers' mail; agents' notifications have their own tests.
pytestmark = pytest.mark.usefixtures("agents_quiet_about_new_tickets")


def test_at_most_ten_automatic_mails_to_one_address_per_hour(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(15):
            make_ticket(customer=directory.alice, queue=directory.support, title=f"Storm {number}")

    assert len(sending.to("alice@acme.example")) == 10
    rows = OutboundMessage.objects.filter(to_address="alice@acme.example").order_by("id")
    assert [row.status for row in rows] == [OutboundStatus.SENT] * 10 + [
        OutboundStatus.SUPPRESSED
    ] * 5
    assert rows.last().last_error == (  # type: ignore[union-attr]
        "flood protection: 10 automatic mails to alice@acme.example in the last hour (limit 10)"
    )


def test_the_limit_is_a_setting_and_the_window_one_hour(
    directory: Directory,
    sending: SmtpServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RELAYDESK_MAIL_AUTO_REPLY_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True):
        for _number in range(3):
            make_ticket(customer=directory.alice, queue=directory.support)
    assert len(sending.to("alice@acme.example")) == 2

    # An hour later the address may hear from us again.
    OutboundMessage.objects.update(created_at=now() - dt.timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=directory.alice, queue=directory.support)
    assert len(sending.to("alice@acme.example")) == 3


def test_a_human_reply_is_never_held_back_by_the_flood_limit(
    directory: Directory,
    sending: SmtpServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from relaydesk.tickets.actions import add_article
    from tests.helpers import reply

    settings.RELAYDESK_MAIL_AUTO_REPLY_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=directory.alice, queue=directory.support)
        for number in range(3):
            add_article(
                actor=directory.agent, via="web", ticket=ticket, article=reply(f"Answer {number}")
            )

    assert len(sending.to("alice@acme.example")) == 4


def test_agents_notifications_are_not_capped(
    directory: Directory,
    sending: SmtpServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The cap protects strangers' mailboxes from our automatic answers; an agent
    must hear of every new ticket, and agents' own auto-replies answer nothing."""
    settings.RELAYDESK_MAIL_AUTO_REPLY_LIMIT = 2
    directory.agent.preferences = {}
    directory.agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        for _number in range(4):
            make_ticket(customer=directory.bob, queue=directory.support)

    assert len(sending.to("agent@example.com")) == 4


def test_our_own_queue_addresses_are_never_answered(
    directory: Directory, sending: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    """Mail from one of our queues into another must not start two queues acknowledging
    each other."""
    other_queue = UserFactory(email="Hardware@Desk.test", name="Hardware queue")

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=other_queue, queue=directory.support)

    assert sending.messages == []
    row = OutboundMessage.objects.get(kind=MailKind.ACKNOWLEDGEMENT)
    assert row.status == OutboundStatus.SUPPRESSED
    assert row.last_error == (
        "loop protection: hardware@desk.test is one of our own queue addresses"
    )


def test_suppression_reasons_in_order_of_precedence(directory: Directory) -> None:
    own = limits.own_addresses()
    assert "support@desk.test" in own
    reason = limits.suppression_reason(
        "support@desk.test", is_automatic=False, trigger=None, capped=True, own=own
    )
    assert reason is not None
    assert reason.startswith("loop protection")
    assert (
        limits.suppression_reason(
            "alice@acme.example", is_automatic=True, trigger=None, capped=True, own=own
        )
        is None
    )


def test_our_x_loop_is_recognised_when_it_comes_back(directory: Directory, settings: Any) -> None:
    settings.BASE_URL = "https://desk.example.com"
    assert limits.is_our_loop_token(["Support@desk.test"])
    assert limits.is_our_loop_token(["desk.example.com"])
    assert not limits.is_our_loop_token(["helpdesk@partner.example", ""])
