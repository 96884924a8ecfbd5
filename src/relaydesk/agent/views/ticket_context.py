"""What the ticket zoom, its actions and its downloads share: finding the ticket
through the visibility rule, the agent's rights in its queue, the forms' start values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import User, UserKind
from relaydesk.agent.http import AgentRequest
from relaydesk.core.time import now
from relaydesk.tickets.models import AccessLevel, Article, Queue, Ticket, TicketHistory
from relaydesk.tickets.permissions import queue_level, writable_queue_filter
from relaydesk.tickets.visibility import visible_articles, visible_tickets

# Small configuration rows joined in; the people are read in one query of their
# own (three User joins made the ORM's row query several times slower).
ZOOM_RELATIONS = ("queue", "state", "priority", "type", "organisation")
PEOPLE = ("customer", "owner", "responsible")


def ticket_or_404(request: AgentRequest, number: str) -> Ticket:
    """The ticket, if the agent may see it; missing and invisible answer alike (404)."""
    ticket = (
        visible_tickets(request.user).select_related(*ZOOM_RELATIONS).filter(number=number).first()
    )
    if ticket is None:
        raise Http404
    ids = {getattr(ticket, f"{name}_id") for name in PEOPLE} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for name in PEOPLE:
        user_id = getattr(ticket, f"{name}_id")
        if user_id is not None:
            setattr(ticket, name, people.get(user_id))
    return ticket


def article_or_404(request: AgentRequest, ticket: Ticket, article_id: int) -> Article:
    article = (
        visible_articles(request.user, ticket)
        .filter(pk=article_id, ticket_id=ticket.pk)
        .select_related("author")
        .first()
    )
    if article is None:
        raise Http404
    return article


def can_write(user: User, ticket: Ticket) -> bool:
    return queue_level(user, ticket.queue) >= AccessLevel.WRITE


def writable_queues(user: User) -> QuerySet[Queue]:
    return Queue.objects.filter(writable_queue_filter(user), is_active=True).distinct()


def agents_for(queue: Queue) -> QuerySet[User]:
    """Active agents who may work the queue (owner candidates)."""
    writers = Q(agent_groups=queue.group_id) | Q(
        agent_groups__queue_access__queue=queue,
        agent_groups__queue_access__level__gte=AccessLevel.WRITE,
    )
    return (
        User.objects.filter(writers, kind=UserKind.AGENT, is_active=True)
        .distinct()
        .order_by("name", "email")
    )


def base_initial(ticket: Ticket, loaded_at: dt.datetime | None = None) -> dict[str, Any]:
    return {"version": ticket.version, "loaded_at": (loaded_at or now()).isoformat()}


def local(value: dt.datetime | None, user: User) -> str:
    """A datetime-local value in the agent's zone."""
    from relaydesk.agent.forms_ticket import zone_of

    if value is None:
        return ""
    return timezone.localtime(value, zone_of(user)).strftime("%Y-%m-%dT%H:%M")


# History actions in words; an action not listed shows as written.
HISTORY_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "article": _("article added"),
    "forward": _("forwarded"),
    "lock": _("locked"),
    "unlock": _("unlocked"),
    "lock_taken_over": _("lock taken over"),
    "lock_expired": _("lock expired"),
    "merge": _("merged"),
    "merged_from": _("merged in"),
    "split": _("split"),
    "link": _("linked"),
    "unlink": _("unlinked"),
    "share": _("shared"),
    "unshare": _("no longer shared"),
}


def label_history(rows: list[TicketHistory]) -> list[TicketHistory]:
    for row in rows:
        row.label = HISTORY_LABELS.get(row.action, row.action)  # type: ignore[attr-defined]
    return rows
