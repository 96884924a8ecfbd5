"""Start Django on the configured database and bring its schema up to date."""

from __future__ import annotations

import os
import sys

SETTINGS_MODULE = "relaydesk.settings"


def setup_django() -> None:
    """Settings come from the RELAYDESK_* environment, as for `relaydesk` itself."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def migrate_if_needed() -> bool:
    """Apply missing migrations (quietly); returns whether there were any."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
    return True


def database_label() -> tuple[str, str]:
    """("postgresql" | "sqlite", the database's name or file) of the default connection."""
    from django.db import connection

    return connection.vendor, str(connection.settings_dict["NAME"])
