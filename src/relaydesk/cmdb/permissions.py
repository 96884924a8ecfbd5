"""Who may see, change and reveal configuration items.

Agents see every item; customers see their organisation's items (to name an
affected item in the portal), never a secret. Changing items needs the
`cmdb.change_configurationitem` permission, revealing secrets `cmdb.reveal_secret`.
The system actor (None) may do everything.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relaydesk.accounts.models import User
from relaydesk.cmdb.models import ConfigurationItem
from relaydesk.core.errors import NotFound, PermissionDenied

Actor = User | None


def visible_items(user: User) -> QuerySet[ConfigurationItem]:
    if not user.is_active:
        return ConfigurationItem.objects.none()
    if user.is_agent:
        return ConfigurationItem.objects.all()
    if user.organisation_id is None:
        return ConfigurationItem.objects.none()
    return ConfigurationItem.objects.filter(organisation_id=user.organisation_id)


def ensure_can_see(actor: Actor, item: ConfigurationItem) -> None:
    if actor is not None and not visible_items(actor).filter(pk=item.pk).exists():
        raise NotFound(_("no such item"))


def can_change(actor: Actor) -> bool:
    return actor is None or (
        actor.is_active and actor.is_agent and actor.has_perm("cmdb.change_configurationitem")
    )


def ensure_can_change(actor: Actor) -> None:
    if not can_change(actor):
        raise PermissionDenied(_("you may not change configuration items"))


def can_reveal_secrets(actor: Actor) -> bool:
    return actor is None or (
        actor.is_active and actor.is_agent and actor.has_perm("cmdb.reveal_secret")
    )
