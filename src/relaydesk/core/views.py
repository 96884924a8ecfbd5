"""Health endpoint for load balancers and operators."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import relaydesk
from relaydesk.core.models import WorkerHeartbeat
from relaydesk.core.time import now


def worker_status() -> str:
    """Say "ok" if a worker reported within RELAYDESK_WORKER_STALE_SECONDS, else "stale"."""
    cutoff = now() - dt.timedelta(seconds=settings.RELAYDESK_WORKER_STALE_SECONDS)
    return "ok" if WorkerHeartbeat.objects.filter(last_seen_at__gte=cutoff).exists() else "stale"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    body = {"status": "ok", "database": "ok", "worker": "stale", "version": relaydesk.__version__}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["worker"] = worker_status()
    except DatabaseError:
        body.update(status="error", database="unavailable")
        return JsonResponse(body, status=503)
    return JsonResponse(body)
