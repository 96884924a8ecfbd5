"""Periodic jobs, started by whichever worker gets there first.

Django's tasks API has no scheduler, so every worker calls `enqueue_due_jobs`
now and then. A job is enqueued only by the worker whose conditional UPDATE
moves its `last_started_at` forward, so any number of workers start it once
per interval. The job itself is an ordinary task (idempotent, takes no rows).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Q

from relaydesk.core.models import PeriodicJob
from relaydesk.core.time import now

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    task: Any  # a django_tasks Task; typed loosely because the backport is untyped here


_jobs: dict[str, Job] = {}


def every(interval: dt.timedelta, *, name: str) -> Callable[[T], T]:
    """Decorator for a task: enqueue it once per `interval` across all workers."""

    def register(task: T) -> T:
        _jobs[name] = Job(name=name, every=interval, task=task)
        return task

    return register


def registered_jobs() -> list[Job]:
    return list(_jobs.values())


def claim(job: Job, at: dt.datetime) -> bool:
    """True for exactly one caller per interval: a compare-and-set on last_started_at."""
    PeriodicJob.objects.bulk_create([PeriodicJob(name=job.name)], ignore_conflicts=True)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=at - job.every)
    return PeriodicJob.objects.filter(due, name=job.name).update(last_started_at=at) == 1


def enqueue_due_jobs(at: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose interval has passed; returns the names enqueued."""
    moment = at or now()
    started = []
    for job in registered_jobs():
        if claim(job, moment):
            job.task.enqueue()
            started.append(job.name)
            logger.info("periodic job %s enqueued", job.name)
    return started
