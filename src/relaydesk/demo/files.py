"""Small generated attachments: a PNG "screenshot" and a log file.

Generated rather than shipped, so that the package carries no binary blobs
and every file is deterministic for a given random generator.
"""

from __future__ import annotations

import random
import struct
import zlib

from relaydesk.tickets.actions import NewAttachment

PNG_SIZE = 24


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def png_bytes(rng: random.Random, size: int = PNG_SIZE) -> bytes:
    """A valid RGB PNG: a two-colour checkerboard, colours from `rng`."""
    colours = [bytes(rng.randrange(256) for _ in range(3)) for _ in range(2)]
    rows = []
    for y in range(size):
        pixels = b"".join(colours[(x // 4 + y // 4) % 2] for x in range(size))
        rows.append(b"\x00" + pixels)  # filter type 0 for every row
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _png_chunk(b"IEND", b"")
    )


LOG_MESSAGES = (
    "INFO  service started",
    "WARN  connection to gateway slow ({ms} ms)",
    "INFO  retrying request #{n}",
    "ERROR operation timed out after {ms} ms",
    "INFO  configuration reloaded",
)


def log_bytes(rng: random.Random, lines: int = 12) -> bytes:
    """A plausible log excerpt with timestamps on one morning."""
    out = []
    for index in range(lines):
        message = rng.choice(LOG_MESSAGES).format(ms=rng.randrange(200, 9000), n=index)
        out.append(f"2025-03-04 09:{index * 4:02d}:{rng.randrange(60):02d} {message}")
    return ("\n".join(out) + "\n").encode()


def attachment_for(kind: str | None, rng: random.Random, stem: str) -> tuple[NewAttachment, ...]:
    if kind == "png":
        return (NewAttachment(f"{stem}.png", png_bytes(rng), "image/png"),)
    if kind == "log":
        return (NewAttachment(f"{stem}.log", log_bytes(rng), "text/plain"),)
    return ()
