"""One MIME part: what it declares about itself, and its bytes.

Everything is read from the raw headers through `headers.py` (the `email`
package's own accessors raise on some real-world values); the transfer
decoding is the standard library's, which is lenient with broken base64.
"""

from __future__ import annotations

import io
import quopri
import re
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy

from relaydesk.mail.inbound.headers import (
    RawHeaders,
    decode_words,
    lenient_b64decode,
    one_line,
    parse_parameters,
)


class _RawValuePolicy(EmailPolicy):
    """policy.default, except that a header is fetched as its raw string, unfolded.

    We read every header ourselves from the raw value (headers.py), so the
    structured header objects policy.default builds on each access are never
    used; building them is what makes it slow on many-part messages (3,000
    small parts: 2 s instead of 0.15 s) and what raises on malformed values.
    Message's own accessors (content type, boundary, transfer decoding) work
    on raw strings, as they do under compat32.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return "".join(value.splitlines())  # unfolded, as policy.default does


PARSE_POLICY = _RawValuePolicy()
# Re-emit header lines exactly as they arrived (no refolding of long lines).
_VERBATIM = PARSE_POLICY.clone(refold_source="none")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")


@dataclass(frozen=True)
class PartInfo:
    """What a part's headers say: type, charset, declared name, disposition, Content-ID."""

    content_type: str  # "maintype/subtype", lower case, always well-formed
    charset: str
    filename: str  # as declared, decoded; "" when none
    disposition: str  # "inline", "attachment" or ""
    content_id: str  # without <>
    transfer_encoding: str
    is_flowed: bool
    delsp: bool

    @property
    def maintype(self) -> str:
        return self.content_type.split("/", 1)[0]


def part_info(part: Message, hint: str = "") -> PartInfo:
    headers = RawHeaders(part)
    content_type = parse_parameters(headers.first("content-type"), hint)
    disposition = parse_parameters(headers.first("content-disposition"), hint)
    declared = content_type.value
    if not _TYPE.match(declared):
        # RFC 2045: a missing or unreadable Content-Type means text/plain
        # (message/rfc822 inside multipart/digest); keep what Python decided.
        declared = part.get_default_type() if not declared else _loose_type(declared, part)
    name = disposition.params.get("filename") or content_type.params.get("name", "")
    content_id = decode_words(headers.first("content-id") or b"")[0]
    encoding = (headers.first("content-transfer-encoding") or b"").decode("ascii", "replace")
    return PartInfo(
        content_type=declared,
        charset=content_type.params.get("charset", ""),
        filename=name.strip(),
        disposition=disposition.value if disposition.value in {"inline", "attachment"} else "",
        content_id=one_line(content_id).strip("<> "),
        transfer_encoding=encoding.strip().lower(),
        is_flowed=content_type.params.get("format", "").lower() == "flowed",
        delsp=content_type.params.get("delsp", "").lower() == "yes",
    )


def _loose_type(declared: str, part: Message) -> str:
    """ "text" alone, "text/plain." and the like: read what can be read."""
    match = re.match(r"^([a-z0-9-]+)(?:/([a-z0-9.+-]+))?", declared)
    if match and match.group(1) in {"text", "image", "audio", "video", "application"}:
        return f"{match.group(1)}/{(match.group(2) or 'plain').strip('.')}"
    return part.get_default_type()


def part_bytes(part: Message, info: PartInfo) -> bytes:
    """The part's content with the transfer encoding removed."""
    if info.maintype == "message" and part.is_multipart():
        inner = part.get_payload(0)
        if info.content_type == "message/delivery-status" or not isinstance(inner, Message):
            data = body_of(part)  # Python split it into blocks of fields
        else:
            data = serialise(inner)
        if info.transfer_encoding in {"base64", "quoted-printable"}:
            # Not allowed for message/* (RFC 2046 5.2.1), but sent: Python parsed
            # the encoded text as a message; decode what it re-emits.
            return _transfer_decode(data, info.transfer_encoding)
        return data
    if part.is_multipart():
        return body_of(part)
    return _decoded_payload(part)


def _decoded_payload(part: Message) -> bytes:
    try:
        decoded = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - fall back to the undecoded bytes
        decoded = None
    if isinstance(decoded, bytes):
        return decoded
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _transfer_decode(data: bytes, encoding: str) -> bytes:
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return lenient_b64decode(data)


def body_of(part: Message) -> bytes:
    """What follows a part's header block, as the generator writes it again."""
    whole = serialise(part)
    match = _HEADER_END.search(whole)
    return whole[match.end() :] if match else b""


def serialise(message: Message, linesep: str = "\n") -> bytes:
    """A parsed message as bytes again: header lines verbatim, body as parsed."""
    buffer = io.BytesIO()
    try:
        generator: BytesGenerator[Message] = BytesGenerator(
            buffer, mangle_from_=False, policy=_VERBATIM.clone(linesep=linesep)
        )
        generator.flatten(message)
    except Exception:  # noqa: BLE001 - a broken tree: keep what Python can write
        try:
            return message.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""
    return buffer.getvalue()


def nested_subject(data: bytes, hint: str = "") -> str:
    """The Subject of a message held as bytes (an attached .eml), decoded."""
    try:
        headers = RawHeaders(BytesParser(policy=PARSE_POLICY).parsebytes(data, headersonly=True))
    except Exception:  # noqa: BLE001
        return ""
    return one_line(decode_words(headers.first("subject") or b"", hint)[0])


def html_charset(data: bytes) -> str:
    """The charset an HTML document names in a <meta> tag, for parts that declare none."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else ""
