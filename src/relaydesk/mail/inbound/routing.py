"""Where a mail that continues no ticket opens one, and which addresses are ours.

The target queue, in this order (documented in docs/mail-processing.md):

1. the active queue owning a receiving address — Delivered-To / X-Original-To
   / Envelope-To first (the MTA's word for this delivery), then To, then Cc;
2. the queue the delivery named (`mailgate --queue`), then the account's queue;
3. the queue named by RELAYDESK_MAIL_DEFAULT_QUEUE;
4. the oldest active queue that has an address, else the oldest active queue.

Only when no queue is active at all is the mail quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from relaydesk.core.lookups import lookup
from relaydesk.mail.inbound.parsed import ParsedMail
from relaydesk.mail.models import InboundMessage
from relaydesk.tickets.models import Queue


class NoQueue(Exception):
    """No active queue can take a new ticket."""


@dataclass(frozen=True)
class Route:
    """The queue a new ticket goes to, how it was chosen, and every queue addressed."""

    queue: Queue
    value: str  # the address that matched, or "queue:<name>" / "account:<name>" / "default"
    addressed: tuple[Queue, ...]  # target first: their external number patterns apply


def normalise(address: str) -> str:
    return address.strip().lower()


def queues_by_address() -> dict[str, Queue]:
    """Every queue's address (lowercased) → queue; inactive queues included (still ours)."""
    return lookup("queues_by_address", _read_queues_by_address)


def _read_queues_by_address() -> dict[str, Queue]:
    found: dict[str, Queue] = {}
    for queue in Queue.objects.exclude(email_address="").order_by("pk"):
        found.setdefault(normalise(queue.email_address), queue)
    return found


def own_addresses(by_address: dict[str, Queue]) -> frozenset[str]:
    """Addresses mail from which is our own (a queue's, or the default sender)."""
    default_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return frozenset({*by_address, normalise(default_from)})


def receiving_addresses(parsed: ParsedMail) -> list[str]:
    ordered: list[str] = []
    for address in (*parsed.delivered_to, *parsed.to, *parsed.cc):
        key = normalise(address)
        if key and key not in ordered:
            ordered.append(key)
    return ordered


def route(parsed: ParsedMail, inbound: InboundMessage, by_address: dict[str, Queue]) -> Route:
    addressed = tuple(
        dict.fromkeys(
            queue
            for address in receiving_addresses(parsed)
            if (queue := by_address.get(address)) is not None and queue.is_active
        )
    )
    if addressed:
        target = addressed[0]
        value = next(a for a in receiving_addresses(parsed) if by_address.get(a) == target)
        return Route(target, value, addressed)
    target, value = fallback_queue(inbound)
    return Route(target, value, (target,))


def fallback_queue(inbound: InboundMessage) -> tuple[Queue, str]:
    if inbound.queue is not None and inbound.queue.is_active:
        return inbound.queue, f"queue:{inbound.queue.name}"
    account = inbound.account
    if account is not None and account.queue.is_active:
        return account.queue, f"account:{account.name}"
    configured = getattr(settings, "RELAYDESK_MAIL_DEFAULT_QUEUE", "")
    if configured:
        queue = Queue.objects.filter(name=configured, is_active=True).first()
        if queue is not None:
            return queue, f"queue:{queue.name}"
    active = Queue.objects.filter(is_active=True).order_by("pk")
    queue = active.exclude(email_address="").first() or active.first()
    if queue is None:
        raise NoQueue("no active queue can take a new ticket")
    return queue, f"default:{queue.name}"
