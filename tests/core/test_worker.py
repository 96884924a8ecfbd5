"""The task worker: heartbeat for /healthz, and no task run twice by several workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from relaydesk.core.models import TicketNumberCounter, WorkerHeartbeat
from relaydesk.core.worker import (
    WORKER_ID_MAX_LENGTH,
    Heartbeat,
    HeartbeatWorker,
    default_worker_id,
)
from tests.core.tasks_for_tests import record_run_task, run_scope

REPO_ROOT = Path(__file__).resolve().parents[2]
SUCCESSFUL = "SUCCESSFUL"


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def make_counters(count: int) -> None:
    TicketNumberCounter.objects.bulk_create(
        TicketNumberCounter(scope=run_scope(number)) for number in range(count)
    )


def runs_per_number(count: int) -> dict[str, int]:
    rows = TicketNumberCounter.objects.filter(scope__in=[run_scope(n) for n in range(count)])
    return dict(rows.values_list("scope", "value"))


def test_default_worker_ids_are_unique_and_fit_the_column() -> None:
    ids = {default_worker_id() for _ in range(20)}

    assert len(ids) == 20
    assert all(len(worker_id) <= WORKER_ID_MAX_LENGTH for worker_id in ids)
    assert all(f"-{os.getpid()}-" in worker_id for worker_id in ids)


# The heartbeat thread has its own connection, so it needs committed data.
@pytest.mark.django_db(transaction=True)
def test_heartbeat_is_written_at_start_refreshed_and_removed_at_stop() -> None:
    heartbeat = Heartbeat("test-worker", interval=0.1)
    heartbeat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="test-worker")
        assert (row.hostname, row.pid) == (socket.gethostname(), os.getpid())
        assert row.started_at == heartbeat.started_at

        def refreshed() -> bool:
            return WorkerHeartbeat.objects.get(worker_id="test-worker").last_seen_at > (
                row.last_seen_at
            )

        wait_for(refreshed, timeout=10, what="a second heartbeat")
        assert WorkerHeartbeat.objects.get(worker_id="test-worker").started_at == row.started_at
    finally:
        heartbeat.stop()

    assert not WorkerHeartbeat.objects.filter(worker_id="test-worker").exists()


@pytest.mark.django_db(transaction=True)
def test_heartbeat_enqueues_due_periodic_jobs_once() -> None:
    with Heartbeat("scheduler-a", interval=0.1), Heartbeat("scheduler-b", interval=0.1):

        def enqueued() -> bool:
            return DBTaskResult.objects.filter(
                task_path__endswith="release_expired_locks_task"
            ).exists()

        wait_for(enqueued, timeout=10, what="the lock-release job to be enqueued")
        time.sleep(0.5)  # several more beats of both: still within the job's interval
    assert (
        DBTaskResult.objects.filter(task_path__endswith="release_expired_locks_task").count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_heartbeat_updates_the_row_of_an_earlier_run_with_the_same_id() -> None:
    with Heartbeat("same-id", interval=60):
        first = WorkerHeartbeat.objects.get(worker_id="same-id")
    WorkerHeartbeat.objects.create(
        worker_id="same-id", pid=1, started_at=first.started_at, last_seen_at=first.last_seen_at
    )

    with Heartbeat("same-id", interval=60) as second:
        row = WorkerHeartbeat.objects.get(worker_id="same-id")
        assert (row.pid, row.started_at) == (os.getpid(), second.started_at)
        assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_batch_worker_runs_the_queued_tasks_with_a_heartbeat_and_leaves_no_row() -> None:
    make_counters(3)
    results = [record_run_task.enqueue(number) for number in range(3)]
    worker = HeartbeatWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
        heartbeat_interval=0.1,
    )

    worker.run()

    assert runs_per_number(3) == {"t0": 1, "t1": 1, "t2": 1}
    stored = DBTaskResult.objects.filter(id__in=[result.id for result in results])
    assert sorted(stored.values_list("status", flat=True)) == [SUCCESSFUL] * 3
    assert all(row.worker_ids == ["in-process"] for row in stored)
    assert not WorkerHeartbeat.objects.exists()


def database_url() -> str:
    """A URL for the database this test run uses (pytest-django's test database)."""
    config = connection.settings_dict
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or "5432"
    return f"postgres://{config['USER']}{password}@{host}:{port}/{config['NAME']}"


def relaydesk_command() -> list[str]:
    script = Path(sys.executable).with_name("relaydesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "relaydesk.cli"]


def worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["RELAYDESK_DATABASE_URL"] = database_url()
    # The workers import the test task by its dotted path (tests.core…).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_several_workers_never_run_one_task_twice(tmp_path: Path) -> None:
    count, worker_ids = 200, ["w0", "w1", "w2"]
    make_counters(count)
    results = [record_run_task.enqueue(number) for number in range(count)]
    logs = [(tmp_path / f"{worker_id}.log").open("wb") for worker_id in worker_ids]
    command = [*relaydesk_command(), "worker", "--batch", "--worker-id"]
    workers = [
        subprocess.Popen(
            [*command, worker_id], env=worker_environment(), stdout=log, stderr=log, cwd=tmp_path
        )
        for worker_id, log in zip(worker_ids, logs, strict=True)
    ]
    try:
        exit_codes = [worker.wait(timeout=180) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        for log in logs:
            log.close()

    output = "\n".join((tmp_path / f"{worker_id}.log").read_text() for worker_id in worker_ids)
    assert exit_codes == [0, 0, 0], output
    assert runs_per_number(count) == {run_scope(number): 1 for number in range(count)}
    stored = DBTaskResult.objects.filter(id__in=[result.id for result in results])
    assert stored.count() == count
    assert set(stored.values_list("status", flat=True)) == {SUCCESSFUL}
    claims = [row.worker_ids for row in stored]
    assert all(len(ids) == 1 and ids[0] in worker_ids for ids in claims)
    # Otherwise one worker did everything and the test proved nothing.
    assert len({ids[0] for ids in claims}) >= 2
    assert not WorkerHeartbeat.objects.exists()
