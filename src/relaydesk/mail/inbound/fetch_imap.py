"""The IMAP half of fetching (imaplib): one folder of one account.

A message's `source` is "imap:<folder>:<UIDVALIDITY>:<UID>". UIDVALIDITY and
UID identify a message only within one folder (RFC 3501 2.3.1.1), and some
servers give folders created together the same UIDVALIDITY, so the folder is
part of the id: an account switched to another folder must not take that
folder's messages for ones it already has.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
from collections.abc import Iterator, Sequence

from relaydesk.mail.inbound.fetch_common import (
    TIMEOUT_SECONDS,
    FetchError,
    RemoteMessage,
    server_text,
    tls_context,
)
from relaydesk.mail.models import InboundMessage, InboundVia, MailAccount

# UIDs per STORE/MOVE/EXPUNGE command, to keep command lines short.
UIDS_PER_COMMAND = 200
# A SEARCH answer is one line, and imaplib refuses lines over 1 MB (some
# 100,000 UIDs): larger folders are searched in windows of this many UIDs.
UIDS_PER_SEARCH = 50_000


class ImapFolder:
    """The account's folder, selected (read-only when messages are kept)."""

    via = InboundVia.IMAP

    def __init__(self, client: imaplib.IMAP4, account: MailAccount) -> None:
        self.client = client
        self.account = account
        self.capabilities = server_capabilities(client)
        self.is_kept = account.after_import == MailAccount.AfterImport.KEEP
        self.message_count = self._select()
        uid_validity = self._status_value("UIDVALIDITY")
        if uid_validity is None:
            raise FetchError(f"the server gave no UIDVALIDITY for folder {account.folder!r}")
        self.uid_next = self._status_value("UIDNEXT")
        self.source_prefix = f"imap:{account.folder}:{uid_validity}:"

    def _select(self) -> int:
        """Select the folder; returns how many messages it holds."""
        folder = self.account.folder
        typ, data = self.client.select(mailbox_argument(folder), readonly=self.is_kept)
        if typ != "OK":
            raise FetchError(f"cannot open IMAP folder {folder!r}: {server_text(data)}")
        return int(data[0] or 0)

    def _status_value(self, name: str) -> int | None:
        _, data = self.client.response(name)
        value = server_text(data)
        return int(value) if value.isdigit() else None

    def messages(self) -> Iterator[RemoteMessage]:
        if self.message_count == 0:
            return
        first = self._first_new_uid() if self.is_kept else 1
        for low, high in self._uid_windows(first):
            typ, data = self.client.uid("SEARCH", f"UID {low}:{high}")
            if typ != "OK":
                raise FetchError(f"IMAP SEARCH failed: {server_text(data)}")
            # "n:*" always includes the highest UID, even when it is below n.
            uids = sorted(uid for uid in map(int, server_text(data).split()) if uid >= low)
            for uid in uids:
                yield RemoteMessage(key=str(uid), source=f"{self.source_prefix}{uid}")

    def _uid_windows(self, first: int) -> Iterator[tuple[int, str]]:
        """UID ranges to search, oldest first; fetching stops taking them once
        a run has enough messages."""
        if self.message_count <= UIDS_PER_SEARCH or self.uid_next is None:
            yield first, "*"
            return
        for low in range(first, self.uid_next, UIDS_PER_SEARCH):
            yield low, str(low + UIDS_PER_SEARCH - 1)

    def _first_new_uid(self) -> int:
        """Kept messages stay in the folder for good; looking at all of them
        every minute would grow without end. New messages always get higher
        UIDs, and runs store in UID order, so the newest stored one marks where
        the new ones begin."""
        newest = (
            InboundMessage.objects.filter(
                account=self.account, source__startswith=self.source_prefix
            )
            .order_by("-id")
            .values_list("source", flat=True)
            .first()
        )
        if newest is None:
            return 1
        return int(newest.removeprefix(self.source_prefix)) + 1

    def fetch(self, message: RemoteMessage) -> bytes | None:
        # PEEK: taking a copy does not mark the message as read for people
        # who read the same mailbox.
        typ, data = self.client.uid("FETCH", message.key, "(BODY.PEEK[])")
        if typ != "OK":
            raise FetchError(f"IMAP FETCH of UID {message.key} failed: {server_text(data)}")
        this_uid = re.compile(rb"\bUID %s\b" % message.key.encode())
        for item in data:
            # Skip what the server adds unasked, such as flag changes of others.
            if isinstance(item, tuple) and this_uid.search(item[0]):
                return bytes(item[1])
        return None

    def finish(self, imported: Sequence[RemoteMessage]) -> int:
        if self.is_kept or not imported:
            return 0
        uids = [int(message.key) for message in imported]
        for start in range(0, len(uids), UIDS_PER_COMMAND):
            uid_set = compact_uid_set(uids[start : start + UIDS_PER_COMMAND])
            if self.account.after_import == MailAccount.AfterImport.MOVE:
                self._move(uid_set)
            else:
                self._delete(uid_set)
        return len(uids)

    def _move(self, uid_set: str) -> None:
        if "MOVE" in self.capabilities:
            self._into_target("MOVE", uid_set)
        else:
            self._into_target("COPY", uid_set)
            self._delete(uid_set)

    def _into_target(self, command: str, uid_set: str) -> None:
        target = self.account.move_to_folder
        typ, data = self.client.uid(command, uid_set, mailbox_argument(target))
        if typ == "NO" and "TRYCREATE" in server_text(data):
            # The folder does not exist yet (RFC 3501 7.1): create it once.
            self.client.create(mailbox_argument(target))
            typ, data = self.client.uid(command, uid_set, mailbox_argument(target))
        if typ != "OK":
            raise FetchError(f"IMAP {command} to {target!r} failed: {server_text(data)}")

    def _delete(self, uid_set: str) -> None:
        typ, data = self.client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
        if typ != "OK":
            raise FetchError(f"IMAP STORE \\Deleted failed: {server_text(data)}")
        if "UIDPLUS" in self.capabilities:
            typ, data = self.client.uid("EXPUNGE", uid_set)
        else:
            # Without UIDPLUS, EXPUNGE also removes what others marked \Deleted.
            typ, data = self.client.expunge()
        if typ != "OK":
            raise FetchError(f"IMAP EXPUNGE failed: {server_text(data)}")


