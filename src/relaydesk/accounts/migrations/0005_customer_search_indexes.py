"""Expression indexes for finding customers and organisations (accounts/selectors.py).

PostgreSQL only: prefix matches (`LIKE 'abc%'`) on lower-cased columns use a
`text_pattern_ops` index whatever the database's collation. SQLite cannot use
an expression index for LIKE and scans instead; nothing is created there.
"""

from django.db import migrations

INDEXES = {
    "user_email_prefix_idx": "accounts_user (lower(email) text_pattern_ops)",
    "user_name_prefix_idx": "accounts_user (lower(name) text_pattern_ops)",
    "user_email_domain_idx": "accounts_user (reverse(lower(email)) text_pattern_ops)",
    "organisation_name_prefix_idx": "accounts_organisation (lower(name) text_pattern_ops)",
    "organisation_domain_prefix_idx": "accounts_organisation (lower(domain) text_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_login_throttle_and_temporary_password")]

    operations = [migrations.RunPython(create, drop)]
