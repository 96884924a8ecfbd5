"""The one visibility rule: which tickets and articles a user may see.

Every list, lookup, search, export and API response starts from these
querysets. Agents see the tickets of queues their groups may read (the
owning group, or a QueueAccess grant). Customers see their own tickets, the
non-private tickets of their organisation and tickets shared with them — and
never an internal article. Inactive users see nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relaydesk.accounts.models import User
from relaydesk.tickets.models import AccessLevel, Article, Queue, Ticket, Visibility


def readable_queues(user: User) -> QuerySet[Queue]:
    """Queues whose tickets the agent may see (empty for customers)."""
    if not (user.is_active and user.is_agent):
        return Queue.objects.none()
    groups = user.agent_groups.values("id")
    granted = Q(access__group__in=groups, access__level__gte=AccessLevel.READ)
    return Queue.objects.filter(Q(group__in=groups) | granted).distinct()


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """The tickets this user may see, as a filter other queries build on."""
    if not user.is_active:
        return Ticket.objects.none()
    if user.is_agent:
        return Ticket.objects.filter(queue__in=readable_queues(user).values("id"))
    shared_with_me = Ticket.participants.through.objects.filter(user=user).values("ticket_id")
    rule = Q(customer=user) | Q(pk__in=shared_with_me)
    if user.organisation_id is not None:
        rule |= Q(organisation_id=user.organisation_id, is_private=False)
    return Ticket.objects.filter(rule)


def visible_articles(user: User, ticket: Ticket | None = None) -> QuerySet[Article]:
    """Articles of visible tickets; customers never get internal ones."""
    tickets = visible_tickets(user)
    if ticket is not None:
        tickets = tickets.filter(pk=ticket.pk)
    articles = Article.objects.filter(ticket__in=tickets.values("id"))
    if not user.is_agent:
        articles = articles.filter(visibility=Visibility.PUBLIC)
    return articles
