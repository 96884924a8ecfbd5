"""Run one operation N times from C threads and summarise the latencies.

Each thread gets its own database connection (Django opens one per thread)
and closes it when done, as a web or worker process would.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections

# Does ticket `index`; returns its ticket number.
Operation = Callable[[int], str]
MAX_ERRORS_SHOWN = 5


@dataclass
class Measurement:
    latencies: list[float] = field(default_factory=list)  # seconds, successful operations
    numbers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return len(self.numbers) - len(set(self.numbers))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


class _Work:
    """Hands out indices 0..n-1 to the threads and collects their results."""

    def __init__(self, operation: Operation, n: int) -> None:
        self.operation = operation
        self.n = n
        self.next_index = 0
        self.lock = threading.Lock()
        self.result = Measurement()

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= self.n:
                return None
            self.next_index += 1
            return self.next_index - 1

    def run_thread(self) -> None:
        try:
            while (index := self.take()) is not None:
                self.run_one(index)
        finally:
            connections.close_all()  # this thread's connections only

    def run_one(self, index: int) -> None:
        started = time.perf_counter()
        try:
            number = self.operation(index)
        except Exception as exc:  # every failure is counted and reported, never fatal
            with self.lock:
                self.result.errors.append(f"{type(exc).__name__}: {exc}")
            return
        elapsed = time.perf_counter() - started
        with self.lock:
            self.result.latencies.append(elapsed)
            self.result.numbers.append(number)


def measure(operation: Operation, *, n: int, concurrency: int) -> Measurement:
    work = _Work(operation, n)
    threads = [
        threading.Thread(target=work.run_thread, name=f"bench-{i}") for i in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    work.result.wall_seconds = time.perf_counter() - started
    for message in work.result.errors[:MAX_ERRORS_SHOWN]:
        print(f"bench: error: {message}", file=sys.stderr)
    return work.result
