"""The agent dashboard's widgets and the queue overview.

Each widget is an ordered queryset that starts from `visible_tickets(user)`;
`widget_page` turns one into a count and a page of rows with their related
objects loaded (at most seven queries whatever the page size: the count, then
`listing.fetch_rows`). Render `widget_page(...).rows`, not the queryset itself,
or each row's customer and owner cost a query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.core.errors import ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets.models import (
    Article,
    Queue,
    SenderKind,
    StateCategory,
    Ticket,
    TicketState,
)
from relaydesk.tickets.permissions import writable_queue_filter
from relaydesk.tickets.selectors.listing import fetch_rows
from relaydesk.tickets.visibility import readable_queues, visible_tickets

# The categories of tickets someone still has to work on.
WORKING_CATEGORIES = (
    StateCategory.NEW,
    StateCategory.OPEN,
    StateCategory.PENDING_REMINDER,
    StateCategory.PENDING_AUTO_CLOSE,
)
MAX_WIDGET_PAGE_SIZE = 100


def _states(*categories: str) -> QuerySet[TicketState, Any]:
    """State ids of these categories, as a subquery: keeps the ticket index on state usable."""
    return TicketState.objects.filter(category__in=categories).values("pk")


def _agent_tickets(user: User) -> QuerySet[Ticket]:
    """The widgets are the agent's: a customer's dashboard (the portal's) is another thing."""
    return visible_tickets(user) if user.is_agent else Ticket.objects.none()


def _rows(tickets: QuerySet[Ticket], *order: str) -> QuerySet[Ticket]:
    return tickets.order_by(*order)


def new_tickets(user: User) -> QuerySet[Ticket]:
    """New tickets nobody has looked at yet, oldest first.

    "Looked at" means: an agent locked or took the ticket (it has an owner), or
    wrote anything in it — a reply, a note, a phone note (an agent article of
    any visibility). We do not record who opened a ticket's page, so reading
    alone does not count.
    """
    agent_wrote = Article.objects.filter(ticket=OuterRef("pk"), sender_kind=SenderKind.AGENT)
    tickets = _agent_tickets(user).filter(
        state__in=_states(StateCategory.NEW), is_locked=False, owner__isnull=True
    )
    return _rows(tickets.exclude(Exists(agent_wrote)), "created_at", "pk")


def tickets_awaiting_answer(user: User) -> QuerySet[Ticket]:
    """New and open tickets whose customer spoke last: the last public article
    written by a person is the customer's (system articles, such as automatic
    acknowledgements, do not count). Longest waiting first.

    Read from the contact times the actions layer keeps on the ticket
    (`last_customer_contact_at`, `last_agent_contact_at`), so no article is read.
    """
    customer_last = Q(last_customer_contact_at__isnull=False) & (
        Q(last_agent_contact_at__isnull=True)
        | Q(last_customer_contact_at__gt=F("last_agent_contact_at"))
    )
    tickets = _agent_tickets(user).filter(
        customer_last, state__in=_states(StateCategory.NEW, StateCategory.OPEN)
    )
    return _rows(tickets, "last_customer_contact_at", "pk")


def my_locked_tickets(user: User) -> QuerySet[Ticket]:
    """Tickets the agent has locked (owns with a lock), most recently changed first."""
    tickets = _agent_tickets(user).filter(owner=user, is_locked=True)
    return _rows(tickets, "-updated_at", "-pk")


def my_queue_ids(user: User) -> list[int] | None:
    """The agent's My Queues (`preferences["my_queues"]`, a list of ids), or None if unset.

    The same key the notifications read (mail/outbound/recipients.py).
    """
    chosen = user.preferences.get("my_queues") if isinstance(user.preferences, dict) else None
    if not isinstance(chosen, list):
        return None
    ids: list[int] = []
    for value in chosen:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def my_queue_tickets(user: User) -> QuerySet[Ticket]:
    """Tickets still being worked (new, open, pending) in My Queues, most recent first.

    Without a choice of My Queues, the queues the agent may write count as
    theirs — as for the new-ticket notification.
    """
    chosen = my_queue_ids(user)
    if chosen is None:
        queues = Queue.objects.filter(writable_queue_filter(user)).values("pk")
        in_my_queues = Q(queue__in=queues)
    else:
        in_my_queues = Q(queue_id__in=chosen)
    tickets = _agent_tickets(user).filter(in_my_queues, state__in=_states(*WORKING_CATEGORIES))
    return _rows(tickets, "-updated_at", "-pk")


def pending_reminders_reached(user: User, *, at: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Tickets in a pending-reminder state whose time has come, earliest first.

    Only the agent's own (owned) tickets and unowned ones: another agent's
    reminder is theirs to answer, as in OTRS.
    """
    tickets = _agent_tickets(user).filter(
        Q(owner=user) | Q(owner__isnull=True),
        state__in=_states(StateCategory.PENDING_REMINDER),
        pending_until__lte=at or now(),
    )
    return _rows(tickets, "pending_until", "pk")


@dataclass(frozen=True)
class WidgetPage:
    """A widget's count and one page (1-based) of its rows."""

    rows: list[Ticket]
    count: int
    page: int
    size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def widget_page(tickets: QuerySet[Ticket], *, page: int = 1, size: int = 10) -> WidgetPage:
    """Count and page a widget's queryset (offset paging: widgets stay short)."""
    if page < 1:
        raise ValidationFailed({"page": _("must be 1 or more")})
    if not 1 <= size <= MAX_WIDGET_PAGE_SIZE:
        raise ValidationFailed(
            {"size": _("must be between 1 and %(limit)d") % {"limit": MAX_WIDGET_PAGE_SIZE}}
        )
    count = tickets.count()
    start = (page - 1) * size
    rows = fetch_rows(tickets, size, offset=start) if start < count else []
    return WidgetPage(rows=rows, count=count, page=page, size=size)


@dataclass(frozen=True)
class QueueSummary:
    """A queue of the overview with its counts of tickets by state category."""

    queue_id: int
    name: str
    new: int
    open: int
    pending: int


def _count_in(category: str) -> Coalesce:
    counted = (
        Ticket.objects.filter(queue=OuterRef("pk"), state__in=_states(category))
        .order_by()
        .values("queue")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def queue_overview(user: User) -> list[QueueSummary]:
    """The active queues the agent may read, by name, with counts of new, open
    and pending tickets — one query (each count an index-only subquery)."""
    queues = (
        Queue.objects.filter(pk__in=readable_queues(user).values("pk"), is_active=True)
        .annotate(
            new_count=_count_in(StateCategory.NEW),
            open_count=_count_in(StateCategory.OPEN),
            # one subquery per category: with two, PostgreSQL left the (queue, state) index
            pending_count=_count_in(StateCategory.PENDING_REMINDER)
            + _count_in(StateCategory.PENDING_AUTO_CLOSE),
        )
        .order_by("name", "pk")
        .values_list("pk", "name", "new_count", "open_count", "pending_count")
    )
    return [QueueSummary(*row) for row in queues]
