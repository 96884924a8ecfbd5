"""Changing one's password, and the temporary password an administrator sets."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from relaydesk.accounts.models import User, UserKind
from tests.agent.test_auth import form_errors, session_user_id, sign_in
from tests.factories import PASSWORD, AgentFactory, Directory

NEW_PASSWORD = "a much better passphrase 42"


def change(client: Client, old: str, new: str, again: str | None = None) -> Any:
    return client.post(
        "/agent/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def field_errors(response: Any) -> list[str]:
    return re.findall(r'<p class="field-error" id="[^"]+">(.*?)</p>', response.content.decode())


def test_an_agent_changes_the_password_and_other_sessions_end(directory: Directory) -> None:
    here, elsewhere = Client(), Client()
    sign_in(here, directory.agent.email)
    sign_in(elsewhere, directory.agent.email)
    response = change(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/agent/password/"
    assert "Your password has been changed." in here.get("/agent/password/").content.decode()
    assert here.get("/agent/").status_code == 200  # this session goes on
    assert elsewhere.get("/agent/").status_code == 302  # the other one ended
    user = User.objects.get(pk=directory.agent.pk)
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("old", "new", "again", "expected"),
    [
        ("wrong", NEW_PASSWORD, None, "Your old password was entered incorrectly"),
        (PASSWORD, NEW_PASSWORD, "something else", "The two password fields didn’t match."),
        (PASSWORD, PASSWORD, None, "The new password must differ from the current one."),
        (PASSWORD, "short", None, "This password is too short."),
    ],
)
def test_a_bad_password_change_names_the_problem_and_changes_nothing(
    agent_client: Client,
    directory: Directory,
    old: str,
    new: str,
    again: str | None,
    expected: str,
) -> None:
    response = change(agent_client, old, new, again)
    assert response.status_code == 400
    assert any(error.startswith(expected) for error in field_errors(response)), field_errors(
        response
    )
    assert User.objects.get(pk=directory.agent.pk).check_password(PASSWORD)


@pytest.fixture
def temporary_agent(db: None) -> User:
    agent: User = AgentFactory(email="newbie@example.com", must_change_password=True)
    return agent


def test_a_temporary_password_leads_to_the_change_page_until_changed(
    temporary_agent: User,
) -> None:
    client = Client()
    response = sign_in(client, temporary_agent.email)
    assert response.status_code == 302
    for path in ("/agent/", "/agent/queues/", "/admin/", "/"):
        bounced = client.get(path)
        assert (bounced.status_code, bounced["Location"]) == (302, "/agent/password/"), path
    htmx = client.get("/agent/", headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, "/agent/password/")
    page = client.get("/agent/password/")
    assert page.status_code == 200
    assert "Your password was set by an administrator and is temporary." in page.content.decode()

    done = change(client, PASSWORD, NEW_PASSWORD)
    assert (done.status_code, done["Location"]) == (302, "/agent/")
    assert client.get("/agent/").status_code == 200
    assert User.objects.get(pk=temporary_agent.pk).must_change_password is False


def test_a_temporary_password_cannot_be_kept(temporary_agent: User) -> None:
    client = Client()
    sign_in(client, temporary_agent.email)
    response = change(client, PASSWORD, PASSWORD)
    assert response.status_code == 400
    assert User.objects.get(pk=temporary_agent.pk).must_change_password is True


def test_with_a_temporary_password_one_may_still_sign_out(temporary_agent: User) -> None:
    client = Client()
    sign_in(client, temporary_agent.email)
    assert client.post("/agent/logout/").status_code == 302
    assert session_user_id(client) is None


@pytest.mark.django_db
def test_an_account_the_admin_creates_starts_with_a_temporary_password() -> None:
    admin = AgentFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "fresh@example.com",
            "name": "Fresh Agent",
            "kind": UserKind.AGENT,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "must_change_password": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = User.objects.get(email="fresh@example.com")
    assert fresh.must_change_password is True
    add_page = client.get("/admin/accounts/user/add/").content.decode()
    assert re.search(r'<input type="checkbox" name="must_change_password"[^>]* checked', add_page)


@pytest.mark.django_db
def test_a_password_the_admin_sets_is_temporary() -> None:
    admin = AgentFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    agent = AgentFactory(email="forgetful@example.com")
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{agent.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.must_change_password is True
    assert agent.check_password(NEW_PASSWORD)


def test_signing_in_with_a_temporary_password_is_counted_like_any_sign_in(
    temporary_agent: User,
) -> None:
    response = sign_in(Client(), temporary_agent.email, "wrong")
    assert form_errors(response) == ["The email address or the password is not correct."]
    assert Session.objects.count() == 0
