"""Fixtures of the agent interface's view tests."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cmdb.fixtures import inventory  # noqa: F401 (fixture)
from tests.factories import PASSWORD, Directory


@pytest.fixture
def agent_client(directory: Directory) -> Client:
    """A client signed in as `directory.agent` (through the sign-in page)."""
    client = Client()
    response = client.post("/agent/login/", {"email": directory.agent.email, "password": PASSWORD})
    assert response.status_code == 302
    return client
