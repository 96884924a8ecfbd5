"""Header lines Python's parser would take for the start of the body.

`email.feedparser` ends the header block at the first line that is neither a
field nor a continuation, and every header after it is lost in the body: a
message then seems to have no From, no Subject, no MIME structure. A
few shapes of this are common enough in real mail to repair before parsing; each
repair is reported in `problems`. The stored raw message stays untouched.
"""

from __future__ import annotations

import re

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# "Subject : x": obsolete but legal syntax (RFC 5322 section 4.5.3).
_OBSOLETE_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
# "Content-Type: multipart/alternative;" and "boundary=…" on an unindented next line.
_UNFOLDED_PARAMETER = re.compile(
    rb"^(Content-[A-Za-z-]+:[^\r\n]*;[ \t]*\r?\n)(?=[A-Za-z0-9*-]+=)", re.MULTILINE | re.IGNORECASE
)
_FIELD = re.compile(rb"^[!-9;-~]+:")
_KNOWN_FIELD = re.compile(
    rb"^(from|to|cc|subject|date|message-id|mime-version|content-type|received|return-path"
    rb"|delivered-to|reply-to|in-reply-to|references|sender):",
    re.IGNORECASE,
)


def repair_headers(raw: bytes) -> tuple[bytes, list[str]]:
    """The raw message with its header lines in a form Python reads, and what was done."""
    problems: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append("a UTF-8 byte order mark before the headers: removed")
        raw = raw[3:]
    stripped = raw.lstrip(b" \t\r\n")
    if len(stripped) != len(raw) and _FIELD.match(stripped):
        # A blank line or indentation before the first field: Python would read
        # the whole message as body.
        problems.append("blank space before the first header: removed")
        raw = stripped
    end = _HEADER_END.search(raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if _OBSOLETE_FIELD_NAME.search(head):
        problems.append("header field names followed by spaces before the colon: repaired")
        head = _OBSOLETE_FIELD_NAME.sub(rb"\1:", head)
    head, stray = _fold_stray_lines(head)
    if stray:
        problems.append(f"{stray} stray line(s) among the headers: kept as continuation lines")
    raw = head + rest
    if _UNFOLDED_PARAMETER.search(raw):
        problems.append("MIME parameters on an unindented line: joined to their header")
        raw = _UNFOLDED_PARAMETER.sub(rb"\1 ", raw)
    return raw, problems


def _fold_stray_lines(head: bytes) -> tuple[bytes, int]:
    """Make a line that is no header field a continuation line, when well-known
    fields follow it (otherwise the header block may simply lack its blank line,
    which Python handles). A MIME boundary line ends the search: what follows
    it are a part's headers."""
    lines = head.split(b"\n")
    boundary = next((i for i, line in enumerate(lines) if line.startswith(b"--")), len(lines))
    known = [i for i, line in enumerate(lines[:boundary]) if _KNOWN_FIELD.match(line)]
    last_known = known[-1] if known else -1
    stray = 0
    for index in range(1, last_known):
        line = lines[index]
        if line[:1] in {b" ", b"\t"} or _FIELD.match(line) or not line.strip(b"\r"):
            continue
        lines[index] = b" " + line
        stray += 1
    return (b"\n".join(lines), stray) if stray else (head, 0)
