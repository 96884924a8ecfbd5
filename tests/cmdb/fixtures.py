"""A small IT documentation: a printer class with one attribute of every type."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission

from relaydesk.accounts.models import User
from relaydesk.cmdb.actions import create_item
from relaydesk.cmdb.models import (
    AttributeDefinition,
    AttributeKind,
    ConfigurationItem,
    ItemClass,
    Location,
)
from tests.factories import Directory


@dataclass
class Inventory:
    printer_class: ItemClass
    switch_class: ItemClass
    room: Location
    switch: ConfigurationItem
    printer: ConfigurationItem
    editor: User  # an agent allowed to change items and reveal secrets


def grant(user: User, *codenames: str) -> User:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached


@pytest.fixture
def inventory(directory: Directory) -> Inventory:
    switch_class = ItemClass.objects.create(name="Network switch")
    printer_class = ItemClass.objects.create(name="Printer")
    kinds = [
        ("model", "Model", AttributeKind.TEXT, True),
        ("pages", "Pages printed", AttributeKind.NUMBER, False),
        ("warranty", "Warranty until", AttributeKind.DATE, False),
        ("ip", "IP address", AttributeKind.IP_ADDRESS, False),
        ("mac", "MAC address", AttributeKind.MAC_ADDRESS, False),
        ("admin_url", "Admin page", AttributeKind.URL, False),
        ("colour", "Colour", AttributeKind.CHOICE, False),
        ("uplink", "Uplink switch", AttributeKind.REFERENCE, False),
        ("remote_password", "Remote access password", AttributeKind.SECRET, False),
    ]
    for position, (key, label, kind, required) in enumerate(kinds):
        AttributeDefinition.objects.create(
            item_class=printer_class,
            key=key,
            label=label,
            kind=kind,
            required=required,
            position=position,
            choices="colour\nblack and white" if kind == AttributeKind.CHOICE else "",
            reference_class=switch_class if kind == AttributeKind.REFERENCE else None,
        )
    site = Location.objects.create(name="Head office")
    building = Location.objects.create(name="Building A", parent=site)
    room = Location.objects.create(name="Room 3.14", parent=building)
    switch = create_item(actor=None, via="cli", name="sw-floor3", item_class=switch_class)
    printer = create_item(
        actor=None,
        via="cli",
        name="PRN-3F-01",
        item_class=printer_class,
        location=room,
        organisation=directory.acme,
        serial_number="CN12345678",
        inventory_number="INV-0042",
        attributes={
            "model": "LaserJet M507",
            "ip": "10.0.3.21",
            "mac": "00-1A-2B-3C-4D-5E",
            "colour": "black and white",
            "uplink": str(switch.pk),
            "remote_password": "s3cret!",
        },
    )
    editor = grant(directory.agent, "change_configurationitem", "reveal_secret")
    return Inventory(printer_class, switch_class, room, switch, printer, editor)
