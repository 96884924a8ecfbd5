"""Shared fixtures. Tests run against RELAYDESK_DATABASE_URL: SQLite by default,
PostgreSQL in CI's second pass. tests/settings.py gives each run its own data dir."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection

from tests.factories import Directory, build_directory

# This process has loaded tests.settings already. Processes the tests start
# (relaydesk up, workers, bench) run the product's own settings, with the
# RELAYDESK_* environment tests.settings set up.
os.environ["DJANGO_SETTINGS_MODULE"] = "relaydesk.settings"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set RELAYDESK_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "files")
    # Real hashing costs ~0.3 s a password; tests that sign in still hash for real.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _restore_default_configuration() -> None:
    """States, priorities and types as their data migration makes them (idempotent)."""
    migration = importlib.import_module("relaydesk.tickets.migrations.0003_default_configuration")
    migration.create(django_apps, None)


@pytest.fixture(autouse=True)
def _default_configuration_after_flush(request: pytest.FixtureRequest) -> None:
    """A transactional test ends with a flush, which also removes the rows data
    migrations made; the next transactional test gets them back here."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    if transactional:
        request.getfixturevalue("transactional_db")
        _restore_default_configuration()


@pytest.fixture
def default_configuration(transactional_db: None) -> None:
    _restore_default_configuration()


@pytest.fixture
def directory(db: None) -> Directory:
    """Two organisations, customers, two agent groups with their queues."""
    return build_directory()
