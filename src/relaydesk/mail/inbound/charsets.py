"""Bytes to text when a message's declared charset may be missing, unknown or wrong.

Real mail lies about its charset all the time: "us-ascii" on UTF-8 text,
"iso-8859-1" on UTF-8, "utf-8" on Windows-1252, labels Python does not know
("ks_c_5601-1987" variants, "x-mac-roman", "unknown-8bit"). The order we try:
the declared charset (or the superset mail programs really meant), UTF-8, a
hint from elsewhere in the message, a detector, and finally Windows-1252 with a
Latin-1 fallback, which decodes anything. Our own decoding never produces
U+FFFD unless a multibyte charset is broken beyond repair.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Labels that mean "we do not know": decode as if nothing had been declared.
_NO_CHARSET = frozenset(
    {"", "unknown", "unknown-8bit", "x-unknown", "default", "x-user-defined", "8bit", "7bit"}
)
# Codecs that are not charsets, or that would interpret backslashes in the text.
_REFUSED_CODECS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)
# Labels Python does not know, mapped to the codec their senders mean.
_ALIASES = {
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "x-gbk": "gb18030",
    "utf8mb4": "utf-8",
    "ansi_x3.4-1968": "ascii",
}
# What mail programs really write when they declare the smaller charset:
# browsers and mail clients treat these labels as the superset (WHATWG Encoding).
_SUPERSETS = {
    "iso8859-1": ("cp1252",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc_kr": ("cp949",),
    "shift_jis": ("cp932",),
    "euc_jp": ("euc_jis_2004",),
    # Windows writes ISO-2022-JP with NEC and IBM extensions (CP50221), which
    # no Python codec reads: see _iso2022jp_via_cp932.
    "iso2022_jp": ("iso2022_jp_ext", "x-iso2022-jp-ms"),
    "iso8859-9": ("cp1254",),
    "iso8859-11": ("cp874",),
    "tis-620": ("cp874",),
}
_ISO2022JP_MS = "x-iso2022-jp-ms"
_ESCAPE = re.compile(rb"\x1b(\$[@B]|\$\(D|\([BJI])")
# Charsets that map every byte to one character: any byte string "decodes", so
# UTF-8 text mislabelled with one of them is only caught by trying UTF-8 first.
_SINGLE_BYTE_PREFIXES = ("iso8859", "cp125", "cp874", "latin", "koi8", "mac_", "cp437", "cp85")
# Charsets whose bytes are all ASCII: an ASCII-only text may still need decoding.
_ASCII_LOOKING = ("utf_7", "utf-7", "iso2022", "hz", "utf_16", "utf-16", "utf_32", "utf-32")
_DETECT_SAMPLE = 64 * 1024
# Below this many bytes detectors guess wildly (Russian read as Shift-JIS).
_DETECT_MIN = 64
_UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")
# Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates), one run at a time.
_UTF8_RUN = re.compile(
    rb"((?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]"
    rb"|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})+)"
)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Latin-1 code points 0x80-0x9f (C1 controls) as the characters cp1252 puts there.
_CP1252_TABLE = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if bytes([byte]).decode("cp1252", errors="replace") != "\ufffd"
}


@dataclass(frozen=True)
class Decoded:
    """Text and how we got it; `problem` is "" when the declared charset was right."""

    text: str
    charset: str
    problem: str = ""


def clean_text(text: str) -> str:
    """Drop NUL (PostgreSQL refuses it) and lone surrogates (not encodable)."""
    return _UNSAFE_CHARS.sub("", text)


def resolve_charset(label: str) -> str:
    """The Python codec for a charset label, or "" when unknown or unusable."""
    words = label.strip().strip("\"'").split("*", 1)[0].split()
    name = words[0].lower() if words else ""
    if name in _NO_CHARSET:
        return ""
    name = _ALIASES.get(name, name)
    for candidate in (
        name,
        name.removeprefix("x-"),
        name.replace("cp-", "cp"),
        name.replace("_", "-"),
    ):
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):
            continue
        if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
            return ""
        return info.name
    return ""


def decode_text(data: bytes, declared: str = "", *, hint: str = "", detect: bool = True) -> Decoded:
    """Decode `data`, never raising; see the module docstring for the order."""
    codec = resolve_charset(declared)
    problem = f"unknown charset {declared.strip()!r}" if declared.strip() and not codec else ""
    if data.isascii() and not codec.startswith(_ASCII_LOOKING):
        return Decoded(data.decode("ascii"), codec or "ascii")
    for candidate in _candidates(data, codec, resolve_charset(hint)):
        try:
            text = _decode(data, candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if _fits(candidate, codec):
            return Decoded(text, candidate, problem)
        return Decoded(text, candidate, _wrong(declared, candidate, problem))
    if _looks_like_utf8(data):
        # Mostly UTF-8 with stray bytes (quoted Windows-1252 text, a cut character).
        text = _utf8_with_cp1252(data)
        return Decoded(text, "utf-8", _wrong(declared, "utf-8, stray bytes as cp1252", problem))
    detected = _detect(data) if detect and len(data) >= _DETECT_MIN else None
    if detected:
        return Decoded(detected[0], detected[1], _wrong(declared, detected[1], problem))
    return _last_resort(data, declared, codec, problem)


def _candidates(data: bytes, codec: str, hint: str) -> list[str]:
    """Charsets worth a strict try, best first.

    A single-byte charset decodes any bytes, so one is tried only when the
    message itself names it (declared, or the hint from elsewhere in it).
    """
    candidates: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        candidates.append("utf-8-sig")
    if _is_single_byte(codec) or codec == "ascii":
        # UTF-8 labelled as Latin-1 would "decode" as mojibake: UTF-8 goes first.
        # Genuine Latin-1 text almost never happens to be valid UTF-8.
        candidates.append("utf-8")
    candidates += _family(codec)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates.append("utf-16")
    candidates.append("utf-8")
    candidates += _family(hint)
    return list(dict.fromkeys(candidates))


def _fits(used: str, codec: str) -> bool:
    """Whether decoding with `used` is what the message declared (or implied)."""
    if not codec:
        return used in {"utf-8", "utf-8-sig"}
    return used in _family(codec) or (codec == "utf-8" and used == "utf-8-sig")


def _family(codec: str) -> tuple[str, ...]:
    """A codec after the supersets its label stands for in practice: a superset
    reads the smaller charset's text the same, and the sender's extras too."""
    return (*_SUPERSETS.get(codec, ()), codec) if codec else ()


def _decode(data: bytes, codec: str) -> str:
    if codec == _ISO2022JP_MS:
        return _iso2022jp_via_cp932(data)
    return data.decode(codec)


def _iso2022jp_via_cp932(data: bytes) -> str:
    """ISO-2022-JP re-coded as Shift-JIS and read as CP932, which has the NEC
    and IBM extensions (circled digits, Roman numerals) Japanese mail uses."""
    out = bytearray()
    mode = b"(B"
    for index, chunk in enumerate(_ESCAPE.split(data)):
        if index % 2:
            mode = chunk
        elif mode in {b"$@", b"$B"}:
            if len(chunk) % 2:
                raise UnicodeDecodeError("iso2022_jp", data, 0, len(data), "odd double-byte run")
            for first, second in zip(chunk[::2], chunk[1::2], strict=True):
                out += _jis_to_sjis(first, second)
        elif mode == b"(I":
            out += bytes(byte | 0x80 for byte in chunk)  # half-width katakana
        elif chunk.isascii():
            out += chunk
        else:
            raise UnicodeDecodeError("iso2022_jp", data, 0, len(data), "8-bit byte")
    return bytes(out).decode("cp932")


def _jis_to_sjis(first: int, second: int) -> bytes:
    if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
        raise UnicodeDecodeError("iso2022_jp", bytes([first, second]), 0, 2, "not JIS X 0208")
    # JIS X 0208 row/cell to Shift-JIS lead/trail byte (the standard arithmetic).
    low = second + (0x20 if second >= 0x60 else 0x1F) if first % 2 else second + 0x7E
    high = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
    return bytes([high, low])


def _is_single_byte(codec: str) -> bool:
    return codec.startswith(_SINGLE_BYTE_PREFIXES)


def _wrong(declared: str, used: str, problem: str) -> str:
    if problem:
        return f"{problem}, decoded as {used}"
    if declared.strip():
        return f"charset {declared.strip()!r} does not fit the text, decoded as {used}"
    return f"no charset declared, decoded as {used}"


def _detect(data: bytes) -> tuple[str, str] | None:
    """A detector's guess, kept only if the whole text decodes with it."""
    try:
        best = charset_normalizer.from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:  # noqa: BLE001 - a detector bug must not stop the message
        return None
    if best is None:
        return None
    # Several charsets often give the same text (cp1250 and cp1252 for German);
    # then the one Western mail uses most is the honest name for it.
    same = {resolve_charset(name) for name in best.could_be_from_charset}
    codec = "cp1252" if "cp1252" in same else resolve_charset(best.encoding)
    if not codec or codec == "ascii":
        return None
    try:
        return data.decode(codec), codec
    except (UnicodeDecodeError, LookupError):
        return None


