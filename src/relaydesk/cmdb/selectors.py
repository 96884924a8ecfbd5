"""Reading configuration items: relations both ways, an item's tickets within
the visibility rule, the logbook page, and secrets for those allowed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from relaydesk.accounts.models import User
from relaydesk.cmdb import permissions
from relaydesk.cmdb.models import (
    INVERSE_LABELS,
    ConfigurationItem,
    ItemRelation,
    LogbookEntry,
    RelationKind,
)
from relaydesk.tickets.models import Ticket
from relaydesk.tickets.visibility import visible_tickets


@dataclass(frozen=True)
class RelatedItem:
    relation: ItemRelation
    label: str  # read from the item being shown: "runs on", or "hosts" the other way
    other: ConfigurationItem


def relations_of(item: ConfigurationItem) -> list[RelatedItem]:
    """Both directions, in two queries: "runs on X" and "hosts Y"."""
    outgoing = ItemRelation.objects.filter(source=item).select_related("target__item_class")
    incoming = ItemRelation.objects.filter(target=item).select_related("source__item_class")
    related = [RelatedItem(r, str(r.get_kind_display()), r.target) for r in outgoing]
    related += [
        RelatedItem(r, str(INVERSE_LABELS[RelationKind(r.kind)]), r.source) for r in incoming
    ]
    return sorted(related, key=lambda entry: (entry.label, entry.other.name))


def items_matching(user: User, text: str) -> QuerySet[ConfigurationItem]:
    """Items this user may see whose name, serial or inventory number, or any
    attribute value (an IP address, a model), contains the text."""
    text = text.strip()
    items = permissions.visible_items(user).select_related("item_class", "location")
    if not text:
        return items.order_by("name", "id")
    matches = (
        Q(name__icontains=text)
        | Q(serial_number__icontains=text)
        | Q(inventory_number__iexact=text)
        | Q(attributes__icontains=text)
    )
    return items.filter(matches).order_by("name", "id")


def item_tickets(user: User, item: ConfigurationItem) -> QuerySet[Ticket]:
    """All tickets referencing the item that this user may see, open and closed."""
    return (
        visible_tickets(user)
        .filter(item_links__item=item)
        .select_related("state", "queue")
        .order_by("-created_at", "-id")
    )


def logbook(item: ConfigurationItem, *, limit: int = 100) -> list[LogbookEntry]:
    return list(item.logbook.select_related("actor", "ticket")[:limit])
