"""CSV for spreadsheets, safe to open: cells that a spreadsheet would read as a
formula are neutralised (OWASP "CSV injection"), so an exported subject like
`=HYPERLINK(…)` stays text."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# A leading =, +, - or @ starts a formula; tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> str:
    """The value as text, prefixed with an apostrophe when it could run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Iterable[object]], out: Writable) -> int:
    """Write every row (header included) with safe cells; returns the rows written."""
    writer = csv.writer(out)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return count
