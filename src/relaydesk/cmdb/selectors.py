"""Reading configuration items: relations both ways, an item's tickets within
the visibility rule, the logbook page, and secrets for those allowed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.cmdb import permissions
from relaydesk.cmdb.models import (
    INVERSE_LABELS,
    ConfigurationItem,
    ItemRelation,
    ItemSecret,
    LogbookEntry,
    RelationKind,
)
from relaydesk.core.errors import NotFound, PermissionDenied
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


def reveal_secret(user: User, item: ConfigurationItem, key: str) -> str:
    """A secret attribute's value, only for agents with `cmdb.reveal_secret`."""
    permissions.ensure_can_see(user, item)
    if not permissions.can_reveal_secrets(user):
        raise PermissionDenied(_("you may not reveal secrets"))
    secret = ItemSecret.objects.filter(item=item, key=key).first()
    if secret is None:
        raise NotFound(_("no such secret"))
    return secret.value
