"""Find the messages in files and folders for `relaydesk ingest`.

Three kinds of source, told apart by their content, never by their name:

- a Maildir folder (it has `cur/` and `new/`): every file in `new/` and `cur/`,
  then its Maildir++ subfolders; `tmp/` holds deliveries still being written
  and is skipped, as every Maildir reader does;
- an mbox file (its first line is an envelope line, `From sender date`) with
  more than one message: each message, named `file#N` (N counts from 1);
- any other file: one message, whatever its name or extension. A file with
  one envelope line is such a single message too (many saved `.eml` files
  start with one), and is taken byte for byte.

Other folders are walked recursively in name order. Nothing here touches the
database: the caller stores what it is given, and is told about every file
it could not read instead of the walk stopping there.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# "From alice@example.com Mon Jun 27 06:55:56 2011", "From - Fri Jun  9 …",
# "From MAILER-DAEMON  Tue …". Not a header with space before its colon
# ("From  : John Doe <…>", RFC 5322's obsolete syntax): that is a message.
ENVELOPE_LINE = re.compile(rb"From +[^\s:]")
MAILDIR_MESSAGE_FOLDERS = ("new", "cur")
MAILDIR_FOLDERS = frozenset({"new", "cur", "tmp"})


@dataclass(frozen=True)
class SourceMessage:
    """One message as found: where (for the operator) and its raw bytes."""

    path: str
    raw: bytes


@dataclass(frozen=True)
class SourceProblem:
    """A path that yielded no message: unreadable, missing or empty."""

    path: str
    problem: str
    is_empty: bool = False  # an empty file holds no message: nothing is lost


Found = SourceMessage | SourceProblem


def find_messages(paths: Iterable[str | Path]) -> Iterator[Found]:
    """Every message under the given paths, in a stable order."""
    seen: set[Path] = set()
    for path in paths:
        yield from _walk(Path(path), seen)


def _walk(path: Path, seen: set[Path]) -> Iterator[Found]:
    try:
        real = path.resolve(strict=True)
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
        return
    if real in seen:  # a symbolic link back into a folder already walked
        return
    seen.add(real)
    if real.is_dir():
        yield from _maildir(path, seen) if is_maildir(real) else _folder(path, seen)
    else:
        yield from _file(path)


def is_maildir(path: Path) -> bool:
    return all((path / name).is_dir() for name in MAILDIR_MESSAGE_FOLDERS)


def _folder(path: Path, seen: set[Path]) -> Iterator[Found]:
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
        return
    for entry in entries:
        yield from _walk(entry, seen)


def _maildir(path: Path, seen: set[Path]) -> Iterator[Found]:
    for name in MAILDIR_MESSAGE_FOLDERS:
        folder = path / name
        seen.add(folder.resolve())
        try:
            files = sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))
        except OSError as exc:
            yield SourceProblem(str(folder), _reason(exc))
            continue
        for entry in files:
            yield from _file(entry)
    # Maildir++ keeps subfolders (".Sent", ".Archive") next to cur/ new/ tmp/;
    # files there (dovecot-uidlist, indexes) are the server's, not messages.
    try:
        subfolders = sorted(
            entry
            for entry in path.iterdir()
            if entry.name not in MAILDIR_FOLDERS and entry.is_dir()
        )
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
        return
    for entry in subfolders:
        yield from _walk(entry, seen)


def _file(path: Path) -> Iterator[Found]:
    try:
        with path.open("rb") as handle:
            first_line = handle.readline()
            if is_envelope_line(first_line):
                yield from _mbox(path)
                return
            raw = first_line + handle.read()
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
        return
    yield _single(path, raw)


def is_envelope_line(line: bytes) -> bool:
    return ENVELOPE_LINE.match(line) is not None


def _single(path: Path, raw: bytes) -> Found:
    if not raw:
        return SourceProblem(str(path), "empty file", is_empty=True)
    return SourceMessage(str(path), raw)


def _mbox(path: Path) -> Iterator[Found]:
    try:
        box = mailbox.mbox(path, create=False)
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
        return
    try:
        keys = list(box.iterkeys())  # scans the file once for the envelope lines
        if len(keys) == 1:
            # A saved message with its envelope line: keep the file exactly.
            yield _single(path, path.read_bytes())
            return
        # Members keep their envelope line (the parser reads past it), so that
        # the stored raw message is exactly the bytes found in the file.
        for number, key in enumerate(keys, start=1):
            yield SourceMessage(f"{path}#{number}", box.get_bytes(key, from_=True))
    except OSError as exc:
        yield SourceProblem(str(path), _reason(exc))
    finally:
        box.close()


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
