"""Which parts of a message are its body and which are attachments.

The rules are JMAP's (RFC 8621 section 4.1.4, `parseStructure`), which most
modern mail parsers follow: in multipart/alternative the text/plain part
gives the text and the text/html part the HTML; in multipart/mixed every
inline text part belongs to the body, in order (Apple Mail splits the text
around inline images); a text part with a file name after the first position
is an attachment; an HTML-only message gets its text from the HTML. Unlike
JMAP, every part that is not body text is kept as an attachment, images
included, and a nested message/rfc822 is always an attachment: its body is
never the main body (a forwarded mail stays one file, named after its subject).
"""

from __future__ import annotations

import codecs
import dataclasses
import html as html_module
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote

from relaydesk.core.html import sanitize_html
from relaydesk.core.html_cost import is_too_costly, without_controls
from relaydesk.mail.inbound.charsets import decode_text
from relaydesk.mail.inbound.html_text import HTML_TEXT_LIMIT, html_to_text
from relaydesk.mail.inbound.parse_parts import (
    PartInfo,
    html_charset,
    nested_subject,
    part_bytes,
    part_info,
)
from relaydesk.mail.inbound.parse_text import plain_text
from relaydesk.mail.inbound.parsed import ParsedAttachment

MAX_DEPTH = 60  # deeper multiparts are kept whole, as one attachment
_SUBJECT_NAME_LENGTH = 100
_EXTENSIONS = {
    "application/octet-stream": ".bin",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "text/calendar": ".ics",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "text/rfc822-headers": ".txt",
    "application/pgp-signature": ".asc",
    "application/pgp-encrypted": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
}
# Attached messages, named after their subject.
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global", "message/news"})
_WIDE_CHARSETS = ("utf-16", "utf_16", "utf-32", "utf_32", "ucs-2", "ucs2")
_MIME_TYPES = mimetypes.MimeTypes()  # the built-in table only: the same on every machine
_CID_URL = re.compile(r"""(["'])cid:([^"']*)\1""", re.IGNORECASE)


@dataclass
class _Leaf:
    part: Message
    info: PartInfo
    number: int  # position in the message, for the operator's problem list


@dataclass(frozen=True)
class Body:
    text: str
    html: str
    attachments: tuple[ParsedAttachment, ...]
    problems: tuple[str, ...]


@dataclass
class _Walk:
    hint: str
    problems: list[str] = field(default_factory=list)
    count: int = 0
    text: list[_Leaf] = field(default_factory=list)
    html: list[_Leaf] = field(default_factory=list)
    attachments: list[_Leaf] = field(default_factory=list)

    def leaf(self, part: Message) -> _Leaf:
        self.count += 1
        return _Leaf(part, part_info(part, self.hint), self.count)

    def structure(
        self,
        parts: list[_Leaf],
        multipart_type: str,
        in_alternative: bool,
        html: list[_Leaf] | None,
        text: list[_Leaf] | None,
        depth: int,
    ) -> None:
        """RFC 8621's parseStructure, for the text and HTML bodies."""
        text_length = len(text) if text is not None else -1
        html_length = len(html) if html is not None else -1
        for index, leaf in enumerate(parts):
            children = self._children(leaf, depth)
            if children is not None:
                subtype = leaf.info.content_type.split("/", 1)[1]
                alternative = in_alternative or subtype == "alternative"
                self.structure(children, subtype, alternative, html, text, depth + 1)
                continue
            info = leaf.info
            is_text = info.content_type in {"text/plain", "text/html"}
            is_body = (
                is_text
                and info.disposition != "attachment"
                and (index == 0 or (multipart_type != "related" and not info.filename))
            )
            if not is_body:
                self.attachments.append(leaf)
                continue
            is_plain = info.content_type == "text/plain"
            if multipart_type == "alternative":
                target = text if is_plain else html
                (target if target is not None else self.attachments).append(leaf)
                continue
            if in_alternative:
                html, text = (None, text) if is_plain else (html, None)
            for target in (text, html):
                if target is not None:
                    target.append(leaf)
            if text is None and html is None:
                self.attachments.append(leaf)
        if multipart_type == "alternative" and text is not None and html is not None:
            if text_length == len(text) and html_length != len(html):
                text.extend(html[html_length:])  # HTML only: it gives the text too
            if html_length == len(html) and text_length != len(text):
                html.extend(text[text_length:])

    def _children(self, leaf: _Leaf, depth: int) -> list[_Leaf] | None:
        if leaf.info.maintype != "multipart":
            return None
        payload = leaf.part.get_payload() if leaf.part.is_multipart() else None
        if not isinstance(payload, list):
            # No boundary, or none found: RFC 2046 has no answer; the content is
            # most useful read as text.
            self.problems.append(f"part {leaf.number} ({leaf.info.content_type}): no parts found")
            leaf.info = dataclasses.replace(leaf.info, content_type="text/plain")
            return None
        if depth >= MAX_DEPTH:
            self.problems.append(f"part {leaf.number}: nested too deeply, kept whole")
            return None
        return [self.leaf(child) for child in payload if isinstance(child, Message)]


