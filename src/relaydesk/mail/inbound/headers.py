"""Header values as text, read from the raw header bytes rather than trusted.

The `email` package's header objects raise or give up on much of what real
mail contains (8-bit bytes, encoded words split inside a character, encoded
words in parameters, unknown charsets). Every function here takes the raw
value, as the parser stored it (8-bit bytes kept as surrogate escapes), and
never raises.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message

from relaydesk.mail.inbound.charsets import decode_text

# An encoded word (RFC 2047), leniently: spaces inside the text and 8-bit bytes
# are wrong but common, and a missing "?=" at the very end is tolerated.
_ENCODED_WORD = re.compile(rb"=\?([^?\s]*)\?([bBqQ])\?(.*?)(?:\?=|$)")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_LINE_BREAKS = re.compile(rb"[\r\n]+")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_PERCENT_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_MESSAGE_ID = re.compile(r"<([^<>\s]*)>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(rb"\s+")


class RawHeaders:
    """A message's headers by lower-case name, values as raw bytes, unfolded."""

    def __init__(self, message: Message) -> None:
        # Values are converted when asked for: a message may carry thousands of headers.
        self._values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._values.setdefault(name.strip().lower(), []).append(str(value))

    def all(self, name: str) -> list[bytes]:
        return [to_bytes(value) for value in self._values.get(name, [])]

    def first(self, name: str) -> bytes | None:
        values = self._values.get(name)
        return to_bytes(values[0]) if values else None

    def has(self, name: str) -> bool:
        return name in self._values


def to_bytes(value: str) -> bytes:
    """The header's bytes again, unfolded: the parser keeps 8-bit bytes as surrogates."""
    raw = value.encode("utf-8", errors="surrogateescape")
    return _LINE_BREAKS.sub(b"", _FOLD.sub(b"", raw)).strip()


def decode_words(raw: bytes, hint: str = "") -> tuple[str, list[str]]:
    """An unstructured value (Subject, a display name) as text, with any problems.

    Adjacent encoded words are joined before their charset is applied, so a
    character split across two words survives; whitespace between encoded
    words is dropped (RFC 2047 section 6.2). Bare 8-bit text is read as UTF-8,
    else in the charset the message body declares (`hint`).
    """
    if b"=?" not in raw and raw.isascii():
        return raw.decode("ascii"), []
    problems: list[str] = []
    pieces: list[str] = []
    pending: list[tuple[str, bytes]] = []  # encoded words not yet decoded
    position = 0
    for match in _ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between.strip() or not pending:
            _flush(pending, pieces, problems, hint)
            pieces.append(_decode_plain(between, hint, problems))
        charset, encoding, text = match.groups()
        charset_name = charset.decode("ascii", errors="replace")
        payload = lenient_b64decode(text) if encoding in b"bB" else _q_decode(text)
        if pending and pending[-1][0].lower() == charset_name.lower():
            pending[-1] = (pending[-1][0], pending[-1][1] + payload)
        else:
            _flush(pending, pieces, problems, hint)
            pending.append((charset_name, payload))
        position = match.end()
    _flush(pending, pieces, problems, hint)
    pieces.append(_decode_plain(raw[position:], hint, problems))
    return "".join(pieces), problems


def _flush(
    pending: list[tuple[str, bytes]], pieces: list[str], problems: list[str], hint: str
) -> None:
    for charset, payload in pending:
        decoded = decode_text(payload, charset, hint=hint, detect=False)
        pieces.append(decoded.text)
        if decoded.problem:
            problems.append(f"encoded word: {decoded.problem}")
    pending.clear()


def _decode_plain(raw: bytes, hint: str, problems: list[str]) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    decoded = decode_text(raw, "", hint=hint, detect=False)
    if decoded.charset not in {"utf-8", "utf-8-sig"}:
        problems.append(f"8-bit header text read as {decoded.charset}")
    return decoded.text


def lenient_b64decode(text: bytes) -> bytes:
    """Base64 as mailers write it: stray characters and missing padding are ignored."""
    cleaned = _NOT_BASE64.sub(b"", text)
    if len(cleaned) % 4 == 1:  # a stray character: drop it rather than lose the word
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
    except binascii.Error:
        return b""


def _q_decode(text: bytes) -> bytes:
    return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace(b"_", b" "))


