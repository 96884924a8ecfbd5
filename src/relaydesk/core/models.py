"""Shared bookkeeping rows: ticket-number counters and worker heartbeats."""

from __future__ import annotations

from django.db import models


class TicketNumberCounter(models.Model):
    """One row per counter scope (a day for date-based numbers, "all" otherwise).

    The row is incremented with an UPDATE inside the creating transaction, so
    that concurrent creators queue on its row lock and never share a value.
    """

    scope = models.CharField(max_length=16, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}: {self.value}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of each task worker, for /healthz."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.last_seen_at:%Y-%m-%d %H:%M:%S})"


class PeriodicJob(models.Model):
    """When a periodic job was last started; the row makes one worker win per interval."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
