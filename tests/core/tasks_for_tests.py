"""Tasks that exist only for the worker tests. Worker subprocesses import this
module by its dotted path, so it must stay importable from the repo root."""

from __future__ import annotations

import time

from django.db.models import F
from django_tasks import task

from relaydesk.core.models import TicketNumberCounter

# Long enough that several workers are busy at once, short enough for CI.
RUN_SECONDS = 0.02


def run_scope(number: int) -> str:
    return f"t{number}"


@task()
def record_run_task(number: int) -> int:
    """Count one run in the counter row the test created for this number.

    An UPDATE … SET value = value + 1, so that a second run shows as 2.
    """
    time.sleep(RUN_SECONDS)
    return TicketNumberCounter.objects.filter(scope=run_scope(number)).update(value=F("value") + 1)
