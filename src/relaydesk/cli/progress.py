"""A progress line on a terminal's standard error, redrawn at most ten times a
second; silent when stderr is not a terminal (logs and pipes stay clean)."""

from __future__ import annotations

import sys
import time

REDRAW_SECONDS = 0.1
BAR_WIDTH = 30


class ProgressLine:
    def __init__(self, label: str, *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.shown_at = 0.0

    def show(self, text: str) -> None:
        if not self.enabled or time.monotonic() - self.shown_at < REDRAW_SECONDS:
            return
        self.shown_at = time.monotonic()
        sys.stderr.write(f"\r{self.label}: {text}")
        sys.stderr.flush()

    def bar(self, done: int, total: int) -> None:
        """`[#######-------] 120/400` — forced at the end so the last state is drawn."""
        if done == total:
            self.shown_at = 0.0
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        self.show(f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total}")

    def clear(self) -> None:
        if self.enabled and self.shown_at:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown_at = 0.0
