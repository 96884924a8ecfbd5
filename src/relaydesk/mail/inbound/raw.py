"""Cheap work on a raw message's header block, before (or instead of) parsing.

Everything here must cope with garbage: the bytes come from strangers and are
read before the parser has had a look. Nothing here raises on bad input.
"""

from __future__ import annotations

import hashlib
import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

# Headers live at the top; a "header block" larger than this is not one.
HEADER_SCAN_LIMIT = 1024 * 1024
MESSAGE_ID_MAX_LENGTH = 998
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_BRACKETED = re.compile(r"<([^<>\s]+)>")
_INTERNAL_HEADER = re.compile(rb"^x-relaydesk-[^:\s]*\s*:", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
# The headers that say what a message is; trace headers (Received,
# Delivered-To, Return-Path, X-Original-To …) differ between deliveries of the
# same message and are left out on purpose.
FINGERPRINT_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "content-type",
    "content-disposition",
)


def split_raw(raw: bytes) -> tuple[bytes, bytes]:
    """(header block, body). A message that starts with a blank line has no headers."""
    if raw.startswith((b"\n", b"\r\n")):
        return b"", raw.lstrip(b"\r\n")
    match = _BLANK_LINE.search(raw, 0, HEADER_SCAN_LIMIT)
    if match is None:
        if len(raw) <= HEADER_SCAN_LIMIT:
            return raw, b""
        return b"", raw
    return raw[: match.start()], raw[match.end() :]


def parse_headers(header_block: bytes) -> Message:
    """The header block as a Message; compat32 is lenient and never raises on content."""
    return BytesHeaderParser(policy=compat32).parsebytes(header_block + b"\n\n")


def _text(value: object) -> str:
    """A header value as clean text: undecodable bytes and surrogates dropped."""
    text = str(value)
    return text.encode("utf-8", "ignore").decode("utf-8", "ignore")


def message_id_of(raw: bytes) -> str:
    """The Message-ID without angle brackets, or "" (missing, empty, unreadable)."""
    try:
        headers = parse_headers(split_raw(raw)[0])
        value = headers.get("Message-ID")
    except Exception:  # the caller must store the message whatever it holds
        return ""
    if value is None:
        return ""
    text = _text(value).strip()
    match = _BRACKETED.search(text)
    if match is not None:
        return match.group(1)[:MESSAGE_ID_MAX_LENGTH]
    # Some mailers omit the brackets; a single token is still an identifier.
    if text and not _WHITESPACE.search(text):
        return text[:MESSAGE_ID_MAX_LENGTH]
    return ""


def content_fingerprint(raw: bytes) -> str:
    """A sha256 over what a message says, not how it travelled.

    Two deliveries of one message (to two of our addresses, through two
    mailboxes) differ in trace headers and line endings but share this value;
    two different messages that reuse one Message-ID (real mailers and test
    suites do) do not.
    """
    header_block, body = split_raw(raw)
    digest = hashlib.sha256()
    try:
        headers = parse_headers(header_block)
        for name in FINGERPRINT_HEADERS:
            values = [_WHITESPACE.sub(" ", _text(v)).strip() for v in headers.get_all(name, [])]
            digest.update(f"{name}:{'|'.join(values)}\n".encode())
    except Exception:  # unreadable headers: the body alone decides
        digest.update(b"unreadable headers\n")
    normalised = body.replace(b"\r\n", b"\n").rstrip()
    digest.update(normalised)
    return digest.hexdigest()


def strip_internal_headers(raw: bytes) -> bytes:
    """Remove our own X-Relaydesk-* headers (and their continuation lines).

    They are ours to set on mail we send; on mail from outside they are
    forgeries and must not influence anything (SECURITY.md class 7).
    """
    header_block, _body = split_raw(raw)
    if b"x-relaydesk-" not in header_block.lower():
        return raw
    kept: list[bytes] = []
    dropping = False
    for line in header_block.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        dropping = _INTERNAL_HEADER.match(line) is not None
        if not dropping:
            kept.append(line)
    return b"".join(kept) + raw[len(header_block) :]
