"""`relaydesk cmdb import|export`: configuration items as CSV (docs/cmdb.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from relaydesk.cli.base import EXIT_OK, CommandFailed, ensure_database, setup_django
from relaydesk.cli.progress import ProgressLine

EX_DATAERR = 65


def item_class(name: str) -> Any:
    from relaydesk.cmdb.models import ItemClass

    found = ItemClass.objects.filter(name__iexact=name).first()
    if found is None:
        known = ", ".join(ItemClass.objects.values_list("name", flat=True)) or "none yet"
        raise CommandFailed(f"there is no item class {name!r} (classes: {known})")
    return found


def cmd_cmdb_import(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from relaydesk.cmdb.csv_io import import_items

    path = Path(options.file)
    try:
        source = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror}") from exc
    progress = ProgressLine("import")
    with source:
        report = import_items(
            actor=None,
            item_class=item_class(options.item_class),
            source=source,
            dry_run=options.dry_run,
            progress=progress.bar,
        )
    progress.clear()
    for problem in report.errors:
        print(f"{path}: {problem}", file=sys.stderr)
    would = "would be " if report.dry_run else ""
    counts = f"{report.created} {would}created, {report.updated} {would}updated"
    if report.ok:
        print(f"{report.rows} rows checked: {counts}", file=sys.stderr)
        return EXIT_OK
    print(
        f"{len(report.errors)} problem(s) in {report.rows} rows: nothing was imported",
        file=sys.stderr,
    )
    return EX_DATAERR


def cmd_cmdb_export(options: argparse.Namespace) -> int:
    setup_django()
    ensure_database()
    from relaydesk.cmdb.csv_io import export_rows
    from relaydesk.core.csv_export import write_csv

    rows = export_rows(item_class(options.item_class))
    if options.output in (None, "-"):
        write_csv(rows, sys.stdout)
        return EXIT_OK
    try:
        with Path(options.output).open("w", encoding="utf-8", newline="") as out:
            count = write_csv(rows, out)
    except OSError as exc:
        raise CommandFailed(f"cannot write {options.output}: {exc.strerror}") from exc
    print(f"{count - 1} items written to {options.output}", file=sys.stderr)
    return EXIT_OK


def add_cmdb(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmdb = commands.add_parser("cmdb", help="import or export configuration items as CSV")
    actions = cmdb.add_subparsers(title="actions", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import",
        help="import one class's items from CSV (all or nothing)",
        description="Exit status: 0 imported (or, with --dry-run, all rows valid); "
        "65 some rows are invalid, each is listed and nothing was imported.",
    )
    importing.add_argument("item_class", metavar="CLASS", help="item class name, e.g. Printer")
    importing.add_argument("file", metavar="FILE", help="CSV file (UTF-8, header row)")
    importing.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    importing.set_defaults(handler=cmd_cmdb_import)
    exporting = actions.add_parser("export", help="export one class's items as CSV")
    exporting.add_argument("item_class", metavar="CLASS")
    exporting.add_argument("--output", "-o", help="file to write (default: standard output)")
    exporting.set_defaults(handler=cmd_cmdb_export)
