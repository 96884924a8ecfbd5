"""Failed sign-ins are throttled per account and per client address, in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, RequestFactory

from relaydesk.accounts.models import LoginFailure
from relaydesk.accounts.tasks import purge_login_failures_task
from relaydesk.accounts.throttle import purge_old_failures
from relaydesk.core.net import client_address
from relaydesk.core.schedule import registered_jobs
from relaydesk.core.time import now
from tests.agent.test_auth import WRONG, form_errors, session_user_id, sign_in
from tests.factories import PASSWORD, AgentFactory, Directory

THROTTLED = "Too many failed sign-ins. Please wait 15 minutes, then try again."


def fail(times: int, email: str, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = Client(REMOTE_ADDR=address).post(
            "/agent/login/", {"email": email, "password": "guess"}
        )
        assert form_errors(response) == [WRONG]


def test_five_failures_for_an_account_refuse_even_the_right_password(
    directory: Directory,
) -> None:
    fail(5, directory.agent.email)
    client = Client()
    response = sign_in(client, directory.agent.email)
    assert response.status_code == 400
    assert form_errors(response) == [THROTTLED]
    assert session_user_id(client) is None
    # A refusal is not counted again, and other accounts are not affected.
    assert LoginFailure.objects.count() == 5
    assert sign_in(Client(), directory.specialist.email).status_code == 302


def test_the_account_is_throttled_from_any_address(directory: Directory) -> None:
    fail(3, directory.agent.email, "192.0.2.1")
    fail(2, directory.agent.email.upper(), "192.0.2.2")
    response = sign_in(Client(REMOTE_ADDR="198.51.100.7"), directory.agent.email)
    assert form_errors(response) == [THROTTLED]


@pytest.mark.django_db
def test_unknown_accounts_are_throttled_like_known_ones() -> None:
    fail(5, "nobody@example.com")
    response = sign_in(Client(), "nobody@example.com")
    assert form_errors(response) == [THROTTLED]


def test_the_block_lifts_when_the_failures_leave_the_window(directory: Directory) -> None:
    fail(5, directory.agent.email)
    LoginFailure.objects.update(created_at=now() - dt.timedelta(minutes=15, seconds=1))
    assert sign_in(Client(), directory.agent.email).status_code == 302
    # A successful sign-in forgives the account's failures.
    assert LoginFailure.objects.count() == 0


def test_four_failures_then_success_clears_them(directory: Directory) -> None:
    fail(4, directory.agent.email)
    assert sign_in(Client(), directory.agent.email).status_code == 302
    fail(4, directory.agent.email)
    assert sign_in(Client(), directory.agent.email).status_code == 302


def test_one_address_failing_on_many_accounts_is_throttled(
    directory: Directory, settings: Any
) -> None:
    settings.RELAYDESK_LOGIN_FAILURES_PER_ADDRESS = 6
    for number in range(6):
        fail(1, f"guess{number}@example.com", "203.0.113.9")
    refused = sign_in(Client(REMOTE_ADDR="203.0.113.9"), directory.agent.email)
    assert form_errors(refused) == [THROTTLED]
    assert sign_in(Client(REMOTE_ADDR="203.0.113.10"), directory.agent.email).status_code == 302


def test_the_limits_and_window_come_from_settings(directory: Directory, settings: Any) -> None:
    settings.RELAYDESK_LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES = 60
    fail(2, directory.agent.email)
    LoginFailure.objects.update(created_at=now() - dt.timedelta(minutes=59))
    response = sign_in(Client(), directory.agent.email)
    assert form_errors(response) == [
        "Too many failed sign-ins. Please wait 60 minutes, then try again."
    ]


def test_behind_a_proxy_the_address_is_the_last_forwarded_hop(settings: Any) -> None:
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.5")
    settings.RELAYDESK_BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.RELAYDESK_BEHIND_PROXY = True
    assert client_address(request) == "198.51.100.5"
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(garbage) == "10.0.0.2"


def test_behind_a_proxy_failures_count_per_forwarded_address(
    directory: Directory, settings: Any
) -> None:
    settings.RELAYDESK_BEHIND_PROXY = True
    Client(HTTP_X_FORWARDED_FOR="198.51.100.5").post(
        "/agent/login/", {"email": directory.agent.email, "password": "guess"}
    )
    assert list(LoginFailure.objects.values_list("address", flat=True)) == ["198.51.100.5"]


def test_the_admin_sign_in_is_throttled_too(directory: Directory) -> None:
    admin = AgentFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    for _ in range(5):
        Client().post("/admin/login/", {"username": admin.email, "password": "guess"})
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert session_user_id(client) is None
    # An agent who is no administrator: the admin's refusal counts as a failure.
    Client().post("/admin/login/", {"username": directory.agent.email, "password": PASSWORD})
    assert LoginFailure.objects.filter(email=directory.agent.email).count() == 1


@pytest.mark.django_db
def test_old_failures_are_purged_by_a_periodic_task() -> None:
    LoginFailure.objects.create(email="a@example.com", address="127.0.0.1")
    LoginFailure.objects.create(
        email="b@example.com", address="127.0.0.1", created_at=now() - dt.timedelta(hours=1)
    )
    assert purge_old_failures() == 1
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["a@example.com"]
    assert "purge_login_failures" in {job.name for job in registered_jobs()}
    assert purge_login_failures_task.name == "purge_login_failures_task"
