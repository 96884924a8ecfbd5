"""The operations on configuration items. Every change writes its logbook rows
in the same transaction; links to tickets also write the ticket's history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relaydesk.accounts.models import AgentGroup, Organisation
from relaydesk.cmdb import permissions
from relaydesk.cmdb.attributes import clean_attributes
from relaydesk.cmdb.models import (
    AttributeKind,
    ConfigurationItem,
    ItemClass,
    ItemRelation,
    ItemSecret,
    ItemStatus,
    Location,
    LogbookEntry,
    LogbookKind,
    RelationKind,
    TicketItemLink,
)
from relaydesk.core.errors import InvalidOperation, NotFound, PermissionDenied, ValidationFailed
from relaydesk.core.time import now
from relaydesk.tickets import permissions as ticket_permissions
from relaydesk.tickets.actions.base import (
    Actor,
    changing,
    check_text,
    display,
    require,
    resolve,
)
from relaydesk.tickets.models import Channel, Ticket

HIDDEN = "••••••"
# Plain fields an update may change, with how each is resolved.
REFERENCES: dict[str, type[Any]] = {
    "location": Location,
    "organisation": Organisation,
    "responsible_group": AgentGroup,
}
TEXTS = {"name": 200, "serial_number": 100}


def _log(
    item: ConfigurationItem,
    kind: LogbookKind,
    actor: Actor,
    via: Channel | str,
    *,
    field: str = "",
    old: str = "",
    new: str = "",
    ticket: Ticket | None = None,
) -> LogbookEntry:
    return LogbookEntry(
        item=item,
        kind=kind,
        field=field,
        old_value=old,
        new_value=new,
        ticket=ticket,
        actor=actor,
        channel=str(via),
        at=now(),
    )


def _split_secrets(
    item_class: ItemClass, attributes: Mapping[str, object], *, partial: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    definitions = list(item_class.attributes.all())
    cleaned = clean_attributes(definitions, attributes, partial=partial)
    secret_keys = {d.key for d in definitions if d.kind == AttributeKind.SECRET}
    plain = {key: value for key, value in cleaned.items() if key not in secret_keys}
    secrets = {key: value for key, value in cleaned.items() if key in secret_keys}
    return plain, secrets


def _clean_field(key: str, value: object) -> Any:
    if key in TEXTS:
        text = str(value or "").strip()
        return check_text(key, text, max_length=TEXTS[key], required=key == "name")
    if key == "status":
        if value not in ItemStatus.values:
            raise ValidationFailed({key: _("unknown status %(value)s") % {"value": repr(value)}})
        return value
    if key == "inventory_number":
        number = str(value or "").strip()
        return check_text(key, number, max_length=50) or None
    if key in REFERENCES:
        return resolve(REFERENCES[key], value, field=key)
    raise ValidationFailed({key: _("is not a field of an item")})


def _clean_item(
    item_class: ItemClass,
    fields: Mapping[str, object],
    attributes: Mapping[str, object],
    *,
    partial: bool,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Fields, plain attributes and secrets, checked; every error reported at once."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key, value in fields.items():
        try:
            cleaned[key] = _clean_field(key, value)
        except ValidationFailed as error:
            errors.update(error.errors)
    try:
        plain, secrets = _split_secrets(item_class, attributes, partial=partial)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned, plain, secrets


def _save_secrets(item: ConfigurationItem, secrets: Mapping[str, Any]) -> list[str]:
    """Store, change or clear secret values; returns the keys that changed."""
    changed = []
    current = dict(item.secrets.values_list("key", "value"))
    for key, value in secrets.items():
        if value == current.get(key):
            continue
        changed.append(key)
        if value is None:
            item.secrets.filter(key=key).delete()
        else:
            ItemSecret.objects.update_or_create(
                item=item, key=key, defaults={"value": value, "updated_at": now()}
            )
    return changed


def _unique_inventory_number(error: IntegrityError) -> ValidationFailed:
    return ValidationFailed({"inventory_number": _("another item has this inventory number")})


def create_item(
    *,
    actor: Actor,
    via: Channel | str,
    name: str,
    item_class: ItemClass | int | str,
    attributes: Mapping[str, object] | None = None,
    **fields: object,
) -> ConfigurationItem:
    """A new item; `fields` are status, location, organisation, responsible_group,
    serial_number, inventory_number. Nothing is written when anything is invalid."""
    permissions.ensure_can_change(actor)
    item_class = require(ItemClass, item_class, field="item_class")
    cleaned, plain, secrets = _clean_item(
        item_class, {"name": name, **fields}, attributes or {}, partial=False
    )
    try:
        with transaction.atomic():
            item = ConfigurationItem.objects.create(
                item_class=item_class,
                attributes={key: value for key, value in plain.items() if value is not None},
                **cleaned,
            )
            _save_secrets(item, secrets)
            _log(item, LogbookKind.CREATED, actor, via, new=item.name).save()
    except IntegrityError as error:
        raise _unique_inventory_number(error) from None
    return item


def update_item(
    *,
    actor: Actor,
    via: Channel | str,
    item: ConfigurationItem | int,
    attributes: Mapping[str, object] | None = None,
    **fields: object,
) -> ConfigurationItem:
    """Change fields and attributes; one logbook row per changed value (secrets
    logged as changed without their values)."""
    permissions.ensure_can_change(actor)
    try:
        with transaction.atomic():
            row = (
                ConfigurationItem.objects.select_for_update()
                .select_related("item_class")
                .get(pk=item.pk if isinstance(item, ConfigurationItem) else item)
            )
            cleaned, plain, secrets = _clean_item(
                row.item_class, fields, attributes or {}, partial=True
            )
            entries = []
            for key, value in cleaned.items():
                old = getattr(row, key)
                if old != value:
                    setattr(row, key, value)
                    entries.append(
                        _log(
                            row,
                            LogbookKind.CHANGED,
                            actor,
                            via,
                            field=key,
                            old=display(old),
                            new=display(value),
                        )
                    )
            labels = {d.key: d.label for d in row.item_class.attributes.all()}
            for key, value in plain.items():
                old = row.attributes.get(key)
                if old != value:
                    if value is None:
                        row.attributes.pop(key, None)
                    else:
                        row.attributes[key] = value
                    entries.append(
                        _log(
                            row,
                            LogbookKind.CHANGED,
                            actor,
                            via,
                            field=labels[key],
                            old=display(old),
                            new=display(value),
                        )
                    )
            for key in _save_secrets(row, secrets):
                entries.append(
                    _log(
                        row,
                        LogbookKind.CHANGED,
                        actor,
                        via,
                        field=labels[key],
                        old=HIDDEN,
                        new=HIDDEN,
                    )
                )
            if entries:
                row.updated_at = now()
                row.save()
                LogbookEntry.objects.bulk_create(entries)
    except ConfigurationItem.DoesNotExist:
        raise ValidationFailed({"item": _("there is no such item")}) from None
    except IntegrityError as error:
        raise _unique_inventory_number(error) from None
    return row


def _relation_entries(
    relation: ItemRelation, actor: Actor, via: Channel | str, kind: LogbookKind
) -> list[LogbookEntry]:
    label = relation.get_kind_display()
    text = f"{relation.source.name} {label} {relation.target.name}"
    before, after = ("", text) if kind == LogbookKind.RELATION_ADDED else (text, "")
    return [
        _log(item, kind, actor, via, field=str(label), old=before, new=after)
        for item in (relation.source, relation.target)
    ]


def add_relation(
    *,
    actor: Actor,
    via: Channel | str,
    source: ConfigurationItem | int,
    target: ConfigurationItem | int,
    kind: RelationKind | str,
) -> ItemRelation:
    """`source` <kind> `target` (a printer "installed at" a room's switch …); logged on both."""
    permissions.ensure_can_change(actor)
    if kind not in RelationKind.values:
        raise ValidationFailed({"kind": _("unknown relation %(value)s") % {"value": repr(kind)}})
    source_item = require(ConfigurationItem, source, field="source")
    target_item = require(ConfigurationItem, target, field="target")
    if source_item.pk == target_item.pk:
        raise ValidationFailed({"target": _("an item cannot be related to itself")})
    try:
        with transaction.atomic():
            relation = ItemRelation.objects.create(
                source=source_item, target=target_item, kind=kind
            )
            LogbookEntry.objects.bulk_create(
                _relation_entries(relation, actor, via, LogbookKind.RELATION_ADDED)
            )
    except IntegrityError:
        raise InvalidOperation(_("these items are already related this way")) from None
    return relation


def remove_relation(*, actor: Actor, via: Channel | str, relation: ItemRelation | int) -> None:
    permissions.ensure_can_change(actor)
    with transaction.atomic():
        row = (
            ItemRelation.objects.select_for_update()
            .select_related("source", "target")
            .filter(pk=relation.pk if isinstance(relation, ItemRelation) else relation)
            .first()
        )
        if row is None:
            raise InvalidOperation(_("there is no such relation"))
        entries = _relation_entries(row, actor, via, LogbookKind.RELATION_REMOVED)
        row.delete()
        LogbookEntry.objects.bulk_create(entries)


def link_item(
    *, actor: Actor, via: Channel | str, ticket: Ticket | int, item: ConfigurationItem | int
) -> TicketItemLink:
    """Reference an item from a ticket: history on the ticket, a line in the logbook."""
    item_row = require(ConfigurationItem, item, field="item")
    with changing(
        ticket, actor, via, expected_version=None, check=ticket_permissions.ensure_can_write
    ) as recorder:
        permissions.ensure_can_see(actor, item_row)
        link, created = TicketItemLink.objects.get_or_create(
            ticket=recorder.ticket, item=item_row, defaults={"created_by": actor}
        )
        if not created:
            raise InvalidOperation(
                _("%(item)s is already linked to %(number)s")
                % {"item": item_row.name, "number": recorder.ticket.number}
            )
        recorder.log("link_item", field="item", new=item_row.name)
        entry = _log(item_row, LogbookKind.TICKET_LINKED, actor, via, ticket=recorder.ticket)
        entry.new_value = recorder.ticket.number
        entry.save()
    return link


def unlink_item(
    *, actor: Actor, via: Channel | str, ticket: Ticket | int, item: ConfigurationItem | int
) -> None:
    item_row = require(ConfigurationItem, item, field="item")
    with changing(
        ticket, actor, via, expected_version=None, check=ticket_permissions.ensure_can_write
    ) as recorder:
        deleted, _by_model = TicketItemLink.objects.filter(
            ticket=recorder.ticket, item=item_row
        ).delete()
        if not deleted:
            raise InvalidOperation(
                _("%(item)s is not linked to %(number)s")
                % {"item": item_row.name, "number": recorder.ticket.number}
            )
        recorder.log("unlink_item", field="item", old=item_row.name)
        entry = _log(item_row, LogbookKind.TICKET_UNLINKED, actor, via, ticket=recorder.ticket)
        entry.old_value = recorder.ticket.number
        entry.save()


def reveal_secret(*, actor: Actor, via: Channel | str, item: ConfigurationItem, key: str) -> str:
    """A secret attribute's value, for agents with `cmdb.reveal_secret`; who saw
    which secret when is a line in the item's logbook."""
    permissions.ensure_can_see(actor, item)
    if not permissions.can_reveal_secrets(actor):
        raise PermissionDenied(_("you may not reveal secrets"))
    secret = ItemSecret.objects.filter(item=item, key=key).first()
    if secret is None:
        raise NotFound(_("no such secret"))
    label = item.item_class.attributes.filter(key=key).values_list("label", flat=True).first()
    _log(item, LogbookKind.SECRET_REVEALED, actor, via, field=label or key).save()
    return secret.value
