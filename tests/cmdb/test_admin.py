"""Items saved in the admin go through the actions: checked and logged."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from relaydesk.accounts.models import User
from relaydesk.cmdb.models import ConfigurationItem, LogbookKind
from tests.cmdb.fixtures import Inventory


def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root@example.com", "pw", name="Root"))
    return client


def form(inventory: Inventory, **values: object) -> dict[str, object]:
    return {
        "item_class": inventory.printer_class.pk,
        "name": "PRN-2F-07",
        "status": "in_use",
        "serial_number": "",
        "inventory_number": "",
        "attributes": json.dumps({"model": "LaserJet", "ip": "10.0.2.7"}),
        **{
            f"{prefix}-{key}": value
            for prefix in ("relations_out", "logbook")
            for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
        },
        **values,
    }


def test_an_item_added_in_the_admin_is_validated_and_in_the_logbook(inventory: Inventory) -> None:
    client = admin_client()
    refused = client.post(
        reverse("admin:cmdb_configurationitem_add"),
        form(inventory, attributes=json.dumps({"model": "LaserJet", "ip": "10.0.2.999"})),
    )
    assert refused.status_code == 200
    assert "IP address: 10.0.2.999 is not an IP address" in refused.content.decode()
    assert not ConfigurationItem.objects.filter(name="PRN-2F-07").exists()

    added = client.post(reverse("admin:cmdb_configurationitem_add"), form(inventory))
    assert added.status_code == 302, added.content.decode()[:2000]
    item = ConfigurationItem.objects.get(name="PRN-2F-07")
    assert item.attributes == {"model": "LaserJet", "ip": "10.0.2.7"}
    assert item.logbook.get().kind == LogbookKind.CREATED

    changed = client.post(
        reverse("admin:cmdb_configurationitem_change", args=[item.pk]),
        form(inventory, status="defective", attributes=json.dumps({"model": "LaserJet"})),
    )
    assert changed.status_code == 302
    item.refresh_from_db()
    assert item.status == "defective"
    assert item.attributes == {"model": "LaserJet"}
    assert [(line.field, line.old_value, line.new_value) for line in item.logbook.order_by("id")][
        1:
    ] == [("status", "in_use", "defective"), ("IP address", "10.0.2.7", "")]
