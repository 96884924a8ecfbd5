"""IT documentation (issue 8): configuration items, their classes and typed
attributes, locations, relations between items, links to tickets, and each
item's logbook.

Attribute values live in `ConfigurationItem.attributes` (a JSON object keyed by
the definition's key, values as validated by `cmdb.attributes`), except secret
ones, which have their own table (`ItemSecret`) so that no list, export or API
answer can carry one by accident: they are read only through
`selectors.reveal_secret`, which checks the permission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relaydesk.accounts.models import AgentGroup, Organisation
from relaydesk.core.time import now
from relaydesk.tickets.models import Channel, Ticket


class AttributeKind(models.TextChoices):
    TEXT = "text", _("text")
    NUMBER = "number", _("number")
    DATE = "date", _("date")
    IP_ADDRESS = "ip", _("IP address")
    MAC_ADDRESS = "mac", _("MAC address")
    URL = "url", _("URL")
    CHOICE = "choice", _("choice list")
    REFERENCE = "reference", _("reference to an item")
    SECRET = "secret", _("secret")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_USE = "in_use", _("in use")
    IN_STOCK = "in_stock", _("in stock")
    DEFECTIVE = "defective", _("defective")
    RETIRED = "retired", _("retired")


class RelationKind(models.TextChoices):
    """Read from the source: "<source> runs on <target>"."""

    RUNS_ON = "runs_on", _("runs on")
    CONNECTED_TO = "connected_to", _("connected to")
    DEPENDS_ON = "depends_on", _("depends on")
    INSTALLED_AT = "installed_at", _("installed at")
    PART_OF = "part_of", _("part of")


# The same relation read from the target: "<target> hosts <source>".
INVERSE_LABELS = {
    RelationKind.RUNS_ON: _("hosts"),
    RelationKind.CONNECTED_TO: _("connected to"),
    RelationKind.DEPENDS_ON: _("needed by"),
    RelationKind.INSTALLED_AT: _("has installed"),
    RelationKind.PART_OF: _("contains"),
}


class ItemClass(models.Model):
    """A kind of item (printer, server, software …) and the attributes it has."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("item class")
        verbose_name_plural = _("item classes")

    def __str__(self) -> str:
        return self.name


class AttributeDefinition(models.Model):
    item_class = models.ForeignKey(
        ItemClass, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("class")
    )
    key = models.SlugField(
        _("key"), max_length=50, help_text=_("How imports and the API name it, e.g. ip_address.")
    )
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=AttributeKind.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For a choice list: one value per line.")
    )
    reference_class = models.ForeignKey(
        ItemClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refers to items of class"),
        help_text=_("For a reference: the class the item must have (empty: any)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["item_class", "position", "id"]
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        constraints = [
            models.UniqueConstraint(fields=["item_class", "key"], name="cmdb_attribute_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_class}: {self.label}"

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Location(models.Model):
    """Site › building › room, as deep as needed."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("inside"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="cmdb_location_unique")
        ]

    def __str__(self) -> str:
        return " › ".join(location.name for location in self.path())

    def path(self) -> list[Location]:
        """From the outermost location to this one (one query per level)."""
        chain: list[Location] = []
        location: Location | None = self
        while location is not None and location not in chain:
            chain.append(location)
            location = location.parent
        return list(reversed(chain))


class ConfigurationItem(models.Model):
    name = models.CharField(_("name"), max_length=200)
    item_class = models.ForeignKey(
        ItemClass, on_delete=models.PROTECT, related_name="items", verbose_name=_("class")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.IN_USE
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("location")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="configuration_items",
        verbose_name=_("owning organisation"),
    )
    responsible_group = models.ForeignKey(
        AgentGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("responsible group"),
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    inventory_number = models.CharField(
        _("inventory number"), max_length=50, null=True, blank=True, unique=True
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    updated_at = models.DateTimeField(_("updated"), default=now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        permissions = [("reveal_secret", _("Can reveal secret attributes"))]
        indexes = [
            models.Index(fields=["item_class", "name"], name="cmdb_item_class_idx"),
            models.Index(fields=["organisation", "name"], name="cmdb_item_org_idx"),
            models.Index(fields=["serial_number"], name="cmdb_item_serial_idx"),
            models.Index(fields=["name"], name="cmdb_item_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemSecret(models.Model):
    """A secret attribute's value (remote-access credentials …), kept apart."""

    item = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="secrets")
    key = models.SlugField(max_length=50)
    value = models.TextField()
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("secret")
        verbose_name_plural = _("secrets")
        constraints = [models.UniqueConstraint(fields=["item", "key"], name="cmdb_secret_unique")]

    def __str__(self) -> str:
        return f"{self.item}: {self.key}"


class ItemRelation(models.Model):
    source = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="relations_out"
    )
    target = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="relations_in"
    )
    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="cmdb_relation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="cmdb_relation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["target", "kind"], name="cmdb_relation_target_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class TicketItemLink(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="item_links")
    item = models.ForeignKey(
        ConfigurationItem, on_delete=models.CASCADE, related_name="ticket_links"
    )
    created_at = models.DateTimeField(default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("linked item")
        verbose_name_plural = _("linked items")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "item"], name="cmdb_ticket_item_unique")
        ]
        indexes = [models.Index(fields=["item", "ticket"], name="cmdb_link_item_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.item_id}"


class LogbookKind(models.TextChoices):
    CREATED = "created", _("item created")
    CHANGED = "changed", _("changed")
    RELATION_ADDED = "relation_added", _("relation added")
    RELATION_REMOVED = "relation_removed", _("relation removed")
    TICKET_LINKED = "ticket_linked", _("ticket linked")
    TICKET_UNLINKED = "ticket_unlinked", _("ticket unlinked")
    TICKET_CREATED = "ticket_created", _("ticket created")
    TICKET_STATE = "ticket_state", _("ticket state changed")
    TICKET_CLOSED = "ticket_closed", _("ticket closed")
    SECRET_REVEALED = "secret_revealed", _("secret revealed")


class LogbookEntry(models.Model):
    """One line of an item's logbook: its own changes and its tickets' events."""

    item = models.ForeignKey(ConfigurationItem, on_delete=models.CASCADE, related_name="logbook")
    kind = models.CharField(_("what"), max_length=20, choices=LogbookKind.choices)
    field = models.CharField(_("field"), max_length=100, blank=True)
    old_value = models.TextField(_("old"), blank=True)
    new_value = models.TextField(_("new"), blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("at"), default=now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("logbook entry")
        verbose_name_plural = _("logbook")
        indexes = [models.Index(fields=["item", "-at", "-id"], name="cmdb_logbook_item_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.item}: {self.get_kind_display()}"
