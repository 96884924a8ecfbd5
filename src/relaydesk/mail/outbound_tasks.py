"""Background work of outgoing mail: turning a ticket event into outbox rows,
sending one row (with retries), picking up rows whose task was lost.
Tasks take ids and may run twice."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks import task

from relaydesk.core.schedule import every
from relaydesk.core.time import now
from relaydesk.mail.models import OutboundMessage, OutboundStatus
from relaydesk.mail.outbound import notifications
from relaydesk.mail.outbound.send import deliver, max_attempts, retry_delay

# A pending row older than this has outlived all its retries' backoff: its task
# was lost (a worker killed mid-send, a process gone between commit and enqueue).
STALE_AFTER = dt.timedelta(hours=1)

logger = logging.getLogger(__name__)


def enqueue_send(outbound_id: int, *, delay: dt.timedelta | None = None) -> None:
    """Queue one attempt; later by `delay` where the backend can defer (the database one)."""
    runner = send_outbound_message_task
    if delay is not None and runner.get_backend().supports_defer:
        runner = runner.using(run_after=now() + delay)
    runner.enqueue(outbound_id)


@task()
def send_outbound_message_task(outbound_id: int) -> str:
    """Send one outbox row; on a temporary failure queue the next attempt with backoff."""
    outcome = deliver(outbound_id)
    if outcome is None:
        return "nothing to do"
    if outcome.retry_after is not None:
        enqueue_send(outbound_id, delay=outcome.retry_after)
    return str(outcome.status)


@task()
def notify_tickets_created_task(created: list[dict[str, Any]]) -> int:
    """For each new ticket (`ticket_id`, `article_id`, `actor_id`, `event_key`): the
    acknowledgement (or the agent's opening article) and the queue's agents.

    Each ticket's notices are written in their own transaction, so that one
    failing costs the others nothing; the task then fails, naming how many.
    """
    failed = 0
    for notice in created:
        try:
            with transaction.atomic():
                notifications.notify_ticket_created(**notice)
        except Exception:
            logger.exception("could not notify about new ticket %s", notice.get("ticket_id"))
            failed += 1
    if failed:
        raise NotifyFailed(f"{failed} of {len(created)} new-ticket notices failed (see the log)")
    return len(created)


class NotifyFailed(Exception):
    """Some notices of a task could not be written; the others were."""


@task()
def notify_article_added_task(article_id: int, event_key: str) -> None:
    """A public agent article to the customer side; a customer's to the owner."""
    notifications.notify_article_added(article_id=article_id, event_key=event_key)


@task()
def send_forward_task(article_id: int, event_key: str) -> None:
    """An agent's forward to the address it was forwarded to."""
    notifications.send_forward(article_id=article_id, event_key=event_key)


@task()
def notify_ticket_changed_task(
    ticket_id: int, field: str, new: str, actor_id: int | None, event_key: str
) -> None:
    """Resolved or closed to the customer side; a new owner to that agent."""
    notifications.notify_ticket_changed(
        ticket_id=ticket_id, field=field, new=new, actor_id=actor_id, event_key=event_key
    )


def stale_window() -> dt.timedelta:
    backoff = sum((retry_delay(attempt) for attempt in range(1, max_attempts())), dt.timedelta())
    return max(STALE_AFTER, backoff * 2)


@every(dt.timedelta(minutes=10), name="resend_stale_outbound_mail")
@task()
def resend_stale_outbound_mail_task() -> int:
    """Queue another attempt for pending rows whose own task must have been lost."""
    stale = OutboundMessage.objects.filter(
        status=OutboundStatus.PENDING, created_at__lt=now() - stale_window()
    ).values_list("pk", flat=True)[:500]
    ids = list(stale)
    for outbound_id in ids:
        enqueue_send(outbound_id)
    return len(ids)


def send_again(outbound_id: int) -> bool:
    """An operator's "send again" for a FAILED mail: a fresh set of attempts, same Message-ID.

    Only failed mail: sent mail must never go twice, and suppressed mail was
    held back on purpose. Returns whether the mail was queued.
    """
    with transaction.atomic():
        reset = OutboundMessage.objects.filter(pk=outbound_id, status=OutboundStatus.FAILED).update(
            status=OutboundStatus.PENDING, attempts=0
        )
        if reset:
            transaction.on_commit(partial(enqueue_send, outbound_id))
    return bool(reset)
