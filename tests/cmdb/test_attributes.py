"""Attribute values are checked by type; a bad one is refused naming the
attribute and nothing is written."""

from __future__ import annotations

import pytest

from relaydesk.cmdb.actions import create_item, update_item
from relaydesk.cmdb.models import ConfigurationItem, LogbookEntry
from relaydesk.core.errors import ValidationFailed
from tests.cmdb.fixtures import Inventory


def test_values_are_stored_normalised(inventory: Inventory) -> None:
    printer = inventory.printer
    assert printer.attributes == {
        "model": "LaserJet M507",
        "ip": "10.0.3.21",
        "mac": "00:1a:2b:3c:4d:5e",
        "colour": "black and white",
        "uplink": inventory.switch.pk,
    }
    # The secret is not among the attributes: it has its own table.
    assert "remote_password" not in printer.attributes
    assert printer.secrets.get().value == "s3cret!"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("pages", "many", "Pages printed: many is not a number"),
        ("pages", "NaN", "Pages printed: NaN is not a number"),
        ("warranty", "31.12.2027", "Warranty until: 31.12.2027 is not a date (use YYYY-MM-DD)"),
        ("ip", "10.0.3.256", "IP address: 10.0.3.256 is not an IP address"),
        ("mac", "00:1a:2b:3c:4d", "MAC address: 00:1a:2b:3c:4d is not a MAC address"),
        ("admin_url", "javascript:alert(1)", "Admin page: javascript:alert(1) is not an http(s)"),
        ("colour", "purple", "Colour: purple is not one of colour, black and white"),
        ("uplink", "999999", "Uplink switch: there is no such item: 999999"),
        ("model", "", "Model: is required"),
        ("model", "x" * 1001, "Model: is longer than 1000 characters"),
        ("no_such", "1", "no_such is not an attribute of this class"),
    ],
)
def test_bad_values_are_refused_naming_the_attribute(
    inventory: Inventory, key: str, value: str, message: str
) -> None:
    before = LogbookEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        update_item(
            actor=inventory.editor, via="web", item=inventory.printer, attributes={key: value}
        )
    assert refused.value.errors[key].startswith(message)
    inventory.printer.refresh_from_db()
    assert inventory.printer.attributes["model"] == "LaserJet M507"
    assert LogbookEntry.objects.count() == before


def test_a_reference_must_point_at_an_item_of_its_class(inventory: Inventory) -> None:
    with pytest.raises(ValidationFailed, match="there is no such item"):
        update_item(
            actor=inventory.editor,
            via="web",
            item=inventory.printer,
            attributes={"uplink": str(inventory.printer.pk)},  # a printer, not a switch
        )


def test_all_errors_of_a_new_item_are_reported_at_once(inventory: Inventory) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_item(
            actor=inventory.editor,
            via="web",
            name="PRN-bad",
            item_class=inventory.printer_class,
            attributes={"ip": "nope", "mac": "nope"},
        )
    assert set(refused.value.errors) == {"model", "ip", "mac"}
    assert not ConfigurationItem.objects.filter(name="PRN-bad").exists()


def test_ipv6_and_numbers_are_normalised(inventory: Inventory) -> None:
    item = update_item(
        actor=inventory.editor,
        via="web",
        item=inventory.printer,
        attributes={"ip": "2001:DB8::0:1", "pages": "1,5", "warranty": "2027-12-31"},
    )
    assert item.attributes["ip"] == "2001:db8::1"
    assert item.attributes["pages"] == "1.5"
    assert item.attributes["warranty"] == "2027-12-31"