def _last_resort(data: bytes, declared: str, codec: str, problem: str) -> Decoded:
    if codec and not _is_single_byte(codec) and not codec.startswith(("utf-8", *_ASCII_LOOKING)):
        # Broken Japanese or Chinese text: U+FFFD for the broken bytes is better
        # than Latin-1 mojibake for all of it.
        text = data.decode(_family(codec)[0], errors="replace")
        return Decoded(text, codec, _wrong(declared, f"{codec} with replacements", problem))
    return Decoded(single_byte(data), "cp1252", _wrong(declared, "cp1252", problem))


def _utf8_with_cp1252(data: bytes) -> str:
    """Valid UTF-8 runs as UTF-8, the bytes between them as Windows-1252.

    Mail that mixes UTF-8 with quoted Windows-1252 text is common; this keeps
    every valid UTF-8 character and never produces U+FFFD. Split by one
    regular expression, not an error handler called per stray byte (700 KB
    of them took 0.6 s).
    """
    pieces = _UTF8_RUN.split(data)  # stray bytes, a UTF-8 run, stray bytes, …
    return "".join(
        piece.decode("utf-8") if index % 2 else single_byte(piece)
        for index, piece in enumerate(pieces)
    )


def _looks_like_utf8(data: bytes) -> bool:
    """True when the bytes hold at least one well-formed multibyte UTF-8 sequence."""
    return _UTF8_SEQUENCE.search(data) is not None


def single_byte(data: bytes) -> str:
    """Windows-1252, with Latin-1 for its five undefined bytes: decodes anything."""
    return data.decode("latin-1").translate(_CP1252_TABLE)
