"""parse_message: raw RFC 5322 bytes to a ParsedMail, for any input, never raising.

The standard library's `email` package (policy `default`) builds the MIME
tree; header values and parameters are decoded by `headers.py` from the raw
bytes, body parts by `body.py`. Whatever had to be repaired or guessed is
written to `problems` in plain words for the operator; a part that cannot be
read at all is kept as an attachment rather than dropped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from email.message import EmailMessage, Message
from email.parser import BytesParser

from relaydesk.mail.inbound.body import Body, extract_body
from relaydesk.mail.inbound.charsets import clean_text, decode_text, resolve_charset
from relaydesk.mail.inbound.headers import (
    Address,
    RawHeaders,
    decode_words,
    one_line,
    parse_addresses,
    parse_date,
    parse_message_ids,
    parse_parameters,
    unique,
)
from relaydesk.mail.inbound.loop_headers import loop_facts
from relaydesk.mail.inbound.parse_parts import PARSE_POLICY
from relaydesk.mail.inbound.parse_repair import repair_headers
from relaydesk.mail.inbound.parsed import ParsedAttachment, ParsedMail

MAX_PROBLEMS = 50
MAX_PARTS = 1000
MAX_ADDRESS_HEADER = 64 * 1024  # about 1,500 addresses
MAX_MULTIPARTS = 100
MAX_DELIMITER_LINES = 5000
_DELIVERY_STATUS = re.compile(rb"message/(global-)?delivery-status", re.IGNORECASE)
MAX_PARAMETERS = 100
MAX_BOUNDARY = 20_000  # RFC 2046 allows 70; the corpus has one of 7,000
_LONG_BOUNDARY = re.compile(rb'boundary\s*=\s*"?[^";\r\n]{%d}' % MAX_BOUNDARY, re.IGNORECASE)
# A Content-Type header with its continuation lines.
_CONTENT_TYPE_HEADER = re.compile(
    rb"^content-type:[ \t]*(multipart/)?[^\n]*(?:\n[ \t][^\n]*)*", re.IGNORECASE | re.MULTILINE
)
# The headers ParsedMail's to, cc, reply_to and delivered_to are read from.
_ADDRESS_HEADERS = (
    ("to",),
    ("cc",),
    ("reply-to",),
    ("delivered-to", "x-original-to", "envelope-to"),
)


def parse_message(raw: bytes) -> ParsedMail:
    """Everything the pipeline needs from one message. Pure: no database, no I/O."""
    try:
        return _scrubbed(_parse(raw))
    except Exception as error:  # noqa: BLE001 - the last line of defence: never raise
        return _scrubbed(_unreadable(raw, error))


def _parse(raw: bytes) -> ParsedMail:
    problems: list[str] = []
    too_complex = _too_complex(raw)
    message = _tree(raw, problems, headers_only=bool(too_complex))
    headers = RawHeaders(message)
    if not headers.has("from") and not headers.has("subject") and not headers.has("date"):
        problems.append("no From, Subject or Date header: perhaps not an email message")
    hint = _charset_hint(message)
    if too_complex:
        whole = (ParsedAttachment("message.eml", "message/rfc822", raw),)
        body = Body("", "", whole, (too_complex,))
    else:
        body = _body(message, hint, raw, problems)
    subject, subject_problems = decode_words(headers.first("subject") or b"", hint)
    problems += [f"Subject: {problem}" for problem in subject_problems]
    sender = _sender(headers, hint, problems)
    content_type = parse_parameters(headers.first("content-type"))
    loop = loop_facts(headers, content_type, from_address=sender.address, subject=subject)
    message_id = _message_id(headers, raw, problems)
    to, cc, reply_to, delivered_to = (
        _addresses(headers, names, hint, problems) for names in _ADDRESS_HEADERS
    )
    return ParsedMail(
        message_id=message_id,
        subject=one_line(subject),
        from_address=sender.address,
        from_name=sender.name,
        to=to,
        cc=cc,
        reply_to=reply_to,
        delivered_to=delivered_to,
        in_reply_to=tuple(parse_message_ids(headers.first("in-reply-to"))),
        references=tuple(parse_message_ids(b" ".join(headers.all("references")))),
        date=parse_date(headers.first("date")),
        text=body.text,
        html=body.html,
        attachments=body.attachments,
        **dataclasses.asdict(loop),
        problems=tuple(problems) + body.problems + _defects(message),
    )


def _too_complex(raw: bytes) -> str:
    """Why the MIME structure is beyond the limits, or "" (SECURITY.md class 16).

    Python's parser recurses once per nesting level and fails after a few
    hundred, after a second or more; real mail stays far below these limits.
    """
    parts = multiparts = 0
    for match in _CONTENT_TYPE_HEADER.finditer(raw):
        parts += 1
        multiparts += match.group(1) is not None
        if match.group(0).count(b";") > MAX_PARAMETERS:
            # The standard library's parameter splitting is quadratic in them.
            return f"a Content-Type with over {MAX_PARAMETERS} parameters: kept whole"
    if parts > MAX_PARTS or multiparts > MAX_MULTIPARTS:
        return f"{parts} MIME parts, {multiparts} of them multipart: over the limit, kept whole"
    # Parts need no headers: count the lines that could be boundary delimiters
    # too (generously: "-- " signatures and "-----" rules start that way).
    if raw.count(b"\n--") > MAX_DELIMITER_LINES:
        return f"over {MAX_DELIMITER_LINES} lines that could delimit MIME parts: kept whole"
    # Python makes one message of every paragraph of a message/delivery-status part.
    blank_lines = raw.count(b"\n\n") + raw.count(b"\n\r\n")
    if blank_lines > MAX_DELIMITER_LINES and _DELIVERY_STATUS.search(raw):
        return f"a delivery status with over {MAX_DELIMITER_LINES} paragraphs: kept whole"
    if _LONG_BOUNDARY.search(raw):
        # Python compiles each boundary into a regular expression: 240 KB take a second.
        return f"a MIME boundary longer than {MAX_BOUNDARY} characters: kept whole"
    return ""


def _tree(raw: bytes, problems: list[str], *, headers_only: bool) -> Message:
    raw, repairs = repair_headers(raw)
    problems += repairs
    try:
        return BytesParser(policy=PARSE_POLICY).parsebytes(raw, headersonly=headers_only)
    except Exception as error:  # noqa: BLE001 - Python's parser has raised on fuzzed input
        problems.append(
            f"MIME structure unreadable ({type(error).__name__}): read as one text part"
        )
    message = EmailMessage()
    message.set_payload(raw.decode("ascii", errors="surrogateescape"))
    return message


def _body(message: Message, hint: str, raw: bytes, problems: list[str]) -> Body:
    try:
        return extract_body(message, hint=hint)
    except Exception as error:  # noqa: BLE001 - keep the message as text and as a file
        problems.append(f"body unreadable ({type(error).__name__}): raw message attached")
        text = decode_text(raw, hint).text
        return Body(text, "", (ParsedAttachment("message.eml", "message/rfc822", raw),), ())


def _charset_hint(message: Message) -> str:
    """The first charset a part declares: bare 8-bit header text is most likely in it."""
    for part in message.walk():
        charset = parse_parameters(RawHeaders(part).first("content-type")).params.get("charset", "")
        codec = resolve_charset(charset)
        if codec and codec not in {"ascii", "utf-8"}:
            return codec
    return ""


def _sender(headers: RawHeaders, hint: str, problems: list[str]) -> Address:
    mailboxes = parse_addresses(headers.first("from"), hint)
    usable = [mailbox for mailbox in mailboxes if mailbox.address]
    if usable:
        return usable[0]
    raw = headers.first("from")
    problems.append("no From header" if raw is None else "From has no usable address")
    return Address(mailboxes[0].name if mailboxes else "", "")


def _addresses(
    headers: RawHeaders, names: tuple[str, ...], hint: str, problems: list[str]
) -> tuple[str, ...]:
    found = []
    for name in names:
        for value in headers.all(name):
            if len(value) > MAX_ADDRESS_HEADER:
                # Thousands of recipients: spam or a mistake; reading them all
                # would cost seconds. Cut at the last comma before the limit.
                problems.append(f"{name}: over {MAX_ADDRESS_HEADER} bytes, the rest not read")
                value = value[: value.rfind(b",", 0, MAX_ADDRESS_HEADER) + 1 or MAX_ADDRESS_HEADER]
            found += [mailbox.address for mailbox in parse_addresses(value, hint)]
    return unique(found)


def _message_id(headers: RawHeaders, raw: bytes, problems: list[str]) -> str:
    ids = parse_message_ids(headers.first("message-id"))
    if ids:
        return ids[0]
    problems.append("no Message-ID: one was derived from the message's bytes")
    return derived_message_id(raw)


def derived_message_id(raw: bytes) -> str:
    """The same bytes always get the same id, so that a redelivery is recognised."""
    return f"sha256.{hashlib.sha256(raw).hexdigest()}@relaydesk.invalid"


def _defects(message: Message) -> tuple[str, ...]:
    """The MIME defects Python's parser noted, once per kind."""
    names: dict[str, None] = {}
    for part in message.walk():
        for defect in getattr(part, "defects", ()):
            names[type(defect).__name__] = None
    return tuple(f"MIME: {name}" for name in names)


