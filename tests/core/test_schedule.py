"""Periodic jobs start once per interval, however many workers ask."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from relaydesk.core.schedule import enqueue_due_jobs, registered_jobs
from relaydesk.core.time import now

pytestmark = pytest.mark.django_db

LOCK_JOB = "release_expired_locks"


def enqueued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=f"{name}_task").count()


def test_lock_release_is_a_registered_job() -> None:
    assert LOCK_JOB in {job.name for job in registered_jobs()}


def test_a_job_starts_once_per_interval_across_workers() -> None:
    start = now()

    first_worker = enqueue_due_jobs(start)
    second_worker = enqueue_due_jobs(start + dt.timedelta(seconds=5))

    assert LOCK_JOB in first_worker
    assert LOCK_JOB not in second_worker
    assert enqueued(LOCK_JOB) == 1

    later = enqueue_due_jobs(start + dt.timedelta(minutes=1, seconds=1))
    assert LOCK_JOB in later
    assert enqueued(LOCK_JOB) == 2
