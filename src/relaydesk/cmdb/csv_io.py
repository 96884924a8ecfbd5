"""CSV import and export of one class's items.

Import runs every row through `cmdb.actions` (the same checks as any other
change) inside one transaction, each row in its own savepoint so that all bad
rows are found in one pass. A dry run — or any bad row — rolls everything back:
the import is all or nothing. A row whose inventory number names an item of the
class updates that item; any other row creates one.

Columns: name, status, location (`Site › Building › Room`, `>` works too),
organisation, responsible_group (names), serial_number, inventory_number, then
the class's attribute keys. Secrets may be imported, never exported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from relaydesk.accounts.models import AgentGroup, Organisation
from relaydesk.cmdb import actions
from relaydesk.cmdb.models import AttributeKind, ConfigurationItem, ItemClass, Location
from relaydesk.core.errors import DomainError, ValidationFailed
from relaydesk.tickets.actions.base import Actor
from relaydesk.tickets.models import Channel

FIELD_COLUMNS = (
    "name",
    "status",
    "location",
    "organisation",
    "responsible_group",
    "serial_number",
    "inventory_number",
)
LOCATION_SEPARATOR = re.compile(r"\s*[›>]\s*")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int  # in the file, the header being line 1
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


def _location(path: str) -> Location:
    """`Site › Building › Room`, each level looked up inside the one before."""
    found: Location | None = None
    for name in LOCATION_SEPARATOR.split(path.strip()):
        found = Location.objects.filter(parent=found, name=name).first()
        if found is None:
            break
    if found is None:
        raise ValidationFailed({"location": _("there is no location %(path)s") % {"path": path}})
    return found


def _named(model: type[Organisation] | type[AgentGroup], column: str, name: str) -> Any:
    found = model.objects.filter(name=name).first()
    if found is None:
        raise ValidationFailed(
            {
                column: _("there is no %(column)s %(name)s")
                % {"column": column.replace("_", " "), "name": name}
            }
        )
    return found


def _reference(column: str, cell: str) -> Any:
    if column == "location":
        return _location(cell)
    return _named(Organisation if column == "organisation" else AgentGroup, column, cell)


def _fields(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The row's item fields with names resolved (empty optional cells left out),
    and the errors of names that resolve to nothing."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column in FIELD_COLUMNS:
        if column not in row:
            continue
        cell = (row[column] or "").strip()
        if column in ("location", "organisation", "responsible_group"):
            try:
                values[column] = _reference(column, cell) if cell else None
            except ValidationFailed as error:
                errors.update(error.errors)
        elif column != "status" or cell:  # no status: the default, or unchanged
            values[column] = cell
    return values, errors


def _header_errors(header: list[str], item_class: ItemClass) -> list[RowError]:
    keys = set(item_class.attributes.values_list("key", flat=True))
    errors = [
        RowError(
            1,
            column,
            _("is neither an item field nor an attribute of %(cls)s") % {"cls": item_class.name},
        )
        for column in header
        if column not in FIELD_COLUMNS and column not in keys
    ]
    if "name" not in header:
        errors.append(RowError(1, "name", _("the column is missing")))
    return errors


def _import_row(
    actor: Actor, item_class: ItemClass, row: dict[str, str], report: ImportReport
) -> None:
    """One row through the actions, in a savepoint; raises with all its errors."""
    fields, errors = _fields(row)
    attributes = {key: value for key, value in row.items() if key not in FIELD_COLUMNS}
    number = fields.get("inventory_number") or None
    existing = (
        ConfigurationItem.objects.filter(item_class=item_class, inventory_number=number).first()
        if number
        else None
    )
    try:
        with transaction.atomic():
            if existing is not None:
                actions.update_item(
                    actor=actor, via=Channel.CLI, item=existing, attributes=attributes, **fields
                )
            else:
                name = fields.pop("name", "")
                actions.create_item(
                    actor=actor,
                    via=Channel.CLI,
                    name=name,
                    item_class=item_class,
                    attributes=attributes,
                    **fields,
                )
            if errors:  # the names that resolved to nothing: undo the row
                raise ValidationFailed(errors)
    except ValidationFailed as error:
        raise ValidationFailed({**errors, **error.errors}) from None
    if existing is not None:
        report.updated += 1
    else:
        report.created += 1


def import_items(
    *,
    actor: Actor,
    item_class: ItemClass,
    source: IO[str],
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Check (and unless `dry_run`, write) every row; nothing is written if any row is bad."""
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(source)
    header = [column.strip() for column in reader.fieldnames or []]
    reader.fieldnames = header
    report.errors = _header_errors(header, item_class)
    if report.errors:
        return report
    # line_num after reading a row is the file line it ended on (cells may span lines).
    rows = [(reader.line_num, row) for row in reader]
    report.rows = len(rows)
    with transaction.atomic():
        for index, (line, row) in enumerate(rows):
            if None in row:  # DictReader's key for cells beyond the header
                report.errors.append(RowError(line, "", _("more cells than columns")))
                continue
            try:
                _import_row(actor, item_class, row, report)
            except ValidationFailed as error:
                report.errors += [RowError(line, key, text) for key, text in error.errors.items()]
            except DomainError as error:
                report.errors.append(RowError(line, "", error.message))
            if progress is not None:
                progress(index + 1, len(rows))
        if not report.written:
            transaction.set_rollback(True)
    return report


def export_rows(item_class: ItemClass) -> Iterator[list[object]]:
    """Header and one row per item of the class; secret attributes left out."""
    keys = list(
        item_class.attributes.exclude(kind=AttributeKind.SECRET).values_list("key", flat=True)
    )
    yield [*FIELD_COLUMNS, *keys]
    items = (
        ConfigurationItem.objects.filter(item_class=item_class)
        .select_related("location__parent__parent", "organisation", "responsible_group")
        .order_by("name", "id")
    )
    for item in items.iterator(chunk_size=500):
        yield [
            item.name,
            item.status,
            str(item.location) if item.location else "",
            item.organisation.name if item.organisation else "",
            item.responsible_group.name if item.responsible_group else "",
            item.serial_number,
            item.inventory_number or "",
            *(item.attributes.get(key, "") for key in keys),
        ]
