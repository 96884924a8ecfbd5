"""A real SMTP server for the tests: aiosmtpd on a free loopback port.

The fixtures are registered under their short names (`smtp_server`,
`sending`); a test module imports the `*_fixture` functions to make them
available:

    from tests.mail.smtp import SmtpServer, smtp_server_fixture  # noqa: F401 (the fixture)

    def test_something(smtp_server: SmtpServer) -> None:
        ...  # Relaydesk sends through Django's SMTP backend to it
        assert smtp_server.messages[0]["Subject"] == "…"

`smtp_server.refuse_recipients = "550 5.1.1 no such user"` makes it refuse every
RCPT TO with that reply (a 4xx reply for a temporary refusal);
`smtp_server.refuse_times = 2` only the next two.

The `sending` fixture adds what a test of Relaydesk's outgoing mail needs on
top: tasks run at once (django-tasks' ImmediateBackend).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message as the server accepted it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """The aiosmtpd handler: keeps every accepted message, refuses on demand."""

    received: list[Received] = field(default_factory=list)
    refuse_recipients: str = ""
    refuse_times: int | None = None  # None: every time
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            refuse = bool(self.refuse_recipients) and (
                self.refuse_times is None or self.refused < self.refuse_times
            )
            if refuse:
                self.refused += 1
        if refuse:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running aiosmtpd server and what it received."""

    def __init__(self, collector: Collector, port: int) -> None:
        self.collector = collector
        self.host = HOST
        self.port = port

    @property
    def received(self) -> list[Received]:
        with self.collector.lock:
            return list(self.collector.received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [item.message for item in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named this recipient."""
        return [item.message for item in self.received if address in item.rcpt_tos]

    @property
    def refuse_recipients(self) -> str:
        return self.collector.refuse_recipients

    @refuse_recipients.setter
    def refuse_recipients(self, reply: str) -> None:
        self.collector.refuse_recipients = reply

    @property
    def refuse_times(self) -> int | None:
        return self.collector.refuse_times

    @refuse_times.setter
    def refuse_times(self, times: int | None) -> None:
        self.collector.refuse_times = times

    @property
    def refused(self) -> int:
        return self.collector.refused


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def text_of(message: EmailMessage) -> str:
    """The plain-text body of a received message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; Django's SMTP backend points at it for the test."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname=HOST, port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = HOST
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield SmtpServer(collector, port)
    finally:
        controller.stop()


IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
}


@pytest.fixture(name="sending")
def sending_fixture(settings: Any, smtp_server: SmtpServer) -> SmtpServer:
    """The SMTP server, with tasks run synchronously: what Relaydesk sends arrives there."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.BASE_URL = "https://desk.example.com"
    return smtp_server
