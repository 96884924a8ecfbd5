"""Admin for the IT documentation: classes with their attribute definitions,
locations, and items. Items are saved through `cmdb.actions`, so every change
made here is in the item's logbook like any other."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from relaydesk.cmdb import actions
from relaydesk.cmdb.attributes import clean_attributes
from relaydesk.cmdb.models import (
    AttributeDefinition,
    AttributeKind,
    ConfigurationItem,
    ItemClass,
    ItemRelation,
    Location,
    LogbookEntry,
)
from relaydesk.core.errors import ValidationFailed
from relaydesk.tickets.models import Channel

PLAIN_FIELDS = (
    "name",
    "status",
    "location",
    "organisation",
    "responsible_group",
    "serial_number",
    "inventory_number",
)


class AttributeDefinitionInline(admin.TabularInline[AttributeDefinition, ItemClass]):
    model = AttributeDefinition
    fk_name = "item_class"
    extra = 1


@admin.register(ItemClass)
class ItemClassAdmin(admin.ModelAdmin[ItemClass]):
    list_display = ("name", "description")
    search_fields = ("name",)
    inlines = (AttributeDefinitionInline,)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ("__str__",)
    search_fields = ("name",)
    list_select_related = ("parent__parent",)


class ItemForm(forms.ModelForm[ConfigurationItem]):
    class Meta:
        model = ConfigurationItem
        fields = ("item_class", *PLAIN_FIELDS, "attributes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        item_class = cleaned.get("item_class")
        if item_class is not None and isinstance(cleaned.get("attributes"), dict):
            definitions = [d for d in item_class.attributes.all() if d.kind != AttributeKind.SECRET]
            try:
                cleaned["attributes"] = clean_attributes(definitions, cleaned["attributes"])
            except ValidationFailed as error:
                self.add_error("attributes", list(error.errors.values()))
        return cleaned


class RelationInline(admin.TabularInline[ItemRelation, ConfigurationItem]):
    model = ItemRelation
    fk_name = "source"
    extra = 0
    readonly_fields = ("kind", "target", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LogbookInline(admin.TabularInline[LogbookEntry, ConfigurationItem]):
    model = LogbookEntry
    extra = 0
    fields = ("at", "kind", "field", "old_value", "new_value", "ticket", "actor", "channel")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin[ConfigurationItem]):
    form = ItemForm
    list_display = ("name", "item_class", "status", "location", "organisation", "serial_number")
    list_filter = ("item_class", "status")
    list_select_related = ("item_class", "location", "organisation")
    search_fields = ("name", "serial_number", "inventory_number")
    inlines = (RelationInline, LogbookInline)

    def save_model(
        self, request: HttpRequest, obj: ConfigurationItem, form: Any, change: bool
    ) -> None:
        fields = {name: form.cleaned_data.get(name) for name in PLAIN_FIELDS}
        # The form's clean() gave every non-secret attribute of the class, None
        # for empty ones, so that clearing a value removes it from the item.
        attributes = dict(form.cleaned_data.get("attributes") or {})
        actor = request.user if request.user.is_authenticated else None
        if change:
            changed = {name: fields[name] for name in PLAIN_FIELDS if name in form.changed_data}
            saved = actions.update_item(
                actor=actor,
                via=Channel.WEB,
                item=obj.pk,
                attributes=attributes,
                **changed,
            )
        else:
            name = str(fields.pop("name"))
            saved = actions.create_item(
                actor=actor,
                via=Channel.WEB,
                name=name,
                item_class=form.cleaned_data["item_class"],
                attributes=attributes,
                **fields,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()
