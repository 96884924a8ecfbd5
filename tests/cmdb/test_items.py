"""Items: changes in the logbook, relations shown both ways, secrets only for
permitted agents, customers see only their organisation's items."""

from __future__ import annotations

import pytest

from relaydesk.accounts.models import User
from relaydesk.cmdb.actions import (
    add_relation,
    create_item,
    remove_relation,
    reveal_secret,
    update_item,
)
from relaydesk.cmdb.models import LogbookKind, RelationKind
from relaydesk.cmdb.permissions import visible_items
from relaydesk.cmdb.selectors import items_matching, relations_of
from relaydesk.core.errors import InvalidOperation, NotFound, PermissionDenied, ValidationFailed
from tests.cmdb.fixtures import Inventory
from tests.factories import Directory


def test_every_change_is_a_logbook_line_and_secrets_never_show_their_value(
    inventory: Inventory, directory: Directory
) -> None:
    update_item(
        actor=inventory.editor,
        via="web",
        item=inventory.printer,
        status="defective",
        attributes={"ip": "10.0.3.22", "remote_password": "n3w"},
    )
    lines = list(inventory.printer.logbook.order_by("id"))
    assert [(line.kind, line.field, line.old_value, line.new_value) for line in lines] == [
        (LogbookKind.CREATED, "", "", "PRN-3F-01"),
        (LogbookKind.CHANGED, "status", "in_use", "defective"),
        (LogbookKind.CHANGED, "IP address", "10.0.3.21", "10.0.3.22"),
        (LogbookKind.CHANGED, "Remote access password", "••••••", "••••••"),
    ]
    assert all(line.actor in (None, inventory.editor) for line in lines)
    # Nothing changed: nothing logged.
    update_item(actor=inventory.editor, via="web", item=inventory.printer, status="defective")
    assert inventory.printer.logbook.count() == 4


def test_changing_items_needs_the_permission(inventory: Inventory, directory: Directory) -> None:
    with pytest.raises(PermissionDenied):
        update_item(actor=directory.specialist, via="web", item=inventory.printer, name="X")
    with pytest.raises(PermissionDenied):
        create_item(
            actor=directory.alice, via="portal", name="X", item_class=inventory.switch_class
        )


def test_inventory_numbers_are_unique(inventory: Inventory) -> None:
    with pytest.raises(ValidationFailed, match="another item has this inventory number"):
        create_item(
            actor=inventory.editor,
            via="web",
            name="PRN-copy",
            item_class=inventory.switch_class,
            inventory_number="INV-0042",
        )


def test_relations_are_shown_both_ways_and_logged_on_both_items(inventory: Inventory) -> None:
    relation = add_relation(
        actor=inventory.editor,
        via="web",
        source=inventory.printer,
        target=inventory.switch,
        kind=RelationKind.CONNECTED_TO,
    )
    server = create_item(actor=None, via="cli", name="print-srv", item_class=inventory.switch_class)
    add_relation(
        actor=inventory.editor,
        via="web",
        source=server,
        target=inventory.printer,
        kind=RelationKind.DEPENDS_ON,
    )
    assert [(r.label, r.other.name) for r in relations_of(inventory.printer)] == [
        ("connected to", "sw-floor3"),
        ("needed by", "print-srv"),
    ]
    assert [(r.label, r.other.name) for r in relations_of(server)] == [("depends on", "PRN-3F-01")]
    with pytest.raises(InvalidOperation, match="already related"):
        add_relation(
            actor=inventory.editor,
            via="web",
            source=inventory.printer,
            target=inventory.switch,
            kind=RelationKind.CONNECTED_TO,
        )
    with pytest.raises(ValidationFailed, match="itself"):
        add_relation(
            actor=inventory.editor,
            via="web",
            source=server,
            target=server,
            kind=RelationKind.RUNS_ON,
        )
    remove_relation(actor=inventory.editor, via="web", relation=relation)
    switch_lines = [
        (line.kind, line.old_value, line.new_value)
        for line in inventory.switch.logbook.order_by("id")
    ][1:]
    assert switch_lines == [
        (LogbookKind.RELATION_ADDED, "", "PRN-3F-01 connected to sw-floor3"),
        (LogbookKind.RELATION_REMOVED, "PRN-3F-01 connected to sw-floor3", ""),
    ]


def test_secrets_are_revealed_only_to_permitted_agents(
    inventory: Inventory, directory: Directory
) -> None:
    def reveal(actor: User) -> str:
        return reveal_secret(actor=actor, via="web", item=inventory.printer, key="remote_password")

    assert reveal(inventory.editor) == "s3cret!"
    line = inventory.printer.logbook.order_by("-id").first()
    assert (line.kind, line.field, line.actor) == (
        LogbookKind.SECRET_REVEALED,
        "Remote access password",
        inventory.editor,
    )
    assert "s3cret!" not in (line.old_value + line.new_value)
    with pytest.raises(PermissionDenied):
        reveal(directory.specialist)
    # A customer of the owning organisation sees the item, never its secret.
    with pytest.raises(PermissionDenied):
        reveal(directory.alice)
    with pytest.raises(NotFound):
        reveal(directory.carol)
    assert inventory.printer.logbook.filter(kind=LogbookKind.SECRET_REVEALED).count() == 1


def test_customers_see_only_their_organisations_items(
    inventory: Inventory, directory: Directory
) -> None:
    assert list(visible_items(directory.alice)) == [inventory.printer]
    assert list(visible_items(directory.carol)) == []
    assert list(visible_items(directory.dave)) == []
    assert set(visible_items(directory.specialist)) == {inventory.printer, inventory.switch}
    assert str(inventory.room) == "Head office › Building A › Room 3.14"


def test_items_are_found_by_name_serial_inventory_number_or_attribute(
    inventory: Inventory, directory: Directory
) -> None:
    def found(user: User, text: str) -> list[str]:
        return [item.name for item in items_matching(user, text)]

    assert found(directory.agent, "prn-3f") == ["PRN-3F-01"]
    assert found(directory.agent, "CN1234") == ["PRN-3F-01"]
    assert found(directory.agent, "inv-0042") == ["PRN-3F-01"]
    assert found(directory.agent, "10.0.3.21") == ["PRN-3F-01"]
    assert found(directory.agent, "laserjet") == ["PRN-3F-01"]
    assert found(directory.agent, "s3cret") == []  # secrets are not searchable
    assert found(directory.carol, "PRN") == []
    assert found(directory.agent, "") == ["PRN-3F-01", "sw-floor3"]
