"""The task worker: django-tasks-db's loop plus a heartbeat that /healthz reads.

The loop that claims and runs tasks is django-tasks-db's own `Worker` (it takes
rows with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers can share one database). We only add the heartbeat around it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands.db_worker import Worker

from relaydesk.core.models import WorkerHeartbeat
from relaydesk.core.schedule import enqueue_due_jobs
from relaydesk.core.time import now

logger = logging.getLogger(__name__)

# Well under the default RELAYDESK_WORKER_STALE_SECONDS (120), so that a
# missed beat or two does not make /healthz report the worker stale.
HEARTBEAT_SECONDS = 15.0
WORKER_ID_MAX_LENGTH = 64
# How long shutdown waits for a heartbeat write that is under way.
HEARTBEAT_STOP_TIMEOUT_SECONDS = 5.0


class WorkerSetupError(Exception):
    """The worker cannot start with this configuration."""


def default_worker_id() -> str:
    """host-pid-random: readable in the admin, unique across hosts and restarts."""
    suffix = f"-{os.getpid()}-{get_random_string(6)}"
    host = socket.gethostname()[: WORKER_ID_MAX_LENGTH - len(suffix)]
    return host + suffix


class Heartbeat:
    """Keeps this process's WorkerHeartbeat row fresh from a daemon thread,
    and enqueues the periodic jobs that are due (relaydesk.core.schedule).

    A thread rather than a beat inside the task loop, so that a long task does
    not make a live worker look dead. Django connections are per thread, so the
    thread has its own connection and closes it when it ends. The row is
    deleted on a clean stop: a worker that has stopped is not a live worker.
    """

    def __init__(self, worker_id: str, *, interval: float = HEARTBEAT_SECONDS) -> None:
        self.worker_id = worker_id
        self.interval = interval
        self.started_at = now()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{worker_id}", daemon=True
        )

    def beat(self) -> None:
        """Write one sign of life (an upsert keyed by worker_id)."""
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "last_seen_at": now(),
            },
        )

    def start(self) -> None:
        # The first beat runs in the caller's thread, so that a database that
        # cannot be written fails the start instead of a background thread.
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=HEARTBEAT_STOP_TIMEOUT_SECONDS)

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                self._beat_safely()
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("Could not remove heartbeat of worker %s", self.worker_id)
        finally:
            connection.close()

    def _beat_safely(self) -> None:
        # A database that is briefly away must not end the heartbeat: the next
        # beat reconnects, and /healthz shows "stale" until one succeeds.
        close_old_connections()
        try:
            self.beat()
            # Every beat also offers the periodic jobs; schedule.claim makes
            # sure that only one worker of many enqueues each one per interval.
            enqueue_due_jobs()
        except DatabaseError:
            logger.warning("Heartbeat of worker %s failed", self.worker_id, exc_info=True)
            connection.close()


class HeartbeatWorker(Worker):
    """django-tasks-db's Worker, beating while its loop runs."""

    def __init__(self, *, heartbeat_interval: float = HEARTBEAT_SECONDS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat_interval = heartbeat_interval

    def run(self) -> None:
        with Heartbeat(self.worker_id, interval=self.heartbeat_interval):
            super().run()


def ensure_database_backend(backend_name: str = DEFAULT_TASK_BACKEND_ALIAS) -> None:
    """Refuse to start when tasks do not go to the database (nothing to fetch)."""
    backend = task_backends[backend_name]
    if not isinstance(backend, DatabaseBackend):
        raise WorkerSetupError(
            f"the task backend {backend_name!r} is {type(backend).__name__}, not "
            "django_tasks_db.DatabaseBackend: there is no queue for a worker to take tasks from"
        )


def ensure_heartbeat_fits(interval: float) -> None:
    """A worker that beats less often than /healthz expects would look dead between beats."""
    stale_after = settings.RELAYDESK_WORKER_STALE_SECONDS
    if not 0 < interval < stale_after:
        raise WorkerSetupError(
            f"the heartbeat interval ({interval:g} s) must be above 0 and below "
            f"RELAYDESK_WORKER_STALE_SECONDS ({stale_after} s)"
        )


def run_worker(
    *,
    interval: float = 1.0,
    batch: bool = False,
    worker_id: str | None = None,
    queues: str = "*",
    heartbeat_interval: float | None = None,
) -> None:
    """Run tasks until SIGINT/SIGTERM (or, with batch, until the queue is empty).

    The first signal lets a running task finish; a second one ends it.
    """
    ensure_database_backend()
    if heartbeat_interval is None:
        heartbeat_interval = HEARTBEAT_SECONDS
    ensure_heartbeat_fits(heartbeat_interval)
    worker_id = worker_id or default_worker_id()
    if len(worker_id) > WORKER_ID_MAX_LENGTH:
        raise WorkerSetupError(f"a worker id has at most {WORKER_ID_MAX_LENGTH} characters")
    worker = HeartbeatWorker(
        queue_names=queues.split(","),
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        # A random sleep below one second, so that workers started together
        # do not all poll at the same instant.
        startup_delay=True,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
        heartbeat_interval=heartbeat_interval,
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        worker.reset_signals()
