"""CSV import (dry run lists every bad row and field; the import is all or
nothing) and export (secrets left out, formulas neutralised), through the
functions and the `relaydesk cmdb` command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from relaydesk.cli import main
from relaydesk.cmdb.csv_io import export_rows, import_items
from relaydesk.cmdb.models import ConfigurationItem, LogbookEntry
from relaydesk.core.csv_export import safe_cell
from tests.cmdb.fixtures import Inventory

HEADER = "name,status,location,organisation,inventory_number,model,ip,mac,remote_password\n"
GOOD = (
    HEADER
    + "PRN-1F-01,in_use,Head office › Building A › Room 3.14,Acme,INV-1001,LaserJet,10.0.1.1,,pw1\n"
    + "PRN-1F-02,in_stock,Head office > Building A,,INV-1002,OfficeJet,,00:11:22:33:44:55,\n"
    + "PRN-3F-01,defective,,,INV-0042,LaserJet M507,10.0.3.99,,\n"  # updates the fixture's
)
BAD = (
    HEADER
    + "PRN-1F-01,in_use,,,INV-1001,LaserJet,10.0.1.1,,\n"
    + "PRN-1F-02,broken,Head office › Cellar,Nobody Inc,INV-1002,,10.0.1.300,zz,\n"
    + ',in_use,,,INV-1003,"Laser\nJet",,,\n'
    + "PRN-1F-04,in_use,,,INV-1001,LaserJet,,,\n"  # the same inventory number as row 1: update
)


def test_a_good_file_creates_and_updates_items(inventory: Inventory) -> None:
    report = import_items(
        actor=None, item_class=inventory.printer_class, source=io.StringIO(GOOD), dry_run=False
    )
    assert report.errors == []
    assert (report.rows, report.created, report.updated) == (3, 2, 1)
    first = ConfigurationItem.objects.get(inventory_number="INV-1001")
    assert str(first.location) == "Head office › Building A › Room 3.14"
    assert first.organisation == inventory.printer.organisation
    assert first.secrets.get().value == "pw1"
    inventory.printer.refresh_from_db()
    assert inventory.printer.status == "defective"
    assert inventory.printer.attributes["ip"] == "10.0.3.99"
    assert inventory.printer.attributes["uplink"] == inventory.switch.pk  # not in the file: kept
    assert first.logbook.get().channel == "cli"


def test_a_dry_run_reports_every_bad_row_and_field_and_writes_nothing(
    inventory: Inventory,
) -> None:
    items, lines = ConfigurationItem.objects.count(), LogbookEntry.objects.count()
    for dry_run in (True, False):
        report = import_items(
            actor=None, item_class=inventory.printer_class, source=io.StringIO(BAD), dry_run=dry_run
        )
        assert [(error.line, error.field) for error in report.errors] == [
            (3, "location"),
            (3, "organisation"),
            (3, "status"),
            (3, "model"),
            (3, "ip"),
            (3, "mac"),
            (5, "name"),  # line 5: the cell of line 4 spans two lines
        ]
        messages = [str(error) for error in report.errors]
        assert messages[0] == "line 3, location: there is no location Head office › Cellar"
        assert messages[1] == "line 3, organisation: there is no organisation Nobody Inc"
        assert messages[2] == "line 3, status: unknown status 'broken'"
        # Row 4 repeats row 1's inventory number: it updates the item row 1 made.
        assert (report.created, report.updated) == (1, 1)
        assert not report.written
        assert ConfigurationItem.objects.count() == items
        assert LogbookEntry.objects.count() == lines


def test_every_field_of_a_row_is_reported(inventory: Inventory) -> None:
    source = io.StringIO(HEADER + "PRN-X,in_use,,,INV-9,,10.0.1.300,zz,\n")
    report = import_items(
        actor=None, item_class=inventory.printer_class, source=source, dry_run=True
    )
    assert [(error.line, error.field) for error in report.errors] == [
        (2, "model"),
        (2, "ip"),
        (2, "mac"),
    ]


def test_unknown_columns_are_refused_before_any_row(inventory: Inventory) -> None:
    source = io.StringIO("name,colour_depth,owner\nPRN-X,24,me\n")
    report = import_items(
        actor=None, item_class=inventory.printer_class, source=source, dry_run=True
    )
    assert [(error.line, error.field) for error in report.errors] == [
        (1, "colour_depth"),
        (1, "owner"),
    ]
    assert report.rows == 0


def test_export_leaves_secrets_out_and_neutralises_formulas(inventory: Inventory) -> None:
    from relaydesk.cmdb.actions import update_item

    update_item(actor=None, via="cli", item=inventory.printer, name='=HYPERLINK("http://x","y")')
    rows = list(export_rows(inventory.printer_class))
    assert "remote_password" not in rows[0]
    out = io.StringIO()
    from relaydesk.core.csv_export import write_csv

    write_csv(rows, out)
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed[1][0] == '\'=HYPERLINK("http://x","y")'
    assert "s3cret!" not in out.getvalue()


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


def test_plain_values_are_left_alone() -> None:
    assert [safe_cell(v) for v in ("PRN 1", "10.0.0.1", None, 3)] == ["PRN 1", "10.0.0.1", "", "3"]


def test_the_command_line_import_and_export(
    inventory: Inventory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    assert main(["cmdb", "import", "printer", str(bad), "--dry-run"]) == 65
    err = capsys.readouterr().err
    assert f"{bad}: line 3, location: there is no location Head office › Cellar" in err
    assert "7 problem(s) in 4 rows: nothing was imported" in err

    assert main(["cmdb", "import", "Printer", str(good), "--dry-run"]) == 0
    assert "3 rows checked: 2 would be created, 1 would be updated" in capsys.readouterr().err
    assert not ConfigurationItem.objects.filter(inventory_number="INV-1001").exists()
    assert main(["cmdb", "import", "Printer", str(good)]) == 0
    assert ConfigurationItem.objects.filter(inventory_number="INV-1001").exists()

    out = tmp_path / "out.csv"
    assert main(["cmdb", "export", "Printer", "-o", str(out)]) == 0
    assert "3 items written" in capsys.readouterr().err
    exported = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["inventory_number"] for row in exported] == ["INV-1001", "INV-1002", "INV-0042"]
    assert exported[0]["location"] == "Head office › Building A › Room 3.14"
    assert main(["cmdb", "import", "Scanner", str(good)]) == 1
    assert "there is no item class 'Scanner' (classes: Network switch, Printer)" in (
        capsys.readouterr().err
    )