def extract_body(message: Message, *, hint: str) -> Body:
    walk = _Walk(hint)
    walk.structure([walk.leaf(message)], "mixed", False, walk.html, walk.text, 0)
    composer = _Composer(walk)
    return composer.body()


class _Composer:
    """Decodes the chosen parts into text, HTML and attachments."""

    def __init__(self, walk: _Walk) -> None:
        self.walk = walk
        self.problems = walk.problems
        self.files: list[ParsedAttachment] = []
        self._decoded: dict[int, str] = {}  # by leaf number: each part is decoded once
        self._binary: set[int] = set()

    def body(self) -> Body:
        for leaf in self.walk.attachments:
            self._attach(leaf)
        text = "\n".join(self._text(leaf) for leaf in self.walk.text).strip("\n")
        html_source = self._html_source()
        if len(html_source) > HTML_TEXT_LIMIT:
            # Bounded time: nh3 and the text extraction are linear, this caps
            # them. The stored raw message keeps the whole HTML.
            self.problems.append(f"HTML body over {HTML_TEXT_LIMIT} characters: cut there")
            html_source = html_source[:HTML_TEXT_LIMIT]
        too_costly = is_too_costly(html_source)
        html = self._sanitised(html_source, too_costly) if html_source else ""
        if not text.strip() and html_source:
            text = self._html_text(html_source, too_costly)
        html, referenced = _rewrite_cids(html, {f.content_id for f in self.files if f.content_id})
        files = tuple(
            dataclasses.replace(file, is_inline=file.content_id in referenced)
            for file in self.files
        )
        return Body(text, html, files, tuple(self.problems))

    def _text(self, leaf: _Leaf) -> str:
        """A body part as text; a part that cannot be decoded is kept as a file."""
        if leaf.number not in self._decoded:
            try:
                if leaf.info.content_type == "text/html":
                    text = self._html_text(self._html(leaf))
                else:
                    text = self._plain(leaf)
            except Exception as error:  # noqa: BLE001 - one part must not lose the others
                self._note(leaf, f"unreadable ({type(error).__name__}), kept as a file")
                self._attach(leaf)
                text = ""
            self._decoded[leaf.number] = text
        return self._decoded[leaf.number]

    def _plain(self, leaf: _Leaf) -> str:
        info = leaf.info
        data = part_bytes(leaf.part, info)
        if self._is_binary(leaf, data):
            return ""
        result = plain_text(
            data, info.charset, flowed=info.is_flowed, delsp=info.delsp, hint=self.walk.hint
        )
        self._note(leaf, result.problem)
        for file in result.files:
            self.files.append(
                ParsedAttachment(file.filename, _guess_type(file.filename), file.content)
            )
        return result.text

    def _html(self, leaf: _Leaf) -> str:
        """An HTML part decoded (cached: both the text and the HTML body read it)."""
        key = -leaf.number  # apart from _text's entries for the same part
        if key not in self._decoded:
            data = part_bytes(leaf.part, leaf.info)
            if self._is_binary(leaf, data):
                self._decoded[key] = ""
            else:
                decoded = decode_text(data, leaf.info.charset or html_charset(data))
                self._note(leaf, decoded.problem)
                self._decoded[key] = without_controls(decoded.text)
        return self._decoded[key]

    def _html_source(self) -> str:
        """The HTML body: HTML parts as they are, text parts in between as <pre>."""
        if not any(leaf.info.content_type == "text/html" for leaf in self.walk.html):
            return ""
        pieces = []
        for leaf in self.walk.html:
            if leaf.info.content_type == "text/html":
                pieces.append(self._html(leaf))
            else:
                pieces.append(f"<pre>{html_module.escape(self._text(leaf))}</pre>")
        return "\n".join(pieces)

    def _html_text(self, source: str, too_costly: bool | None = None) -> str:
        if len(source) > HTML_TEXT_LIMIT:
            self.problems.append(
                f"HTML part over {HTML_TEXT_LIMIT} characters: text made of its start"
            )
        text, rough = html_to_text(source, too_costly=too_costly)
        if rough:
            self.problems.append("HTML too costly to parse: text made by stripping the tags")
        return text

    def _sanitised(self, source: str, too_costly: bool) -> str:
        if too_costly:
            self.problems.append("HTML too costly to sanitise: kept as text only")
            return ""
        return sanitize_html(source)

    def _attach(self, leaf: _Leaf) -> None:
        info = leaf.info
        try:
            content = part_bytes(leaf.part, info)
        except Exception as error:  # noqa: BLE001 - keep the part, even empty
            self._note(leaf, f"content unreadable ({type(error).__name__})")
            content = b""
        name = info.filename
        if not name and info.content_type in _MESSAGE_TYPES:
            name = _message_file_name(nested_subject(content, self.walk.hint))
        if not name:
            name = f"attachment-{len(self.files) + 1}{_extension(info.content_type)}"
        content_type = (
            "message/rfc822" if info.content_type == "message/global" else info.content_type
        )
        self.files.append(ParsedAttachment(name, content_type, content, info.content_id))

    def _is_binary(self, leaf: _Leaf, data: bytes) -> bool:
        """Many NUL bytes in a text part mean a file (an Outlook .msg sent raw, a
        mislabelled document): it is kept as an attachment, not shown as text.
        A stray NUL or two in real text is only dropped (ParsedMail's contract)."""
        sample = data[:65536]
        nul_bytes = sample.count(b"\x00")
        if nul_bytes < 2 or nul_bytes * 100 <= len(sample):
            return False
        if _is_wide_text(leaf.info.charset, sample):
            return False
        if leaf.number not in self._binary:
            self._binary.add(leaf.number)
            self._note(leaf, "binary data, kept as a file")
            leaf.info = dataclasses.replace(leaf.info, content_type="application/octet-stream")
            self._attach(leaf)
        return True

    def _note(self, leaf: _Leaf, problem: str) -> None:
        if problem:
            self.problems.append(f"part {leaf.number} ({leaf.info.content_type}): {problem}")