def one_line(text: str) -> str:
    """A single-line field: control characters (CR, LF, TAB …) become spaces."""
    return _CONTROL.sub(" ", text).strip()


# --- parameters (Content-Type, Content-Disposition) ---------------------------------

# One parameter up to and with its ";": every match consumes its text, so
# that junk without "=" costs linear time (a search for "name=" at every
# position would be quadratic: 40 KB of it took 30 s).
_PARAMETER = re.compile(rb"""\s*([^=;"]*)(?:=\s*("(?:[^"\\]|\\.)*"?|[^;]*))?[^;]*;?""", re.DOTALL)
_CONTINUATION = re.compile(r"^(.*?)\*(\d+)(\*?)$")
# No real Content-Type or Content-Disposition comes near this; fuzzed ones do.
_PARAMETERS_READ = 64 * 1024


@dataclass(frozen=True)
class HeaderValue:
    """A header's main value (lower-case, e.g. "text/plain") and its parameters."""

    value: str
    params: dict[str, str]


def parse_parameters(raw: bytes | None, hint: str = "") -> HeaderValue:
    """Split `type/subtype; name=value; …`, decoding RFC 2231 and encoded words.

    "name*" (RFC 2231) wins over "name" when both are present; continuations
    are joined in order; of duplicated parameters the first counts.
    """
    if raw is None:
        return HeaderValue("", {})
    head, _, rest = raw[:_PARAMETERS_READ].partition(b";")
    # "text/html charset=utf-8" (no semicolon) happens: parameters may follow a space.
    value, _, more = head.strip().partition(b" ")
    plain: dict[str, bytes] = {}
    extended: dict[str, dict[int, tuple[bytes, bool]]] = {}
    for match in _PARAMETER.finditer(more + b";" + rest):
        name = match.group(1).strip().decode("ascii", errors="replace").lower()
        if not name or match.group(2) is None or " " in name:
            continue
        token = match.group(2).strip()
        if token.startswith(b'"'):
            token = re.sub(rb"\\(.)", rb"\1", token[1:].removesuffix(b'"'))
        continuation = _CONTINUATION.match(name)
        if continuation:
            base, number, star = continuation.groups()
            extended.setdefault(base, {}).setdefault(int(number), (token, bool(star)))
        elif name.endswith("*"):
            extended.setdefault(name[:-1], {}).setdefault(0, (token, True))
        else:
            plain.setdefault(name, token)
    params = {name: decode_words(token, hint)[0] for name, token in plain.items()}
    for name, pieces in extended.items():
        params[name] = _join_rfc2231(pieces, hint)
    return HeaderValue(value.decode("ascii", errors="replace").strip().lower(), params)


def _join_rfc2231(pieces: dict[int, tuple[bytes, bool]], hint: str) -> str:
    """Continuations in order; the first encoded piece may start with charset'language'."""
    charset = ""
    data = b""
    for position, index in enumerate(sorted(pieces)):
        token, encoded = pieces[index]
        if position == 0 and encoded and token.count(b"'") >= 2:
            charset_bytes, _language, token = token.split(b"'", 2)
            charset = charset_bytes.decode("ascii", errors="replace")
        if encoded:
            token = _PERCENT_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token)
        data += token
    if b"=?" in data and not charset:
        return decode_words(data, hint)[0]
    return decode_text(data, charset, hint=hint, detect=False).text


# --- addresses ------------------------------------------------------------------------

_ADDR_SPEC = re.compile(
    r'^(?:"[^"]*"|[^\s<>()\[\]\\,;:@"]+)@(?:\[[^\]\s]*\]|[^\s<>()\[\]\\,;:@"]+)$'
)


# A quoted string, a comment, an angle-addr, a separator, or plain text between them.
_LIST_TOKEN = re.compile(
    rb'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|<[^<>]*>?|[,;:]|[^",;:<(]+', re.DOTALL
)


@dataclass(frozen=True)
class Address:
    name: str
    address: str  # "" when the mailbox could not be read


def parse_addresses(raw: bytes | None, hint: str = "") -> list[Address]:
    """A list of mailboxes, strictly: only what stands in <> (or a bare
    addr-spec) is an address; a display name is never taken as one."""
    if not raw:
        return []
    result = []
    for item in _split_list(raw):
        address = _parse_mailbox(item, hint)
        if address.address or address.name:
            result.append(address)
    return result


