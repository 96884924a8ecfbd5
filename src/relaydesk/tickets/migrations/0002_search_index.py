"""The database's own full-text index on TicketSearchDocument.

PostgreSQL: stored, generated tsvector columns — `vector` (head weighted A,
public body C) and `internal_vector` — each with a GIN index. SQLite: an FTS5
table with the three columns, kept in step by triggers.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    ALTER TABLE tickets_ticketsearchdocument ADD COLUMN vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(head, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(body, '')), 'C')
    ) STORED
    """,
    """
    ALTER TABLE tickets_ticketsearchdocument ADD COLUMN internal_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(internal, ''))) STORED
    """,
    "CREATE INDEX ticket_search_vector_idx ON tickets_ticketsearchdocument USING GIN (vector)",
    "CREATE INDEX ticket_search_internal_idx ON tickets_ticketsearchdocument"
    " USING GIN (internal_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS ticket_search_internal_idx",
    "DROP INDEX IF EXISTS ticket_search_vector_idx",
    "ALTER TABLE tickets_ticketsearchdocument DROP COLUMN IF EXISTS internal_vector",
    "ALTER TABLE tickets_ticketsearchdocument DROP COLUMN IF EXISTS vector",
]
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE tickets_search_fts USING fts5(
        head, body, internal, content='tickets_ticketsearchdocument', content_rowid='ticket_id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER tickets_search_fts_insert AFTER INSERT ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(rowid, head, body, internal)
        VALUES (new.ticket_id, new.head, new.body, new.internal);
    END
    """,
    """
    CREATE TRIGGER tickets_search_fts_delete AFTER DELETE ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(tickets_search_fts, rowid, head, body, internal)
        VALUES ('delete', old.ticket_id, old.head, old.body, old.internal);
    END
    """,
    """
    CREATE TRIGGER tickets_search_fts_update AFTER UPDATE ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(tickets_search_fts, rowid, head, body, internal)
        VALUES ('delete', old.ticket_id, old.head, old.body, old.internal);
        INSERT INTO tickets_search_fts(rowid, head, body, internal)
        VALUES (new.ticket_id, new.head, new.body, new.internal);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_search_fts_update",
    "DROP TRIGGER IF EXISTS tickets_search_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_search_fts_insert",
    "DROP TABLE IF EXISTS tickets_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
