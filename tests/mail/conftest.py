"""Fixtures of the mail tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Protocol

import pytest

from relaydesk.mail.models import MailAccount
from relaydesk.mail.outbound.kinds import MailKind
from tests.factories import Directory
from tests.mail.dovecot import DovecotServer, DovecotUnavailable, running_dovecot

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
}


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One real Dovecot (IMAP, IMAPS, POP3, POP3S on loopback) for the session.

    Missing Dovecot fails the tests in CI (env CI set); on a developer's
    machine it skips them, saying why.
    """
    try:
        with running_dovecot() as server:
            yield server
    except DovecotUnavailable as unavailable:
        if os.environ.get("CI"):
            pytest.fail(str(unavailable), pytrace=False)
        pytest.skip(f"SKIPPED, NOT TESTED: {unavailable} (in CI this fails)")


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> DovecotServer:
    """The session's Dovecot with every mailbox emptied for this test."""
    dovecot_server.reset()
    return dovecot_server


class AccountMaker(Protocol):
    def __call__(
        self, *, protocol: str = ..., security: str = ..., user: str = ..., **fields: Any
    ) -> MailAccount: ...


@pytest.fixture
def mail_account(dovecot: DovecotServer, directory: Directory, settings: Any) -> AccountMaker:
    """Makes MailAccounts on the test Dovecot, for the `support` queue.

    Tasks run at once (ImmediateBackend), so that what a fetch stores is
    processed into tickets before the test looks.
    """
    settings.TASKS = IMMEDIATE_TASKS
    ports = {
        ("imap", "none"): dovecot.ports.imap,
        ("imap", "starttls"): dovecot.ports.imap,
        ("imap", "ssl"): dovecot.ports.imaps,
        ("pop3", "none"): dovecot.ports.pop3,
        ("pop3", "starttls"): dovecot.ports.pop3,
        ("pop3", "ssl"): dovecot.ports.pop3s,
    }

    def make(
        *, protocol: str = "imap", security: str = "none", user: str = "desk", **fields: Any
    ) -> MailAccount:
        values: dict[str, Any] = {
            "name": f"{protocol} {security} {user} {MailAccount.objects.count()}",
            "protocol": protocol,
            "host": dovecot.host,
            "port": ports[protocol, security],
            "security": security,
            "username": user,
            "password": dovecot.users[user],
            "queue": directory.support,
            **fields,
        }
        return MailAccount.objects.create(**values)

    return make


@pytest.fixture
def agents_quiet_about_new_tickets(directory: Directory) -> None:
    """The directory's agents turn off "new ticket" mail, so tests see customers' mail only."""
    for agent in (directory.agent, directory.specialist, directory.reader):
        agent.preferences = {"notifications": {MailKind.NEW_TICKET: False}}
        agent.save()