def _split_list(raw: bytes) -> list[bytes]:
    """Split on commas outside quotes, angle brackets and comments; drop group names.

    Tokenised by one regular expression, so that a header with thousands of
    addresses costs milliseconds.
    """
    items: list[bytes] = []
    current: list[bytes] = []
    has_at = False
    for match in _LIST_TOKEN.finditer(raw):
        token = match.group(0)
        if token in {b",", b";"}:
            items.append(b"".join(current))
            current, has_at = [], False
        elif token == b":" and not has_at:
            current = []  # "group name:" — the members follow
        else:
            current.append(token)
            has_at = has_at or b"@" in token
    items.append(b"".join(current))
    return [item.strip() for item in items if item.strip()]


def _parse_mailbox(item: bytes, hint: str) -> Address:
    has_comments = b"(" in item
    comments = _COMMENT.findall(_QUOTED_OR_ANGLED.sub(b"", item)) if has_comments else []
    bare = _strip_comments(item) if has_comments else item
    # The last "<" opens the address ("Joe <joe@x.example" without ">" too).
    # Found with rfind: a regular expression anchored at the end backtracks
    # quadratically over long runs of spaces.
    start = bare.rfind(b"<")
    angle = start >= 0
    if angle:
        end = bare.find(b">", start)
        spec, phrase = bare[start + 1 : end if end >= 0 else len(bare)], bare[:start].strip()
    else:
        spec, phrase = bare, comments[-1] if comments else b""
    address = _addr_spec(spec)
    name = _display_name(phrase, hint) if phrase else ""
    if not address and not angle:
        name = name or _display_name(item, hint)
    return Address(name, address)


_COMMENT = re.compile(rb"\(([^()]*)\)")
# The closing quote is optional: an unterminated quoted string must be consumed,
# not rescanned from every later quote (quadratic).
_QUOTED_OR_ANGLED = re.compile(rb'"(?:[^"\\]|\\.)*"?|<[^<>]*>')
_QUOTED = re.compile(rb'("(?:[^"\\]|\\.)*"?)')


def _strip_comments(item: bytes) -> bytes:
    # Comments outside quoted strings only; nesting beyond one level is rare.
    parts = _QUOTED.split(item)
    return b"".join(
        part if part.startswith(b'"') else re.sub(rb"\([^()]*\)", b" ", part) for part in parts
    ).strip()


def _addr_spec(spec: bytes) -> str:
    compact = _WHITESPACE.sub(b"", spec).strip(b"<>")
    text = (
        compact.decode("ascii")
        if compact.isascii()
        else decode_text(compact, "", detect=False).text
    )
    text = text.removeprefix("mailto:").rstrip(".")
    if text.startswith("@") and ":" in text:  # obsolete source route "@a,@b:user@host"
        text = text.split(":", 1)[1]
    if not _ADDR_SPEC.match(text):
        return ""
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _display_name(phrase: bytes, hint: str) -> str:
    phrase = phrase.strip()
    if phrase.startswith(b'"') and phrase.endswith(b'"') and len(phrase) > 1:
        phrase = re.sub(rb"\\(.)", rb"\1", phrase[1:-1])
    else:
        phrase = phrase.replace(b'"', b"")
    return one_line(decode_words(phrase, hint)[0])


# --- ids and dates --------------------------------------------------------------------


def parse_message_ids(raw: bytes | None) -> list[str]:
    """Message-IDs without <>: all bracketed ones, else bare tokens that hold an @."""
    if not raw:
        return []
    text = decode_text(raw, "", detect=False).text
    found = [value.strip() for value in _MESSAGE_ID.findall(text) if value.strip()]
    if not found:
        found = [token.strip("<>,;") for token in text.split() if "@" in token]
    return list(dict.fromkeys(one_line(value) for value in found if value))


def parse_date(raw: bytes | None) -> dt.datetime | None:
    """The Date header in UTC, or None; a zone-less date is read as UTC (RFC 5322 -0000)."""
    if not raw:
        return None
    text = raw.decode("ascii", errors="ignore")
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values in order of first appearance, compared without case."""
    seen: dict[str, str] = {}
    for value in values:
        if value and value.lower() not in seen:
            seen[value.lower()] = value
    return tuple(seen.values())
