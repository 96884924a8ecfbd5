"""What the IMAP and POP3 halves of fetching share."""

from __future__ import annotations

import imaplib
import poplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from relaydesk.mail.models import InboundVia

# Every socket operation gives up after this long, so a silent server cannot
# hold a worker.
TIMEOUT_SECONDS = 60.0


class FetchError(Exception):
    """The server refused something or the account cannot work; the message
    says what, in words an administrator understands."""


# What a mail server or the network may do to a run: logged without a traceback.
# Anything else is a surprise and is logged with one.
EXPECTED_ERRORS = (FetchError, OSError, EOFError, imaplib.IMAP4.error, poplib.error_proto)


@dataclass(frozen=True)
class RemoteMessage:
    """One message as the server knows it."""

    key: str  # the handle in this session: IMAP UID, POP3 message number
    source: str  # its stable mailbox id, stored as InboundMessage.source


class RemoteMailbox(Protocol):
    """An open, logged-in IMAP folder or POP3 maildrop."""

    via: InboundVia

    def messages(self) -> Iterable[RemoteMessage]:
        """The messages worth looking at, oldest first (may be read lazily)."""

    def fetch(self, message: RemoteMessage) -> bytes | None:
        """Its raw bytes, or None when another client removed it meanwhile."""

    def finish(self, imported: Sequence[RemoteMessage]) -> int:
        """Apply the account's after-import action to `imported` and commit it
        on the server; returns how many left the folder. Never called after
        a failure, so a failed run changes nothing on the server."""


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, certificate and host name checked."""
    return ssl.create_default_context()


def server_text(data: Sequence[object]) -> str:
    """A server reply (a list of bytes, usually) as one readable line."""
    parts = [
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in data
        if item is not None
    ]
    return " ".join(parts).strip()
