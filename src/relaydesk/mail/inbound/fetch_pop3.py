"""The POP3 half of fetching (poplib): one maildrop of one account.

A message's `source` is "pop3:<UIDL>" (RFC 1939: the unique-id persists
across sessions). Deletions take effect only at QUIT, which is sent only by a
run that stored everything it took: a run that fails leaves the maildrop as
it was (the server undoes DELE on a connection closed without QUIT).
"""

from __future__ import annotations

import contextlib
import poplib
from collections.abc import Iterator, Sequence

from relaydesk.mail.inbound.fetch_common import (
    TIMEOUT_SECONDS,
    FetchError,
    RemoteMessage,
    server_text,
    tls_context,
)
from relaydesk.mail.models import InboundVia, MailAccount

# poplib refuses lines over 2048 bytes. RFC 5322 allows 998, but real senders
# write longer ones, and a message that can never be read would block its
# account for good; this bounds only what one line may hold in memory.
MAX_LINE_BYTES = 16 * 1024 * 1024


class Maildrop:
    """The account's maildrop, logged in; `finish` ends the session."""

    via = InboundVia.POP3

    def __init__(self, client: poplib.POP3, account: MailAccount) -> None:
        self.client = client
        self.account = account
        self.has_quit = False

    def messages(self) -> list[RemoteMessage]:
        try:
            _, lines, _ = self.client.uidl()
        except poplib.error_proto as exc:
            raise FetchError(
                f"the POP3 server cannot list unique ids (UIDL): {server_text(exc.args)}"
            ) from None
        messages = []
        for line in lines:
            number, unique_id = line.decode("ascii", "replace").split(maxsplit=1)
            messages.append(RemoteMessage(key=number, source=f"pop3:{unique_id.strip()}"))
        return messages

    def fetch(self, message: RemoteMessage) -> bytes:
        # poplib hands over the lines without their ends and with the dot
        # stuffing undone; the message is those lines joined by CRLF.
        _, lines, _ = self.client.retr(message.key)
        return b"".join(line + b"\r\n" for line in lines)

    def finish(self, imported: Sequence[RemoteMessage]) -> int:
        removed = 0
        if self.account.after_import == MailAccount.AfterImport.DELETE:
            for message in imported:
                self.client.dele(message.key)
                removed += 1
        # QUIT commits the deletions (RFC 1939 6, the UPDATE state); an -ERR
        # reply raises error_proto.
        self.client.quit()
        self.has_quit = True
        return removed


class _Pop3(poplib.POP3):
    def _getline(self) -> tuple[bytes, int]:
        return read_line(self)


class _Pop3Ssl(poplib.POP3_SSL):
    def _getline(self) -> tuple[bytes, int]:
        return read_line(self)


def read_line(client: poplib.POP3) -> tuple[bytes, int]:
    """poplib's own line reader with a larger limit."""
    line = client.file.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise poplib.error_proto("line too long")
    if not line:
        raise poplib.error_proto("-ERR EOF")
    octets = len(line)
    if line.endswith(b"\r\n"):
        return line[:-2], octets
    if line.startswith(b"\r"):
        return line[1:-1], octets
    return line[:-1], octets


@contextlib.contextmanager
def open_pop3(account: MailAccount) -> Iterator[Maildrop]:
    """Connect and log in; without a QUIT from `finish`, the connection is
    just closed, so that the server forgets any DELE."""
    client = connect(account)
    maildrop = Maildrop(client, account)
    try:
        login(client, account)
        yield maildrop
    finally:
        if not maildrop.has_quit:
            client.close()


def connect(account: MailAccount) -> poplib.POP3:
    if account.security == MailAccount.Security.SSL:
        return _Pop3Ssl(account.host, account.port, timeout=TIMEOUT_SECONDS, context=tls_context())
    client = _Pop3(account.host, account.port, timeout=TIMEOUT_SECONDS)
    if account.security == MailAccount.Security.STARTTLS:
        try:
            # Fails when the server does not offer STLS: never falls back to plain.
            client.stls(context=tls_context())
        except BaseException:
            # Keep the TLS error, not a second one from closing a half-wrapped socket.
            with contextlib.suppress(OSError):
                client.close()
            raise
    return client


def login(client: poplib.POP3, account: MailAccount) -> None:
    try:
        client.user(account.username)
        client.pass_(account.password)
    except poplib.error_proto as exc:
        raise FetchError(
            f"POP3 login as {account.username!r} failed: {server_text(exc.args)}"
        ) from None