def _unreadable(raw: bytes, error: Exception) -> ParsedMail:
    return ParsedMail(
        message_id=derived_message_id(raw),
        subject="",
        from_address="",
        from_name="",
        to=(),
        cc=(),
        reply_to=(),
        delivered_to=(),
        in_reply_to=(),
        references=(),
        date=None,
        text="",
        html="",
        attachments=(ParsedAttachment("message.eml", "message/rfc822", raw),),
        problems=(f"message unreadable ({type(error).__name__}): kept whole as message.eml",),
    )


def _scrubbed(mail: ParsedMail) -> ParsedMail:
    """The contract: no NUL and no lone surrogate in any text field; problems bounded."""
    changes: dict[str, object] = {}
    for item in dataclasses.fields(mail):
        value = getattr(mail, item.name)
        if isinstance(value, str):
            changes[item.name] = clean_text(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            changes[item.name] = tuple(clean_text(v) for v in value)
    changes["attachments"] = tuple(
        dataclasses.replace(
            attachment,
            filename=clean_text(attachment.filename),
            content_type=clean_text(attachment.content_type),
            content_id=clean_text(attachment.content_id),
        )
        for attachment in mail.attachments
    )
    problems = tuple(dict.fromkeys(changes["problems"]))  # type: ignore[call-overload]
    changes["problems"] = problems[:MAX_PROBLEMS]
    return dataclasses.replace(mail, **changes)  # type: ignore[arg-type]