def _is_wide_text(charset: str, sample: bytes) -> bool:
    """UTF-16 or UTF-32, by declaration or byte order mark: NUL bytes are normal there."""
    boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    return charset.lower().startswith(_WIDE_CHARSETS) or sample.startswith(boms)


def _message_file_name(subject: str) -> str:
    """An attached message's file name: its subject (no path separators), or ""."""
    name = subject[:_SUBJECT_NAME_LENGTH].replace("/", "-").replace("\\", "-").strip()
    return f"{name}.eml" if name else ""


def _extension(content_type: str) -> str:
    known = _EXTENSIONS.get(content_type)
    if known:
        return known
    guessed = _MIME_TYPES.guess_extension(content_type, strict=False)
    return guessed or (".txt" if content_type.startswith("text/") else ".bin")


def _guess_type(filename: str) -> str:
    guessed, _ = _MIME_TYPES.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _rewrite_cids(html: str, content_ids: set[str]) -> tuple[str, set[str]]:
    """`cid:` URLs in the exact form of the attachment's Content-ID ("cid:<id>" for
    the UI to map to the attachment); returns the Content-IDs the HTML uses."""
    by_key = {content_id.lower(): content_id for content_id in content_ids}
    referenced: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        quote, reference = match.group(1), match.group(2)
        key = unquote(html_module.unescape(reference)).strip().strip("<>").lower()
        content_id = by_key.get(key)
        if content_id is None:
            return match.group(0)
        referenced.add(content_id)
        return f"{quote}cid:{html_module.escape(content_id)}{quote}"

    return _CID_URL.sub(rewrite, html), referenced
