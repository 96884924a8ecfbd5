"""The quarantine in the admin: list, raw download, process again, discard."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relaydesk.accounts.models import User
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.models import InboundMessage, InboundStatus, MailAccount
from tests.factories import Directory
from tests.mail.inbound_helpers import deliver, raw_mail

pytestmark = pytest.mark.django_db

LIST = "admin:mail_inboundmessage_changelist"


@pytest.fixture
def root(directory: Directory) -> User:
    return User.objects.create_superuser("root@example.com", "pw", name="Root")


@pytest.fixture
def admin_client(root: User) -> Client:
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def broken_parser(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    def broken(raw: bytes) -> ParsedMail:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("relaydesk.mail.inbound.parse.parse_message", broken)
    return monkeypatch


@pytest.fixture
def quarantined(directory: Directory, broken_parser: pytest.MonkeyPatch) -> InboundMessage:
    row = deliver(raw_mail(subject="Stuck"))
    assert row.status == InboundStatus.QUARANTINED
    return row


def raw_url(row: InboundMessage) -> str:
    return reverse("admin:mail_inboundmessage_raw", args=[row.pk])


def test_the_quarantine_lists_status_and_reason(
    admin_client: Client, quarantined: InboundMessage
) -> None:
    page = admin_client.get(reverse(LIST), {"status__exact": "quarantined"})

    assert page.status_code == 200
    assert b"parsing failed: RuntimeError: parser bug" in page.content
    assert raw_url(quarantined).encode() in page.content


def test_the_list_query_count_does_not_grow_with_messages(
    admin_client: Client, directory: Directory
) -> None:
    deliver(raw_mail())
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse(LIST))
    for number in range(8):
        deliver(raw_mail(subject=f"More {number}", sender=f"c{number}@new.example"))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse(LIST))

    assert len(many) == len(few)


def test_the_detail_page_is_read_only_with_operation_buttons(
    admin_client: Client, quarantined: InboundMessage
) -> None:
    url = reverse("admin:mail_inboundmessage_change", args=[quarantined.pk])

    page = admin_client.get(url)

    assert page.status_code == 200
    assert b"Process again" in page.content
    assert reverse("admin:mail_inboundmessage_discard", args=[quarantined.pk]).encode() in (
        page.content
    )
    assert admin_client.post(url, {"status": "new_ticket"}).status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.QUARANTINED


def test_the_raw_message_downloads_as_an_attachment(
    admin_client: Client, quarantined: InboundMessage
) -> None:
    response = admin_client.get(raw_url(quarantined))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == (
        f'attachment; filename="inbound-{quarantined.pk}.eml"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"Subject: Stuck" in b"".join(response.streaming_content)  # type: ignore[arg-type]


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent", "staff_without_permission"])
def test_the_raw_message_is_404_for_everyone_else(
    directory: Directory, quarantined: InboundMessage, who: str
) -> None:
    client = Client()
    if who == "customer":
        client.force_login(directory.alice)
    elif who == "agent":
        client.force_login(directory.agent)
    elif who == "staff_without_permission":
        User.objects.filter(pk=directory.agent.pk).update(is_staff=True)
        client.force_login(directory.agent)

    response = client.get(raw_url(quarantined))
    missing = client.get(reverse("admin:mail_inboundmessage_raw", args=[10**9]))

    assert response.status_code == 404
    assert missing.status_code == 404
    assert b"Subject" not in response.content
    assert "Content-Disposition" not in response


def test_process_again_from_the_list_records_the_operator(
    admin_client: Client, root: User, quarantined: InboundMessage, broken_parser: pytest.MonkeyPatch
) -> None:
    broken_parser.undo()

    response = admin_client.post(
        reverse(LIST), {"action": "process_again", "_selected_action": [quarantined.pk]}
    )

    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.NEW_TICKET
    assert quarantined.handled_by == root
    assert quarantined.ticket is not None


def test_process_again_while_still_broken_keeps_it_in_quarantine(
    admin_client: Client, root: User, quarantined: InboundMessage
) -> None:
    url = reverse("admin:mail_inboundmessage_process_again", args=[quarantined.pk])

    response = admin_client.post(url)

    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.QUARANTINED
    assert quarantined.handled_by == root


def test_a_discarded_message_offers_process_again_only(
    admin_client: Client, root: User, quarantined: InboundMessage
) -> None:
    admin_client.post(reverse("admin:mail_inboundmessage_discard", args=[quarantined.pk]))

    page = admin_client.get(reverse("admin:mail_inboundmessage_change", args=[quarantined.pk]))

    assert b"Process again" in page.content
    assert b">Discard</button>" not in page.content


def test_discard_button_records_the_operator(
    admin_client: Client, root: User, quarantined: InboundMessage
) -> None:
    url = reverse("admin:mail_inboundmessage_discard", args=[quarantined.pk])

    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)

    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.DISCARDED
    assert quarantined.handled_by == root


def test_operations_need_the_change_permission(
    directory: Directory, quarantined: InboundMessage
) -> None:
    viewer = User.objects.create_user("viewer@example.com", is_staff=True, kind="agent")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
    client = Client()
    client.force_login(viewer)

    assert client.get(raw_url(quarantined)).status_code == 200
    response = client.post(reverse("admin:mail_inboundmessage_discard", args=[quarantined.pk]))

    assert response.status_code == 404
    quarantined.refresh_from_db()
    assert quarantined.status == InboundStatus.QUARANTINED


def test_the_account_password_is_never_shown(admin_client: Client, directory: Directory) -> None:
    account = MailAccount.objects.create(
        name="box", protocol="imap", host="imap.example", port=993, username="desk",
        password="s3cret-pass", queue=directory.support,
    )  # fmt: skip
    url = reverse("admin:mail_mailaccount_change", args=[account.pk])

    page = admin_client.get(url)
    listing = admin_client.get(reverse("admin:mail_mailaccount_changelist"))

    assert page.status_code == 200
    assert b"s3cret-pass" not in page.content
    assert b'type="password"' in page.content
    assert b"s3cret-pass" not in listing.content

    form = {
        "name": "box", "protocol": "imap", "host": "imap.example", "port": "993",
        "security": "ssl", "username": "desk", "password": "", "folder": "INBOX",
        "queue": str(directory.support.pk), "after_import": "delete", "move_to_folder": "",
        "is_active": "on",
    }  # fmt: skip
    assert admin_client.post(url, form).status_code == 302
    account.refresh_from_db()
    assert account.password == "s3cret-pass"  # empty keeps it
    assert admin_client.post(url, {**form, "password": "n3w"}).status_code == 302
    account.refresh_from_db()
    assert account.password == "n3w"


@pytest.mark.parametrize(
    "model",
    ["mail_inboundmessage", "mail_mailaccount", "mail_mailtemplate", "mail_outboundmessage"],
)
def test_mail_admin_pages_open(admin_client: Client, model: str) -> None:
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
