"""Mail loops end by themselves (issue 3, point 7; SECURITY.md class 8).

The inbound pipeline, the outbound notifications and a real SMTP server
together: whatever a robot on the other side does, we stop answering.
"""

from __future__ import annotations

import pytest

from relaydesk.mail.outbound import subscribers  # noqa: F401 (subscribes the handlers)
from relaydesk.tickets.models import Ticket
from tests.factories import Directory
from tests.mail.inbound_helpers import deliver, raw_mail
from tests.mail.smtp import (  # noqa: F401 (fixtures)
    SmtpServer,
    sending_fixture,
    smtp_server_fixture,
)

# The pipeline commits (store first), so these tests commit too.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("agents_quiet_about_new_tickets"),
]
ROUNDS = 50  # far more than any loop may last


def test_an_auto_responder_that_answers_everything_stops_at_the_hourly_cap(
    directory: Directory, sending: SmtpServer
) -> None:
    """The worst robot: no Auto-Submitted, no tag, no References; every answer a new ticket."""
    robot = "robot@partner.example"
    deliver(raw_mail(sender=f"Robot <{robot}>", subject="Hello"))
    answered = 0
    for _round in range(ROUNDS):
        ours = sending.to(robot)
        if len(ours) == answered:
            break
        for _message in ours[answered:]:
            deliver(raw_mail(sender=f"Robot <{robot}>", subject="Thank you for your message"))
        answered = len(ours)
    else:
        pytest.fail(f"still mailing {robot} after {ROUNDS} rounds")

    assert len(sending.to(robot)) == 10  # RELAYDESK_MAIL_AUTO_REPLY_LIMIT
    assert Ticket.objects.count() == 11  # the first mail and one answer per acknowledgement


def test_an_auto_responder_that_says_so_gets_no_answer(
    directory: Directory, sending: SmtpServer
) -> None:
    robot = "ooo@partner.example"
    deliver(raw_mail(sender=robot, subject="Question"))
    assert len(sending.to(robot)) == 1  # the acknowledgement
    deliver(
        raw_mail(
            sender=robot,
            subject="Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert len(sending.to(robot)) == 1


def test_two_of_our_queues_never_acknowledge_each_other(
    directory: Directory, sending: SmtpServer
) -> None:
    """A mail from one queue's address to another's gets no automatic answer at all."""
    deliver(
        raw_mail(
            sender=f"Support <{directory.support.email_address}>",
            to=directory.hardware.email_address,
            subject="Forwarded to second level",
        )
    )
    assert sending.to(directory.support.email_address) == []
    assert sending.to(directory.hardware.email_address) == []
