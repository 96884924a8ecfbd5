"""A text/plain body part as the reader should see it.

Decoded through the charset fallback chain, line ends made "\\n",
format=flowed paragraphs joined again (RFC 3676), and uuencoded files that
older mailers (Lotus Notes, 1990s Eudora) paste into the text taken out as
attachments, as RT and MIME-tools do.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from relaydesk.mail.inbound.charsets import decode_text

_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} ([^\n]+)\n", re.MULTILINE)
_UU_END = re.compile(r"^end[ \t]*$\n?", re.MULTILINE)
_SIGNATURE_SEPARATOR = "-- "


@dataclass(frozen=True)
class UuFile:
    filename: str
    content: bytes


@dataclass(frozen=True)
class PlainText:
    text: str
    files: tuple[UuFile, ...]
    problem: str  # "" when the declared charset fit


def plain_text(
    data: bytes, charset: str, *, flowed: bool, delsp: bool, hint: str = ""
) -> PlainText:
    decoded = decode_text(data, charset, hint=hint)
    text = normalise_newlines(decoded.text)
    if flowed:
        text = unflow(text, delsp=delsp)
    text, files = extract_uuencoded(text)
    return PlainText(text, files, decoded.problem)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676 section 4)."""
    lines: list[str] = []
    paragraph: str | None = None
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")  # space-stuffing
        soft = content.endswith(" ") and content != _SIGNATURE_SEPARATOR
        if soft and delsp:
            content = content[:-1]
        if paragraph is not None and depth == paragraph_depth:
            paragraph += content
        else:
            if paragraph is not None:
                lines.append(_quoted(paragraph, paragraph_depth))
            paragraph, paragraph_depth = content, depth
        if not soft:
            lines.append(_quoted(paragraph, paragraph_depth))
            paragraph = None
    if paragraph is not None:
        lines.append(_quoted(paragraph, paragraph_depth))
    return "\n".join(lines)


def _quoted(text: str, depth: int) -> str:
    return f"{'>' * depth} {text}" if depth else text


def extract_uuencoded(text: str) -> tuple[str, tuple[UuFile, ...]]:
    """Take `begin 644 name` … `end` blocks out of the text, decoded.

    Scanned by hand, each "end" searched for once from where the previous
    block ended: a regular expression pairing every "begin" with the next
    "end" is quadratic on thousands of "begin" lines without one.
    """
    if "begin " not in text:
        return text, ()
    files: list[UuFile] = []
    kept: list[str] = []
    position = 0
    while begin := _UU_BEGIN.search(text, position):
        end = _UU_END.search(text, begin.end())
        if end is None:
            break  # no "end" after this "begin": none after any later one either
        content = _uudecode(text[begin.end() : end.start()])
        if content is None:
            kept.append(text[position : end.end()])
        else:
            kept.append(text[position : begin.start()])
            files.append(UuFile(begin.group(1).strip(), content))
        position = end.end()
    kept.append(text[position:])
    return "".join(kept), tuple(files)


def _uudecode(block: str) -> bytes | None:
    """Decode uuencoded lines, or None when the block is not uuencoding after all."""
    data = bytearray()
    for line in block.split("\n"):
        if not line.strip() or line.strip() == "`":
            continue
        raw = line.rstrip("\r").encode("latin-1", errors="replace")
        try:
            data += binascii.a2b_uu(raw)
        except binascii.Error:
            # Trailing garbage, as some encoders write: decode the length the
            # line announces (the standard library's uu module does the same).
            length = (((raw[0] - 32) & 63) * 4 + 5) // 3
            try:
                data += binascii.a2b_uu(raw[:length])
            except binascii.Error:
                return None
    return bytes(data)
