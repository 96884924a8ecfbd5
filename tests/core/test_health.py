"""/healthz: what load balancers and operators read."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client
from pytest_django import Settings

import relaydesk
from relaydesk.core.models import WorkerHeartbeat
from relaydesk.core.time import now


def heartbeat(age_seconds: float) -> WorkerHeartbeat:
    seen = now() - dt.timedelta(seconds=age_seconds)
    return WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="host", pid=1, started_at=seen, last_seen_at=seen
    )


@pytest.mark.django_db
def test_reports_everything_with_no_worker_as_stale(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": "stale",
        "version": relaydesk.__version__,
    }


@pytest.mark.django_db
def test_worker_is_ok_with_a_fresh_heartbeat(client: Client) -> None:
    heartbeat(age_seconds=1)

    assert client.get("/healthz").json()["worker"] == "ok"


@pytest.mark.django_db
def test_worker_is_stale_when_the_heartbeat_is_older_than_the_limit(
    client: Client, settings: Settings
) -> None:
    settings.RELAYDESK_WORKER_STALE_SECONDS = 30
    heartbeat(age_seconds=31)

    body = client.get("/healthz").json()

    assert body["worker"] == "stale"
    assert body["status"] == "ok"  # a missing worker delays work; the site still answers


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """Swap the default connection for a real one to a database that cannot be reached."""
    broken = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        broken.update(HOST="127.0.0.1", PORT=str(unused_port()), NAME="relaydesk_unreachable")
    original = connections["default"]
    wrapper = load_backend(broken["ENGINE"]).DatabaseWrapper(broken, "default")
    connections["default"] = wrapper
    try:
        yield
    finally:
        connections["default"] = original
        wrapper.close()


@pytest.mark.django_db
@pytest.mark.usefixtures("unreachable_database")
def test_answers_503_when_the_database_is_unreachable(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unavailable",
        "worker": "stale",
        "version": relaydesk.__version__,
    }


@pytest.mark.django_db
def test_health_is_exempt_from_the_https_redirect(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    redirect = client.get("/admin/")
    assert redirect.status_code == 301
    assert redirect["Location"].startswith("https://")
