"""Fixtures of the mail tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.mail.dovecot import DovecotServer, DovecotUnavailable, running_dovecot


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
