"""Sign-in, sign-out, sessions and the agent/customer separation (issue 4, item 1)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from relaydesk.accounts.models import LoginFailure, User
from relaydesk.core.time import now
from tests.factories import PASSWORD, AgentFactory, Directory

LOGIN = "/agent/login/"
WRONG = "The email address or the password is not correct."


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def form_errors(response: Any) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    return re.findall(r"<p>(.*?)</p>", block.group(1)) if block else []


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_root_redirects_to_the_agent_interface() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/agent/"


@pytest.mark.django_db
def test_the_sign_in_page_has_labelled_fields() -> None:
    response = Client().get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email">Email address</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'name="remember_me"' in html
    assert 'autocomplete="current-password"' in html


def test_an_agent_signs_in_and_the_session_ends_with_the_browser(
    directory: Directory, settings: Any
) -> None:
    client = Client()
    response = sign_in(client, "AGENT@example.com")  # the address ignores case
    assert response.status_code == 302
    assert response["Location"] == "/agent/"
    assert session_user_id(client) == str(directory.agent.pk)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["expires"] == ""
    # On the server the session ends after RELAYDESK_SESSION_HOURS all the same.
    session = Session.objects.get(session_key=cookie.value)
    lifetime = session.expire_date - now()
    assert dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < lifetime
    assert lifetime <= dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert client.get("/agent/").status_code == 200


def test_remember_me_keeps_the_session_for_the_configured_days(
    directory: Directory, settings: Any
) -> None:
    settings.RELAYDESK_REMEMBER_ME_DAYS = 30
    client = Client()
    sign_in(client, directory.agent.email, remember_me="on")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 30 * 24 * 3600
    session = Session.objects.get(session_key=cookie.value)
    assert session.expire_date - now() > dt.timedelta(days=29, hours=23)


def test_an_expired_session_is_sent_back_to_sign_in(directory: Directory, settings: Any) -> None:
    client = Client()
    sign_in(client, directory.agent.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=now() - dt.timedelta(seconds=1))
    response = client.get("/agent/")
    assert response.status_code == 302
    assert response["Location"] == "/agent/login/?next=/agent/"


def test_signing_in_gives_a_new_session_key(directory: Directory, settings: Any) -> None:
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["probe"] = "before"
    session.save()
    before = session.session_key
    sign_in(client, directory.agent.email)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before


def test_a_wrong_password_is_refused_and_counted(directory: Directory) -> None:
    client = Client()
    response = sign_in(client, directory.agent.email, "not the password")
    assert response.status_code == 400
    assert form_errors(response) == [WRONG]
    assert session_user_id(client) is None
    assert list(LoginFailure.objects.values_list("email", "address")) == [
        ("agent@example.com", "127.0.0.1")
    ]


def test_a_customer_cannot_sign_in_and_is_told_what_a_wrong_password_is_told(
    directory: Directory,
) -> None:
    client = Client()
    customer = sign_in(client, directory.alice.email)  # her correct password
    wrong = sign_in(Client(), directory.agent.email, "not the password")
    unknown = sign_in(Client(), "nobody@example.com")
    assert customer.status_code == wrong.status_code == unknown.status_code == 400
    assert form_errors(customer) == form_errors(wrong) == form_errors(unknown) == [WRONG]
    assert session_user_id(client) is None


def test_an_inactive_agent_cannot_sign_in(directory: Directory) -> None:
    User.objects.filter(pk=directory.agent.pk).update(is_active=False)
    response = sign_in(Client(), directory.agent.email)
    assert form_errors(response) == [WRONG]


def test_a_customer_session_on_agent_pages_goes_to_the_agent_sign_in(
    directory: Directory,
) -> None:
    client = Client()
    client.force_login(directory.alice)
    for path in ("/agent/", "/agent/password/", "/agent/queues/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/agent/login/?next={path}"
    # Her session is left alone (it is the portal's), and the sign-in page shows.
    assert session_user_id(client) == str(directory.alice.pk)
    assert client.get(LOGIN).status_code == 200


AGENT_PAGES = [
    "agent:dashboard",
    "agent:password_change",
    "agent:queues",
    "agent:saved_searches",
    "agent:customers",
    "agent:statistics",
    "agent:search",
    "agent:ticket_new",
    "agent:preferences",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", AGENT_PAGES)
def test_every_agent_page_needs_a_signed_in_agent(name: str) -> None:
    path = reverse(name)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/agent/login/?next={path}"


@pytest.mark.django_db
def test_an_htmx_request_without_a_session_is_told_to_reload_the_sign_in() -> None:
    response = Client().get("/agent/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/agent/login/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/agent/queues/", "/agent/queues/"),
        ("https://evil.example/agent/", "/agent/"),
        ("//evil.example/", "/agent/"),
        ("", "/agent/"),
    ],
)
def test_after_sign_in_next_leads_only_to_this_site(
    directory: Directory, next_url: str, expected: str
) -> None:
    response = sign_in(Client(), directory.agent.email, next=next_url)
    assert response["Location"] == expected


def test_the_sign_in_page_sends_a_signed_in_agent_on(agent_client: Client) -> None:
    response = agent_client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/agent/"


def test_sign_out_is_a_post_and_ends_the_session(agent_client: Client) -> None:
    assert agent_client.get("/agent/logout/").status_code == 405
    assert session_user_id(agent_client) is not None
    response = agent_client.post("/agent/logout/", follow=True)
    assert response.redirect_chain == [("/agent/login/", 302)]
    assert "You have signed out." in response.content.decode()
    assert session_user_id(agent_client) is None
    assert agent_client.get("/agent/").status_code == 302


def test_csrf_is_checked_on_sign_in_and_sign_out(directory: Directory) -> None:
    client = Client(enforce_csrf_checks=True)
    refused = sign_in(client, directory.agent.email)
    assert refused.status_code == 403
    assert session_user_id(client) is None

    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    accepted = sign_in(client, directory.agent.email, csrfmiddlewaretoken=token)
    assert accepted.status_code == 302
    assert session_user_id(client) == str(directory.agent.pk)

    assert client.post("/agent/logout/").status_code == 403
    assert session_user_id(client) == str(directory.agent.pk)
    page = client.get("/agent/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    assert client.post("/agent/logout/", {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert session_user_id(client) is None


@pytest.mark.django_db
def test_a_new_agent_can_sign_in_with_a_fresh_account() -> None:
    agent = AgentFactory(email="new.agent@example.com")
    assert sign_in(Client(), agent.email).status_code == 302
