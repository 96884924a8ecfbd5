"""Display names for uploaded and received files.

Stored bytes live under their sha256, so a name is only ever shown and offered
for download; still it must not hide its extension or smuggle control
characters (SECURITY.md class 5).
"""

from __future__ import annotations

import unicodedata

MAX_FILENAME_LENGTH = 255
# Zero-width and bidirectional formatting characters that can disguise a name.
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069",
}  # fmt: skip


def safe_filename(name: str, *, fallback: str = "attachment") -> str:
    """NFKC-normalise, drop invisible and control characters and any directory part."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(
        char
        for char in text
        if char not in _INVISIBLE and unicodedata.category(char) not in {"Cc", "Cf"}
    )
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    if not text:
        return fallback
    if len(text) > MAX_FILENAME_LENGTH:
        stem, dot, extension = text.rpartition(".")
        keep = MAX_FILENAME_LENGTH - len(extension) - 1 if dot and len(extension) < 16 else 0
        text = f"{stem[:keep]}.{extension}" if keep > 0 else text[:MAX_FILENAME_LENGTH]
    return text