@contextlib.contextmanager
def open_imap(account: MailAccount) -> Iterator[ImapFolder]:
    """Connect, log in and select the account's folder; log out at the end."""
    client = connect(account)
    try:
        login(client, account)
        yield ImapFolder(client, account)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def connect(account: MailAccount) -> imaplib.IMAP4:
    if account.security == MailAccount.Security.SSL:
        return imaplib.IMAP4_SSL(
            account.host, account.port, ssl_context=tls_context(), timeout=TIMEOUT_SECONDS
        )
    client = imaplib.IMAP4(account.host, account.port, timeout=TIMEOUT_SECONDS)
    if account.security == MailAccount.Security.STARTTLS:
        try:
            # Fails when the server does not offer STARTTLS: never falls back to plain.
            client.starttls(ssl_context=tls_context())
        except BaseException:
            # Keep the TLS error, not a second one from closing a half-wrapped socket.
            with contextlib.suppress(OSError):
                client.shutdown()
            raise
    return client


def login(client: imaplib.IMAP4, account: MailAccount) -> None:
    try:
        client.login(account.username, account.password)
    except imaplib.IMAP4.error as exc:
        raise FetchError(
            f"IMAP login as {account.username!r} failed: {server_text(exc.args)}"
        ) from None


def server_capabilities(client: imaplib.IMAP4) -> frozenset[str]:
    """Asked again after login: servers announce MOVE, UIDPLUS … only then."""
    typ, data = client.capability()
    if typ != "OK":
        return frozenset(client.capabilities)
    return frozenset(server_text(data).upper().split())


def compact_uid_set(uids: Sequence[int]) -> str:
    """1,2,3,7,9,10 → "1:3,7,9:10"."""
    ranges: list[list[int]] = []
    for uid in sorted(uids):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(low) if low == high else f"{low}:{high}" for low, high in ranges)


def mailbox_argument(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7, quoted (imaplib sends
    arguments exactly as given)."""
    encoded = encode_modified_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_modified_utf7(name: str) -> str:
    """RFC 3501 5.1.3: printable ASCII as is ("&" as "&-"), everything else as
    "&" + base64 of UTF-16BE with "," for "/" + "-" ("Gelöst" → "Gel&APY-st")."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            utf16 = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(utf16).rstrip(b"=").decode().replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)
