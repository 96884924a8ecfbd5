"""A stored message whose worker died before processing it is picked up again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from relaydesk.core.time import now
from relaydesk.mail.inbound.store import store_raw
from relaydesk.mail.models import InboundMessage, InboundStatus
from relaydesk.mail.tasks import process_stale_inbound_mail_task
from tests.factories import Directory
from tests.mail.inbound_helpers import raw_mail

pytestmark = pytest.mark.django_db(transaction=True)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_sweep_processes_old_received_messages_only(directory: Directory) -> None:
    forgotten = store_raw(raw_mail(subject="Forgotten"), via="mailgate")
    fresh = store_raw(raw_mail(subject="Just arrived"), via="mailgate")
    InboundMessage.objects.filter(pk=forgotten.pk).update(
        received_at=now() - dt.timedelta(minutes=11)
    )

    with override_settings(TASKS=IMMEDIATE):
        assert process_stale_inbound_mail_task.call() == 1

    forgotten.refresh_from_db()
    fresh.refresh_from_db()
    assert forgotten.status == InboundStatus.NEW_TICKET
    assert fresh.status == InboundStatus.RECEIVED
