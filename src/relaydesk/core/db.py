"""Small database helpers the ORM has no cheap form for."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field, Model


def update_each(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of every row, one UPDATE per row sent as one executemany.

    `QuerySet.bulk_update` builds a CASE expression per field over all rows,
    which for fifty rows of nine fields cost more Python time than the fifty
    plain UPDATEs cost the database (measured in the mail batch: 2 ms a row).
    """
    if not rows:
        return
    meta = type(rows[0])._meta
    columns = [field for name in fields if isinstance(field := meta.get_field(name), Field)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    key = quote(str(meta.pk.column)) if meta.pk is not None else "id"
    # Identifiers from the model's own metadata, quoted; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {key} = %s"  # noqa: S608
    params = [
        [
            *(
                column.get_db_prep_save(getattr(row, column.attname), connection)
                for column in columns
            ),
            row.pk,
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
