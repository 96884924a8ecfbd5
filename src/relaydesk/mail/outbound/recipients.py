"""Who receives a mail: the customer side of a ticket, and the agents who asked.

Agents get mail only about tickets the visibility rule lets them see, only for
kinds they have not switched off (`preferences["notifications"][kind]`, on by
default) and not during their out-of-office period
(`preferences["out_of_office"] = {"start": "2025-07-01", "end": "2025-07-14"}`,
both days included, in the agent's time zone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relaydesk.accounts.models import User, UserKind
from relaydesk.core.time import now
from relaydesk.tickets.actions.addresses import is_bare_address, split_addresses
from relaydesk.tickets.models import AccessLevel, Ticket
from relaydesk.tickets.permissions import queue_level
from relaydesk.tickets.visibility import visible_tickets


@dataclass(frozen=True)
class Recipient:
    address: str  # bare address, lowercased (the outbox stores it so)
    name: str
    language: str
    user_id: int | None  # None: a bare address (a reply's Cc, a forward's recipient)
    is_agent: bool


def address_recipient(address: str, *, language: str, name: str = "") -> Recipient | None:
    """Someone known only by address; None for anything but one bare address."""
    bare = address.strip().lower()
    if not is_bare_address(bare):
        return None
    return Recipient(
        address=bare, name=name or bare, language=language, user_id=None, is_agent=False
    )


def cc_recipients(
    cc_addresses: str, *, language: str, skip: Iterable[Recipient], own: set[str]
) -> list[Recipient]:
    """A reply's Cc addresses as recipients: once each, none already among `skip`,
    none of our own queue addresses."""
    seen = {recipient.address for recipient in skip} | own
    recipients = []
    for part in split_addresses(cc_addresses):
        recipient = address_recipient(part, language=language)
        if recipient is None or recipient.address in seen:
            continue
        seen.add(recipient.address)
        recipients.append(recipient)
    return recipients


def recipient_for(user: User) -> Recipient | None:
    """The user as a recipient; None for inactive users and users without an address."""
    address = user.email.strip().lower()
    if not user.is_active or not address:
        return None
    return Recipient(
        address=address,
        name=user.get_full_name(),
        language=user.language or "en",
        user_id=user.pk,
        is_agent=user.is_agent,
    )


def _unique(users: Iterable[User], exclude_user_ids: set[int]) -> list[Recipient]:
    seen: set[str] = set()
    recipients = []
    for user in users:
        recipient = recipient_for(user)
        if recipient is None or user.pk in exclude_user_ids or recipient.address in seen:
            continue
        seen.add(recipient.address)
        recipients.append(recipient)
    return recipients


def customer_recipients(ticket: Ticket, *, exclude_user_ids: set[int]) -> list[Recipient]:
    """The ticket's customer and its participants (everyone it is shared with)."""
    people: list[User] = []
    if ticket.customer is not None:
        people.append(ticket.customer)
    people.extend(ticket.participants.order_by("pk"))
    return _unique(people, exclude_user_ids)


# --- agents -----------------------------------------------------------------------


def may_see(user: User, ticket: Ticket) -> bool:
    """The one visibility rule decides; no mail about a ticket one cannot open."""
    return visible_tickets(user).filter(pk=ticket.pk).exists()


def wants(user: User, kind: str) -> bool:
    settings = user.preferences.get("notifications") if isinstance(user.preferences, dict) else None
    if not isinstance(settings, dict):
        return True
    return settings.get(kind, True) is not False


def _local_today(user: User) -> dt.date:
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now().astimezone(zone).date()


def is_out_of_office(user: User, *, today: dt.date | None = None) -> bool:
    """True while the agent's out-of-office period (both days included) is running.

    A period that cannot be read counts as not set: a typo must not silence
    an agent for good.
    """
    period = user.preferences.get("out_of_office") if isinstance(user.preferences, dict) else None
    if not isinstance(period, dict):
        return False
    try:
        start = dt.date.fromisoformat(str(period.get("start", ""))[:10])
        end = dt.date.fromisoformat(str(period.get("end", ""))[:10])
    except ValueError:
        return False
    return start <= (today or _local_today(user)) <= end


def agent_recipients(
    candidates: Iterable[User], ticket: Ticket, kind: str, *, exclude_user_ids: set[int]
) -> list[Recipient]:
    """The candidates that are active agents, want this kind, are in and may see the ticket."""
    chosen = [
        user
        for user in candidates
        if user.kind == UserKind.AGENT
        and user.pk not in exclude_user_ids
        and wants(user, kind)
        and not is_out_of_office(user)
        and may_see(user, ticket)
    ]
    return _unique(chosen, exclude_user_ids)


def _my_queue_ids(user: User) -> set[int] | None:
    """The agent's "My Queues" as ids, or None when the agent has not chosen any."""
    chosen = user.preferences.get("my_queues") if isinstance(user.preferences, dict) else None
    if not isinstance(chosen, list):
        return None
    ids = set()
    for value in chosen:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def queue_watchers(ticket: Ticket) -> list[User]:
    """Agents for whom the ticket's queue is one of "their" queues.

    My Queues when the agent has chosen them, else every queue the agent may
    write. Only members of groups with access to the queue can see its tickets,
    so only they are considered.
    """
    queue = ticket.queue
    group_ids = {queue.group_id, *queue.access.values_list("group_id", flat=True)}
    members = (
        User.objects.filter(kind=UserKind.AGENT, is_active=True, agent_groups__in=group_ids)
        .distinct()
        .order_by("pk")
    )
    watchers = []
    for agent in members:
        my_queues = _my_queue_ids(agent)
        if my_queues is None:
            if queue_level(agent, queue) >= AccessLevel.WRITE:
                watchers.append(agent)
        elif queue.pk in my_queues:
            watchers.append(agent)
    return watchers
